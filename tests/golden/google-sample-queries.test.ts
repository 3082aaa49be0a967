import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { translateQuery } from "../../scripts/runner/translate.ts";
import { REPO_ROOT } from "../helpers/project.ts";

// Google's sample queries for the reseller export (cloud.google.com/channel/docs/rebilling/example-export-queries),
// written as documented and run through the same BigQuery -> DuckDB translation as the graph.
const EXPORT = "`my-project.raw.reseller_billing_detailed_export_v1`";

const PARTNER_COST_BY_PAYER = `
SELECT
  payer_billing_account_id,
  currency,
  invoice.month AS invoice_month,
  SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS total
FROM ${EXPORT}
GROUP BY payer_billing_account_id, currency, invoice.month`;

const CUSTOMER_COST_BY_SUB_ACCOUNT = `
SELECT
  customer_name,
  billing_account_id,
  payer_billing_account_id,
  currency,
  invoice.month AS invoice_month,
  SUM(customer_cost) + SUM(IFNULL((SELECT SUM(c.customer_amount) FROM UNNEST(credits) AS c), 0)) AS total
FROM ${EXPORT}
WHERE customer_name IS NOT NULL
GROUP BY customer_name, billing_account_id, payer_billing_account_id, currency, invoice.month`;

const COST_NOT_ASSIGNED_TO_A_CUSTOMER = `
SELECT
  payer_billing_account_id,
  currency,
  invoice.month AS invoice_month,
  SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c WHERE c.type != 'RESELLER_MARGIN'), 0)) AS total
FROM ${EXPORT}
WHERE customer_name IS NULL
GROUP BY payer_billing_account_id, currency, invoice.month`;

describe("Google's sample export queries agree with the marts (golden fixture)", () => {
  let warehouse: DuckDbWarehouse;
  const run = (bigQuerySql: string) => warehouse.query<Record<string, string>>(`SELECT * REPLACE (CAST(total AS VARCHAR) AS total) FROM (${translateQuery(bigQuerySql)}) ORDER BY ALL`);

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: join(REPO_ROOT, "tests/fixtures/gcp-golden") });
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
  });
  afterAll(() => warehouse.close());

  it("partner cost by payer billing account = the reconciliation mart = the hand-checked total", async () => {
    // 86 + 50.000000001 + 13.6 (tax) + 19.2 + 0.01 (rounding) - 5 (adjustment) + 0 = 163.810000001
    expect(await run(PARTNER_COST_BY_PAYER)).toEqual([
      { payer_billing_account_id: "0P1P1P-000000-000001", currency: "USD", invoice_month: "202610", total: "163.810000001" },
    ]);
    const recon = await warehouse.db.selectFrom("marts.invoice_reconciliation").select(["vendor_total", "warehouse_total", "status"]).where("reconciliation", "=", "vendor_invoice").execute();
    expect(recon).toEqual([{ vendor_total: "163.810000001", warehouse_total: "163.810000001", status: "match" }]);
  });

  it("customer cost by sub-account = what the fact bills each customer, the repriced adjustment included", async () => {
    // C1: Direct Customer Cost minus 5% (85.5 + 47.5); C2: an adjustment of -5 that Google reprices to -5.5
    // for the customer (customer_cost is filled on a cost_type adjustment row) is passed on.
    expect(await run(CUSTOMER_COST_BY_SUB_ACCOUNT)).toEqual([
      { customer_name: "accounts/A1/customers/C1", billing_account_id: "SA1", payer_billing_account_id: "0P1P1P-000000-000001", currency: "USD", invoice_month: "202610", total: "133.000000000" },
      { customer_name: "accounts/A1/customers/C2", billing_account_id: "SA2", payer_billing_account_id: "0P1P1P-000000-000001", currency: "USD", invoice_month: "202610", total: "-5.500000000" },
    ]);
    const fact = await warehouse.query(
      `SELECT vendor_customer_id, sub_account_id, CAST(SUM(customer_billed_cost) AS VARCHAR) AS total
       FROM core.fct_billing_line WHERE vendor_customer_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(fact).toEqual([
      { vendor_customer_id: "accounts/A1/customers/C1", sub_account_id: "SA1", total: "133.000000000" },
      { vendor_customer_id: "accounts/A1/customers/C2", sub_account_id: "SA2", total: "-5.500000000" },
    ]);
  });

  it("reconciles the customer side per Google customer with Google's customer-cost query", async () => {
    const google = await run(`
      SELECT customer_name, currency, invoice.month AS invoice_month,
        SUM(customer_cost) + SUM(IFNULL((SELECT SUM(c.customer_amount) FROM UNNEST(credits) AS c), 0)) AS total
      FROM ${EXPORT}
      WHERE customer_name IS NOT NULL
      GROUP BY customer_name, currency, invoice.month`);
    const recon = await warehouse.db
      .selectFrom("marts.invoice_reconciliation")
      .select(["scope", "billing_period", "currency", "vendor_total", "warehouse_total", "difference", "status"])
      .where("reconciliation", "=", "customer_invoice")
      .orderBy("scope")
      .execute();
    expect(recon).toEqual([
      { scope: "accounts/A1/customers/C1", billing_period: "2026-10-01", currency: "USD", vendor_total: "133.000000000", warehouse_total: "133.000000000", difference: "0.000000000", status: "match" },
      { scope: "accounts/A1/customers/C2", billing_period: "2026-10-01", currency: "USD", vendor_total: "-5.500000000", warehouse_total: "-5.500000000", difference: "0.000000000", status: "match" },
    ]);
    expect(recon.map((r) => [r.scope, r.vendor_total])).toEqual(google.map((g) => [g.customer_name, g.total]));
  });

  it("cost not assigned to a customer = the unassigned customer's cost without RESELLER_MARGIN", async () => {
    expect(await run(COST_NOT_ASSIGNED_TO_A_CUSTOMER)).toEqual([
      { payer_billing_account_id: "0P1P1P-000000-000001", currency: "USD", invoice_month: "202610", total: "20.010000000" },
    ]);
    const [row] = await warehouse.query(
      `SELECT CAST(SUM(billed_cost - reseller_margin_amount) AS VARCHAR) AS total FROM core.fct_billing_line WHERE customer_id = 'unassigned'`,
    );
    expect(row).toEqual({ total: "20.010000000" });
  });

  it("computes margin per customer and service in native and reporting currency", async () => {
    const rows = await warehouse.db
      .selectFrom("marts.margin_monthly")
      .select(["customer_id", "service_name", "cost", "customer_price", "margin", "margin_pct", "fx_rate", "margin_reporting"])
      .orderBy("customer_id")
      .orderBy("service_name")
      .execute();
    expect(rows).toEqual([
      // 86 + 50.000000001 of cost against 85.5 + 47.5 of price
      { customer_id: "c1", service_name: "Compute Engine", cost: "136.000000001", customer_price: "133.000000000", margin: "-3.000000001", margin_pct: "-2.260000000", fx_rate: "1400.000000000", margin_reporting: "-4200.000001400" },
      // an adjustment of -5 repriced to -5.5 for the customer: the reseller passes on 0.5 more than it gets
      { customer_id: "c2", service_name: "Compute Engine", cost: "-5.000000000", customer_price: "-5.500000000", margin: "-0.500000000", margin_pct: "9.090000000", fx_rate: "1400.000000000", margin_reporting: "-700.000000000" },
      { customer_id: "unassigned", service_name: "Cloud Storage", cost: "19.200000000", customer_price: "0.000000000", margin: "-19.200000000", margin_pct: null, fx_rate: "1400.000000000", margin_reporting: "-26880.000000000" },
      { customer_id: "unassigned", service_name: "Rounding", cost: "0.010000000", customer_price: "0.000000000", margin: "-0.010000000", margin_pct: null, fx_rate: "1400.000000000", margin_reporting: "-14.000000000" },
    ]);
    const invoice = await warehouse.db.selectFrom("marts.customer_invoice").select(["customer_id", "amount", "tax_amount"]).orderBy("customer_id").execute();
    expect(invoice).toEqual([
      // the reseller's 10% (settings.json) on the customer's charges; Google's 13.6 of tax is the reseller's
      { customer_id: "c1", amount: "133.000000000", tax_amount: "13.300000000" },
      { customer_id: "c2", amount: "-5.500000000", tax_amount: "-0.550000000" },
    ]);
  });

  it("presents FOCUS views upstream (what Google invoices) and to the customer (what the reseller invoices)", async () => {
    const upstream = await warehouse.query(
      `SELECT ChargeCategory, CAST(SUM(BilledCost) AS VARCHAR) AS billed, COUNT(ChargeClass) AS corrections, COUNT(PricingQuantity) AS priced
       FROM marts.focus_upstream GROUP BY 1 ORDER BY 1`,
    );
    expect(upstream).toEqual([
      // the adjustment corrects usage inside its own invoice month: no Correction
      { ChargeCategory: "Adjustment", billed: "-4.990000000", corrections: "0", priced: "0" },
      { ChargeCategory: "Tax", billed: "13.600000000", corrections: "0", priced: "0" },
      { ChargeCategory: "Usage", billed: "155.200000001", corrections: "0", priced: "0" },
    ]);
    const customer = await warehouse.query(
      `SELECT BillingAccountId, InvoiceIssuerName, CAST(SUM(BilledCost) AS VARCHAR) AS billed, CAST(SUM(x_UpstreamBilledCost) AS VARCHAR) AS upstream
       FROM marts.focus_customer GROUP BY 1, 2 ORDER BY 1`,
    );
    // c1: 133 of usage plus the reseller's 10% (settings.json) = 13.30; c2: -5.50 plus -0.55. Google's
    // 13.6 of tax on the reseller's cost is the reseller's, not the customer's (upstream only).
    expect(customer).toEqual([
      { BillingAccountId: "c1", InvoiceIssuerName: "Golden Reseller", billed: "146.300000000", upstream: "136.000000001" },
      { BillingAccountId: "c2", InvoiceIssuerName: "Golden Reseller", billed: "-6.050000000", upstream: "-5.000000000" },
    ]);
  });

  it("keeps the mart contracts dashboards depend on (columns may be added, never renamed)", async () => {
    const contracts: Record<string, string[]> = {
      margin_monthly: ["billing_period", "customer_id", "customer_name", "provider_name", "service_name", "currency", "cost", "customer_price", "margin", "margin_pct", "reporting_currency", "cost_reporting", "customer_price_reporting", "margin_reporting"],
      invoice_reconciliation: ["source_system", "reconciliation", "payer_account_id", "scope", "billing_period", "currency", "vendor_total", "warehouse_total", "difference", "status"],
      customer_invoice: ["billing_period", "customer_id", "customer_name", "currency", "provider_name", "amount", "tax_amount"],
    };
    for (const [table, columns] of Object.entries(contracts)) {
      const actual = await warehouse.columns("marts", table);
      expect(columns.filter((c) => !actual.includes(c)), `marts.${table}`).toEqual([]);
    }
    const [{ type }] = await warehouse.query<{ type: string }>("SELECT data_type AS type FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = 'margin_monthly' AND column_name = 'billing_period'");
    expect(type).toBe("DATE");
  });
});
