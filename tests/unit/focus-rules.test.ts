import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { FOCUS_COLUMNS, FOCUS_RULES, isRequired, runFocusRules, UNIT_FORMAT } from "../helpers/focus-rules.ts";

/**
 * The FOCUS rule set on tiny datasets (focus_validator's scenario pattern): a conforming dataset of one
 * Usage, one Tax and one Credit row passes; each change below breaks exactly the requirement named.
 */
const USAGE = {
  AvailabilityZone: "'asia-northeast3-a'",
  BilledCost: "10.5",
  BillingAccountId: "'0P1P1P-000000-000001'",
  BillingAccountName: "'Hangang Cloud Partners'",
  BillingAccountType: "'Billing Account'",
  BillingCurrency: "'USD'",
  BillingPeriodEnd: "'2026-11-01 00:00:00+00'",
  BillingPeriodStart: "'2026-10-01 00:00:00+00'",
  CapacityReservationId: "NULL",
  CapacityReservationStatus: "NULL",
  ChargeCategory: "'Usage'",
  ChargeClass: "NULL",
  ChargeDescription: "'E2 Instance Core running in Seoul'",
  ChargeFrequency: "'Usage-Based'",
  ChargePeriodEnd: "'2026-10-05 01:00:00+00'",
  ChargePeriodStart: "'2026-10-05 00:00:00+00'",
  CommitmentDiscountCategory: "NULL",
  CommitmentDiscountId: "NULL",
  CommitmentDiscountName: "NULL",
  CommitmentDiscountQuantity: "NULL",
  CommitmentDiscountStatus: "NULL",
  CommitmentDiscountType: "NULL",
  CommitmentDiscountUnit: "NULL",
  ConsumedQuantity: "3600",
  ConsumedUnit: "'Seconds'",
  ContractedCost: "10.5",
  ContractedUnitPrice: "10.5",
  EffectiveCost: "10.5",
  InvoiceId: "'0P1P1P-000000-000001-202610'",
  InvoiceIssuerName: "'Google'",
  ListCost: "11.025",
  ListUnitPrice: "11.025",
  PricingCategory: "'Standard'",
  PricingCurrency: "'USD'",
  PricingCurrencyContractedUnitPrice: "10.5",
  PricingCurrencyEffectiveCost: "10.5",
  PricingCurrencyListUnitPrice: "11.025",
  PricingQuantity: "1",
  PricingUnit: "'Hours'",
  ProviderName: "'Google Cloud'",
  PublisherName: "'Google'",
  RegionId: "'asia-northeast3'",
  RegionName: "'Seoul'",
  ResourceId: "'vm-1'",
  ResourceName: "'vm-1'",
  ResourceType: "'Virtual Machine'",
  ServiceCategory: "'Compute'",
  ServiceName: "'Compute Engine'",
  ServiceSubcategory: "'Virtual Machines'",
  SkuId: "'CF4E-A0C7-E3BF'",
  SkuMeter: "'E2 Instance Core'",
  SkuPriceDetails: `'{"x_Tier": 0, "CoreCount": 2}'`,
  SkuPriceId: "'CF4E-A0C7-E3BF'",
  SubAccountId: "'SA1'",
  SubAccountName: "'Hanbit Retail'",
  SubAccountType: "'Billing Sub-Account'",
  Tags: `'{"team": "platform", "goog-k8s-cluster": "prod"}'`,
  ServiceProviderName: "'Google Cloud'",
  HostProviderName: "'Google Cloud'",
  x_SourceLineId: "'usage'",
};
const TAX = {
  ...USAGE,
  BilledCost: "1.05",
  ContractedCost: "1.05",
  EffectiveCost: "1.05",
  ListCost: "1.05",
  ChargeCategory: "'Tax'",
  ChargeFrequency: "'One-Time'",
  ConsumedQuantity: "NULL",
  ConsumedUnit: "NULL",
  ContractedUnitPrice: "NULL",
  ListUnitPrice: "NULL",
  PricingCategory: "NULL",
  PricingCurrencyContractedUnitPrice: "NULL",
  PricingCurrencyEffectiveCost: "1.05",
  PricingCurrencyListUnitPrice: "NULL",
  PricingQuantity: "NULL",
  PricingUnit: "NULL",
  SkuId: "NULL",
  SkuMeter: "NULL",
  SkuPriceDetails: "NULL",
  SkuPriceId: "NULL",
  ServiceName: "'Tax'",
  ServiceCategory: "'Other'",
  ServiceSubcategory: "'Other (Other)'",
  x_SourceLineId: "'tax'",
};
const CREDIT = { ...TAX, BilledCost: "-1.25", ContractedCost: "-1.25", EffectiveCost: "-1.25", ListCost: "-1.25", PricingCurrencyEffectiveCost: "-1.25", ChargeCategory: "'Credit'", ServiceName: "'Compute Engine'", ServiceCategory: "'Compute'", ServiceSubcategory: "'Virtual Machines'", x_SourceLineId: "'credit'" };

const TYPES: Record<string, string> = { String: "VARCHAR", Decimal: "DECIMAL(38, 9)", DateTime: "TIMESTAMPTZ", KeyValue: "VARCHAR" };
const typeOf = (column: string) => TYPES[FOCUS_COLUMNS.find((c) => c.name === column)?.type ?? "String"];
const select = (row: Record<string, string>) => `SELECT ${Object.entries(row).map(([c, v]) => `CAST(${v} AS ${typeOf(c)}) AS ${c}`).join(", ")}`;

describe("the FOCUS rule set on tiny datasets", () => {
  let db: DuckDbWarehouse;
  beforeAll(async () => {
    db = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(() => db.close());

  /** The ids of the rules a dataset of these rows breaks. */
  const broken = async (...rows: Record<string, string>[]) => {
    await db.exec(`CREATE OR REPLACE TEMP TABLE focus_case AS ${rows.map(select).join(" UNION ALL ")}`);
    return (await runFocusRules(db, "focus_case")).map((f) => f.id).sort();
  };

  it("passes a conforming dataset", async () => {
    expect(await broken(USAGE, TAX, CREDIT)).toEqual([]);
  });

  it("names each broken requirement", async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ ...TAX, PricingQuantity: "1", PricingUnit: "'Count'" }, ["PricingQuantity-C-004-C"]],
      [{ ...TAX, ConsumedQuantity: "1", ConsumedUnit: "'Count'" }, ["ConsumedQuantity-C-004-C"]],
      [{ ...USAGE, ConsumedQuantity: "NULL", ConsumedUnit: "NULL" }, ["ConsumedQuantity-C-006-C"]],
      // Lower-case "usage" is not Usage: also a consumed quantity on a row that is not Usage.
      [{ ...USAGE, ChargeCategory: "'usage'" }, ["ChargeCategory-C-003-M", "ConsumedQuantity-C-004-C"]],
      [{ ...USAGE, ListCost: "11.03" }, ["ListCost-C-009-C"]],
      [{ ...USAGE, ContractedUnitPrice: "-1", PricingCurrencyContractedUnitPrice: "-1", ContractedCost: "-1" }, ["ContractedUnitPrice-C-009-C", "PricingCurrencyContractedUnitPrice-C-008-C"]],
      [{ ...USAGE, BillingCurrency: "'KRW '" }, ["BillingCurrency-C-003-M", "BillingCurrency-C-006-M"]],
      [{ ...USAGE, BillingCurrency: "'XAU'" }, ["BillingCurrency-C-006-M"]],
      [{ ...USAGE, ChargePeriodEnd: "'2026-10-05 00:00:00+00'" }, ["ChargePeriodEnd-C-004-M"]],
      [{ ...USAGE, ChargeClass: "'Correction'" }, ["ChargeClass-C-003-C"]],
      [{ ...USAGE, PricingUnit: "'gibibyte month'" }, ["PricingUnit-C-003-O"]],
      [{ ...USAGE, RegionName: "NULL" }, ["RegionName-C-005-C"]],
      [{ ...USAGE, ServiceSubcategory: "'Object Storage'" }, ["ServiceSubcategory-C-004-M"]],
      [{ ...USAGE, Tags: `'{"team": {"name": "platform"}}'` }, ["Tags-C-001-M"]],
      [{ ...USAGE, SkuPriceDetails: `'{"Tier": 0}'` }, ["SkuPriceDetails-C-017-C"]],
      [{ ...USAGE, CommitmentDiscountId: "'cud-1'", CommitmentDiscountType: "'Committed Use Discount'", CommitmentDiscountCategory: "'Usage'" }, ["CommitmentDiscountQuantity-C-005-C", "CommitmentDiscountStatus-C-004-C"]],
      [{ ...CREDIT, EffectiveCost: "0", PricingCurrencyEffectiveCost: "0" }, ["EffectiveCost-C-010-C"]],
      [{ ...USAGE, SubAccountName: "''" }, ["NullHandling-A-002-M"]],
      [{ ...USAGE, ChargeCategory: "'Purchase'", ChargeFrequency: "'Usage-Based'", ConsumedQuantity: "NULL", ConsumedUnit: "NULL" }, ["ChargeFrequency-C-004-C"]],
    ];
    for (const [row, ids] of cases) expect(await broken(USAGE, TAX, row), JSON.stringify(row)).toEqual(ids);
  });

  it("follows the specification text where the validator's encoding differs", async () => {
    // A correction needs no consumed quantity (the validator demands one on corrections only).
    expect(await broken({ ...USAGE, ChargeClass: "'Correction'", ChargePeriodStart: "'2026-09-05 00:00:00+00'", ChargePeriodEnd: "'2026-09-05 01:00:00+00'", ConsumedQuantity: "NULL", ConsumedUnit: "NULL" })).toEqual([]);
    // A purchase that covers no future charges keeps its EffectiveCost (the validator wants 0 on every Purchase).
    expect(await broken({ ...USAGE, ChargeCategory: "'Purchase'", ChargeFrequency: "'One-Time'", ConsumedQuantity: "NULL", ConsumedUnit: "NULL" })).toEqual([]);
    // A reseller row whose provider is not its invoice issuer keeps its BilledCost (BilledCost-C-005-C is not run).
    expect(await broken({ ...USAGE, InvoiceIssuerName: "'Hangang Cloud Partners'" })).toEqual([]);
  });

  it("compares unit price x quantity with the cost at the cost's 9 decimals", async () => {
    const row = { ...USAGE, PricingQuantity: "0.333333333", ListUnitPrice: "0.1", PricingCurrencyListUnitPrice: "0.1", ListCost: "0.033333333", ContractedUnitPrice: "0.1", PricingCurrencyContractedUnitPrice: "0.1", ContractedCost: "0.033333333" };
    expect(await broken(row)).toEqual([]);
    expect(await broken({ ...row, ListCost: "0.033333334" })).toEqual(["ListCost-C-009-C"]);
  });

  it("reads a conditional column the dataset leaves out as null, and names a required column that is missing", async () => {
    await db.exec(`CREATE OR REPLACE TEMP TABLE focus_case AS SELECT * EXCLUDE (CommitmentDiscountStatus, SkuMeter) FROM (${select({ ...TAX, ConsumedQuantity: "1", ConsumedUnit: "'Count'" })})`);
    const failures = await runFocusRules(db, "focus_case");
    expect(failures.map((f) => f.id).sort()).toEqual(["ConsumedQuantity-C-004-C", "CostAndUsage-D-017-C", "CostAndUsage-D-059-C"]);
    expect(failures.find((f) => f.id === "CostAndUsage-D-059-C")?.example).toBe('{"missing_column":"SkuMeter"}');
  });

  it("knows the FOCUS 1.2 columns and unit grammar", () => {
    expect(FOCUS_COLUMNS).toHaveLength(57);
    expect(FOCUS_COLUMNS.filter((c) => !isRequired(c)).map((c) => c.name)).toEqual(["BillingAccountType"]);
    expect(new Set(FOCUS_RULES.map((r) => r.id)).size).toBeGreaterThan(150);
    const unit = new RegExp(UNIT_FORMAT);
    for (const ok of ["Hours", "GiB-Months", "GB/Hour", "1000 Requests", "Units/3 Months", "Licence-Days", "Count", "B-Seconds"]) expect(ok).toMatch(unit);
    for (const bad of ["hour", "gibibyte month", "GB-hours", "Requests per Day"]) expect(bad).not.toMatch(unit);
  });
});
