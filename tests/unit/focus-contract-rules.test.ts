import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { CONTRACT_COMMITMENT_COLUMNS, CONTRACT_COMMITMENT_RULES, contractAppliedRules } from "../helpers/focus-contract-rules.ts";
import { formatFailures, relationColumns, runFocusRules, type RuleFailure } from "../helpers/focus-rules.ts";

/**
 * The FOCUS 1.3 contract commitment rules on tiny datasets (the scenario pattern of focus-rules.test.ts): a
 * conforming Contract Commitment dataset and a conforming cost-and-usage relation with a ContractApplied
 * column pass; each change below breaks exactly the requirement named, and the failure names the row.
 */

// Contract C-1: a 500k USD spend commitment (ContractCommitmentId = ContractId) and a 100k-hour usage commitment.
const SPEND = {
  BillingCurrency: "'USD'",
  ContractCommitmentCategory: "'Spend'",
  ContractCommitmentCost: "500000",
  ContractCommitmentDescription: "'Spend 500,000 USD on any service'",
  ContractCommitmentId: "'C-1'",
  ContractCommitmentPeriodEnd: "'2027-01-01 00:00:00+00'",
  ContractCommitmentPeriodStart: "'2026-01-01 00:00:00+00'",
  ContractCommitmentQuantity: "NULL",
  ContractCommitmentType: "'Spend Commitment'",
  ContractCommitmentUnit: "NULL",
  ContractId: "'C-1'",
  ContractPeriodEnd: "'2027-01-01 00:00:00+00'",
  ContractPeriodStart: "'2026-01-01 00:00:00+00'",
  x_CustomerId: "'hanbit-retail'",
};
// A usage commitment names no currency (BillingCurrency may be null unless the category is Spend).
const USAGE = {
  ...SPEND,
  BillingCurrency: "NULL",
  ContractCommitmentCategory: "'Usage'",
  ContractCommitmentCost: "NULL",
  ContractCommitmentDescription: "'Run 100,000 instance hours'",
  ContractCommitmentId: "'C-1-HOURS'",
  ContractCommitmentPeriodStart: "'2026-07-01 00:00:00+00'",
  ContractCommitmentQuantity: "100000",
  ContractCommitmentType: "'Usage Commitment'",
  ContractCommitmentUnit: "'Hours'",
};
// Contract C-2: a KRW spend commitment of another customer.
const KRW = {
  ...SPEND,
  BillingCurrency: "'KRW'",
  ContractCommitmentCost: "12000000",
  ContractCommitmentDescription: "'Spend 12,000,000 KRW'",
  ContractCommitmentId: "'C-2-SPEND'",
  ContractId: "'C-2'",
  ContractCommitmentPeriodStart: "'2026-03-01 00:00:00+00'",
  ContractCommitmentPeriodEnd: "'2027-03-01 00:00:00+00'",
  ContractPeriodStart: "'2026-03-01 00:00:00+00'",
  ContractPeriodEnd: "'2027-03-01 00:00:00+00'",
  x_CustomerId: "'mirae-games'",
};

const TYPES: Record<string, string> = { String: "VARCHAR", Decimal: "DECIMAL(38, 9)", DateTime: "TIMESTAMPTZ" };
const typeOf = (c: string) => TYPES[CONTRACT_COMMITMENT_COLUMNS.find((x) => x.name === c)?.type ?? "String"];
const selectCommitment = (r: Record<string, string>) => `SELECT ${Object.entries(r).map(([c, v]) => `CAST(${v} AS ${typeOf(c)}) AS ${c}`).join(", ")}`;

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;
const applied = (...elements: Record<string, unknown>[]) => sql(JSON.stringify({ Elements: elements }));
const SPEND_ELEMENT = { ContractID: "C-1", ContractCommitmentID: "C-1", ContractCommitmentAppliedCost: 15.0 };
const HOURS_ELEMENT = { ContractID: "C-1", ContractCommitmentID: "C-1-HOURS", ContractCommitmentAppliedQuantity: 0.5, ContractCommitmentAppliedUnit: "Hours", x_RemainingQuantity: 99999.5 };

// Charges: a usage charge drawing on both C-1 commitments, the purchase of C-1, a tax line, and a KRW
// charge drawing on C-2 with explicit nulls (an absent key and a null one read the same).
const CHARGE = { x_SourceLineId: "'usage'", ChargeCategory: "'Usage'", ResourceId: "'vm-1'", BillingCurrency: "'USD'", ContractApplied: applied(SPEND_ELEMENT, HOURS_ELEMENT) };
const PURCHASE = { ...CHARGE, x_SourceLineId: "'purchase'", ChargeCategory: "'Purchase'", ResourceId: "'C-1'", ContractApplied: applied({ ContractID: "C-1", ContractCommitmentID: "C-1", ContractCommitmentAppliedCost: 500000 }) };
const TAX = { ...CHARGE, x_SourceLineId: "'tax'", ChargeCategory: "'Tax'", ResourceId: "NULL", ContractApplied: "NULL" };
const KRW_CHARGE = {
  ...CHARGE,
  x_SourceLineId: "'krw'",
  BillingCurrency: "'KRW'",
  ContractApplied: applied({ ContractID: "C-2", ContractCommitmentID: "C-2-SPEND", ContractCommitmentAppliedCost: 1000, ContractCommitmentAppliedQuantity: null, ContractCommitmentAppliedUnit: null }),
};
const selectCharge = (r: Record<string, string>) => `SELECT ${Object.entries(r).map(([c, v]) => `CAST(${v} AS VARCHAR) AS ${c}`).join(", ")}`;

describe("the FOCUS 1.3 contract commitment rules on tiny datasets", () => {
  let db: DuckDbWarehouse;
  beforeAll(async () => {
    db = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(() => db.close());

  const failures = {
    /** The rules a Contract Commitment dataset of these rows breaks. */
    commitments: async (...rows: Record<string, string>[]) => {
      await db.exec(`CREATE OR REPLACE TEMP TABLE cc_case AS ${rows.map(selectCommitment).join(" UNION ALL ")}`);
      return runFocusRules(db, "cc_case", CONTRACT_COMMITMENT_RULES);
    },
    /** The ContractApplied rules a cost-and-usage relation of these rows breaks, against the clean commitments. */
    charges: async (...rows: Record<string, string>[]) => {
      await db.exec(`CREATE OR REPLACE TEMP TABLE cc_clean AS ${[SPEND, USAGE, KRW].map(selectCommitment).join(" UNION ALL ")}`);
      await db.exec(`CREATE OR REPLACE TEMP TABLE cu_case AS ${rows.map(selectCharge).join(" UNION ALL ")}`);
      return runFocusRules(db, "cu_case", contractAppliedRules("cc_clean"));
    },
  };
  const ids = (f: RuleFailure[]) => f.map((x) => x.id).sort();

  it("passes conforming datasets", async () => {
    const cc = await failures.commitments(SPEND, USAGE, KRW);
    expect(cc, formatFailures("cc_case", cc)).toEqual([]);
    const cu = await failures.charges(CHARGE, PURCHASE, TAX, KRW_CHARGE);
    expect(cu, formatFailures("cu_case", cu)).toEqual([]);
    expect(await relationColumns(db, "cc_case")).toEqual([...CONTRACT_COMMITMENT_COLUMNS.map((c) => c.name), "x_CustomerId"]);
  });

  it("names each broken Contract Commitment requirement and the row that breaks it", async () => {
    const cases: [Record<string, string>, string[], string][] = [
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentCategory: "'Commit'" }, ["ContractCommitmentCategory-C-004-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentCategory: "NULL" }, ["ContractCommitmentCategory-C-003-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentCost: "NULL" }, ["ContractCommitmentCost-C-005-C"], "C-1-X"],
      [{ ...USAGE, ContractCommitmentId: "'C-1-X'", ContractCommitmentQuantity: "NULL", ContractCommitmentUnit: "NULL" }, ["ContractCommitmentQuantity-C-005-C"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", BillingCurrency: "NULL" }, ["BillingCurrency-C-005-C", "ContractCommitmentCost-C-008-M"], "C-1-X"],
      [{ ...USAGE, ContractCommitmentId: "'C-1-X'", ContractCommitmentCost: "10" }, ["ContractCommitmentCost-C-008-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", BillingCurrency: "'XAU'" }, ["BillingCurrency-C-007-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", BillingCurrency: "'usd'" }, ["BillingCurrency-C-004-M", "BillingCurrency-C-007-M"], "C-1-X"],
      // A second row for C-1 under the same contract: not unique; under another contract: also two parents.
      [{ ...SPEND, ContractCommitmentDescription: "'again'" }, ["ContractCommitmentId-C-010-M"], "C-1"],
      [{ ...KRW, ContractCommitmentId: "'C-1'" }, ["ContractCommitmentId-C-008-M", "ContractCommitmentId-C-010-M"], "C-1"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentPeriodEnd: "'2025-12-31 00:00:00+00'" }, ["ContractCommitmentPeriodEnd-C-005-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentPeriodStart: "NULL" }, ["ContractCommitmentPeriodStart-C-004-M"], "C-1-X"],
      [{ ...KRW, ContractCommitmentId: "'C-2-X'", ContractPeriodEnd: "'2026-03-01 00:00:00+00'", ContractCommitmentPeriodEnd: "'2026-04-01 00:00:00+00'" }, ["ContractId-C-006-C", "ContractPeriodEnd-C-005-M"], "C-2"],
      [{ ...KRW, ContractCommitmentId: "'C-2-X'", ContractPeriodStart: "'2026-02-01 00:00:00+00'" }, ["ContractId-C-006-C"], "C-2"],
      [{ ...USAGE, ContractCommitmentId: "'C-1-X'", ContractCommitmentUnit: "NULL" }, ["ContractCommitmentUnit-C-007-C"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentUnit: "'Hours'" }, ["ContractCommitmentUnit-C-006-C"], "C-1-X"],
      [{ ...USAGE, ContractCommitmentId: "'C-1-X'", ContractCommitmentUnit: "'instance hours'" }, ["ContractCommitmentUnit-C-004-O"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentType: "NULL" }, ["ContractCommitmentType-C-004-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentDescription: "NULL" }, ["ContractCommitmentDescription-C-004-O"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractCommitmentDescription: "'N/A'" }, ["ContractCommitment-D-018-M"], "C-1-X"],
      [{ ...SPEND, ContractCommitmentId: "'C-1-X'", ContractId: "NULL" }, ["ContractId-C-004-M"], "C-1-X"],
    ];
    for (const [changed, expected, names] of cases) {
      const found = await failures.commitments(SPEND, USAGE, KRW, changed);
      expect(ids(found), JSON.stringify(changed)).toEqual(expected);
      for (const f of found) expect(f.example, f.id).toContain(names);
    }
  });

  it("names a missing column, a column of the wrong type and a custom column without the x_ prefix", async () => {
    await db.exec(`CREATE OR REPLACE TEMP TABLE cc_case AS SELECT * EXCLUDE (ContractCommitmentDescription) FROM (${selectCommitment(SPEND)})`);
    const missing = await runFocusRules(db, "cc_case", CONTRACT_COMMITMENT_RULES);
    expect(ids(missing)).toEqual(["ContractCommitment-D-006-M"]);
    expect(missing[0].example).toBe('{"missing_column":"ContractCommitmentDescription"}');

    await db.exec(
      `CREATE OR REPLACE TEMP TABLE cc_case AS SELECT * REPLACE (CAST(ContractCommitmentCost AS DOUBLE) AS ContractCommitmentCost, CAST(ContractPeriodEnd AS TIMESTAMP) AS ContractPeriodEnd), 'hanbit' AS CustomerId FROM (${selectCommitment(SPEND)})`,
    );
    const typed = await runFocusRules(db, "cc_case", CONTRACT_COMMITMENT_RULES);
    expect(ids(typed)).toEqual(["ContractCommitment-D-016-M", "ContractCommitmentCost-C-002-M", "ContractPeriodEnd-C-002-M"]);
    expect(typed.find((f) => f.id === "ContractCommitment-D-016-M")?.example).toBe('{"column_name":"CustomerId"}');
  });

  it("names each broken ContractApplied requirement and the charge that breaks it", async () => {
    const on = (...elements: Record<string, unknown>[]) => ({ ...CHARGE, x_SourceLineId: "'broken'", ContractApplied: applied(...elements) });
    const cases: [Record<string, string>, string[]][] = [
      [{ ...CHARGE, x_SourceLineId: "'broken'", ContractApplied: "'ContractID=C-1'" }, ["ContractApplied-C-002-M"]],
      [{ ...CHARGE, x_SourceLineId: "'broken'", ContractApplied: sql(JSON.stringify([SPEND_ELEMENT])) }, ["ContractApplied-C-002-M"]],
      [{ ...CHARGE, x_SourceLineId: "'broken'", ContractApplied: sql(JSON.stringify(SPEND_ELEMENT)) }, ["ContractApplied-C-005-C"]],
      [on(), ["ContractApplied-C-005-C"]],
      [on(SPEND_ELEMENT, null as unknown as Record<string, unknown>), ["ContractApplied-C-007-C"]],
      [on({ ...SPEND_ELEMENT, x_Detail: { tier: 1 } }), ["ContractApplied-C-008-C"]],
      [on({ ...SPEND_ELEMENT, x_remaining: 1 }), ["ContractApplied-C-010-O"]],
      [on({ ContractId: "C-1", ContractCommitmentID: "C-1", ContractCommitmentAppliedCost: 15 }), ["ContractApplied-C-018-C", "ContractApplied-C-027-C"]],
      [on({ ...SPEND_ELEMENT, Remaining: 1 }), ["ContractApplied-C-021-C"]],
      [on({ ...SPEND_ELEMENT, ContractID: 1 }), ["ContractApplied-C-023-M"]],
      [on({ ...SPEND_ELEMENT, ContractID: null }), ["ContractApplied-C-027-C"]],
      [on({ ...SPEND_ELEMENT, ContractID: "C-9" }), ["ContractApplied-C-029-C", "ContractApplied-C-040-C"]],
      [on({ ContractID: "C-1", ContractCommitmentAppliedCost: 15 }), ["ContractApplied-C-036-C"]],
      [on({ ...SPEND_ELEMENT, ContractCommitmentID: " " }), ["ContractApplied-C-033-M"]],
      [on({ ...SPEND_ELEMENT, ContractCommitmentID: "C-404" }), ["ContractApplied-C-038-C"]],
      [on({ ...SPEND_ELEMENT, ContractID: "C-2" }), ["ContractApplied-C-040-C"]],
      // A commitment the Contract Commitment dataset does not hold, named under two contracts.
      [on({ ...SPEND_ELEMENT, ContractCommitmentID: "C-404" }, { ...SPEND_ELEMENT, ContractCommitmentID: "C-404", ContractID: "C-2" }), ["ContractApplied-C-038-C", "ContractApplied-C-040-C"]],
      [{ ...PURCHASE, x_SourceLineId: "'broken'", ContractApplied: applied(HOURS_ELEMENT) }, ["ContractApplied-C-041-C"]],
      [on({ ...SPEND_ELEMENT, ContractCommitmentAppliedCost: "15.00" }), ["ContractApplied-C-044-M"]],
      [on({ ContractID: "C-1", ContractCommitmentID: "C-1" }), ["ContractApplied-C-047-C"]],
      [on({ ...SPEND_ELEMENT, ContractCommitmentAppliedCost: null, ContractCommitmentAppliedQuantity: null }), ["ContractApplied-C-047-C"]],
      [{ ...CHARGE, x_SourceLineId: "'broken'", BillingCurrency: "'EUR'", ContractApplied: applied(SPEND_ELEMENT) }, ["ContractApplied-C-050-M"]],
      [on({ ...HOURS_ELEMENT, ContractCommitmentAppliedQuantity: "0.5" }), ["ContractApplied-C-052-M"]],
      [on({ ...HOURS_ELEMENT, ContractCommitmentAppliedUnit: 3600 }), ["ContractApplied-C-060-M"]],
      [on({ ...HOURS_ELEMENT, ContractCommitmentAppliedUnit: "compute_hours" }), ["ContractApplied-C-062-O"]],
      [on({ ...SPEND_ELEMENT, ContractCommitmentAppliedUnit: "Hours" }), ["ContractApplied-C-064-C"]],
      [on({ ...HOURS_ELEMENT, ContractCommitmentAppliedUnit: null }), ["ContractApplied-C-065-C"]],
      [{ ...CHARGE, x_SourceLineId: "'broken'", ContractApplied: `'{"Elements":[{"ContractID":"C-1","ContractCommitmentID":"C-1","ContractCommitmentAppliedCost":1,"ContractCommitmentAppliedCost":2}]}'` }, ["JsonObjectFormat-A-005-C"]],
      [on(SPEND_ELEMENT, SPEND_ELEMENT), ["JsonObjectFormat-A-009-C"]],
    ];
    for (const [changed, expected] of cases) {
      const found = await failures.charges(CHARGE, PURCHASE, TAX, KRW_CHARGE, changed);
      expect(ids(found), changed.ContractApplied).toEqual(expected);
      for (const f of found) expect(f.example, f.id).toContain('"x_SourceLineId":"broken"');
    }
  });

  it("follows the 1.3 text where it allows what a stricter reading would not", async () => {
    // An element may apply both a cost and a quantity (each MAY be null only when the other is not).
    expect(ids(await failures.charges(CHARGE, { ...CHARGE, x_SourceLineId: "'both'", ContractApplied: applied({ ...HOURS_ELEMENT, ContractCommitmentAppliedCost: 4.2 }) }))).toEqual([]);
    // A purchase that is not the purchase of a commitment need not name one; the root may carry custom items.
    const other = { ...PURCHASE, x_SourceLineId: "'licence'", ResourceId: "'licence-1'", ContractApplied: sql(JSON.stringify({ Elements: [SPEND_ELEMENT], x_Note: "drawn" })) };
    expect(ids(await failures.charges(CHARGE, other))).toEqual([]);
    // A usage commitment with no currency applies quantities to charges in any currency.
    expect(ids(await failures.charges({ ...CHARGE, BillingCurrency: "'EUR'", ContractApplied: applied(HOURS_ELEMENT) }))).toEqual([]);
    // A cost-and-usage relation without the column is told so, and nothing else runs.
    await db.exec(`CREATE OR REPLACE TEMP TABLE cu_case AS SELECT * EXCLUDE (ContractApplied) FROM (${selectCharge(CHARGE)})`);
    expect(ids(await runFocusRules(db, "cu_case", contractAppliedRules("cc_clean")))).toEqual(["ContractApplied-C-001-C"]);
  });

  it("knows the 13 FOCUS 1.3 Contract Commitment columns", () => {
    expect(CONTRACT_COMMITMENT_COLUMNS.map((c) => c.name)).toHaveLength(13);
    expect(CONTRACT_COMMITMENT_COLUMNS.filter((c) => c.nullable).map((c) => c.name)).toEqual([
      "BillingCurrency",
      "ContractCommitmentCost",
      "ContractCommitmentDescription",
      "ContractCommitmentQuantity",
      "ContractCommitmentUnit",
    ]);
    expect(CONTRACT_COMMITMENT_COLUMNS.every((c) => c.mandatory)).toBe(true);
  });
});
