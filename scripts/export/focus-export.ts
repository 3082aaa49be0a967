import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../clients/errors.ts";
import { quoteIdent, quoteLiteral, type DuckDbWarehouse } from "../engines/duckdb/engine.ts";

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

/** How each view is cut to one month and one customer, and ordered. */
const SHAPE: Record<FocusView, { customer: string; inMonth: (first: string, next: string) => string[]; orderBy: string }> = {
  upstream: { customer: "x_CustomerId", inMonth: billedIn, orderBy: `"BillingAccountId", "ChargePeriodStart", "x_SourceLineId"` },
  customer: { customer: "BillingAccountId", inMonth: billedIn, orderBy: `"BillingAccountId", "ChargePeriodStart", "x_SourceLineId"` },
  "contract-commitment": {
    customer: "x_CustomerId",
    inMonth: (first, next) => [`"ContractCommitmentPeriodStart" < ${instant(next)}`, `"ContractCommitmentPeriodEnd" > ${instant(first)}`],
    orderBy: `"x_CustomerId", "ContractId", "ContractCommitmentId"`,
  },
};

function instant(date: string) {
  return `TIMESTAMPTZ ${quoteLiteral(`${date} 00:00:00+00`)}`;
}

function billedIn(first: string, next: string) {
  return [`"BillingPeriodStart" >= ${instant(first)}`, `"BillingPeriodStart" < ${instant(next)}`];
}


/**
 * Writes one billing period of a FOCUS dataset (the 1.2 cost-and-usage views, or the 1.3 contract
 * commitments in force in it) as a file a FinOps tool loads: Parquet keeps the view's types
 * (decimals exact, date/times as UTC instants); CSV (RFC 4180, header row) writes date/times in FOCUS's
 * ISO 8601 UTC form `YYYY-MM-DDTHH:mm:ssZ` and decimals as plain text.
 */
export async function exportFocus(warehouse: DuckDbWarehouse, options: FocusExportOptions): Promise<FocusExportResult> {
  if (!Object.hasOwn(FOCUS_VIEWS, options.view)) throw new UsageError(`--view must be ${Object.keys(FOCUS_VIEWS).join(", ")}, got "${options.view}"`);
  if (!MONTH.test(options.month)) throw new UsageError(`--month must be YYYY-MM, got "${options.month}"`);
  if (options.customer !== undefined && !CUSTOMER_ID.test(options.customer)) throw new UsageError(`--customer must be a customer_id of customers.json, got "${options.customer}"`);
  if (options.format !== "parquet" && options.format !== "csv") throw new UsageError(`--format must be parquet or csv, got "${options.format}"`);
  const view = FOCUS_VIEWS[options.view];
  if ((await warehouse.relationKind("marts", view)) === undefined) throw new UsageError(`marts.${view} is not in the warehouse: run \`rbw run\` first.`);
  const columns = await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE marts.${view}`);
  const select = columns
    .map(({ column_name, column_type }) =>
      options.format === "csv" && column_type.startsWith("TIMESTAMP")
        ? `strftime(timezone('UTC', ${quoteIdent(column_name)}), '%Y-%m-%dT%H:%M:%SZ') AS ${quoteIdent(column_name)}`
        : quoteIdent(column_name),
    )
    .join(", ");
  const [year, month] = options.month.split("-").map(Number);
  const first = `${options.month}-01`;
  const next = `${month === 12 ? year + 1 : year}-${String(month === 12 ? 1 : month + 1).padStart(2, "0")}-01`;
  const shape = SHAPE[options.view];
  const filters = [...shape.inMonth(first, next), ...(options.customer ? [`${quoteIdent(shape.customer)} = ${quoteLiteral(options.customer)}`] : [])];
  const query = `SELECT ${select} FROM marts.${view} WHERE ${filters.join(" AND ")} ORDER BY ${shape.orderBy}`;
  const path = resolve(options.out);
  mkdirSync(dirname(path), { recursive: true });
  const format = options.format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"'";
  const rows = await warehouse.exec(`COPY (${query}) TO ${quoteLiteral(path)} (${format})`);
  return { view: `marts.${view}`, path, rows, columns: columns.length };
}
