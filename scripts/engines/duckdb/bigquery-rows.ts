import { writeFileSync } from "node:fs";
import { plainValue } from "../bigquery/kysely-dialect.ts";
import { quoteIdent, quoteLiteral } from "./engine.ts";

/**
 * Rows read from BigQuery as a DuckDB `SELECT`: written to `file` as NDJSON with every value exact
 * (NUMERIC as decimal text, DATE and TIMESTAMP as BigQuery's text, see plainValue), then read back with
 * each column cast to the DuckDB type given.
 */
export function bigQueryRowsSelect(rows: Record<string, unknown>[], columns: { name: string; duckDbType: string }[], file: string): string {
  writeFileSync(file, rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, plainValue(row[c.name])])))).join("\n"));
  const text = columns.map((c) => `${quoteLiteral(c.name)}: 'VARCHAR'`).join(", ");
  const typed = columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${c.duckDbType}) AS ${quoteIdent(c.name)}`).join(", ");
  return `SELECT ${typed} FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${text}})`;
}
