import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { configRows, loadConfig, landConfig } from "./config/config.ts";
import type { DuckDbWarehouse } from "./engines/duckdb/engine.ts";
import { landGcpExport } from "./land/gcp.ts";
import type { FileLandingResult } from "./land/landing.ts";
import { compileProject } from "./runner/compiled-graph.ts";
import { runGraph, writeRunLog, type ActionResult, type RunOptions, type RunSummary } from "./runner/run-graph.ts";

export interface LandSummary {
  runId: string;
  /** Fingerprint of the customer mapping landed with this run's config. */
  mappingFingerprint: string;
  files: FileLandingResult[];
  rowsLanded: number;
  rowsQuarantined: number;
}

export interface PipelineProgress {
  onFile?: (result: FileLandingResult) => void;
  onAction?: (result: ActionResult, index: number, total: number) => void;
  onLateRows?: (rows: number) => void;
  onMappingChanged?: () => void;
}

/** Validates and lands config/ and every vendor extract under `dataDir` into the raw schema. */
export async function landData(warehouse: DuckDbWarehouse, projectDir: string, dataDir: string, runId: string, progress: PipelineProgress = {}): Promise<LandSummary> {
  const config = loadConfig(dataDir);
  await landConfig(warehouse, projectDir, config);
  const files = await landGcpExport(warehouse, projectDir, dataDir, { runId, onFile: progress.onFile });
  const mapping = configRows(config).ref_customer_mapping.map((m) => JSON.stringify(m)).sort();
  return {
    runId,
    mappingFingerprint: createHash("sha256").update(mapping.join("\n")).digest("hex"),
    files,
    rowsLanded: files.reduce((s, f) => s + f.rowsLanded, 0),
    rowsQuarantined: files.reduce((s, f) => s + f.rowsQuarantined, 0),
  };
}

export interface PipelineResult {
  land: LandSummary;
  run: RunSummary;
  /** Rows landed this run that are older than the fact's export_time watermark (they force a rebuild). */
  lateRows: number;
  /** The customer mapping differs from the one the fact was built with (it forces a rebuild). */
  mappingChanged: boolean;
}

const MAPPING_STATE_DDL = "CREATE TABLE IF NOT EXISTS ops.customer_mapping_state (fingerprint VARCHAR NOT NULL, built_at TIMESTAMPTZ NOT NULL)";

/**
 * The fact stamps each line with its customer when the line is appended. When config/customers.json
 * changes, history must be re-mapped: compare the mapping with the one of the last successful run.
 */
export async function customerMappingChanged(warehouse: DuckDbWarehouse, fingerprint: string): Promise<boolean> {
  if ((await warehouse.relationKind("core", "fct_billing_line")) !== "table") return false;
  await warehouse.ensureSchema("ops");
  await warehouse.exec(MAPPING_STATE_DDL);
  const built = await warehouse.db.selectFrom("ops.customer_mapping_state").select("fingerprint").executeTakeFirst();
  return built?.fingerprint !== fingerprint;
}

async function rememberCustomerMapping(warehouse: DuckDbWarehouse, fingerprint: string): Promise<void> {
  await warehouse.ensureSchema("ops");
  await warehouse.exec(MAPPING_STATE_DDL);
  await warehouse.transaction(async () => {
    await warehouse.db.deleteFrom("ops.customer_mapping_state").execute();
    await warehouse.db.insertInto("ops.customer_mapping_state").values({ fingerprint, built_at: new Date().toISOString() }).execute();
  });
}

/**
 * The fact appends on an export_time watermark, which is exact for Google's own append-only table. A
 * file landed here late (an older extract) holds rows below the watermark: count them so the run can
 * rebuild the fact instead of leaving them out.
 */
export async function countLateRows(warehouse: DuckDbWarehouse, runId: string, lookbackDays: number): Promise<number> {
  if ((await warehouse.relationKind("core", "fct_billing_line")) !== "table") return 0;
  const row = await warehouse.db
    .selectFrom(sql`raw.reseller_billing_detailed_export_v1`.as("r"))
    .select(sql<string>`CAST(COUNT(*) AS VARCHAR)`.as("n"))
    .where(sql.ref("r._run_id"), "=", runId)
    .where(sql.ref("r.export_time"), "<=", sql`(SELECT MAX(export_time) - to_days(CAST(${lookbackDays} AS INTEGER)) FROM core.fct_billing_line)`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The scheduled job: land new data, run the graph (actions, assertions, unit tests) on DuckDB. */
export async function runPipeline(
  warehouse: DuckDbWarehouse,
  options: { projectDir: string; dataDir: string; runId?: string; vars?: Record<string, string>; graphOptions?: Omit<RunOptions, "runId" | "onAction"> },
  progress: PipelineProgress = {},
): Promise<PipelineResult> {
  const runId = options.runId ?? randomUUID();
  const startedAt = new Date();
  const land = await landData(warehouse, options.projectDir, options.dataDir, runId, progress);
  const landed = land.files.filter((f) => f.status === "landed").length;
  await writeRunLog(
    warehouse,
    runId,
    {
      name: "land",
      kind: "land",
      status: "success",
      rowsWritten: land.rowsLanded,
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      message: `${landed} new files, ${land.files.length - landed} landed before, ${land.rowsQuarantined} rows quarantined`,
    },
    startedAt,
  );
  const graph = await compileProject({ projectDir: options.projectDir, vars: { ...options.vars, run_id: runId } });
  const lookback = Number(graph.projectConfig.vars.gcp_export_lookback_days ?? "3");
  const lateRows = land.rowsLanded > 0 ? await countLateRows(warehouse, runId, lookback) : 0;
  const mappingChanged = await customerMappingChanged(warehouse, land.mappingFingerprint);
  const fullRefresh = options.graphOptions?.fullRefresh || lateRows > 0 || mappingChanged;
  progress.onLateRows?.(lateRows);
  if (mappingChanged) progress.onMappingChanged?.();
  const run = await runGraph(warehouse, graph, { includeTests: true, ...options.graphOptions, fullRefresh, runId, onAction: progress.onAction });
  if (run.ok) await rememberCustomerMapping(warehouse, land.mappingFingerprint);
  return { land, run, lateRows, mappingChanged };
}
