import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import { refused, runStatement } from "../clients/bigquery.ts";
import { UsageError } from "../clients/errors.ts";
import { bigQueryType, type SchemaField, type SourceSchema } from "../contracts/source-schema.ts";
import { LOAD_MANIFEST, QUARANTINE } from "../contracts/warehouse-tables.ts";
import { qualified, quoteIdent, quoteLiteral, type DuckDbWarehouse } from "../engines/duckdb/engine.ts";

/**
 * Landing into BigQuery: files are landed into the local DuckDB warehouse first (validation, quarantine,
 * the manifest that makes re-landing a file add nothing), then every landing run BigQuery does not have yet
 * is pushed, table by table, with load jobs of newline-delimited JSON. A run is in BigQuery once its rows of
 * raw.load_manifest are; those go last, so a push cut short is pushed again whole: before loading a run's
 * rows into a table, the rows of that run a cut-short push left there are deleted.
 */

const DATASET = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

/** The lineage columns landing adds to every raw table, as BigQuery columns. */
const LINEAGE: PushedColumn[] = [
  { name: "_extra", type: "JSON", required: false },
  { name: "_source_file", type: "STRING", required: true },
  { name: "_source_line", type: "INT64", required: true },
  { name: "_run_id", type: "STRING", required: true },
  { name: "_loaded_at", type: "TIMESTAMP", required: true },
];

export interface PushedColumn {
  name: string;
  /** BigQuery type. */
  type: string;
  required: boolean;
}

export interface PushedTable {
  table: string;
  columns: PushedColumn[];
  /** The column holding the landing run's id. */
  runColumn: string;
  /** Only these source systems' rows (the bookkeeping tables hold every vendor's). */
  sourceSystems?: string[];
}

export interface PushedTableResult {
  table: string;
  run: string;
  rows: number;
}

export interface PushResult {
  /** Landing runs pushed by this call, oldest first. */
  runs: string[];
  tables: PushedTableResult[];
}

export interface PushOptions {
  projectId: string;
  dataset: string;
  /** The raw tables whose landed rows go to BigQuery. */
  rawTables: SourceSchema[];
  /** The source systems of those tables, whose manifest and quarantine rows go too. */
  sourceSystems: string[];
  onTable?: (result: PushedTableResult) => void;
  /** Attempts per table load when BigQuery answers with a retryable error (default 3). */
  attempts?: number;
  /** Milliseconds before the first retry, doubled for each next one (default 1000). */
  retryDelayMs?: number;
}

const BOOKKEEPING_TYPES: Record<string, string> = { VARCHAR: "STRING", BIGINT: "INT64", TIMESTAMPTZ: "TIMESTAMP", "DECIMAL(18, 3)": "NUMERIC" };

function bookkeeping(table: string, spec: Record<string, { type: string; nullable?: true }>, sourceSystems: string[]): PushedTable {
  return {
    table,
    columns: Object.entries(spec).map(([name, c]) => ({ name, type: BOOKKEEPING_TYPES[c.type], required: !c.nullable })),
    runColumn: "run_id",
    sourceSystems,
  };
}

function rawTable(schema: SourceSchema): PushedTable {
  return {
    table: schema.table,
    columns: [...schema.fields.map((f: SchemaField) => ({ name: f.name, type: bigQueryType(f), required: f.mode === "REQUIRED" })), ...LINEAGE],
    runColumn: "_run_id",
  };
}

/** The tables a push writes, in the order it writes them: the raw tables, the quarantine, the manifest last. */
export function pushedTables(rawTables: SourceSchema[], sourceSystems: string[]): PushedTable[] {
  return [
    ...rawTables.map(rawTable),
    bookkeeping("quarantine", QUARANTINE, sourceSystems),
    // Last: a run is pushed once its manifest rows are in BigQuery.
    bookkeeping("load_manifest", LOAD_MANIFEST, sourceSystems),
  ];
}

/** The statement that removes what a cut-short push left of a run in a table (the run id is the parameter @run). */
export function deleteRunSql(projectId: string, dataset: string, table: PushedTable): string {
  return `DELETE FROM \`${projectId}.${dataset}.${table.table}\` WHERE ${table.runColumn} = @run`;
}

/** `CREATE TABLE IF NOT EXISTS` of a pushed table in BigQuery. */
export function bigQueryTableDdl(projectId: string, dataset: string, table: PushedTable): string {
  const columns = table.columns.map((c) => `${c.name} ${c.type}${c.required ? " NOT NULL" : ""}`).join(", ");
  return `CREATE TABLE IF NOT EXISTS \`${projectId}.${dataset}.${table.table}\` (${columns})`;
}

/** How DuckDB writes a column into the NDJSON BigQuery loads: exact decimals as text, instants in UTC. */
function ndjsonColumn(column: PushedColumn): string {
  const name = quoteIdent(column.name);
  if (column.type === "NUMERIC" || column.type === "BIGNUMERIC" || column.type === "DATE") return `CAST(${name} AS VARCHAR) AS ${name}`;
  if (column.type === "TIMESTAMP") return `strftime(timezone('UTC', ${name}), '%Y-%m-%dT%H:%M:%S.%fZ') AS ${name}`;
  return name;
}

function isRetryable(error: unknown): boolean {
  const e = error as { code?: number; errors?: { reason?: string }[] };
  return [408, 429, 500, 502, 503, 504].includes(e.code ?? 0) || (e.errors ?? []).some((r) => r.reason === "backendError" || r.reason === "rateLimitExceeded");
}

export interface BigQueryLanding {
  /** Loads every landing run of the local warehouse that BigQuery does not hold yet. */
  push(): Promise<PushResult>;
}

/**
 * Creates BigQuery's raw tables where missing and checks that the local warehouse is the one that landed
 * what BigQuery holds: a run in BigQuery's manifest that the local manifest does not know means another
 * warehouse landed it, and pushing from this one would load the same files twice.
 */
export async function openBigQueryLanding(client: BigQuery, warehouse: DuckDbWarehouse, options: PushOptions): Promise<BigQueryLanding> {
  const { projectId, dataset } = options;
  if (!DATASET.test(dataset)) throw new UsageError(`"${dataset}" is not a BigQuery dataset name.`);
  const tables = pushedTables(options.rawTables, options.sourceSystems);
  for (const table of tables) {
    await runStatement(client, `creating ${dataset}.${table.table}`, bigQueryTableDdl(projectId, dataset, table), {}, {});
  }
  const systems = options.sourceSystems.map(quoteLiteral).join(", ") || "NULL";
  const localRuns = async () =>
    (await warehouse.query<{ run_id: string }>(`SELECT run_id FROM raw.load_manifest WHERE source_system IN (${systems}) GROUP BY run_id ORDER BY MIN(loaded_at), run_id`)).map((r) => r.run_id);
  const pushedRuns = async () => new Set(await distinctRuns(client, projectId, dataset));
  const known = new Set(await localRuns());
  const foreign = [...(await pushedRuns())].filter((run) => !known.has(run)).sort();
  if (foreign.length > 0) {
    throw new UsageError(
      `BigQuery's ${dataset}.load_manifest holds ${foreign.length} landing run${foreign.length === 1 ? "" : "s"} this warehouse did not land (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}): ` +
        "land with the warehouse that landed them (--warehouse), so that no file is loaded twice.",
    );
  }
  return {
    async push() {
      const pushed = await pushedRuns();
      const runs = (await localRuns()).filter((run) => !pushed.has(run));
      const results: PushedTableResult[] = [];
      const folder = mkdtempSync(join(tmpdir(), "rbw-bigquery-push-"));
      try {
        for (const run of runs) {
          for (const table of tables) {
            if ((await warehouse.relationKind("raw", table.table)) === undefined) continue;
            const where = `${quoteIdent(table.runColumn)} = ${quoteLiteral(run)}${table.sourceSystems ? ` AND source_system IN (${systems})` : ""}`;
            const file = join(folder, `${table.table}.json`);
            const rows = await warehouse.exec(`COPY (SELECT ${table.columns.map(ndjsonColumn).join(", ")} FROM ${qualified("raw", table.table)} WHERE ${where}) TO ${quoteLiteral(file)} (FORMAT json)`);
            if (rows === 0) continue;
            await loadRun(client, options, table, run, file);
            const result = { table: `${projectId}.${dataset}.${table.table}`, run, rows };
            results.push(result);
            options.onTable?.(result);
          }
        }
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      return { runs, tables: results };
    },
  };
}

/** Pushes every landing run of the local warehouse that BigQuery's `<dataset>.load_manifest` does not hold: the run's rows of each raw table, then its quarantine rows, then its manifest rows. */
export async function pushLandingToBigQuery(client: BigQuery, warehouse: DuckDbWarehouse, options: PushOptions): Promise<PushResult> {
  return (await openBigQueryLanding(client, warehouse, options)).push();
}

/** The landing runs BigQuery's manifest holds. */
async function distinctRuns(client: BigQuery, projectId: string, dataset: string): Promise<string[]> {
  try {
    const [rows] = await client.query({ query: `SELECT DISTINCT run_id FROM \`${projectId}.${dataset}.load_manifest\``, useLegacySql: false, location: client.location });
    return (rows as { run_id: string }[]).map((r) => r.run_id);
  } catch (error) {
    throw refused(`reading ${dataset}.load_manifest`, error);
  }
}

/** Replaces a run's rows of one table in BigQuery with the NDJSON file, retrying what BigQuery says to retry. */
async function loadRun(client: BigQuery, options: PushOptions, table: PushedTable, run: string, file: string): Promise<void> {
  const { projectId, dataset } = options;
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      if (table.table !== "load_manifest") {
        await client.query({
          query: deleteRunSql(projectId, dataset, table),
          params: { run },
          useLegacySql: false,
          location: client.location,
        });
      }
      await client.dataset(dataset).table(table.table).load(file, { sourceFormat: "NEWLINE_DELIMITED_JSON", writeDisposition: "WRITE_APPEND", createDisposition: "CREATE_NEVER" });
      return;
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw refused(`loading landing run ${run} into ${dataset}.${table.table}`, error);
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 1000) * 2 ** (attempt - 1)));
    }
  }
}
