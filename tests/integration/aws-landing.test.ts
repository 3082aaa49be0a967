import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { AWS_FEEDS, awsMarketplaceVendor } from "../../scripts/land/aws-marketplace.ts";
import { landVendor } from "../../scripts/land/landing.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const FIXTURE = join(REPO_ROOT, "tests/fixtures/aws-golden");
const BILLING_MARCH = "aws-marketplace/BillingEventFeed_V1/year=2024/month=03/data.csv";

describe("landing AWS Marketplace seller data feeds", () => {
  let dataDir: string;
  let warehouse: DuckDbWarehouse;
  const land = (runId: string) => landVendor(warehouse, awsMarketplaceVendor, { runId, dataDir, projectDir: REPO_ROOT });
  const count = async (table: string) => Number((await warehouse.query<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM raw.${table}`))[0].n);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-aws-land-"));
    cpSync(join(FIXTURE, "aws-marketplace"), join(dataDir, "aws-marketplace"), { recursive: true });
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lands every month file of every feed, backfill and header-only months included, as delivered text", async () => {
    const results = await land("run-1");
    expect(results.every((r) => r.status === "landed" && r.rowsQuarantined === 0)).toBe(true);
    expect(results.map((r) => r.file)).toContain("aws-marketplace/BillingEventFeed_V1/year=2010/month=01/data.csv");
    expect(results.find((r) => r.file === "aws-marketplace/ProductFeed_V1/year=2024/month=01/data.csv")).toMatchObject({ rowsLanded: 0 });
    expect(await count("aws_billingeventfeed_v1")).toBe(31);
    expect(await count("aws_productfeed_v1")).toBe(3);
    for (const feed of AWS_FEEDS) await count(feed.table);
    expect(
      await warehouse.query(`SELECT company_name, address_line_1, valid_to FROM raw.aws_addressfeed_v1 WHERE country_code = 'DE'`),
    ).toEqual([{ company_name: 'Müller & Söhne GmbH, "Nord"', address_line_1: "Großer Burstah 12\n3. Etage", valid_to: "" }]);
    expect(
      await warehouse.query(`SELECT DISTINCT aws_account_id, tax_legal_name FROM raw.aws_accountfeed_v1 WHERE aws_account_id LIKE '0%' ORDER BY 1`),
    ).toEqual([
      { aws_account_id: "004455667788", tax_legal_name: "Müller & Söhne GmbH" },
      { aws_account_id: "012345678901", tax_legal_name: "한빛리테일 주식회사" },
    ]);
    // Amounts stay the text AWS wrote: no float, no padding.
    expect(await warehouse.query(`SELECT amount FROM raw.aws_billingeventfeed_v1 WHERE billing_event_id LIKE 'I3%' AND action = 'INVOICED'`)).toEqual([{ amount: "-0.2" }]);
  });

  it("lands a month file that grew by a day's records with only the new records; unchanged files add nothing", async () => {
    const before = await count("aws_billingeventfeed_v1");
    const file = join(dataDir, BILLING_MARCH);
    const lastLine = readFileSync(file, "utf8").trimEnd().split("\n").length;
    const header = readFileSync(file, "utf8").split("\n")[0].split(",");
    const record = (id: string, amount: string) =>
      header
        .map((column) =>
          ({ billing_event_id: id, valid_from: "2024-03-31T00:00:00Z", insert_date: "2024-03-31T00:00:00Z", update_date: "2024-03-31T00:00:00Z", action: "INVOICED", transaction_type: "SELLER_REV_SHARE", amount, currency: "USD", balance_impacting: "1", invoice_date: "2024-03-31T00:00:00Z" })[column] ?? "",
        )
        .join(",");
    appendFileSync(file, `${record("APPENDEDDAY1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "12.5")}\n${record("APPENDEDDAY1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "7")}\n`);
    const results = await land("run-2");
    const landed = results.filter((r) => r.status === "landed");
    expect(landed.map((r) => [r.file, r.rowsLanded, r.rowsQuarantined])).toEqual([[BILLING_MARCH, 2, 0]]);
    expect(await count("aws_billingeventfeed_v1")).toBe(before + 2);
    expect(
      await warehouse.query(`SELECT billing_event_id, amount, _source_line::VARCHAR AS line, _run_id FROM raw.aws_billingeventfeed_v1 WHERE _run_id = 'run-2' ORDER BY _source_line`),
    ).toEqual([
      { billing_event_id: "APPENDEDDAY1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", amount: "12.5", line: String(lastLine + 1), _run_id: "run-2" },
      { billing_event_id: "APPENDEDDAY1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", amount: "7", line: String(lastLine + 2), _run_id: "run-2" },
    ]);
    // No record of the month is in the raw table twice.
    expect(await warehouse.query(`SELECT _source_line FROM raw.aws_billingeventfeed_v1 WHERE _source_file = '${BILLING_MARCH}' GROUP BY 1 HAVING COUNT(*) > 1`)).toEqual([]);
    const again = await land("run-3");
    expect(again.every((r) => r.status === "already landed")).toBe(true);
  });

  it("counts a quarantined record of the earlier file as read: a bad row, then a good day, lands the good day once and quarantines the bad row once", async () => {
    const file = join(dataDir, BILLING_MARCH);
    appendFileSync(file, "only,three,fields\n");
    const first = await land("run-4");
    expect(first.filter((r) => r.status === "landed").map((r) => [r.file, r.rowsLanded, r.rowsQuarantined])).toEqual([[BILLING_MARCH, 0, 1]]);
    const header = readFileSync(file, "utf8").split("\n")[0].split(",");
    appendFileSync(file, `${header.map((c) => (c === "billing_event_id" ? "APPENDEDDAY2cccccccccccccccccccccccccccccc" : c === "amount" ? "3.25" : "")).join(",")}\n`);
    const second = await land("run-5");
    expect(second.filter((r) => r.status === "landed").map((r) => [r.file, r.rowsLanded, r.rowsQuarantined])).toEqual([[BILLING_MARCH, 1, 0]]);
    expect(await warehouse.query(`SELECT COUNT(*)::VARCHAR AS n FROM raw.quarantine WHERE file_path = '${BILLING_MARCH}'`)).toEqual([{ n: "1" }]);
    expect(await warehouse.query(`SELECT amount FROM raw.aws_billingeventfeed_v1 WHERE billing_event_id LIKE 'APPENDEDDAY2%'`)).toEqual([{ amount: "3.25" }]);
  });
  it("lands the agreement term and daily usage feeds when AWS delivers them, keeping a column the schema does not name", async () => {
    const write = (feed: string, text: string) => {
      const dir = join(dataDir, `aws-marketplace/${feed}/year=2024/month=03`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "data.csv"), text);
    };
    write(
      "AgreementTermFeed_V1",
      'valid_from,insert_date,update_date,delete_date,agreement_id,term_id,term_type,term_configuration\n2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,,agmt-1,term-1,ConfigurableUpfrontPricingTerm,"{""selectorValue"":""P36M"",""dimensions"":[{""dimensionKey"":""Applications"",""dimensionValue"":1}]}"\n',
    );
    write(
      "DailyUsageFeed_V1",
      "valid_from,insert_date,update_date,delete_date,usage_feed_id,usage_date,product_id,agreement_id,end_user_account_id,payer_account_id,region,dimension_key,usage_unit,usage_quantity,pricing_currency,estimated_revenue_in_pricing_currency,offer_id,usage_rate_per_unit_in_pricing_currency\n" +
        "2024-03-02T00:00:00Z,2024-03-02T00:00:00Z,2024-03-02T00:00:00Z,,u-1,2024-03-01,prod-1,agmt-1,acct-e,acct-p,us-east-1,Hosts,Hrs,24.50,USD,12.25,offer-1,0.500000\n",
    );
    const results = await land("run-terms");
    expect(results.filter((r) => r.status === "landed").map((r) => [r.file, r.rowsLanded, r.rowsQuarantined])).toEqual([
      ["aws-marketplace/AgreementTermFeed_V1/year=2024/month=03/data.csv", 1, 0],
      ["aws-marketplace/DailyUsageFeed_V1/year=2024/month=03/data.csv", 1, 0],
    ]);
    expect(await warehouse.query(`SELECT term_type, json_extract_string(term_configuration, '$.selectorValue') AS selector FROM raw.aws_agreementtermfeed_v1`)).toEqual([
      { term_type: "ConfigurableUpfrontPricingTerm", selector: "P36M" },
    ]);
    expect(await warehouse.query(`SELECT usage_quantity, estimated_revenue_in_pricing_currency AS revenue, json_extract_string(_extra, '$.usage_rate_per_unit_in_pricing_currency') AS rate FROM raw.aws_dailyusagefeed_v1`)).toEqual([
      { usage_quantity: "24.50", revenue: "12.25", rate: "0.500000" },
    ]);
  });
});
