import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGraph } from "../../scripts/check/zetasql-check.ts";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { compileProject } from "../../scripts/runner/compiled-graph.ts";
import { dataWithAws } from "../helpers/aws-data.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { CONTRACT_COMMITMENTS, DUCKDB_TYPE, LINE_MODEL } from "../helpers/line-contract.ts";

// AWS Marketplace as a vendor plug-in: the golden delivery (tests/fixtures/aws-golden) run through the
// fact, margin_monthly and the reconciliation.
// Customers: c1 claims Arnav's payer account, c2 Müller's; Hanbit is claimed by nobody.

describe("AWS Marketplace lines in the fact, the margin and the reconciliation", () => {
  let data: ReturnType<typeof dataWithAws>;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });

  beforeAll(async () => {
    data = dataWithAws({ c1: ["737399998888"], c2: ["004455667788"] });
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    data.cleanup();
  });

  it("type-checks as BigQuery SQL (ZetaSQL) with the line model's columns and types as the contract says", async () => {
    const graph = await compileProject({ projectDir: REPO_ROOT });
    const result = await checkGraph(graph, loadSourceSchemas(REPO_ROOT));
    expect(result.errors).toEqual([]);
    const columns = result.outputColumns["intermediate.int_aws__billing_lines"];
    expect(columns.map((c) => [c.name, c.type])).toEqual(LINE_MODEL.map((c) => [c.name, c.type]));
    expect(result.outputColumns["intermediate.int_aws__contract_commitments"].map((c) => [c.name, c.type])).toEqual(CONTRACT_COMMITMENTS.map((c) => [c.name, c.type]));
    for (const model of ["marts.aws_billed_revenue", "marts.aws_collections_disbursements", "intermediate.int_aws__invoice_totals"]) expect(result.outputColumns[model], model).toBeDefined();
  }, 240_000);

  it("puts every invoice-side billing event in the fact once, priced by the margin rule, and nothing else", async () => {
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success").map((r) => r.name)).toEqual([]);
    const lines = await warehouse.query(`
      SELECT LEFT(source_line_id, 2) AS event, charge_category, charge_class, billing_period_start::VARCHAR AS period, billing_currency AS currency,
             billed_cost::VARCHAR AS cost, customer_billed_cost::VARCHAR AS price, margin::VARCHAR AS margin, customer_id, customer_mapping, vendor_customer_id, payer_account_id
      FROM core.fct_billing_line WHERE source_system = 'aws_marketplace' ORDER BY billing_period_start, source_line_id`);
    const row = (event: string, charge_category: string, charge_class: string | null, period: string, currency: string, cost: string, price: string, margin: string, customer_id: string, customer_mapping: string, vendor_customer_id: string) =>
      ({ event, charge_category, charge_class, period, currency, cost, price, margin, customer_id, customer_mapping, vendor_customer_id, payer_account_id: "777788889999" });
    expect(lines).toEqual([
      // Worked example (CPPO of Jane's product): the buyer pays 100; Paulo gives up the 80 wholesale cost and the 0.20 listing fee; AWS's tax passes through.
      row("I0", "Purchase", null, "2018-12-01", "USD", "0.000000000", "100.000000000", "100.000000000", "c1", "payer_account", "737399998888"),
      row("I1", "Tax", null, "2018-12-01", "USD", "20.600000000", "20.600000000", "0.000000000", "c1", "payer_account", "737399998888"),
      row("I2", "Purchase", null, "2018-12-01", "USD", "80.000000000", "0.000000000", "-80.000000000", "c1", "payer_account", "737399998888"),
      row("I3", "Purchase", null, "2018-12-01", "USD", "0.200000000", "0.000000000", "-0.200000000", "c1", "payer_account", "737399998888"),
      // Hanbit (own product), claimed by no customer.
      row("H1", "Purchase", null, "2024-01-01", "USD", "0.000000000", "500.000000000", "500.000000000", "unassigned", "unmapped_account", "012345678901"),
      row("H2", "Purchase", null, "2024-01-01", "USD", "15.000000000", "0.000000000", "-15.000000000", "unassigned", "unmapped_account", "012345678901"),
      row("H3", "Tax", null, "2024-01-01", "USD", "50.000000000", "50.000000000", "0.000000000", "unassigned", "unmapped_account", "012345678901"),
      // The refund and the refunded listing fee: corrections, negative price and cost.
      row("R1", "Purchase", "Correction", "2024-02-01", "USD", "0.000000000", "-100.000000000", "-100.000000000", "unassigned", "unmapped_account", "012345678901"),
      row("R2", "Purchase", "Correction", "2024-02-01", "USD", "-3.000000000", "0.000000000", "3.000000000", "unassigned", "unmapped_account", "012345678901"),
      row("R3", "Tax", "Correction", "2024-02-01", "USD", "-10.000000000", "-10.000000000", "0.000000000", "unassigned", "unmapped_account", "012345678901"),
      // Müller (EUR, AWS_EUROPE): the VAT AWS charges on the listing fee is a tax, passed through; the soft-deleted duplicate MX is not here.
      row("M1", "Purchase", null, "2024-03-01", "EUR", "0.000000000", "1000.000000000", "1000.000000000", "c2", "payer_account", "004455667788"),
      row("M2", "Purchase", null, "2024-03-01", "EUR", "30.000000000", "0.000000000", "-30.000000000", "c2", "payer_account", "004455667788"),
      row("M3", "Tax", null, "2024-03-01", "EUR", "190.000000000", "190.000000000", "0.000000000", "c2", "payer_account", "004455667788"),
      row("M4", "Tax", null, "2024-03-01", "EUR", "5.700000000", "5.700000000", "0.000000000", "c2", "payer_account", "004455667788"),
    ]);
  }, 240_000);

  it("shows AWS Marketplace in margin_monthly per customer, product and month, taxes left out", async () => {
    const margin = await warehouse.query(`
      SELECT billing_period::VARCHAR AS period, customer_id, service_name, currency, cost::VARCHAR AS cost, customer_price::VARCHAR AS price, margin::VARCHAR AS margin
      FROM marts.margin_monthly WHERE provider_name = 'AWS Marketplace' ORDER BY billing_period, customer_id`);
    expect(margin).toEqual([
      { period: "2018-12-01", customer_id: "c1", service_name: "Jane's Analytics Suite", currency: "USD", cost: "80.200000000", price: "100.000000000", margin: "19.800000000" },
      { period: "2024-01-01", customer_id: "unassigned", service_name: "Paulo Backup Pro", currency: "USD", cost: "15.000000000", price: "500.000000000", margin: "485.000000000" },
      { period: "2024-02-01", customer_id: "unassigned", service_name: "Paulo Backup Pro", currency: "USD", cost: "-3.000000000", price: "-100.000000000", margin: "-97.000000000" },
      { period: "2024-03-01", customer_id: "c2", service_name: "Paulo Backup Pro", currency: "EUR", cost: "30.000000000", price: "1000.000000000", margin: "970.000000000" },
    ]);
  });

  it("reconciles the fact with the billing event feed's own totals per seller account, month and currency", async () => {
    const recon = await warehouse.query(`
      SELECT reconciliation, payer_account_id, billing_period::VARCHAR AS period, currency, vendor_total::VARCHAR AS vendor_total, warehouse_total::VARCHAR AS warehouse_total, status
      FROM marts.invoice_reconciliation WHERE source_system = 'aws_marketplace' ORDER BY billing_period`);
    const row = (period: string, currency: string, total: string) => ({ reconciliation: "vendor_invoice", payer_account_id: "777788889999", period, currency, vendor_total: total, warehouse_total: total, status: "match" });
    expect(recon).toEqual([
      row("2018-12-01", "USD", "100.800000000"),
      row("2024-01-01", "USD", "65.000000000"),
      row("2024-02-01", "USD", "-13.000000000"),
      row("2024-03-01", "EUR", "225.700000000"),
    ]);
    expect(await warehouse.query(`SELECT * FROM intermediate.int_aws__billing_lines WHERE margin != customer_billed_cost - billed_cost`)).toEqual([]);
  });

  it("keeps AWS accounts as slowly changing versions in dim_account: Hanbit's move from Seoul to Busan is two versions", async () => {
    const versions = await warehouse.query(
      `SELECT account_id, account_role, account_name, country_code, valid_from::VARCHAR AS valid_from, valid_to::VARCHAR AS valid_to, is_current,
              (account_attributes->>'$.mailing_address_id') AS mailing_address_id
       FROM core.dim_account WHERE provider_name = 'AWS Marketplace' AND account_id IN ('012345678901', '777788889999') ORDER BY account_id, valid_from`,
    );
    expect(versions).toEqual([
      { account_id: "012345678901", account_role: "sub_account", account_name: "한빛리테일 주식회사", country_code: "KR", valid_from: "1970-01-01 00:00:00+00", valid_to: "2024-02-15 03:00:00+00", is_current: false, mailing_address_id: "adrHaNbItSeOuL4Mn7Bv0Cx3Za6Sd9Fg2Hj5Kl8Q" },
      { account_id: "012345678901", account_role: "sub_account", account_name: "한빛리테일 주식회사", country_code: "KR", valid_from: "2024-02-15 03:00:00+00", valid_to: "2999-01-01 00:00:00+00", is_current: true, mailing_address_id: "adrHaNbItBuSaN1Qa4Ws7Ed0Rf3Tg6Yh9Uj2Ik5O" },
      { account_id: "777788889999", account_role: "payer", account_name: "Paulo Cloud Partners, Inc.", country_code: "US", valid_from: "1970-01-01 00:00:00+00", valid_to: "2999-01-01 00:00:00+00", is_current: true, mailing_address_id: "adrPauLo8Kf2Wq9Zr4Tx7Vb1Nm5Hj3Gd6Sa0Pe2Lc" },
    ]);
    // The manufacturer of the CPPO resale is known from the account feed only.
    const [jane] = await warehouse.query(`SELECT account_role, account_name FROM core.dim_account WHERE account_id = '111122223333'`);
    expect(jane).toEqual({ account_role: "account", account_name: "Jane Analytics LLC" });
  });

  it("has the contract's columns and types on DuckDB too", async () => {
    const columns = await warehouse.query<{ name: string; type: string }>(
      "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = 'intermediate' AND table_name = 'int_aws__billing_lines' ORDER BY ordinal_position",
    );
    expect(columns).toEqual(LINE_MODEL.map((c) => ({ name: c.name, type: DUCKDB_TYPE[c.type] })));
    const commitments = await warehouse.query<{ name: string; type: string }>(
      "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = 'intermediate' AND table_name = 'int_aws__contract_commitments' ORDER BY ordinal_position",
    );
    expect(commitments).toEqual(CONTRACT_COMMITMENTS.map((c) => ({ name: c.name, type: DUCKDB_TYPE[c.type] })));
  });

  it("changes nothing on a second run", async () => {
    const before = await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line WHERE source_system = 'aws_marketplace' ORDER BY source_line_id");
    const result = await run();
    expect(result.run.ok).toBe(true);
    expect(result.land.rowsLanded).toBe(0);
    expect(result.changes).toEqual([]);
    expect(await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line WHERE source_system = 'aws_marketplace' ORDER BY source_line_id")).toEqual(before);
  }, 240_000);

  it("replaces a corrected billing event (same valid_from, later update_date) in the fact and records the change; the grown month file lands one row", async () => {
    const file = join(data.dir, "aws-marketplace/BillingEventFeed_V1/year=2024/month=03/data.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const m1 = lines.find((l) => l.includes(",M1f6d00f6"))?.split(",");
    if (!m1) throw new Error("M1 missing from the fixture");
    m1[header.indexOf("update_date")] = "2024-03-31T00:00:00Z";
    m1[header.indexOf("amount")] = "1200.00";
    appendFileSync(file, `${m1.join(",")}\n`);
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success").map((r) => r.name)).toEqual([]);
    expect(result.land.rowsLanded).toBe(1);
    expect(result.changes.map((c) => [c.source_system, c.billing_period_start, c.change_kind, c.lines_removed])).toEqual([["aws_marketplace", "2024-03-01", "lines_superseded", "1"]]);
    const m1Line = await warehouse.query(`
      SELECT export_time::VARCHAR AS export_time, customer_billed_cost::VARCHAR AS price, customer_id FROM core.fct_billing_line WHERE source_line_id LIKE 'M1f6d00f6%'`);
    expect(m1Line).toEqual([{ export_time: "2024-03-31 00:00:00+00", price: "1200.000000000", customer_id: "c2" }]);
    const [march] = await warehouse.query(`SELECT margin::VARCHAR AS margin FROM marts.margin_monthly WHERE provider_name = 'AWS Marketplace' AND billing_period = '2024-03-01'`);
    expect(march).toEqual({ margin: "1170.000000000" });
  }, 240_000);

  it("names a billing event with an amount that is not a decimal or an unknown account in the aws_billing_events_readable assertion, and loses nothing else", async () => {
    const file = join(data.dir, "aws-marketplace/BillingEventFeed_V1/year=2024/month=03/data.csv");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = lines[0].split(",");
    const m1 = lines.find((l) => l.includes(",M1f6d00f6"))?.split(",");
    if (!m1) throw new Error("M1 missing from the fixture");
    const event = (id: string, changes: Record<string, string>) => header.map((column, i) => (column === "billing_event_id" ? id : (changes[column] ?? m1[i]))).join(",");
    appendFileSync(
      file,
      `${event("BADAMOUNT00000000000000000000000000000001", { amount: '"1.000,00"' })}\n${event("BADACCOUNT0000000000000000000000000000002", { from_account_id: "nO5uChAcCoUnT0000000000000000000000000000", amount: "10.00" })}\n`,
    );
    const result = await run();
    expect(result.land.rowsLanded).toBe(2);
    const failed = result.run.results.filter((r) => r.status !== "success");
    expect(failed.map((r) => r.name)).toEqual(["assertions.aws_billing_events_readable"]);
    expect(failed[0].message).toBe("assertion failed: 2 failing rows");
    const problems = await warehouse.query(`SELECT billing_event_id, field, value FROM assertions.aws_billing_events_readable ORDER BY 1`);
    expect(problems).toEqual([
      { billing_event_id: "BADACCOUNT0000000000000000000000000000002", field: "from_account_id", value: "nO5uChAcCoUnT0000000000000000000000000000" },
      { billing_event_id: "BADAMOUNT00000000000000000000000000000001", field: "amount", value: "1.000,00" },
    ]);
    // The unreadable amount stays out of the fact; the event from an unknown account is kept, on the buyer
    // line item it was charged on (Müller's, so c2's).
    const bad = await warehouse.query(`SELECT source_line_id, customer_id, customer_billed_cost::VARCHAR AS price FROM core.fct_billing_line WHERE source_line_id LIKE 'BAD%'`);
    expect(bad).toEqual([{ source_line_id: "BADACCOUNT0000000000000000000000000000002", customer_id: "c2", price: "10.000000000" }]);
    const recon = await warehouse.query(`SELECT status, COUNT(*)::VARCHAR AS n FROM marts.invoice_reconciliation WHERE source_system = 'aws_marketplace' GROUP BY 1`);
    expect(recon).toEqual([{ status: "match", n: "4" }]);
  }, 240_000);
});
