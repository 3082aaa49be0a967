import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGraph } from "../../scripts/check/zetasql-check.ts";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { compileProject } from "../../scripts/runner/compiled-graph.ts";
import { dataWithGabia } from "../helpers/gabia-data.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { DUCKDB_TYPE, LINE_MODEL } from "../helpers/line-contract.ts";

/**
 * Gabia g-Cloud through the whole warehouse: the golden October bill (tests/fixtures/gabia-golden, hand-computed in expected-rating.json) rated
 * line by line, the fact, the margin mart and the reconciliation; a provisional bill replaced by the final.
 */

const GOLDEN = join(REPO_ROOT, "tests/fixtures/gabia-golden");

interface ExpectedRating {
  user_id: string;
  resource_kind: string;
  resource_id: string;
  rule: string;
  supply_amount: string;
  list_amount: string;
  gabia_charge: string;
}

const expected: ExpectedRating[] = JSON.parse(readFileSync(join(GOLDEN, "expected-rating.json"), "utf8"));

/** DuckDB's DECIMAL text without the trailing zeros of its 9 decimals ("8790.000000000" -> "8790", "1.50" -> "1.5"). */
const plain = (value: string | null): string | null => (value === null ? null : value.includes(".") ? value.replace(/0+$/, "").replace(/\.$/, "") : value);


describe("Gabia g-Cloud through the warehouse", () => {
  let data: ReturnType<typeof dataWithGabia>;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });
  const ratingCheck = async () =>
    (
      await warehouse.query<{ billing_period: string; user_id: string; resource_kind: string; resource_id: string; gabia_charge: string; supply_amount: string | null; list_amount: string | null; rule: string; difference: string | null }>(
        `SELECT CAST(billing_period AS VARCHAR) AS billing_period, user_id, resource_kind, resource_id, gabia_charge::VARCHAR AS gabia_charge,
           supply_amount::VARCHAR AS supply_amount, list_amount::VARCHAR AS list_amount, rule, difference::VARCHAR AS difference
         FROM marts.gabia_rating_check ORDER BY user_id, resource_kind, resource_id`,
      )
    ).map((r) => ({ ...r, gabia_charge: plain(r.gabia_charge), supply_amount: plain(r.supply_amount), list_amount: plain(r.list_amount), difference: plain(r.difference) }));
  const gabiaMargin = async () =>
    (
      await warehouse.query<{ customer_id: string; service_name: string; currency: string; cost: string; price: string; margin: string }>(
        `SELECT customer_id, service_name, currency, cost::VARCHAR AS cost, customer_price::VARCHAR AS price, margin::VARCHAR AS margin
         FROM marts.margin_monthly WHERE provider_name = 'Gabia' AND billing_period = DATE '2026-10-01' ORDER BY customer_id, service_name`,
      )
    ).map((r) => ({ ...r, cost: plain(r.cost), price: plain(r.price), margin: plain(r.margin) }));
  const gabiaReconciliation = async () =>
    (
      await warehouse.query<{ reconciliation: string; payer_account_id: string; scope: string; vendor_total: string; warehouse_total: string; status: string }>(
        `SELECT reconciliation, payer_account_id, scope, vendor_total::VARCHAR AS vendor_total, warehouse_total::VARCHAR AS warehouse_total, status
         FROM marts.invoice_reconciliation WHERE source_system = 'gabia' ORDER BY reconciliation DESC, scope`,
      )
    ).map((r) => ({ ...r, vendor_total: plain(r.vendor_total), warehouse_total: plain(r.warehouse_total) }));

  beforeAll(async () => {
    data = dataWithGabia({ withFinal: false });
    cpSync(join(GOLDEN, "provisional/gabia"), join(data.dir, "gabia"), { recursive: true });
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse?.close();
    data?.cleanup();
  });

  it("type-checks as BigQuery SQL (ZetaSQL), the line model with the contract's columns and types", async () => {
    const graph = await compileProject({ projectDir: REPO_ROOT });
    const result = await checkGraph(graph, loadSourceSchemas(REPO_ROOT));
    // Every model Gabia adds or flows into; other vendors' own folders are checked by their own tests.
    const otherVendors = readdirSync(join(REPO_ROOT, "definitions/intermediate")).filter((folder) => folder !== "gabia");
    const otherVendor = new RegExp(`^(definitions/[a-z]+|assertions)/(${otherVendors.join("|")})/`);
    expect(result.errors.filter((e) => !otherVendor.test(e.fileName ?? ""))).toEqual([]);
    const columns = result.outputColumns["intermediate.int_gabia__billing_lines"];
    expect(columns.map((c) => `${c.name} ${c.type}`)).toEqual(LINE_MODEL.map((c) => `${c.name} ${c.type}`));
    expect(result.outputColumns["marts.gabia_rating_check"]).toEqual([
      { name: "billing_period", type: "DATE" },
      { name: "user_id", type: "STRING" },
      { name: "resource_kind", type: "STRING" },
      { name: "resource_id", type: "STRING" },
      { name: "gabia_charge", type: "NUMERIC" },
      { name: "supply_amount", type: "NUMERIC" },
      { name: "list_amount", type: "NUMERIC" },
      { name: "rule", type: "STRING" },
      { name: "difference", type: "NUMERIC" },
    ]);
  });

  it("lands a provisional (month-to-date) bill and rates it: 465 hours of a basic HDD 2vCore/4GB/50GB server", async () => {
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(result.land.files.filter((f) => f.file.startsWith("gabia/")).map((f) => [f.file, f.rowsLanded])).toEqual([
      ["gabia/bills/2026-10/provisional-20261020T000000Z/fetched.json", 1],
      ["gabia/bills/2026-10/provisional-20261020T000000Z/fetched.json", 1],
      ["gabia/bills/2026-10/provisional-20261020T000000Z/fetched.json", 2],
    ]);
    // 2026-10-01 00:00 to 2026-10-20 09:00 = 19 d x 24 + 9 = 465 h, not the whole month: hourly.
    // Supply 465 x 87.9 = 40,873.5 -> 40,873 (whole won); list 465 x 125.5 = 58,357.5 -> 58,357.
    // The month-to-date traffic line has no domestic / overseas split: 0 GB, 0 KRW.
    expect(await ratingCheck()).toEqual([
      { billing_period: "2026-10-01", user_id: "hanbit_web", resource_kind: "servers", resource_id: "vm_1002", gabia_charge: "40873", supply_amount: "40873", list_amount: "58357", rule: "hourly", difference: "0" },
      { billing_period: "2026-10-01", user_id: "hanbit_web", resource_kind: "traffic", resource_id: "vm_1002", gabia_charge: "0", supply_amount: "0", list_amount: "0", rule: "traffic_tiered", difference: "0" },
    ]);
    expect(await gabiaMargin()).toEqual([
      { customer_id: "c1", service_name: "Cloud Server", currency: "KRW", cost: "40873", price: "58357", margin: "17484" },
      { customer_id: "c1", service_name: "Traffic", currency: "KRW", cost: "0", price: "0", margin: "0" },
    ]);
    expect(await gabiaReconciliation()).toEqual([
      { reconciliation: "vendor_invoice", payer_account_id: "biz_hangang", scope: "", vendor_total: "40873", warehouse_total: "40873", status: "match" },
      { reconciliation: "gabia_user_bill", payer_account_id: "biz_hangang", scope: "hanbit_web", vendor_total: "40873", warehouse_total: "40873", status: "match" },
    ]);
  });

  it("replaces the provisional bill with the final bill and rates every golden line as expected-rating.json computes it by hand", async () => {
    cpSync(join(GOLDEN, "gabia"), join(data.dir, "gabia"), { recursive: true });
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(result.changes).toEqual([
      {
        source_system: "gabia",
        billing_period_start: "2026-10-01",
        change_kind: "period_replaced",
        previous_export_time: "2026-10-20 00:00:00+00",
        new_export_time: "2026-11-01 00:30:00+00",
        lines_removed: "2",
        lines_delivered: "23",
        run_id: result.run.runId,
      },
    ]);

    const rows = await ratingCheck();
    expect(rows).toHaveLength(expected.length);
    const byKey = new Map(rows.map((r) => [`${r.user_id}/${r.resource_kind}/${r.resource_id}`, r]));
    for (const e of expected) {
      const key = `${e.user_id}/${e.resource_kind}/${e.resource_id}`;
      expect(byKey.get(key), key).toEqual({
        billing_period: "2026-10-01",
        user_id: e.user_id,
        resource_kind: e.resource_kind,
        resource_id: e.resource_id,
        gabia_charge: e.gabia_charge,
        supply_amount: e.supply_amount,
        list_amount: e.list_amount,
        rule: e.rule,
        difference: String(BigInt(e.gabia_charge) - BigInt(e.supply_amount)),
      });
    }
  });

  it("rates the issue's cases with the numbers a reader can check by hand", async () => {
    const row = async (user: string, kind: string, id: string) => (await ratingCheck()).find((r) => r.user_id === user && r.resource_kind === kind && r.resource_id === id);
    // Basic HDD 2vCore/4GB/50GB used 100 h: 100 x 87.9 = 8,790 supply, 100 x 125.5 = 12,550 list.
    expect(await row("hanbit_web", "servers", "vm_1001")).toMatchObject({ rule: "hourly", supply_amount: "8790", list_amount: "12550" });
    // The same spec all month: the monthly price, 49,700 / 71,000.
    expect(await row("hanbit_web", "servers", "vm_1002")).toMatchObject({ rule: "monthly", supply_amount: "49700", list_amount: "71000" });
    // 700 h of a 31-day month: 700 x 87.9 = 61,530 > 49,700 and 700 x 125.5 = 87,850 > 71,000, capped.
    expect(await row("hanbit_web", "servers", "vm_1003")).toMatchObject({ rule: "hourly_capped", supply_amount: "49700", list_amount: "71000" });
    // Windows used 10 calendar days (12th to 21st): 10 x 30,000 / 30 = 10,000.
    expect(await row("daon_lab", "license", "vm_2001")).toMatchObject({ rule: "license_daily", supply_amount: "10000", list_amount: "10000" });
    // NAS 10 TB = 100 units of 100 GB: 49 x 5,000 + 50 x 4,000 + 1 x 3,000 = 448,000 list; 313,600 supply.
    expect(await row("daon_lab", "nas", "nas_2001")).toMatchObject({ rule: "nas_tiered", supply_amount: "313600", list_amount: "448000" });
    // NAS 1.5 TB = 15 units, all in the first tier: 15 x 5,000 = 75,000 list, 15 x 3,500 = 52,500 supply.
    expect(await row("daon_lab", "nas", "nas_2002")).toMatchObject({ rule: "nas_tiered", supply_amount: "52500", list_amount: "75000" });
    // 1,500 GB domestic + 80 GB overseas on one server: (1,500 - 1,000) x 100 + (80 - 50) x 500 = 65,000, supply = list.
    expect(await row("hanbit_web", "traffic", "vm_1002")).toMatchObject({ rule: "traffic_tiered", supply_amount: "65000", list_amount: "65000" });
    // A load balancer's 800 GB domestic and 40 GB overseas are within its own allowance: 0.
    expect(await row("mirae_shop", "traffic", "lbg_3001")).toMatchObject({ rule: "traffic_tiered", supply_amount: "0", list_amount: "0" });
  });

  it("puts Gabia in the fact and margin_monthly (KRW) with cost = Gabia's charge and customer price = the list rating", async () => {
    // c1 = hanbit_web + mirae_shop, c2 = daon_lab (customers.json "gabia": {"user_ids": [...]}).
    expect(await gabiaMargin()).toEqual([
      // vol_3001 7,000 + vol_3002 750 charged; 10,000 + 1,050 list.
      { customer_id: "c1", service_name: "Block Storage", currency: "KRW", cost: "7750", price: "11050", margin: "3300" },
      // vm_1001 8,790 + vm_1002 49,700 + vm_1003 49,700 + vm_3001 52,150 charged; 12,550 + 71,000 + 71,000 + 74,500 list.
      { customer_id: "c1", service_name: "Cloud Server", currency: "KRW", cost: "160340", price: "229050", margin: "68710" },
      // img_3000 1,400 + img_3001 360 charged; 2,000 + 504 list.
      { customer_id: "c1", service_name: "Image Storage", currency: "KRW", cost: "1760", price: "2504", margin: "744" },
      { customer_id: "c1", service_name: "Load Balancer", currency: "KRW", cost: "10500", price: "15000", margin: "4500" },
      // pubIp_3001 3,500 + pubIp_3002 84 charged; 5,000 + 120 list.
      { customer_id: "c1", service_name: "Public IP", currency: "KRW", cost: "3584", price: "5120", margin: "1536" },
      { customer_id: "c1", service_name: "Server Image", currency: "KRW", cost: "700", price: "1000", margin: "300" },
      { customer_id: "c1", service_name: "Server Snapshot", currency: "KRW", cost: "1400", price: "2000", margin: "600" },
      // Traffic is priced the same at list and supply: no margin.
      { customer_id: "c1", service_name: "Traffic", currency: "KRW", cost: "65000", price: "65000", margin: "0" },
      { customer_id: "c2", service_name: "Cloud Server", currency: "KRW", cost: "8866", price: "12650", margin: "3784" },
      // nas_2001 313,600 + nas_2002 52,500 charged; 448,000 + 75,000 list.
      { customer_id: "c2", service_name: "NAS", currency: "KRW", cost: "366100", price: "523000", margin: "156900" },
      { customer_id: "c2", service_name: "Server License", currency: "KRW", cost: "10000", price: "10000", margin: "0" },
      { customer_id: "c2", service_name: "Traffic", currency: "KRW", cost: "0", price: "0", margin: "0" },
    ]);

    const lines = await warehouse.query<{ n: string; cost: string; price: string; currencies: string; customers: string }>(
      `SELECT COUNT(*) AS n, SUM(billed_cost)::VARCHAR AS cost, SUM(customer_billed_cost)::VARCHAR AS price,
         STRING_AGG(DISTINCT billing_currency, ',') AS currencies, STRING_AGG(DISTINCT customer_id, ',' ORDER BY customer_id) AS customers
       FROM core.fct_billing_line WHERE source_system = 'gabia'`,
    );
    expect(lines).toEqual([{ n: "23", cost: "636000.000000000", price: "876374.000000000", currencies: "KRW", customers: "c1,c2" }]);

    const columns = await warehouse.query<{ name: string; type: string }>(
      "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = 'intermediate' AND table_name = 'int_gabia__billing_lines' ORDER BY ordinal_position",
    );
    expect(columns).toEqual(LINE_MODEL.map((c) => ({ name: c.name, type: DUCKDB_TYPE[c.type] })));
  });

  it("reconciles the partner bill's total_charge (636,000) and every user bill with the landed lines", async () => {
    expect(await gabiaReconciliation()).toEqual([
      { reconciliation: "vendor_invoice", payer_account_id: "biz_hangang", scope: "", vendor_total: "636000", warehouse_total: "636000", status: "match" },
      { reconciliation: "gabia_user_bill", payer_account_id: "biz_hangang", scope: "daon_lab", vendor_total: "384966", warehouse_total: "384966", status: "match" },
      { reconciliation: "gabia_user_bill", payer_account_id: "biz_hangang", scope: "hanbit_web", vendor_total: "173190", warehouse_total: "173190", status: "match" },
      { reconciliation: "gabia_user_bill", payer_account_id: "biz_hangang", scope: "mirae_shop", vendor_total: "77844", warehouse_total: "77844", status: "match" },
    ]);
  });

  it("changes nothing on a second run", async () => {
    const before = await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line WHERE source_system = 'gabia' ORDER BY source_line_id");
    const checkBefore = await ratingCheck();
    const result = await run();
    expect(result.run.ok).toBe(true);
    expect(result.changes).toEqual([]);
    expect(result.land.files.filter((f) => f.file.startsWith("gabia/") && f.rowsLanded > 0)).toEqual([]);
    expect(await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line WHERE source_system = 'gabia' ORDER BY source_line_id")).toEqual(before);
    expect(await ratingCheck()).toEqual(checkBefore);
  });

  it("flags a newer saved bill that lacks a user bill its partner bill lists", async () => {
    // A re-fetch of October saved without users/mirae_shop.json: the partner bill still lists 3 users.
    const folder = join(data.dir, "gabia/bills/2026-10");
    rmSync(join(folder, "users/mirae_shop.json"));
    writeFileSync(join(folder, "fetched.json"), JSON.stringify({ month: "2026-10", provisional: false, fetched_at: "2026-11-02T00:30:00.000Z", endpoint: "/v1/bills/2026-10" }));
    const result = await run();
    const failed = result.run.results.filter((r) => r.status !== "success").map((r) => r.name);
    expect(failed).toContain("assertions.gabia_user_bills_complete");
    const [row] = await warehouse.query("SELECT bill_month, users_listed::VARCHAR AS listed, user_bills_landed::VARCHAR AS landed FROM assertions.gabia_user_bills_complete");
    expect(row).toEqual({ bill_month: "2026-10", listed: "3", landed: "2" });
  });
});

describe("a customer priced at Gabia's supply price plus a markup", () => {
  let data: ReturnType<typeof dataWithGabia>;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });
  const daonLab = () =>
    warehouse.query<{ resource_kind: string; resource_id: string; cost: string; price: string }>(
      `SELECT (vendor_attributes->>'$.resource_kind') AS resource_kind, resource_id, billed_cost::VARCHAR AS cost, customer_billed_cost::VARCHAR AS price
       FROM core.fct_billing_line WHERE source_system = 'gabia' AND vendor_customer_id = 'daon_lab' ORDER BY resource_kind, resource_id`,
    );

  beforeAll(async () => {
    data = dataWithGabia();
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse?.close();
    data?.cleanup();
  });

  it("re-prices the customer's lines when customers.json gives it supply_markup_pct, in whole won", async () => {
    expect((await run()).run.ok).toBe(true);
    // Without a markup: the list rating (expected-rating.json).
    expect((await daonLab()).map((l) => l.price)).toEqual(["10000.000000000", "448000.000000000", "75000.000000000", "12650.000000000", "0.000000000"]);
    const file = join(data.dir, "config/customers.json");
    const config = JSON.parse(readFileSync(file, "utf8")) as { customers: { customer_id: string; gabia?: Record<string, unknown> }[] };
    const c2 = config.customers.find((c) => c.customer_id === "c2");
    if (!c2) throw new Error("dataWithGabia has no customer c2");
    c2.gabia = { ...c2.gabia, supply_markup_pct: "10" };
    writeFileSync(file, JSON.stringify(config));
    const result = await run();
    expect(result.mappingChanged).toBe(true);
    expect(result.run.ok).toBe(true);
    // Supply x 1.10, rounded half away from zero to the won: 8,866 -> 9,752.6 -> 9,753; 10,000 -> 11,000;
    // 313,600 -> 344,960; 52,500 -> 57,750; traffic within its allowance stays 0.
    expect(await daonLab()).toEqual([
      { resource_kind: "license", resource_id: "vm_2001", cost: "10000.000000000", price: "11000.000000000" },
      { resource_kind: "nas", resource_id: "nas_2001", cost: "313600.000000000", price: "344960.000000000" },
      { resource_kind: "nas", resource_id: "nas_2002", cost: "52500.000000000", price: "57750.000000000" },
      { resource_kind: "servers", resource_id: "vm_2001", cost: "8866.000000000", price: "9753.000000000" },
      { resource_kind: "traffic", resource_id: "vm_2001", cost: "0.000000000", price: "0.000000000" },
    ]);
    const [margin] = await warehouse.query<{ cost: string; price: string; margin: string }>(
      `SELECT SUM(cost)::VARCHAR AS cost, SUM(customer_price)::VARCHAR AS price, SUM(margin)::VARCHAR AS margin FROM marts.margin_monthly WHERE provider_name = 'Gabia' AND customer_id = 'c2'`,
    );
    expect(margin).toEqual({ cost: "384966.000000000", price: "423463.000000000", margin: "38497.000000000" });
  });

  it("refuses a markup that is not a decimal percentage, naming the customer's field", async () => {
    const file = join(data.dir, "config/customers.json");
    const config = JSON.parse(readFileSync(file, "utf8")) as { customers: { customer_id: string; gabia?: Record<string, unknown> }[] };
    config.customers[1].gabia = { ...config.customers[1].gabia, supply_markup_pct: "10%" };
    writeFileSync(file, JSON.stringify(config));
    await expect(run()).rejects.toThrow(/customers\.json: customers\.1\.gabia\.supply_markup_pct: a percentage written as a decimal string/);
  });
});
