import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import { refused, runStatement } from "../clients/bigquery.ts";
import { UsageError } from "../clients/errors.ts";
import { bigQueryType, type SchemaField, type SourceSchema } from "../contracts/source-schema.ts";
import { LOAD_MANIFEST, QUARANTINE } from "../contracts/warehouse-tables.ts";
import { bigQueryRowsSelect } from "../engines/duckdb/bigquery-rows.ts";
import { qualified, quoteIdent, quoteLiteral, type DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { rawTableDdl } from "./landing.ts";

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
  /** The vendor a raw table belongs to; none for the bookkeeping tables, which hold every vendor's rows (by source_system). */
  sourceSystem?: string;
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

/** A vendor whose landed rows go to BigQuery: its raw tables, and its manifest and quarantine rows. */
export interface PushedVendor {
  sourceSystem: string;
  rawTables: SourceSchema[];
}

export interface PushOptions {
  projectId: string;
  dataset: string;
  vendors: PushedVendor[];
  onTable?: (result: PushedTableResult) => void;
  /** Called for each table a fresh local warehouse takes back from BigQuery (see openBigQueryLanding). */
  onRestore?: (table: string, rows: number) => void;
  /** Attempts per table load when BigQuery answers with a retryable error (default 3). */
  attempts?: number;
  /** Milliseconds before the first retry, doubled for each next one (default 1000). */
  retryDelayMs?: number;
}

const BOOKKEEPING_TYPES: Record<string, string> = { VARCHAR: "STRING", BIGINT: "INT64", TIMESTAMPTZ: "TIMESTAMP", "DECIMAL(18, 3)": "NUMERIC" };

function bookkeeping(table: string, spec: Record<string, { type: string; nullable?: true }>): PushedTable {
  return {
    table,
    columns: Object.entries(spec).map(([name, c]) => ({ name, type: BOOKKEEPING_TYPES[c.type], required: !c.nullable })),
    runColumn: "run_id",
  };
}

function rawTable(schema: SourceSchema, sourceSystem: string): PushedTable {
  return {
    table: schema.table,
    columns: [...schema.fields.map((f: SchemaField) => ({ name: f.name, type: bigQueryType(f), required: f.mode === "REQUIRED" })), ...LINEAGE],
    runColumn: "_run_id",
    sourceSystem,
  };
}

/** The tables a push writes, in the order it writes them: the raw tables, the quarantine, the manifest last. */
export function pushedTables(vendors: PushedVendor[]): PushedTable[] {
  return [
    ...vendors.flatMap((v) => v.rawTables.map((t) => rawTable(t, v.sourceSystem))),
    bookkeeping("quarantine", QUARANTINE),
    // Last: a vendor's landing run is in BigQuery once its manifest rows are.
    bookkeeping("load_manifest", LOAD_MANIFEST),
  ];
}

/** The rows of a table that belong to some vendors' landing runs (`run` and `systems` already SQL). */
function rowsOf(table: PushedTable, run: string, systems: string): string {
  return `${table.runColumn} = ${run}${table.sourceSystem ? "" : ` AND source_system IN (${systems})`}`;
}

/** The statement that removes what a cut-short push left of a run in a table (the run id is the parameter @run; `systems` the vendors' source systems as SQL literals). */
export function deleteRunSql(projectId: string, dataset: string, table: PushedTable, systems: string): string {
  return `DELETE FROM \`${projectId}.${dataset}.${table.table}\` WHERE ${rowsOf(table, "@run", systems)}`;
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
  /** Loads every vendor's landing run of the local warehouse that BigQuery does not hold yet. */
  push(): Promise<PushResult>;
}

/** A vendor's part of a landing run: the unit a push loads and BigQuery's manifest records. */
type VendorRun = { source_system: string; run_id: string };
const key = (r: VendorRun) => `${r.source_system}\u0000${r.run_id}`;
const literals = (values: string[]) => values.map(quoteLiteral).join(", ") || "NULL";

/**
 * Creates BigQuery's raw tables where missing and checks that the local warehouse is the one that landed
 * what BigQuery holds, vendor by vendor: a landing run in BigQuery's manifest that the local manifest does
 * not know means another warehouse landed it, and pushing from this one would load the same files twice.
 * For a vendor the local warehouse has landed nothing of (a fresh machine, a scheduled job's new
 * container), it first takes back what BigQuery holds (the vendor's raw rows, quarantine and manifest
 * rows), in one transaction, so that it lands only what is new, as the warehouse that landed the rest would.
 */
export async function openBigQueryLanding(client: BigQuery, warehouse: DuckDbWarehouse, options: PushOptions): Promise<BigQueryLanding> {
  const { projectId, dataset } = options;
  if (!DATASET.test(dataset)) throw new UsageError(`"${dataset}" is not a BigQuery dataset name.`);
  const tables = pushedTables(options.vendors);
  for (const table of tables) {
    await runStatement(client, `creating ${dataset}.${table.table}`, bigQueryTableDdl(projectId, dataset, table), {}, {});
  }
  const systems = literals(options.vendors.map((v) => v.sourceSystem));
  const localRuns = async () =>
    warehouse.query<VendorRun>(`SELECT source_system, run_id FROM raw.load_manifest WHERE source_system IN (${systems}) GROUP BY ALL ORDER BY MIN(loaded_at), run_id, source_system`);
  const inBigQuery = async () => bigQueryRuns(client, projectId, dataset, systems);

  const held = await inBigQuery();
  const landedHere = new Set((await localRuns()).map((r) => r.source_system));
  const newHere = options.vendors.filter((v) => !landedHere.has(v.sourceSystem) && held.some((r) => r.source_system === v.sourceSystem));
  if (newHere.length > 0) await restoreFromBigQuery(client, warehouse, options, newHere);

  const known = new Set((await localRuns()).map(key));
  const foreign = held.filter((r) => !known.has(key(r)));
  if (foreign.length > 0) {
    const runs = [...new Set(foreign.map((r) => r.run_id))].sort();
    throw new UsageError(
      `BigQuery's ${dataset}.load_manifest holds ${runs.length} landing run${runs.length === 1 ? "" : "s"} this warehouse did not land (${runs.slice(0, 3).join(", ")}${runs.length > 3 ? ", ..." : ""}) ` +
        `of vendors it has landed itself (${[...new Set(foreign.map((r) => r.source_system))].sort().join(", ")}): land with the warehouse that landed them (--warehouse), ` +
        "or with a new one, which takes BigQuery's back first, so that no file is loaded twice.",
    );
  }
  return {
    async push() {
      const pushed = new Set((await inBigQuery()).map(key));
      const pending = (await localRuns()).filter((r) => !pushed.has(key(r)));
      const runs = [...new Set(pending.map((r) => r.run_id))];
      const results: PushedTableResult[] = [];
      const folder = mkdtempSync(join(tmpdir(), "rbw-bigquery-push-"));
      try {
        for (const run of runs) {
          const vendors = pending.filter((r) => r.run_id === run).map((r) => r.source_system);
          for (const table of tables) {
            if (table.sourceSystem && !vendors.includes(table.sourceSystem)) continue;
            if ((await warehouse.relationKind("raw", table.table)) === undefined) continue;
            const file = join(folder, `${table.table}.json`);
            const rows = await warehouse.exec(
              `COPY (SELECT ${table.columns.map(ndjsonColumn).join(", ")} FROM ${qualified("raw", table.table)} WHERE ${rowsOf(table, quoteLiteral(run), literals(vendors))}) TO ${quoteLiteral(file)} (FORMAT json)`,
            );
            if (rows === 0) continue;
            await loadRun(client, options, table, run, literals(vendors), file);
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

/** Pushes every vendor's landing run of the local warehouse that BigQuery's `<dataset>.load_manifest` does not hold: its rows of each raw table, then its quarantine rows, then its manifest rows. */
export async function pushLandingToBigQuery(client: BigQuery, warehouse: DuckDbWarehouse, options: PushOptions): Promise<PushResult> {
  return (await openBigQueryLanding(client, warehouse, options)).push();
}

/** Copies the vendors' rows from BigQuery (raw tables, quarantine, manifest) into the local warehouse's tables of the same names. */
async function restoreFromBigQuery(client: BigQuery, warehouse: DuckDbWarehouse, options: PushOptions, vendors: PushedVendor[]): Promise<void> {
  const { projectId, dataset } = options;
  const systems = literals(vendors.map((v) => v.sourceSystem));
  const folder = mkdtempSync(join(tmpdir(), "rbw-bigquery-restore-"));
  try {
    await warehouse.transaction(async () => {
      for (const table of pushedTables(vendors)) {
        const schema = vendors.flatMap((v) => v.rawTables).find((t) => t.table === table.table);
        if (schema) await warehouse.exec(rawTableDdl(schema.table, schema.fields));
        let rows: Record<string, unknown>[];
        try {
          const where = table.sourceSystem ? "" : ` WHERE source_system IN (${systems})`;
          [rows] = (await client.query({ query: `SELECT * FROM \`${projectId}.${dataset}.${table.table}\`${where}`, useLegacySql: false, location: client.location })) as unknown as [Record<string, unknown>[]];
        } catch (error) {
          throw refused(`reading ${dataset}.${table.table} back`, error);
        }
        if (rows.length === 0) continue;
        const types = new Map((await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE ${qualified("raw", table.table)}`)).map((c) => [c.column_name, c.column_type]));
        const columns = table.columns.map((c) => ({ name: c.name, duckDbType: types.get(c.name) ?? "VARCHAR" }));
        await warehouse.exec(`INSERT INTO ${qualified("raw", table.table)} BY NAME ${bigQueryRowsSelect(rows, columns, join(folder, `${table.table}.json`))}`);
        options.onRestore?.(`${projectId}.${dataset}.${table.table}`, rows.length);
      }
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The vendors' landing runs BigQuery's manifest holds (`systems`: their source systems as SQL literals). */
async function bigQueryRuns(client: BigQuery, projectId: string, dataset: string, systems: string): Promise<VendorRun[]> {
  try {
    const [rows] = await client.query({
      query: `SELECT DISTINCT source_system, run_id FROM \`${projectId}.${dataset}.load_manifest\` WHERE source_system IN (${systems})`,
      useLegacySql: false,
      location: client.location,
    });
    return rows as VendorRun[];
  } catch (error) {
    throw refused(`reading ${dataset}.load_manifest`, error);
  }
}

/** Replaces a run's rows of one table in BigQuery with the NDJSON file, retrying what BigQuery says to retry. */
async function loadRun(client: BigQuery, options: PushOptions, table: PushedTable, run: string, systems: string, file: string): Promise<void> {
  const { projectId, dataset } = options;
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      // The manifest goes last and in one load: a vendor's run has all its manifest rows in BigQuery or none.
      if (table.table !== "load_manifest") {
        await client.query({ query: deleteRunSql(projectId, dataset, table, systems), params: { run }, useLegacySql: false, location: client.location });
      }
      await client.dataset(dataset).table(table.table).load(file, { sourceFormat: "NEWLINE_DELIMITED_JSON", writeDisposition: "WRITE_APPEND", createDisposition: "CREATE_NEVER" });
      return;
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw refused(`loading landing run ${run} into ${dataset}.${table.table}`, error);
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 1000) * 2 ** (attempt - 1)));
    }
  }
}
