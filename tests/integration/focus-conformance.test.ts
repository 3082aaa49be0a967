import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { exportFocus } from "../../scripts/export/focus-export.ts";
import { duckDbReportSource, loadMarginReport } from "../../scripts/report/margin-report.ts";
import { renderHtml } from "../../scripts/report/render.ts";
import { VENDORS } from "../../scripts/land/vendors.ts";
import { DOCUMENTED_DEVIATIONS, FOCUS_COLUMNS, FOCUS_RULES, formatFailures, isRequired, relationColumns, runFocusRules } from "../helpers/focus-rules.ts";
import { demoWarehouse } from "../helpers/demo-warehouse.ts";
import { CONTRACT_COMMITMENT_COLUMNS, CONTRACT_COMMITMENT_RULES, contractAppliedRules } from "../helpers/focus-contract-rules.ts";

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

  it("marts.focus_contract_commitment passes the FOCUS 1.3 Contract Commitment rule set, and focus_customer's ContractApplied the ContractApplied rules", async () => {
    const columns = await relationColumns(warehouse, "marts.focus_contract_commitment");
    expect(columns.filter((c) => !c.startsWith("x_"))).toEqual(CONTRACT_COMMITMENT_COLUMNS.map((c) => c.name));
    const [{ n }] = await warehouse.query<{ n: string }>("SELECT CAST(COUNT(*) AS VARCHAR) AS n FROM marts.focus_contract_commitment");
    expect(Number(n)).toBeGreaterThan(0);
    expect(formatFailures("marts.focus_contract_commitment", await runFocusRules(warehouse, "marts.focus_contract_commitment", CONTRACT_COMMITMENT_RULES))).toBe("");
    expect(formatFailures("marts.focus_customer", await runFocusRules(warehouse, "marts.focus_customer", contractAppliedRules("marts.focus_contract_commitment")))).toBe("");
  });

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

  it("files AWS Marketplace agreements with a term as FOCUS 1.3 contract commitments, each sale made under one drawing on it", async () => {
    const commitments = await warehouse.query<Record<string, string>>(
      `SELECT x_CustomerId AS customer, ContractCommitmentType AS type, ContractCommitmentCategory AS category, BillingCurrency AS currency,
              CAST(ContractCommitmentCost AS VARCHAR) AS cost, CAST(x_AppliedCost AS VARCHAR) AS applied, CAST(x_RemainingCost AS VARCHAR) AS remaining,
              CAST(ContractCommitmentId = ContractId AS VARCHAR) AS one_per_contract
       FROM marts.focus_contract_commitment ORDER BY ALL`,
    );
    // One 12-month agreement per AWS buyer: the commitment is the agreement's estimated value (12 x the monthly price).
    expect(commitments).toEqual([
      { customer: "hanbit-retail", type: "Public offer contract", category: "Spend", currency: "USD", cost: "14400.000000000", applied: "3300.000000000", remaining: "11100.000000000", one_per_contract: "true" },
      { customer: "mirae-games", type: "Private offer contract", category: "Spend", currency: "EUR", cost: "10800.000000000", applied: "2700.000000000", remaining: "8100.000000000", one_per_contract: "true" },
      { customer: "seoul-logistics", type: "Channel partner private offer contract", category: "Spend", currency: "USD", cost: "30000.000000000", applied: "7500.000000000", remaining: "22500.000000000", one_per_contract: "true" },
    ]);
    // The oracle is AWS's feeds: the agreement's value, and what its acceptor was invoiced for the product (sales less refunds).
    const fromFeeds = await warehouse.query<Record<string, string>>(
      `SELECT a.agreement_id AS id, CAST(CAST(a.estimated_agreement_value AS DECIMAL(38, 9)) AS VARCHAR) AS cost, CAST(SUM(CAST(e.amount AS DECIMAL(38, 9))) AS VARCHAR) AS applied
       FROM raw.aws_agreementfeed_v1 AS a
       JOIN raw.aws_billingeventfeed_v1 AS e
         ON e.agreement_id = a.agreement_id AND e.from_account_id = a.acceptor_account_id AND e.transaction_type LIKE 'SELLER_REV_SHARE%' AND e.action = 'INVOICED'
       GROUP BY ALL ORDER BY id`,
    );
    const inView = await warehouse.query<Record<string, string>>(
      `SELECT ContractId AS id, CAST(ContractCommitmentCost AS VARCHAR) AS cost, CAST(x_AppliedCost AS VARCHAR) AS applied FROM marts.focus_contract_commitment ORDER BY id`,
    );
    expect(inView).toEqual(fromFeeds);
    // focus_customer's ContractApplied draws exactly those amounts, on sales and refunds only.
    const drawn = await warehouse.query<Record<string, string>>(
      `SELECT json_extract_string(ContractApplied, '$.Elements[0].ContractCommitmentID') AS id,
              CAST(SUM(CAST(json_extract_string(ContractApplied, '$.Elements[0].ContractCommitmentAppliedCost') AS DECIMAL(38, 9))) AS VARCHAR) AS applied,
              CAST(SUM(BilledCost) AS VARCHAR) AS billed, STRING_AGG(DISTINCT ChargeCategory, ',') AS categories,
              CAST(MAX(json_array_length(ContractApplied, '$.Elements')) AS VARCHAR) AS elements
       FROM marts.focus_customer WHERE ContractApplied IS NOT NULL GROUP BY ALL ORDER BY id`,
    );
    expect(drawn).toEqual(fromFeeds.map((f) => ({ id: f.id, applied: f.applied, billed: f.applied, categories: "Purchase", elements: "1" })));
    // Contracts are not commitment discounts: only Google's committed-use credits fill CommitmentDiscount*.
    for (const view of VIEWS) {
      const discounted = await warehouse.query<{ source: string }>(`SELECT DISTINCT x_SourceSystem AS source FROM ${view} WHERE CommitmentDiscountId IS NOT NULL`);
      expect(discounted, view).toEqual([{ source: "gcp_channel" }]);
    }
  });

  it("exports the contract commitments in force during a month, one customer's only when asked", async () => {
    const out = mkdtempSync(join(tmpdir(), "rbw-contract-export-"));
    try {
      const all = await exportFocus(warehouse, { view: "contract-commitment", month: "2026-10", format: "csv", out: join(out, "all.csv") });
      expect(all).toMatchObject({ view: "marts.focus_contract_commitment", rows: 3 });
      const one = await exportFocus(warehouse, { view: "contract-commitment", month: "2026-10", customer: "seoul-logistics", format: "csv", out: join(out, "one.csv") });
      const rows = parse(readFileSync(one.path, "utf8"), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => [r.x_CustomerId, r.ContractCommitmentType, r.ContractCommitmentCost, r.ContractCommitmentPeriodStart, r.ContractCommitmentPeriodEnd])).toEqual([
        ["seoul-logistics", "Channel partner private offer contract", "30000.000000000", "2026-07-12T00:00:00Z", "2027-07-11T23:59:59Z"],
      ]);
      // A month after every term has ended holds none.
      expect((await exportFocus(warehouse, { view: "contract-commitment", month: "2027-08", format: "parquet", out: join(out, "later.parquet") })).rows).toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("lists the customers' contracts in force in the margin report, committed, drawn to date and remaining", async () => {
    const report = await loadMarginReport(duckDbReportSource(warehouse), "2026-10");
    expect(report.contracts.map((c) => [c.customerName, c.type, c.start, c.end, c.currency, c.committed, c.drawn, c.remaining])).toEqual([
      ["Hanbit Retail", "Public offer contract", "2026-07-12", "2027-07-11", "USD", "14400.000000000", "3300.000000000", "11100.000000000"],
      ["Mirae Games", "Private offer contract", "2026-07-12", "2027-07-11", "EUR", "10800.000000000", "2700.000000000", "8100.000000000"],
      ["Seoul Logistics", "Channel partner private offer contract", "2026-07-12", "2027-07-11", "USD", "30000.000000000", "7500.000000000", "22500.000000000"],
    ]);
    const html = renderHtml(report, "en");
    expect(html).toContain("<h2>Customer contracts in force</h2>");
    expect(html).toMatch(/<tr><td>Seoul Logistics<\/td><td>Channel partner private offer contract · Nimbus Analytics Suite via Hangang \(CPPO\): Nimbus Analytics Suite<br><small>agmt-[0-9a-f]+<\/small><\/td><td>2026-07-12 – 2027-07-11<\/td><td>USD<\/td><td class="num">\$30,000\.00<\/td><td class="num">\$7,500\.00<\/td><td class="num">\$22,500\.00<\/td><\/tr>/);
    expect(renderHtml(report, "ko")).toContain("<h2>유효한 고객 계약</h2>");
    // No contract is in force once every term has ended: the section is left out.
    const later = { ...report, contracts: [] };
    expect(renderHtml(later, "en")).not.toContain('id="contracts"');
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
