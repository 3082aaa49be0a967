import { BigQuery, type BigQueryDate } from "@google-cloud/bigquery";
import { runStatement } from "../clients/bigquery.ts";
import { UsageError } from "../clients/errors.ts";
import { configRows, type WarehouseConfig } from "../config/config.ts";
import { bigQueryType, type SchemaField, type SourceSchema } from "../contracts/source-schema.ts";

const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

export interface RefTableStatement {
  table: string;
  query: string;
  params: { rows: Record<string, string | BigQueryDate>[] };
  /** Parameter types in the client's notation: `{ rows: [{ column: "STRING", ... }] }`. */
  types: { rows: Record<string, string>[] };
}

/**
 * `CREATE OR REPLACE TABLE ... AS SELECT * FROM UNNEST(@rows)`: one atomic statement per table, with
 * every config value passed as a query parameter (never spliced into the SQL).
 */
export function refTableStatements(projectId: string, dataset: string, config: WarehouseConfig, schemas: Map<string, SourceSchema>): RefTableStatement[] {
  if (!DATASET.test(dataset)) throw new UsageError(`"${dataset}" is not a BigQuery dataset name.`);
  const rows = configRows(config);
  return Object.keys(rows).map((table) => {
    const fields = schemas.get(table)?.fields;
    if (!fields) throw new Error(`the schema of raw.${table} (includes/schemas/**/${table}.json) is missing`);
    const columns = fields.map((f: SchemaField) => `${f.name} ${bigQueryType(f)}${f.mode === "REQUIRED" ? " NOT NULL" : ""}`).join(", ");
    const query = `CREATE OR REPLACE TABLE \`${projectId}.${dataset}.${table}\` (${columns}) AS SELECT ${fields.map((f) => f.name).join(", ")} FROM UNNEST(@rows)`;
    return {
      table,
      query,
      // The client sends DATE parameters only from its own date type, not from text.
      params: {
        rows: (rows[table] as Record<string, string>[]).map((row) =>
          Object.fromEntries(fields.map((f) => [f.name, f.type === "DATE" ? BigQuery.date(row[f.name]) : row[f.name]])),
        ),
      },
      types: { rows: [Object.fromEntries(fields.map((f) => [f.name, bigQueryType(f)]))] },
    };
  });
}

/** Replaces the raw.ref_* tables in BigQuery with the current config. */
export async function landConfigToBigQuery(
  client: BigQuery,
  projectId: string,
  dataset: string,
  config: WarehouseConfig,
  schemas: Map<string, SourceSchema>,
  onTable?: (table: string, rows: number) => void,
): Promise<void> {
  for (const statement of refTableStatements(projectId, dataset, config, schemas)) {
    await runStatement(client, `replacing ${dataset}.${statement.table}`, statement.query, statement.params, statement.types);
    onTable?.(`${projectId}.${dataset}.${statement.table}`, statement.params.rows.length);
  }
}
