import { DuckDBInstance } from "@duckdb/node-api";
import { billedRevenueQuery, collectionsDisbursementsQuery, loadAwsFixtureIntoDuckDb } from "./report-queries.ts";

/** A report row with every value as text. */
export type TextRow = Record<string, string | null>;

/** Decimal text without trailing zeros, so 19.80 (AWS's DECIMAL(38,2)) equals 19.800000000 (NUMERIC). */
export const decimal = (value: string | null) => (value !== null && /^-?\d+\.\d+$/.test(value) ? value.replace(/0+$/, "").replace(/\.$/, "") : value);

/** Rows with lower-case column names and decimals compared by value, in a stable order. */
export const canonical = (rows: TextRow[]) =>
  rows
    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), decimal(v)])))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** AWS's billed revenue and collections & disbursements queries over a delivery folder, every value as text. */
export async function awsReports(feedsDir: string): Promise<{ billed: TextRow[]; collections: TextRow[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await loadAwsFixtureIntoDuckDb(connection, feedsDir);
    const read = async (sql: string) => (await connection.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM (${sql})`)).getRowObjectsJson() as TextRow[];
    return { billed: await read(billedRevenueQuery()), collections: await read(collectionsDisbursementsQuery()) };
  } finally {
    connection.closeSync();
  }
}
