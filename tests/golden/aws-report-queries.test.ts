import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/project.ts";
import { appendixText, billedRevenueQuery, collectionsDisbursementsQuery, loadAwsFixtureIntoDuckDb } from "./aws/report-queries.ts";

// AWS's billed revenue and collections & disbursements queries (reference appendices A and B), translated
// to DuckDB in ./aws/report-queries.ts, run over the golden fixture: Paulo's (the reseller's) feeds.
// What each fixture record is: tests/fixtures/aws-golden/README.md.
const FIXTURE = join(REPO_ROOT, "tests/fixtures/aws-golden");
const REFERENCE = join(REPO_ROOT, "../shared/reference/aws-marketplace-data-feeds.md");

type TextRow = Record<string, string | null>;

/**
 * Runs a report query and returns its rows with every value as text (decimals exact, timestamps in
 * DuckDB's UTC text) and column names lower-cased, as Athena returns them (Trino folds unquoted
 * identifiers to lower case; DuckDB keeps the alias spelling).
 */
async function runReport(connection: DuckDBConnection, sql: string): Promise<TextRow[]> {
  const reader = await connection.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM (${sql}) ORDER BY ALL`);
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((row) => {
    const lower: TextRow = {};
    for (const [name, value] of Object.entries(row)) {
      const key = name.toLowerCase();
      if (key in lower) throw new Error(`Two report columns fold to ${key}`);
      lower[key] = value;
    }
    return lower;
  });
}

const readExpected = (file: string): TextRow[] => JSON.parse(readFileSync(join(FIXTURE, file), "utf8")) as TextRow[];

describe("AWS's billed revenue and collections reports over the golden AWS Marketplace fixture", () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let billed: TextRow[];
  let collections: TextRow[];

  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    await loadAwsFixtureIntoDuckDb(connection, FIXTURE);
    billed = await runReport(connection, billedRevenueQuery());
    collections = await runReport(connection, collectionsDisbursementsQuery());
  });
  afterAll(() => connection?.closeSync());

  const billedRow = (invoiceId: string) => billed.filter((row) => row.invoice_id === invoiceId);

  it("keeps verbatim copies of the appendices as the reference prints them", () => {
    if (!existsSync(REFERENCE)) return;
    const reference = readFileSync(REFERENCE, "utf8");
    for (const [appendix, name] of [["A", "billed-revenue"], ["B", "collections-disbursements"]] as const) {
      const start = reference.indexOf("```sql\n", reference.indexOf(`## Appendix ${appendix}:`)) + "```sql\n".length;
      const end = reference.indexOf("\n```", start);
      expect(appendixText(name).trimEnd()).toBe(reference.slice(start, end).trimEnd());
    }
  });

  it("loads every month file of a feed: backfill folder, header-only month, quoted commas, line breaks, Korean and German", async () => {
    const read = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
    expect(await read("SELECT COUNT(*)::VARCHAR AS n FROM billingeventfeed_v1")).toEqual([{ n: "31" }]);
    expect(await read("SELECT COUNT(*)::VARCHAR AS n FROM productfeed_v1")).toEqual([{ n: "3" }]);
    expect(await read("SELECT company_name, address_line_1 FROM addressfeed_v1 WHERE country_code = 'DE'")).toEqual([
      { company_name: 'Müller & Söhne GmbH, "Nord"', address_line_1: "Großer Burstah 12\n3. Etage" },
    ]);
    expect(await read("SELECT DISTINCT aws_account_id, tax_legal_name FROM accountfeed_v1 WHERE aws_account_id LIKE '0%' ORDER BY 1")).toEqual([
      { aws_account_id: "004455667788", tax_legal_name: "Müller & Söhne GmbH" },
      { aws_account_id: "012345678901", tax_legal_name: "한빛리테일 주식회사" },
    ]);
  });

  it("worked example (reference 4): Paulo's billed line nets 100 - 80 - 0.20 = 19.80 USD; AWS's 20.60 tax is shown, not counted", () => {
    expect(billedRow("781216640")).toHaveLength(1);
    const [arnav] = billedRow("781216640");
    expect(arnav).toMatchObject({
      listing_fee_invoice_id: "788576665",
      gross_revenue: "100.00",
      listing_fee: "-0.20",
      aws_tax_share: "20.60",
      // I2: Paulo's SELLER_REV_SHARE to Jane is the wholesale cost. It is Jane's whole share, 73.50 revenue +
      // 6.50 seller tax share in her feed (4.3); of it she keeps 72.65 after her own 7.35 listing fee (4.4),
      // which only Jane's feed shows: 80.00 = 72.65 + 7.35.
      wholesale_cost: "-80.00",
      seller_net_revenue: "19.80",
      currency: "USD",
      disbursement_status: "Disbursed",
      offer_visibility: "Private",
      isv_account_id: "111122223333",
      payer_aws_account_id: "737399998888",
      aws_seller_of_record: "AWS_INC",
    });
  });

  it("worked example: the DISBURSED lines negate their INVOICED parents exactly and AWS_TAX_SHARE is never paid out", async () => {
    const rows = (
      await connection.runAndReadAll(`
        SELECT parent.transaction_type, parent.amount AS invoiced, child.amount AS disbursed,
               CAST(CAST(parent.amount AS DECIMAL(38,6)) + CAST(child.amount AS DECIMAL(38,6)) AS VARCHAR) AS net
        FROM billingeventfeed_v1 AS child
        JOIN billingeventfeed_v1 AS parent ON child.parent_billing_event_id = parent.billing_event_id
        WHERE child.action = 'DISBURSED' AND child.disbursement_billing_event_id LIKE 'I14%'
        ORDER BY parent.billing_event_id`)
    ).getRowObjectsJson();
    expect(rows).toEqual([
      { transaction_type: "SELLER_REV_SHARE", invoiced: "100", disbursed: "-100", net: "0.000000" },
      { transaction_type: "SELLER_REV_SHARE", invoiced: "-80", disbursed: "80", net: "0.000000" },
      { transaction_type: "AWS_REV_SHARE", invoiced: "-0.2", disbursed: "0.2", net: "0.000000" },
    ]);
    // The collections report shows the I14 payout as the negated disbursed lines: 100 - 80 (I10, I12 carry no
    // product_id in the guide, so they group apart from I13) and -0.20 (I13) = 19.80 = I14's amount.
    const i14 = collections.filter((row) => row.transaction_reference_id?.startsWith("BTRARNAV"));
    expect(i14.map((row) => [row.product_id, row.gross_revenue, row.wholesale_cost, row.listing_fee, row.seller_net_revenue])).toEqual([
      ["prod-o4grxfafcxxxx", "0.00", "0.00", "-0.20", "-0.20"],
      ["Not provided", "100.00", "-80.00", "0.00", "20.00"],
    ]);
    expect(i14.map((row) => row.aws_tax_share)).toEqual([undefined, undefined]);
  });

  it("partial disbursement (Hanbit, own product): 300 of 500 paid, status Other; the refund is its own Not Disbursed line", () => {
    expect(billedRow("1487203651")[0]).toMatchObject({
      gross_revenue: "500.00",
      listing_fee: "-15.00",
      aws_tax_share: "50.00",
      wholesale_cost: "0.00",
      seller_net_revenue: "485.00",
      disbursement_status: "Other",
      listing_fee_percentage: "0.030000",
      payer_city: "중구",
    });
    expect(billedRow("1490011201")[0]).toMatchObject({
      gross_refund: "-100.00",
      listing_fee_refund: "3.00",
      aws_tax_share_refund: "-10.00",
      seller_net_revenue: "-97.00",
      disbursement_status: "Not Disbursed",
      disburse_bank_trace_id: "Not applicable",
      // as of the refund (2024-02-20) Hanbit's account points at the Busan address (valid_from 2024-02-15),
      // whose postal code was corrected on 2024-02-19 (same valid_from, later update_date)
      payer_city: "해운대구",
      payer_postal_code: "48058",
    });
    const hanbit = collections.filter((row) => row.invoice_id === "1487203651");
    expect(hanbit.map((row) => [row.gross_revenue, row.listing_fee, row.seller_net_revenue, row.disburse_bank_trace_id])).toEqual([
      ["300.00", "-9.00", "291.00", "20240213KS0002917"],
    ]);
  });

  it("failed disbursement (Müller, EUR): the reversing lines cancel the payout, the line is Not Disbursed; the soft-deleted duplicate is gone", () => {
    expect(billedRow("5301846227")).toHaveLength(1);
    expect(billedRow("5301846227")[0]).toMatchObject({
      currency: "EUR",
      gross_revenue: "1000.00",
      listing_fee: "-30.00",
      aws_tax_share: "190.00",
      aws_tax_share_listing_fee: "-5.70",
      seller_net_revenue: "964.30",
      disbursement_status: "Not Disbursed",
      aws_seller_of_record: "AWS_EUROPE",
      payer_company_name: 'Müller & Söhne GmbH, "Nord"',
      product_title: "Paulo Backup Pro",
    });
    const mueller = collections.filter((row) => row.currency === "EUR");
    expect(mueller.map((row) => row.seller_net_revenue).sort()).toEqual(["-964.30", "964.30"]);
  });

  it("balance_impacting = 1 sums to the pending disbursement of example 6 (the reading README.md settles)", async () => {
    const pending = (
      await connection.runAndReadAll(`
        SELECT currency,
               CAST(SUM(CASE WHEN balance_impacting = '1' THEN CAST(amount AS DECIMAL(38,6)) ELSE 0 END) AS VARCHAR) AS by_flag,
               CAST(SUM(CASE WHEN transaction_type LIKE 'SELLER_%' OR transaction_type LIKE 'AWS_REV_%' OR transaction_type = 'BALANCE_ADJUSTMENT'
                                  OR (transaction_type = 'AWS_TAX_SHARE' AND balance_impacting = '1')
                             THEN CAST(amount AS DECIMAL(38,6)) ELSE 0 END) AS VARCHAR) AS by_type
        FROM (
          SELECT *, row_number() OVER (PARTITION BY billing_event_id, valid_from ORDER BY update_date DESC) AS revision
          FROM billingeventfeed_v1
        )
        WHERE revision = 1 AND delete_date IS NULL
        GROUP BY currency ORDER BY currency`)
    ).getRowObjectsJson();
    // USD: Arnav 0 after I14; Hanbit 500 - 15 - 300 + 9 = 194, refund -100 + 3 = -97 -> 97. EUR: failed, all 964.30 pending.
    expect(pending).toEqual([
      { currency: "EUR", by_flag: "964.300000", by_type: "964.300000" },
      { currency: "USD", by_flag: "97.000000", by_type: "97.000000" },
    ]);
  });

  it("returns the expected rows of AWS's billed revenue report", () => {
    expect(billed).toEqual(readExpected("expected-billed-revenue.json"));
  });

  it("returns the expected rows of AWS's collections and disbursements report", () => {
    expect(collections).toEqual(readExpected("expected-collections-disbursements.json"));
  });
});
