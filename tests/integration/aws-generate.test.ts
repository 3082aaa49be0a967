import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../scripts/generate/options.ts";
import { generateSampleData } from "../../scripts/generate/sample-data.ts";
import { awsMarketplaceVendor } from "../../scripts/land/aws-marketplace.ts";
import type { VendorModule } from "../../scripts/land/vendor-module.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { awsReports, canonical, type TextRow } from "../golden/aws/compare.ts";
import { REPO_ROOT } from "../helpers/project.ts";

// `rbw generate`'s AWS Marketplace feeds for the sample reseller, run through the whole warehouse.
describe("AWS Marketplace sample data", () => {
  let dataDir: string;
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-aws-sample-"));
    generateSampleData(dataDir, DEFAULT_GENERATE_OPTIONS, [awsMarketplaceVendor as VendorModule]);
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes every feed in the delivery layout, backfill folder and header-only months included, and claims the buyers in customers.json", () => {
    const feeds = readdirSync(join(dataDir, "aws-marketplace")).sort();
    expect(feeds).toEqual(["AccountFeed_V1", "AddressFeed_V1", "AgreementFeed_V1", "BillingEventFeed_V1", "LegacyIdMappingFeed_V1", "OfferFeed_V1", "OfferProductFeed_V1", "OfferTargetFeed_V1", "ProductFeed_V1", "TaxItemFeed_V1"]);
    for (const feed of feeds) expect(readdirSync(join(dataDir, "aws-marketplace", feed))).toContain("year=2010");
    const headerOnly = readFileSync(join(dataDir, "aws-marketplace/ProductFeed_V1/year=2026/month=09/data.csv"), "utf8");
    expect(headerOnly.trimEnd().split("\n")).toHaveLength(1);
    const customers = JSON.parse(readFileSync(join(dataDir, "config/customers.json"), "utf8")).customers as { customer_id: string; aws?: { account_ids: string[] } }[];
    expect(customers.filter((c) => c.aws).map((c) => [c.customer_id, c.aws?.account_ids])).toEqual([
      ["hanbit-retail", ["010203040506"]],
      ["seoul-logistics", ["011314151617"]],
      ["mirae-games", ["012425262728"]],
    ]);
  });

  it("lands without quarantine and shows the reseller's own product and the CPPO resale in USD and EUR, margins by the margin rule", async () => {
    const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir });
    expect(result.run.results.filter((r) => r.status !== "success").map((r) => r.name)).toEqual([]);
    expect(result.land.rowsQuarantined).toBe(0);
    const margin = await warehouse.query(`
      SELECT billing_period::VARCHAR AS period, customer_id, service_name, currency, cost::VARCHAR AS cost, customer_price::VARCHAR AS price, margin::VARCHAR AS margin
      FROM marts.margin_monthly WHERE provider_name = 'AWS Marketplace' AND billing_period = '2026-08-01' ORDER BY customer_id`);
    expect(margin).toEqual([
      // Own product, public offer: 1,200.00 less the 3 % listing fee.
      { period: "2026-08-01", customer_id: "hanbit-retail", service_name: "Hangang Backup Pro", currency: "USD", cost: "36.000000000", price: "1200.000000000", margin: "1164.000000000" },
      // Own product, EU private offer: 900.00 less the 3 % listing fee (the 19 % VAT on the fee is a tax, passed through).
      { period: "2026-08-01", customer_id: "mirae-games", service_name: "Hangang Backup Pro", currency: "EUR", cost: "27.000000000", price: "900.000000000", margin: "873.000000000" },
      // CPPO: 2,500.00 less the 80 % wholesale cost owed to the ISV and the 1.5 % listing fee.
      { period: "2026-08-01", customer_id: "seoul-logistics", service_name: "Nimbus Analytics Suite", currency: "USD", cost: "2037.500000000", price: "2500.000000000", margin: "462.500000000" },
    ]);
    const refund = await warehouse.query(`
      SELECT customer_billed_cost::VARCHAR AS price, billed_cost::VARCHAR AS cost FROM core.fct_billing_line
      WHERE source_system = 'aws_marketplace' AND (vendor_attributes->>'$.transaction_type') LIKE '%_REFUND' AND charge_category != 'Tax' ORDER BY 1`);
    expect(refund).toEqual([{ price: "-300.000000000", cost: "0.000000000" }, { price: "0.000000000", cost: "-9.000000000" }]);
    const recon = await warehouse.query(`SELECT DISTINCT status FROM marts.invoice_reconciliation WHERE source_system = 'aws_marketplace'`);
    expect(recon).toEqual([{ status: "match" }]);
    const statuses = await warehouse.query(`
      SELECT disbursement_status, COUNT(*)::VARCHAR AS line_items FROM marts.aws_billed_revenue GROUP BY 1 ORDER BY 1`);
    // Two months paid out (3 line items each), the last month and the refund not yet.
    expect(statuses).toEqual([{ disbursement_status: "Disbursed", line_items: "6" }, { disbursement_status: "Not Disbursed", line_items: "4" }]);
  }, 240_000);

  it("gives the same AWS reports as AWS's own queries over the generated feeds", async () => {
    const reports = await awsReports(join(dataDir, "aws-marketplace"));
    const mart = (name: string) => warehouse.query<TextRow>(`SELECT COLUMNS(*)::VARCHAR FROM marts.${name}`);
    expect(reports.billed).toHaveLength(10);
    expect(canonical(await mart("aws_billed_revenue"))).toEqual(canonical(reports.billed));
    expect(canonical(await mart("aws_collections_disbursements"))).toEqual(canonical(reports.collections));
  });
});
