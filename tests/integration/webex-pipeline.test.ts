import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../scripts/config/config.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { SourceFormatError } from "../../scripts/land/readers.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { FakeWebexApi } from "../helpers/fake-webex-api.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { rbwAsync as rbw } from "../helpers/rbw-cli.ts";

const FIXTURE = join(REPO_ROOT, "tests/fixtures/webex-golden");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  customers: { customer_id: string; customer_name: string; webex: Record<string, string[]> }[];
  reports: Record<"PARTNER" | "CUSTOMER" | "USER", string>;
  lines: { line: string; customer_id: string; USER_ID: string; WORKSPACE_ID: string; LICENSE_ID: string; CONSUMPTION_START_DATE: string; QUANTITY: string; price_row: number; wholesale_cost: string; customer_price: string; margin: string }[];
  totals_by_customer: { customer_id: string; currency: string; customer_price: string }[];
  totals_by_customer_and_service: { customer_id: string; service_name: string; currency: string; wholesale_cost: string; customer_price: string; margin: string }[];
  total: { wholesale_cost: string; customer_price: string; margin: string };
  reconciliation: {
    user_vs_customer: { customer_id: string; sku: string; user_quantity: string; customer_quantity: string; status: string }[];
    customer_vs_partner: { sku: string; customer_quantity: string; partner_quantity: string; status: string }[];
  };
};

/** Decimal text as the warehouse prints NUMERIC (9 decimals), from the fixture's plain decimals. */
const numeric = (value: string) => {
  const [whole, fraction = ""] = value.split(".");
  return `${whole}.${fraction.padEnd(9, "0")}`;
};

/** The golden reports with a config whose customers are the fixture's (USD rates for the KRW margin report). */
function goldenData(): string {
  const dir = mkdtempSync(join(tmpdir(), "rbw-webex-data-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const customers = expected.customers.map((c) => ({ customer_id: c.customer_id, customer_name: c.customer_name, webex: c.webex }));
  writeFileSync(join(dir, "config/customers.json"), JSON.stringify({ customers }, null, 2));
  writeFileSync(join(dir, "config/fx_rates.json"), JSON.stringify({ rates: [{ from: "USD", to: "KRW", month: "2026-10", rate: "1390.05", source: "test" }] }));
  writeFileSync(join(dir, "config/settings.json"), JSON.stringify({ reporting_currency: "KRW", reseller_name: "Hangang Cloud Partners" }));
  return dir;
}

const reportFile = (dir: string, type: keyof typeof expected.reports, ext = "csv") => join(dir, "webex", `${expected.reports[type]}.${ext}`);

describe("Webex Wholesale through the warehouse (golden reports of October 2026)", () => {
  let data: string;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data });
  const failed = (result: Awaited<ReturnType<typeof run>>) => result.run.results.filter((r) => r.status !== "success").map((r) => `${r.name}: ${r.message}`);

  beforeAll(async () => {
    data = goldenData();
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(data, { recursive: true, force: true });
  });

  it("prices every USER line with the price row the fixture computes by hand", async () => {
    const result = await run();
    expect(failed(result)).toEqual([]);
    const typeOf = (file: string) => Object.entries(expected.reports).find(([, id]) => file === `webex/${id}.csv`)?.[0];
    expect(result.land.files.map((f) => [typeOf(f.file), f.rowsLanded, f.rowsQuarantined])).toEqual([
      ["PARTNER", 3, 0],
      ["CUSTOMER", 7, 0],
      ["USER", 9, 0],
    ]);
    const lines = await warehouse.query<Record<string, string>>(
      `SELECT customer_id, resource_id, COALESCE((vendor_attributes->>'$.license_id'), '') AS license_id, CAST(charge_period_start AS DATE)::VARCHAR AS start,
              pricing_quantity::VARCHAR AS quantity, (vendor_attributes->>'$.price_row') AS price_row,
              billed_cost::VARCHAR AS cost, customer_billed_cost::VARCHAR AS price, margin::VARCHAR AS margin, billing_currency
       FROM core.fct_billing_line WHERE source_system = 'webex_wholesale'`,
    );
    expect(lines).toHaveLength(expected.lines.length);
    for (const line of expected.lines) {
      const resource = line.USER_ID || line.WORKSPACE_ID;
      const found = lines.filter((l) => l.resource_id === resource && l.license_id === line.LICENSE_ID && l.start === line.CONSUMPTION_START_DATE);
      expect(found, `line ${line.line}`).toEqual([
        {
          customer_id: line.customer_id,
          resource_id: resource,
          license_id: line.LICENSE_ID,
          start: line.CONSUMPTION_START_DATE,
          quantity: numeric(line.QUANTITY),
          price_row: String(line.price_row),
          cost: numeric(line.wholesale_cost),
          price: numeric(line.customer_price),
          margin: numeric(line.margin),
          billing_currency: "USD",
        },
      ]);
    }
  });

  it("shows Webex in margin_monthly per customer and SERVICE_NAME, with the hand-computed totals", async () => {
    const rows = await warehouse.query(
      `SELECT customer_id, service_name, currency, cost::VARCHAR AS wholesale_cost, customer_price::VARCHAR AS customer_price, margin::VARCHAR AS margin
       FROM marts.margin_monthly WHERE provider_name = 'Webex' AND billing_period = DATE '2026-10-01' ORDER BY customer_id, service_name`,
    );
    const want = expected.totals_by_customer_and_service
      .map((t) => ({ customer_id: t.customer_id, service_name: t.service_name, currency: t.currency, wholesale_cost: numeric(t.wholesale_cost), customer_price: numeric(t.customer_price), margin: numeric(t.margin) }))
      .sort((a, b) => a.customer_id.localeCompare(b.customer_id) || a.service_name.localeCompare(b.service_name));
    expect(rows).toEqual(want);
    const [invoice] = await warehouse.query<Record<string, string>>(
      `SELECT SUM(cost)::VARCHAR AS cost, SUM(customer_price)::VARCHAR AS price, SUM(margin)::VARCHAR AS margin FROM marts.margin_monthly WHERE provider_name = 'Webex'`,
    );
    expect(invoice).toEqual({ cost: numeric(expected.total.wholesale_cost), price: numeric(expected.total.customer_price), margin: numeric(expected.total.margin) });
    const customerInvoice = await warehouse.query(
      `SELECT customer_id, currency, amount::VARCHAR AS amount_due FROM marts.customer_invoice WHERE provider_name = 'Webex' ORDER BY customer_id`,
    );
    expect(customerInvoice).toEqual(expected.totals_by_customer.map((t) => ({ customer_id: t.customer_id, currency: t.currency, amount_due: numeric(t.customer_price) })));
  });

  it("reconciles the three levels: USER vs CUSTOMER per customer x SKU, CUSTOMER vs PARTNER per SKU", async () => {
    const rows = await warehouse.query<Record<string, string>>(
      `SELECT reconciliation, scope, billing_period::VARCHAR AS period, currency, vendor_total::VARCHAR AS vendor_total, warehouse_total::VARCHAR AS detail_total, status
       FROM marts.invoice_reconciliation WHERE source_system = 'webex_wholesale' ORDER BY reconciliation, scope`,
    );
    const orgOf = (customerId: string) => expected.customers.find((c) => c.customer_id === customerId)?.webex.customer_org_ids[0];
    const want = [
      ...expected.reconciliation.customer_vs_partner.map((r) => ({
        reconciliation: "customer_vs_partner",
        scope: `sku ${r.sku}`,
        period: "2026-10-01",
        currency: "XXX",
        vendor_total: numeric(r.partner_quantity),
        detail_total: numeric(r.customer_quantity),
        status: r.status,
      })),
      ...expected.reconciliation.user_vs_customer.map((r) => ({
        reconciliation: "user_vs_customer",
        scope: `customer ${r.customer_id} (${orgOf(r.customer_id)}), sku ${r.sku}`,
        period: "2026-10-01",
        currency: "XXX",
        vendor_total: numeric(r.customer_quantity),
        detail_total: numeric(r.user_quantity),
        status: r.status,
      })),
    ].sort((a, b) => a.reconciliation.localeCompare(b.reconciliation) || a.scope.localeCompare(b.scope));
    expect(rows).toEqual(want);
  });

  it("changes nothing on a second run", async () => {
    const before = await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line ORDER BY source_line_id");
    const result = await run();
    expect(failed(result)).toEqual([]);
    expect(result.changes).toEqual([]);
    expect(result.mappingChanged).toBe(false);
    expect(result.run.results.find((r) => r.name === "core.fct_billing_line")).toMatchObject({ mode: "insert", rowsWritten: 0 });
    expect(await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line ORDER BY source_line_id")).toEqual(before);
  });

  it("replaces a period's lines with a report regenerated for it, and shows a level that no longer adds up", async () => {
    // Webex regenerates the USER report: Yoon Seojun's line now has 30 days (the CUSTOMER report still says 31).
    const newId = "Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9CSUxMSU5HX1JFUE9SVC8wYzdiMmY0ZS0xZDBhLTRlNWItOWYzYy0yMDI2MTEwNTAwYzQ";
    const csv = readFileSync(reportFile(data, "USER"), "utf8").replace("11ce0006-0000-4000-8000-000000000006,2026-10-01,2026-10-31,31", "11ce0006-0000-4000-8000-000000000006,2026-10-01,2026-10-31,30");
    writeFileSync(join(data, "webex", `${newId}.csv`), csv);
    const metadata = JSON.parse(readFileSync(reportFile(data, "USER", "json"), "utf8"));
    writeFileSync(join(data, "webex", `${newId}.json`), JSON.stringify({ ...metadata, id: newId, created: "2026-11-05T02:00:00.000Z" }));
    const result = await run();
    expect(result.changes).toEqual([
      {
        source_system: "webex_wholesale",
        billing_period_start: "2026-10-01",
        change_kind: "period_replaced",
        previous_export_time: "2026-11-02 01:15:12+00",
        new_export_time: "2026-11-05 02:00:00+00",
        lines_removed: "9",
        lines_delivered: "9",
        run_id: result.run.runId,
      },
    ]);
    const [yoon] = await warehouse.query<Record<string, string>>(
      `SELECT billed_cost::VARCHAR AS cost, customer_billed_cost::VARCHAR AS price FROM core.fct_billing_line WHERE resource_id = '05e50013-0000-4000-8000-000000000013'`,
    );
    expect(yoon).toEqual({ cost: "12.000000000", price: "18.000000000" });
    const mismatches = await warehouse.query(
      `SELECT reconciliation, scope, vendor_total::VARCHAR AS vendor_total, warehouse_total::VARCHAR AS detail_total, difference::VARCHAR AS difference
       FROM marts.invoice_reconciliation WHERE source_system = 'webex_wholesale' AND status = 'mismatch'`,
    );
    expect(mismatches).toEqual([
      {
        reconciliation: "user_vs_customer",
        scope: "customer mirae-logistics (c0570002-0000-4000-8000-000000000002), sku WHL-CALLING-PRO",
        vendor_total: "31.000000000",
        detail_total: "30.000000000",
        difference: "-1.000000000",
      },
    ]);
    expect(failed(result)).toEqual(["assertions.invoice_reconciles: assertion failed: 1 failing row"]);
  });
});

describe("Webex pricing rules and bad input", () => {
  let data: string;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data });

  beforeAll(async () => {
    data = goldenData();
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(data, { recursive: true, force: true });
  });

  it("re-prices history when the price book changes", async () => {
    await run();
    const book = JSON.parse(readFileSync(join(data, "config/webex_price_book.json"), "utf8")) as { prices: Record<string, string>[] };
    // Mirae gets its own Calling price from September: line i, 31 days at 0.58 = 17.98.
    book.prices.push({ sku: "WHL-CALLING-PRO", currency: "USD", wholesale_unit_price: "0.40", customer_unit_price: "0.58", effective_from: "2026-09-01", customer_id: "mirae-logistics" });
    writeFileSync(join(data, "config/webex_price_book.json"), JSON.stringify(book));
    const result = await run();
    expect(result.mappingChanged).toBe(true);
    const [line] = await warehouse.query<Record<string, string>>(
      `SELECT customer_billed_cost::VARCHAR AS price, (vendor_attributes->>'$.price_row') AS price_row FROM core.fct_billing_line WHERE resource_id = '05e50013-0000-4000-8000-000000000013'`,
    );
    expect(line).toEqual({ price: "17.980000000", price_row: "6" });
  });

  it("keeps a line of a SKU without a price unpriced and names the SKU in a failing assertion", async () => {
    const book = JSON.parse(readFileSync(join(data, "config/webex_price_book.json"), "utf8")) as { prices: { sku: string }[] };
    writeFileSync(join(data, "config/webex_price_book.json"), JSON.stringify({ prices: book.prices.filter((p) => p.sku !== "WHL-COMMON-AREA") }));
    const result = await run();
    const assertion = result.run.results.find((r) => r.name === "assertions.webex_lines_priced");
    expect(assertion?.status).toBe("failed");
    expect(assertion?.failingRows).toEqual([
      { sku: "WHL-COMMON-AREA", customer_id: "hanbit-retail", customer_org_id: "c0570001-0000-4000-8000-000000000001", first_unpriced_start: "2026-10-01", unpriced_lines: "1", unpriced_quantity: "31.000000000" },
    ]);
    const [lobby] = await warehouse.query(`SELECT billed_cost, customer_billed_cost FROM core.fct_billing_line WHERE resource_id = '3045ace0-0000-4000-8000-000000000001'`);
    expect(lobby).toEqual({ billed_cost: null, customer_billed_cost: null });
  });

  it("refuses a price for a customer customers.json does not have", async () => {
    writeFileSync(
      join(data, "config/webex_price_book.json"),
      JSON.stringify({ prices: [{ sku: "WHL-SUITE", currency: "USD", wholesale_unit_price: "1", customer_unit_price: "2", effective_from: "2026-01-01", customer_id: "nobody" }] }),
    );
    await expect(run()).rejects.toThrow(ConfigError);
    await expect(run()).rejects.toThrow(/webex_price_book\.json: prices\.0\.customer_id: "nobody" is not a customer_id of customers\.json/);
    cpSync(join(FIXTURE, "config/webex_price_book.json"), join(data, "config/webex_price_book.json"));
  });

  it("quarantines a record whose QUANTITY is not a number, naming file, line and field", async () => {
    const id = "Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9CSUxMSU5HX1JFUE9SVC8wYzdiMmY0ZS0xZDBhLTRlNWItOWYzYy0yMDI2MDkwMTAwYTE";
    writeFileSync(
      join(data, "webex", `${id}.csv`),
      'PARTNER_NAME,PARTNER_ORG_ID,SUBSCRIPTION_ID,SERVICE_NAME,SKU,DESCRIPTION,CONSUMPTION_START_DATE,CONSUMPTION_END_DATE,QUANTITY\nHangang,p1,Sub-1,WEBEX_SUITE,WHL-SUITE,"Suite, Meetings",2026-09-01,2026-09-30,30\nHangang,p1,Sub-1,WEBEX_CALLING,WHL-CALLING-PRO,Calling,2026-09-01,2026-09-30,thirty\n',
    );
    writeFileSync(join(data, "webex", `${id}.json`), JSON.stringify({ id, type: "PARTNER", billingStartDate: "2026-09-01", billingEndDate: "2026-09-30", status: "COMPLETED", created: "2026-10-02T01:00:00Z" }));
    const result = await run();
    expect(result.land.files.filter((f) => f.status === "landed").map((f) => [f.rowsLanded, f.rowsQuarantined])).toEqual([[1, 1]]);
    const quarantined = await warehouse.query(`SELECT file_path, row_number::INTEGER AS line, field FROM raw.quarantine WHERE source_system = 'webex_wholesale'`);
    expect(quarantined).toEqual([{ file_path: `webex/${id}.csv`, line: 3, field: "QUANTITY" }]);
  });

  it("stops at a report whose header has an unknown column, naming the file and the column, keeping what landed before", async () => {
    const id = "Y2lzY29zcGFyazovL3VzL1dIT0xFU0FMRV9CSUxMSU5HX1JFUE9SVC8wYzdiMmY0ZS0xZDBhLTRlNWItOWYzYy0yMDI2MDkwMTAwYjI";
    writeFileSync(join(data, "webex", `${id}.csv`), "PARTNER_NAME,PARTNER_ORG_ID,SUBSCRIPTION_ID,SERVICE_NAME,SKU,DESCRIPTION,CONSUMPTION_START_DATE,CONSUMPTION_END_DATE,QTY\n");
    writeFileSync(join(data, "webex", `${id}.json`), JSON.stringify({ id, type: "PARTNER", billingStartDate: "2026-09-01", billingEndDate: "2026-09-30", status: "COMPLETED", created: "2026-10-03T01:00:00Z" }));
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceFormatError);
    expect((error as SourceFormatError).message).toContain(`webex/${id}.csv: unknown column "QTY" (column 9) in a PARTNER report header`);
    expect((error as SourceFormatError).field).toBe("QTY");
    const [{ n }] = await warehouse.query<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM raw.webex_billing_report_line`);
    expect(n).toBe(20);
    rmSync(join(data, "webex", `${id}.csv`));
  });
});

describe("rbw land webex --from-api", () => {
  const TOKEN = "ZmFrZS13ZWJleC1wYXJ0bmVyLWFkbWluLXRva2Vu_cli_0123456789";
  const golden = Object.fromEntries(Object.entries(expected.reports).map(([type, id]) => [type, readFileSync(join(FIXTURE, "webex", `${id}.csv`))]));
  const api = new FakeWebexApi({ token: TOKEN, csvFor: (report) => golden[report.type] });
  let data: string;
  let warehouseFile: string;

  beforeAll(async () => {
    await api.start();
    data = goldenData();
    rmSync(join(data, "webex"), { recursive: true, force: true });
    warehouseFile = join(data, "warehouse.duckdb");
  });
  afterAll(async () => {
    await api.stop();
    rmSync(data, { recursive: true, force: true });
  });

  it("fetches the three levels from the API, saves them and lands them, never showing the token", async () => {
    const result = await rbw(["--warehouse", warehouseFile, "land", "webex", "--from-api", "--start", "2026-10-01", "--end", "2026-10-31", "--poll-seconds", "0", "--data", data], {
      WEBEX_ACCESS_TOKEN: TOKEN,
      WEBEX_API_URL: api.baseUrl,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Saved 3 Webex reports (PARTNER created, CUSTOMER created, USER created) for 2026-10-01 to 2026-10-31.");
    expect(result.stdout).toContain("Landed 19 rows, quarantined 0, from 3 files.");
    expect(result.stdout).not.toContain(TOKEN);
    const saved = readdirSync(join(data, "webex"));
    expect(saved).toHaveLength(6);
    for (const file of saved) expect(readFileSync(join(data, "webex", file), "utf8")).not.toContain(TOKEN);
    const warehouse = await DuckDbWarehouse.open(warehouseFile);
    try {
      const levels = await warehouse.query(`SELECT report_type, COUNT(*)::INTEGER AS n, SUM(QUANTITY)::VARCHAR AS quantity FROM raw.webex_billing_report_line GROUP BY 1 ORDER BY 1`);
      expect(levels).toEqual([
        { report_type: "CUSTOMER", n: 7, quantity: "192.500000000" },
        { report_type: "PARTNER", n: 3, quantity: "192.500000000" },
        { report_type: "USER", n: 9, quantity: "192.500000000" },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it("says the token was refused, without printing it", async () => {
    const wrong = "not-the-partner-token-4711";
    const result = await rbw(["--warehouse", warehouseFile, "land", "webex", "--from-api", "--start", "2026-10-01", "--end", "2026-10-31", "--data", data], {
      WEBEX_ACCESS_TOKEN: wrong,
      WEBEX_API_URL: api.baseUrl,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/refused/i);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it("names the missing option and the missing variable", async () => {
    const noDates = await rbw(["land", "webex", "--from-api", "--data", data], { WEBEX_ACCESS_TOKEN: TOKEN, WEBEX_API_URL: api.baseUrl });
    expect(noDates.stderr).toContain("rbw land webex --from-api needs --start YYYY-MM-DD and --end YYYY-MM-DD");
    const noToken = await rbw(["land", "webex", "--from-api", "--start", "2026-10-01", "--end", "2026-10-31", "--data", data], { WEBEX_ACCESS_TOKEN: "", WEBEX_API_URL: api.baseUrl });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain("WEBEX_ACCESS_TOKEN");
  });
});
