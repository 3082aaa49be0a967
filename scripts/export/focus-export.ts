import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import { refused } from "../clients/bigquery.ts";
import { UsageError } from "../clients/errors.ts";
import { nextMonth } from "../config/months.ts";
import { duckDbType, type SchemaField } from "../contracts/source-schema.ts";
import { bigQueryRowsSelect } from "../engines/duckdb/bigquery-rows.ts";
import { DuckDbWarehouse, quoteIdent, quoteLiteral } from "../engines/duckdb/engine.ts";

export const FOCUS_VIEWS = { upstream: "focus_upstream", customer: "focus_customer", "contract-commitment": "focus_contract_commitment" } as const;
export type FocusView = keyof typeof FOCUS_VIEWS;
export type FocusExportFormat = "parquet" | "csv";

export interface FocusExportOptions {
  view: FocusView;
  /** Billing period, YYYY-MM: the rows whose BillingPeriodStart falls in it; for contract-commitment, the commitments whose term overlaps it. */
  month: string;
  /** One reseller customer's rows only (customers.json customer_id). */
  customer?: string;
  format: FocusExportFormat;
  out: string;
}

export interface FocusExportResult {
  view: string;
  path: string;
  rows: number;
  columns: number;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const CUSTOMER_ID = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * How each view is cut to one month and one customer, and ordered. Column names are plain identifiers,
 * the same unquoted in DuckDB and GoogleSQL; `first` and `next` are the engine's expressions of the
 * month's first instant and the next month's.
 */
const SHAPE: Record<FocusView, { customer: string; inMonth: (first: string, next: string) => string[]; orderBy: string }> = {
  upstream: { customer: "x_CustomerId", inMonth: billedIn, orderBy: "BillingAccountId, ChargePeriodStart, x_SourceLineId" },
  customer: { customer: "BillingAccountId", inMonth: billedIn, orderBy: "BillingAccountId, ChargePeriodStart, x_SourceLineId" },
  "contract-commitment": {
    customer: "x_CustomerId",
    inMonth: (first, next) => [`ContractCommitmentPeriodStart < ${next}`, `ContractCommitmentPeriodEnd > ${first}`],
    orderBy: "x_CustomerId, ContractId, ContractCommitmentId",
  },
};

function billedIn(first: string, next: string) {
  return [`BillingPeriodStart >= ${first}`, `BillingPeriodStart < ${next}`];
}

/** The options checked, and the month's first instant and the next month's, as `YYYY-MM-DD 00:00:00+00`. */
function checked(options: FocusExportOptions): { view: string; first: string; next: string } {
  if (!Object.hasOwn(FOCUS_VIEWS, options.view)) throw new UsageError(`--view must be ${Object.keys(FOCUS_VIEWS).join(", ")}, got "${options.view}"`);
  if (!MONTH.test(options.month)) throw new UsageError(`--month must be YYYY-MM, got "${options.month}"`);
  if (options.customer !== undefined && !CUSTOMER_ID.test(options.customer)) throw new UsageError(`--customer must be a customer_id of customers.json, got "${options.customer}"`);
  if (options.format !== "parquet" && options.format !== "csv") throw new UsageError(`--format must be parquet or csv, got "${options.format}"`);
  return { view: FOCUS_VIEWS[options.view], first: `${options.month}-01 00:00:00+00`, next: `${nextMonth(options.month)}-01 00:00:00+00` };
}

/**
 * Writes one billing period of a FOCUS dataset (the 1.2 cost-and-usage views, or the 1.3 contract
 * commitments in force in it) as a file a FinOps tool loads: Parquet keeps the view's types
 * (decimals exact, date/times as UTC instants); CSV (RFC 4180, header row) writes date/times in FOCUS's
 * ISO 8601 UTC form `YYYY-MM-DDTHH:mm:ssZ` and decimals as plain text.
 */
export async function exportFocus(warehouse: DuckDbWarehouse, options: FocusExportOptions): Promise<FocusExportResult> {
  const { view, first, next } = checked(options);
  if ((await warehouse.relationKind("marts", view)) === undefined) throw new UsageError(`marts.${view} is not in the warehouse: run \`rbw run\` first.`);
  const shape = SHAPE[options.view];
  const filters = [
    ...shape.inMonth(`TIMESTAMPTZ ${quoteLiteral(first)}`, `TIMESTAMPTZ ${quoteLiteral(next)}`),
    ...(options.customer ? [`${shape.customer} = ${quoteLiteral(options.customer)}`] : []),
  ];
  const result = await writeFocusFile(warehouse, `SELECT * FROM marts.${view} WHERE ${filters.join(" AND ")}`, shape.orderBy, options);
  return { view: `marts.${view}`, ...result };
}

/**
 * The same export read from the marts in BigQuery: one parameterised query, its rows kept exact (NUMERIC
 * as decimal text, TIMESTAMP as its UTC instant) and typed from BigQuery's own result schema in a
 * scratch DuckDB database, then written exactly as the DuckDB export writes them.
 */
export async function exportFocusFromBigQuery(client: BigQuery, options: FocusExportOptions): Promise<FocusExportResult> {
  const { view, first, next } = checked(options);
  const shape = SHAPE[options.view];
  const params: string[] = [];
  const param = (value: string) => {
    params.push(value);
    return "?";
  };
  const filters = [...shape.inMonth(`TIMESTAMP(${param(first)})`, `TIMESTAMP(${param(next)})`), ...(options.customer ? [`${shape.customer} = ${param(options.customer)}`] : [])];
  const query = `SELECT * FROM \`marts\`.\`${view}\` WHERE ${filters.join(" AND ")} ORDER BY ${shape.orderBy}`;
  let rows: Record<string, unknown>[];
  let fields: { name: string; type: string }[];
  try {
    const [result, , response] = (await client.query({ query, params, useLegacySql: false, location: client.location })) as unknown as [
      Record<string, unknown>[],
      unknown,
      { schema?: { fields?: { name: string; type: string }[] } },
    ];
    rows = result;
    fields = response?.schema?.fields ?? [];
  } catch (error) {
    throw refused(`reading marts.${view}`, error);
  }
  if (fields.length === 0) throw new UsageError(`BigQuery returned no columns for marts.${view}.`);
  const scratch = mkdtempSync(join(tmpdir(), "rbw-focus-export-"));
  const local = await DuckDbWarehouse.open(":memory:");
  try {
    const columns = fields.map((f) => ({ name: f.name, duckDbType: duckDbType(f as SchemaField) }));
    await local.exec(
      rows.length === 0
        ? `CREATE TABLE focus AS SELECT ${columns.map((c) => `CAST(NULL AS ${c.duckDbType}) AS ${quoteIdent(c.name)}`).join(", ")} WHERE FALSE`
        : `CREATE TABLE focus AS ${bigQueryRowsSelect(rows, columns, join(scratch, "rows.json"))}`,
    );
    const result = await writeFocusFile(local, "SELECT * FROM focus", shape.orderBy, options);
    return { view: `marts.${view}`, ...result };
  } finally {
    await local.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes a query's rows in order as Parquet or CSV, date/times in CSV as ISO 8601 UTC. */
async function writeFocusFile(warehouse: DuckDbWarehouse, query: string, orderBy: string, options: FocusExportOptions): Promise<{ path: string; rows: number; columns: number }> {
  const columns = await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`);
  const select = columns
    .map(({ column_name, column_type }) =>
      options.format === "csv" && column_type.startsWith("TIMESTAMP")
        ? `strftime(timezone('UTC', ${quoteIdent(column_name)}), '%Y-%m-%dT%H:%M:%SZ') AS ${quoteIdent(column_name)}`
        : quoteIdent(column_name),
    )
    .join(", ");
  const path = resolve(options.out);
  mkdirSync(dirname(path), { recursive: true });
  const format = options.format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"'";
  const rows = await warehouse.exec(`COPY (SELECT ${select} FROM (${query}) AS focus ORDER BY ${orderBy}) TO ${quoteLiteral(path)} (${format})`);
  return { path, rows, columns: columns.length };
}
