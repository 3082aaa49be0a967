// Gabia's published price table (includes/reference/gabia_price_table.csv, transcribed from the partner
// guide as printed) as a warehouse table. Dataform cannot read a CSV while compiling, so the rows come
// from gabia_price_table.json beside this file, the CSV's rows as objects (tests/unit/gabia-price-table-sync.test.ts
// keeps the two equal). Written as plain SELECTs so it builds the same on BigQuery and DuckDB.
const ROWS = require("./gabia_price_table.json");

const text = (v) => (v === "" ? "CAST(NULL AS STRING)" : `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`);
const numeric = (v) => (v === "" ? "CAST(NULL AS NUMERIC)" : `CAST('${v}' AS NUMERIC)`);
const integer = (v) => (v === "" ? "CAST(NULL AS INT64)" : `CAST(${Number.parseInt(v, 10)} AS INT64)`);

const select = (r) =>
  `SELECT ${text(r.table)} AS price_table, ${text(r.resource_kind)} AS resource_kind, ${text(r.server_type)} AS server_type, ` +
  `${text(r.storage_type)} AS storage_type, ${text(r.spec)} AS spec, ${text(r.item)} AS item, ${text(r.unit)} AS unit, ` +
  `${integer(r.unit_size)} AS unit_size, ${text(r.size_unit)} AS size_unit, ${numeric(r.tier_from)} AS tier_from, ${numeric(r.tier_to)} AS tier_to, ` +
  `${numeric(r.list_price_krw)} AS list_price, ${numeric(r.supply_price_krw)} AS supply_price, ${text(r.printed_discount)} AS printed_discount, ` +
  `DATE '${r.effective_from}' AS effective_from, ${text(r.source)} AS source`;

publish("gabia_price_table", {
  type: "table",
  schema: "staging",
  description:
    "Gabia g-Cloud list (정상가) and supply (공급가) prices in KRW, one row per printed price, from includes/reference/gabia_price_table.csv. unit: month, hour, count or GB (traffic); unit_size in size_unit (a block storage price is per 50 GB or 10 GB); tier_from / tier_to: NAS tiers in 100 GB units (a unit n is in the tier when tier_from < n <= tier_to), traffic tiers and free allowances in GB of the month's usage. A price applies from effective_from until a newer row for the same item.",
  columns: {
    price_table: "The guide's table: server_monthly, server_hourly, license, snapshot, image, block_storage, nas, public_ip, load_balancer, firewall_group, traffic.",
    resource_kind: "The Bills API charge_detail array the price rates (license for licenses).",
    server_type: "basic, premium or ssd (베이직, 프리미엄, 로컬 SSD).",
    storage_type: "hdd or ssd.",
    spec: "Server spec vCore/memory/root volume, e.g. 2vCore/4GB/50GB.",
    item: "What is priced: server, windows, mssql, server_snapshot, server_image, image_storage, block_storage, nas_tier, public_ip, load_balancer, domestic, overseas, ...",
    unit: "month, hour, count or GB.",
    unit_size: "How many size_unit one price covers (50 GB HDD block storage, 4 vCores of MSSQL).",
    size_unit: "server, vCore, GB, ip, ...",
    tier_from: "Tier lower bound (exclusive).",
    tier_to: "Tier upper bound (inclusive); NULL for the open top tier.",
    list_price: "정상가, KRW, as printed.",
    supply_price: "공급가, KRW, as printed (traffic: the guide prints the list prices on its supply rows too).",
    printed_discount: "The discount the guide prints on the row.",
    effective_from: "First day the price applies.",
    source: "Where in the guide the row is printed."
  },
  tags: ["daily"],
}).query(() => ROWS.map(select).join("\nUNION ALL\n"));
