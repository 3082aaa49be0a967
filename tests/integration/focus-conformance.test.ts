import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { VENDORS } from "../../scripts/land/vendors.ts";
import { DOCUMENTED_DEVIATIONS, FOCUS_COLUMNS, FOCUS_RULES, formatFailures, isRequired, relationColumns, runFocusRules } from "../helpers/focus-rules.ts";
import { demoWarehouse } from "../helpers/demo-warehouse.ts";

/**
 * Both FOCUS views, built from the demo data of every vendor the warehouse lands, against the FOCUS 1.2
 * rule set (tests/helpers/focus-rules.ts): every requirement checkable on data, each failure naming its
 * requirement id and one violating row. Where focus_validator's encoding of a requirement disagrees with
 * the specification text, the rule set follows the text (FocusRule.textOverValidator, DOCUMENTED_DEVIATIONS).
 */
const VIEWS = ["marts.focus_upstream", "marts.focus_customer"];

describe("FOCUS 1.2 conformance of the FOCUS views on every vendor's demo data", () => {
  let demo: Awaited<ReturnType<typeof demoWarehouse>>;
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    demo = await demoWarehouse();
    warehouse = demo.warehouse;
  });
  afterAll(() => demo.close());

  it("every rule names a FOCUS requirement id and a DuckDB check", () => {
    for (const rule of FOCUS_RULES) {
      expect(rule.id, rule.description).toMatch(/^(CostAndUsage-D-\d{3}-[MCO]|[A-Za-z]+-[CA]-\d{3}-[MCO])$/);
      expect(rule.check("t")).toMatch(/\bSELECT\b/);
    }
    expect(DOCUMENTED_DEVIATIONS.every((d) => !FOCUS_RULES.some((r) => r.id === d.id))).toBe(true);
  });

  for (const view of VIEWS) {
    it(`${view} carries every FOCUS column the reseller's vendors require, with rows of every vendor`, async () => {
      const columns = await relationColumns(warehouse, view);
      expect(FOCUS_COLUMNS.filter(isRequired).map((c) => c.name).filter((c) => !columns.includes(c))).toEqual([]);
      const sources = await warehouse.query<{ source: string }>(`SELECT DISTINCT x_SourceSystem AS source FROM ${view} ORDER BY 1`);
      expect(sources.map((s) => s.source)).toEqual(VENDORS.map((v) => v.sourceSystem).sort());
    });

    it(`${view} passes the FOCUS 1.2 rule set`, async () => {
      const failures = await runFocusRules(warehouse, view);
      expect(formatFailures(view, failures)).toBe("");
    });
  }

  it("names are display names, not copies of ids", async () => {
    for (const view of VIEWS) {
      const [copies] = await warehouse.query<Record<string, string>>(
        `SELECT CAST(COUNT(*) FILTER (WHERE BillingAccountName = BillingAccountId) AS VARCHAR) AS billing_account,
                CAST(COUNT(*) FILTER (WHERE SubAccountName = SubAccountId) AS VARCHAR) AS sub_account,
                CAST(COUNT(*) FILTER (WHERE RegionName = RegionId) AS VARCHAR) AS region
         FROM ${view}`,
      );
      expect(copies, view).toEqual({ billing_account: "0", sub_account: "0", region: "0" });
    }
  });

  it("presents the customer view in the reseller's reading (FOCUS 1.2 appendix: services bought via a managed service provider)", async () => {
    const [{ reseller }] = await warehouse.query<{ reseller: string }>("SELECT value AS reseller FROM raw.ref_settings WHERE setting = 'reseller_name'");
    const parties = await warehouse.query<Record<string, string>>(
      `SELECT DISTINCT InvoiceIssuerName, ProviderName, PublisherName, ServiceProviderName FROM marts.focus_customer ORDER BY ALL`,
    );
    expect(parties.length).toBeGreaterThan(0);
    for (const p of parties) {
      expect(p.InvoiceIssuerName).toBe(reseller);
      expect(p.ProviderName).toBe(reseller);
      expect(p.PublisherName).not.toBe(reseller);
      expect(p.ServiceProviderName).not.toBe(reseller);
    }
    // BillingAccountId is the reseller's customer; ListCost and ContractedCost are prices x quantity, not the billed price again.
    const [usage] = await warehouse.query<Record<string, string>>(
      `SELECT CAST(COUNT(*) FILTER (WHERE BillingAccountId NOT IN (SELECT customer_id FROM core.dim_customer)) AS VARCHAR) AS unknown_customers,
              CAST(COUNT(*) FILTER (WHERE ListCost <> BilledCost) AS VARCHAR) AS list_differs
       FROM marts.focus_customer WHERE ChargeCategory = 'Usage'`,
    );
    expect(usage.unknown_customers).toBe("0");
    expect(Number(usage.list_differs)).toBeGreaterThan(0);
  });

  it("carries Google's committed-use discounts, labels, resources and US-dollar prices of the KRW account", async () => {
    const commitments = await warehouse.query<Record<string, string>>(
      `SELECT DISTINCT CommitmentDiscountCategory AS category, CommitmentDiscountType AS type, CommitmentDiscountStatus AS status, PricingCategory AS pricing, CommitmentDiscountUnit AS unit, BillingCurrency AS currency
       FROM marts.focus_upstream WHERE CommitmentDiscountId IS NOT NULL ORDER BY ALL`,
    );
    // Hanbit Retail (USD account) has resource-based commitments, Mirae Games (KRW account) spend-based ones.
    expect(commitments).toEqual([
      { category: "Spend", type: "Spend-based committed use discount", status: "Used", pricing: "Committed", unit: "KRW", currency: "KRW" },
      { category: "Usage", type: "Resource-based committed use discount", status: "Used", pricing: "Committed", unit: "Hours", currency: "USD" },
    ]);
    const [line] = await warehouse.query<Record<string, string>>(
      `SELECT Tags, ResourceId, ResourceName, PricingCurrency, ContractedUnitPrice, PricingCurrencyContractedUnitPrice, EffectiveCost, PricingCurrencyEffectiveCost,
              CAST(json_extract_string(x_VendorAttributes, '$.currency_conversion_rate') AS VARCHAR) AS rate
       FROM marts.focus_upstream WHERE x_CustomerId = 'mirae-games' AND ServiceName = 'Compute Engine' AND ChargeCategory = 'Usage' ORDER BY x_SourceLineId LIMIT 1`,
    );
    expect(JSON.parse(line.Tags)).toEqual({ "project/env": "prod", "1234567/cost-center": "cc-mirae-games", team: "platform", "compute.googleapis.com/machine_spec": "e2-standard-4" });
    expect(line.ResourceId).toBe("//computeengine.googleapis.com/projects/mirae-games-prod/resources/compute-engine-mirae-games");
    expect(line.ResourceName).toBe("compute-engine-mirae-games");
    // Google prices in US dollars: the KRW amounts divided by currency_conversion_rate, exactly to 9 decimals.
    expect(line.PricingCurrency).toBe("USD");
    expect(line.rate).toBe("1385.2");
    for (const [krw, usd] of [[line.ContractedUnitPrice, line.PricingCurrencyContractedUnitPrice], [line.EffectiveCost, line.PricingCurrencyEffectiveCost]]) {
      // In units of 10^-9: krw / 1385.2 = krw x 10 / 13852, with one more digit to round half up.
      const tenths = (BigInt(krw.replace(".", "")) * 100n) / 13852n;
      expect(BigInt(usd.replace(".", ""))).toBe((tenths + 5n) / 10n);
    }
    const untagged = await warehouse.query<{ source: string }>(`SELECT DISTINCT x_SourceSystem AS source FROM marts.focus_customer WHERE Tags IS NOT NULL`);
    expect(untagged).toEqual([{ source: "gcp_channel" }]);
  });

  it("taxes the customer at the reseller's own rate on the customer's charges, never with the vendor's tax on the reseller's cost", async () => {
    const invoices = await warehouse.query<{ customer: string; invoice: string; publisher: string; charges: string; tax: string | null; upstream: string | null; rate: string | null }>(
      `SELECT charges.BillingAccountId AS customer, charges.InvoiceId AS invoice, charges.PublisherName AS publisher, CAST(charges.amount AS VARCHAR) AS charges,
              CAST(tax.BilledCost AS VARCHAR) AS tax, CAST(tax.x_UpstreamBilledCost AS VARCHAR) AS upstream, tax.ChargeDescription AS rate
       FROM (SELECT BillingAccountId, InvoiceId, PublisherName, SUM(BilledCost) AS amount FROM marts.focus_customer WHERE ChargeCategory != 'Tax' GROUP BY ALL) AS charges
       LEFT JOIN marts.focus_customer AS tax
         ON tax.ChargeCategory = 'Tax' AND tax.InvoiceId = charges.InvoiceId AND tax.PublisherName = charges.PublisherName
       ORDER BY ALL`,
    );
    expect(invoices.length).toBeGreaterThan(10);
    const minorUnits = (invoice: string) => (invoice.endsWith("/KRW") ? 0 : 2);
    for (const row of invoices) {
      if (row.customer === "daehan-fintech") {
        // customers.json gives Daehan Fintech a rate of 0: no tax line.
        expect(row.tax, row.invoice).toBeNull();
        continue;
      }
      // settings.json: 10% on the customer's charges, rounded half away from zero to the currency's minor units.
      const units = minorUnits(row.invoice);
      const [whole, fraction = ""] = row.charges.replace("-", "").split(".");
      const scaled = BigInt(whole + fraction.padEnd(9, "0").slice(0, 9)); // charges in 10^-9
      const step = 10n ** BigInt(9 - units + 1); // 10% of charges, in the currency's minor units
      const rounded = ((scaled + step / 2n) / step) * (row.charges.startsWith("-") ? -1n : 1n);
      expect(Number(row.tax), `${row.invoice} ${row.publisher}`).toBe(Number(rounded) / 10 ** units);
      expect(row.upstream).toBe("0.000000000");
      expect(row.rate).toMatch(/^Tax at 10(\.0+)?% on /);
    }
    const [vendorTax] = await warehouse.query<{ n: string }>("SELECT CAST(COUNT(*) AS VARCHAR) AS n FROM marts.focus_customer WHERE ChargeCategory = 'Tax' AND x_UpstreamBilledCost != 0");
    expect(vendorTax.n).toBe("0");
  });

  /** The requirements a change breaks: the rules with more violations after it than before. */
  async function newlyBroken(relation: string, change: () => Promise<void>) {
    const before = new Map((await runFocusRules(warehouse, relation)).map((f) => [f.id, f.violations]));
    await change();
    return (await runFocusRules(warehouse, relation)).filter((f) => f.violations > (before.get(f.id) ?? 0));
  }

  it("a row that breaks a requirement fails the rule set, naming the requirement and the row", async () => {
    await warehouse.exec("CREATE OR REPLACE TEMP TABLE focus_planted AS SELECT * FROM marts.focus_upstream WHERE x_SourceSystem = 'gcp_channel'");
    const failures = await newlyBroken("focus_planted", async () => {
      // A tax line with a quantity, and a usage line whose ListCost is not its unit price x quantity.
      await warehouse.exec(`UPDATE focus_planted SET PricingQuantity = 1, PricingUnit = 'Count' WHERE x_SourceLineId = (SELECT MIN(x_SourceLineId) FROM focus_planted WHERE ChargeCategory = 'Tax')`);
      await warehouse.exec(
        `UPDATE focus_planted SET ListCost = ListCost + 1 WHERE x_SourceLineId = (SELECT MIN(x_SourceLineId) FROM focus_planted WHERE ChargeCategory = 'Usage' AND ListUnitPrice IS NOT NULL AND ChargeClass IS NULL)`,
      );
    });
    expect(failures.map((f) => f.id).sort()).toEqual(["ListCost-C-009-C", "PricingQuantity-C-004-C"]);
    const report = formatFailures("focus_planted", failures);
    expect(report).toContain('PricingQuantity-C-004-C (1 violation): PricingQuantity MUST be null when ChargeCategory is "Tax".');
    expect(report).toMatch(/e\.g\. \{.*"ChargeCategory":"Tax".*"PricingQuantity":"1(\.0+)?"/);
  });

  it("a dataset-level violation (a column without the x_ prefix, a currency that is not ISO 4217) is named too", async () => {
    await warehouse.exec("CREATE OR REPLACE TEMP TABLE focus_planted AS SELECT * FROM marts.focus_customer WHERE x_SourceSystem = 'gcp_channel'");
    const failures = await newlyBroken("focus_planted", async () => {
      await warehouse.exec("ALTER TABLE focus_planted ADD COLUMN Margin DECIMAL(38, 9)");
      await warehouse.exec(`UPDATE focus_planted SET BillingCurrency = 'WON' WHERE x_SourceLineId = (SELECT MIN(x_SourceLineId) FROM focus_planted)`);
    });
    expect(failures.map((f) => f.id).sort()).toEqual(["BillingCurrency-C-003-M", "BillingCurrency-C-006-M", "ColumnHandling-A-010-M", "ColumnHandling-A-013-O"]);
    expect(failures.find((f) => f.id === "ColumnHandling-A-010-M")?.example).toBe('{"column_name":"Margin"}');
    expect(failures.find((f) => f.id === "BillingCurrency-C-003-M")?.example).toContain('"BillingCurrency":"WON"');
  });
});
