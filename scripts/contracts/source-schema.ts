import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { z } from "zod";

/**
 * A source table's schema, written once as BigQuery's own JSON schema format (what `bq show --schema`
 * prints) in `includes/schemas/<table>.json`. The same file declares the source in Dataform, builds the
 * ZetaSQL catalog for `rbw check`, the DuckDB landing DDL and the zod validator used by `rbw land`.
 */
export type FieldType =
  | "STRING"
  | "BYTES"
  | "INTEGER"
  | "INT64"
  | "FLOAT"
  | "FLOAT64"
  | "NUMERIC"
  | "BIGNUMERIC"
  | "BOOLEAN"
  | "BOOL"
  | "TIMESTAMP"
  | "DATE"
  | "DATETIME"
  | "TIME"
  | "JSON"
  | "RECORD"
  | "STRUCT";

export interface SchemaField {
  name: string;
  type: FieldType;
  mode?: "NULLABLE" | "REQUIRED" | "REPEATED";
  description?: string;
  fields?: SchemaField[];
}

const fieldSchema: z.ZodType<SchemaField> = z.lazy(() =>
  z.object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    type: z.enum([
      "STRING",
      "BYTES",
      "INTEGER",
      "INT64",
      "FLOAT",
      "FLOAT64",
      "NUMERIC",
      "BIGNUMERIC",
      "BOOLEAN",
      "BOOL",
      "TIMESTAMP",
      "DATE",
      "DATETIME",
      "TIME",
      "JSON",
      "RECORD",
      "STRUCT",
    ]),
    mode: z.enum(["NULLABLE", "REQUIRED", "REPEATED"]).optional(),
    description: z.string().optional(),
    fields: z.array(fieldSchema).optional(),
  }),
);

export const tableSchemaFile = z.array(fieldSchema);

export interface SourceSchema {
  /** The table name (the file name without `.json`). */
  table: string;
  /** The file, relative to the project (`includes/schemas/gcp/<table>.json`). */
  file: string;
  fields: SchemaField[];
}

export const SCHEMAS_DIR = "includes/schemas";

/** Files that sit beside the schemas without being one (a vendor's feed list, for example). */
const NOT_A_SCHEMA = /^_|^feeds\.json$/;

/**
 * Every table schema under includes/schemas/, one folder per vendor (`includes/schemas/<vendor>/`).
 * Table names are unique across folders: the raw schema in the warehouse holds them side by side.
 */
export function loadSourceSchemas(projectDir: string): Map<string, SourceSchema> {
  const root = join(projectDir, SCHEMAS_DIR);
  const schemas = new Map<string, SourceSchema>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (!entry.name.endsWith(".json") || NOT_A_SCHEMA.test(entry.name)) continue;
      const file = relative(projectDir, path);
      const table = basename(entry.name, ".json");
      const parsed = tableSchemaFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (!parsed.success) throw new Error(`${file} is not a BigQuery table schema: ${parsed.error.message}`);
      const earlier = schemas.get(table);
      if (earlier) throw new Error(`${file} and ${earlier.file} both define the raw table ${table}`);
      schemas.set(table, { table, file, fields: parsed.data });
    }
  };
  if (existsSync(root)) walk(root);
  return schemas;
}

export function isRecord(field: SchemaField): boolean {
  return field.type === "RECORD" || field.type === "STRUCT";
}

/** DuckDB column type for a BigQuery field (money stays exact: NUMERIC -> DECIMAL(38, 9)). */
export function duckDbType(field: SchemaField): string {
  let base: string;
  switch (field.type) {
    case "STRING":
      base = "VARCHAR";
      break;
    case "BYTES":
      base = "BLOB";
      break;
    case "INTEGER":
    case "INT64":
      base = "BIGINT";
      break;
    case "FLOAT":
    case "FLOAT64":
      base = "DOUBLE";
      break;
    case "NUMERIC":
    case "BIGNUMERIC":
      base = "DECIMAL(38, 9)";
      break;
    case "BOOLEAN":
    case "BOOL":
      base = "BOOLEAN";
      break;
    case "TIMESTAMP":
      base = "TIMESTAMPTZ";
      break;
    case "DATE":
      base = "DATE";
      break;
    case "DATETIME":
      base = "TIMESTAMP";
      break;
    case "TIME":
      base = "TIME";
      break;
    case "JSON":
      base = "JSON";
      break;
    default:
      base = `STRUCT(${(field.fields ?? []).map((f) => `"${f.name}" ${duckDbType(f)}`).join(", ")})`;
  }
  return field.mode === "REPEATED" ? `${base}[]` : base;
}

/** BigQuery DDL type for a field (used for documentation and for the BigQuery landing tables). */
export function bigQueryType(field: SchemaField): string {
  const base = isRecord(field)
    ? `STRUCT<${(field.fields ?? []).map((f) => `${f.name} ${bigQueryType(f)}`).join(", ")}>`
    : field.type === "INTEGER"
      ? "INT64"
      : field.type === "FLOAT"
        ? "FLOAT64"
        : field.type === "BOOLEAN"
          ? "BOOL"
          : field.type;
  return field.mode === "REPEATED" ? `ARRAY<${base}>` : base;
}
