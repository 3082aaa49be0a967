import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { landConfig, lineConfigFingerprint, loadConfig } from "./config/config.ts";
import type { BillingLineChangesTable } from "./contracts/warehouse-tables.ts";
import type { DuckDbWarehouse } from "./engines/duckdb/engine.ts";
import { landVendor, type FileLandingResult } from "./land/landing.ts";
import type { VendorModule } from "./land/vendor-module.ts";
import { VENDORS } from "./land/vendors.ts";
import { compileProject, type CompiledGraph, type Target } from "./runner/compiled-graph.ts";
import { targetName } from "./runner/graph.ts";
import { runGraph, writeRunLog, type ActionResult, type RunOptions, type RunSummary } from "./runner/run-graph.ts";

export interface LandSummary {
  runId: string;
  /** Fingerprint of the config lines are stamped with (customer mapping, vendor price books) landed with this run. */
  mappingFingerprint: string;
  files: FileLandingResult[];
  rowsLanded: number;
  rowsQuarantined: number;
}

export interface PipelineProgress {
  onFile?: (result: FileLandingResult) => void;
  onAction?: (result: ActionResult, index: number, total: number) => void;
  onLateRows?: (rows: number, sources: string[]) => void;
  onMappingChanged?: () => void;
  onLinesChanged?: (changes: BillingLineChange[]) => void;
}

/**
 * Validates and lands config/ and every vendor's files under `dataDir` into the raw schema (all vendors,
 * or only `only`); config is landed in full either way, since every vendor's lines map through it.
 */
export async function landData(
  warehouse: DuckDbWarehouse,
  projectDir: string,
  dataDir: string,
  runId: string,
  progress: PipelineProgress = {},
  vendors: VendorModule[] = VENDORS,
  only?: VendorModule[],
): Promise<LandSummary> {
  const config = loadConfig(dataDir, vendors);
  await landConfig(warehouse, projectDir, config, vendors);
  const files: FileLandingResult[] = [];
  for (const vendor of only ?? vendors) {
    files.push(...(await landVendor(warehouse, vendor, { runId, dataDir, projectDir, onFile: progress.onFile })));
  }
  return {
    runId,
    mappingFingerprint: lineConfigFingerprint(config, vendors),
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
  /** The customer mapping or a vendor price book differs from the one the fact was built with (it forces a rebuild). */
  mappingChanged: boolean;
  /** Billing periods whose lines the fact replaced or superseded this run. */
  changes: BillingLineChange[];
}

const MAPPING_STATE_DDL = "CREATE TABLE IF NOT EXISTS ops.customer_mapping_state (fingerprint VARCHAR NOT NULL, built_at TIMESTAMPTZ NOT NULL)";

/**
 * The fact stamps each line with its customer (and, for vendors priced from the reseller's price book, its
 * price) when the line is added. When config/customers.json or a price book changes, history must be
 * re-mapped: compare them with the ones of the last successful run.
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
 * An append-only source is taken in after its export_time checkpoint (less a lookback): by the fact, and
 * by any incremental staging table that reads the raw table itself (Google's staging appends the rows it
 * does not hold yet after its own checkpoint). A file landed late (an older extract) holds rows below
 * either checkpoint: count them, per source, so the run can rebuild instead of leaving them out.
 */
export async function countLateRows(
  warehouse: DuckDbWarehouse,
  vendor: VendorModule,
  runId: string,
  lookbackDays: number,
  stagingTables: Target[] = [],
): Promise<number> {
  const checkpoint = vendor.appendCheckpoint;
  if (!checkpoint) return 0;
  const watermarks = [];
  if ((await warehouse.relationKind("core", "fct_billing_line")) === "table") {
    watermarks.push(sql`SELECT MAX(export_time) AS watermark FROM core.fct_billing_line WHERE source_system = ${vendor.sourceSystem}`);
  }
  for (const table of stagingTables) {
    if ((await warehouse.relationKind(table.schema, table.name)) !== "table") continue;
    watermarks.push(sql`SELECT MAX(export_time) AS watermark FROM ${sql.id(table.schema, table.name)}`);
  }
  if (watermarks.length === 0) return 0;
  const row = await warehouse.db
    .selectFrom(sql`raw.${sql.id(checkpoint.table)}`.as("r"))
    .select(sql<string>`CAST(COUNT(*) AS VARCHAR)`.as("n"))
    .where(sql.ref("r._run_id"), "=", runId)
    .where(
      sql.ref(`r.${checkpoint.exportTimeColumn}`),
      "<=",
      sql`(SELECT MAX(watermark) - to_days(CAST(${lookbackDays} AS INTEGER)) FROM (${sql.join(watermarks, sql` UNION ALL `)}) AS watermarks)`,
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The incremental tables of the graph that read nothing but a raw table (they keep their own checkpoint
 * on it, and no config reaches them).
 */
export function incrementalReadersOf(graph: CompiledGraph, table: string): Target[] {
  const declared = graph.declarations.filter((d) => d.target.name === table).map((d) => targetName(d.target));
  return graph.tables
    .filter((t) => (t.enumType ?? t.type ?? "").toLowerCase() === "incremental")
    .filter((t) => t.dependencyTargets.length > 0 && t.dependencyTargets.every((d) => declared.includes(targetName(d))))
    .map((t) => t.target);
}

export type BillingLineChange = BillingLineChangesTable;

/** The changes the fact made this run to lines it already held (core.billing_line_changes). */
export async function billingLineChanges(warehouse: DuckDbWarehouse, runId: string): Promise<BillingLineChange[]> {
  if ((await warehouse.relationKind("core", "billing_line_changes")) !== "table") return [];
  return warehouse.db
    .selectFrom("core.billing_line_changes")
    .select(["source_system", "billing_period_start", "change_kind", "previous_export_time", "new_export_time", "lines_removed", "lines_delivered", "run_id"])
    .where("run_id", "=", runId)
    .orderBy("source_system")
    .orderBy("billing_period_start")
    .execute();
}

/** One line of the run log per billing period whose lines were replaced or superseded. */
export function describeChange(change: BillingLineChange): string {
  const period = change.billing_period_start.slice(0, 7);
  return change.change_kind === "period_replaced"
    ? `${change.source_system} ${period}: the delivery of ${change.previous_export_time} (${change.lines_removed} lines) was replaced by the delivery of ${change.new_export_time} (${change.lines_delivered} lines)`
    : `${change.source_system} ${period}: ${change.lines_removed} lines superseded by newer versions or deleted by the vendor`;
}

/** The scheduled job: land new data, run the graph (actions, assertions, unit tests) on DuckDB. */
export async function runPipeline(
  warehouse: DuckDbWarehouse,
  options: { projectDir: string; dataDir: string; runId?: string; vars?: Record<string, string>; graphOptions?: Omit<RunOptions, "runId" | "onAction">; vendors?: VendorModule[] },
  progress: PipelineProgress = {},
): Promise<PipelineResult> {
  const runId = options.runId ?? randomUUID();
  const vendors = options.vendors ?? VENDORS;
  const startedAt = new Date();
  const land = await landData(warehouse, options.projectDir, options.dataDir, runId, progress, vendors);
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
  // Per-row checks look at this run's lines on a daily run and at all history on a full refresh or a
  // monthly_close run (check_scope, includes/checks.js).
  const checkAll = (fullRefresh?: boolean) => fullRefresh || (options.graphOptions?.tags ?? []).includes("monthly_close");
  const compile = (fullRefresh?: boolean) =>
    compileProject({ projectDir: options.projectDir, vars: { ...(checkAll(fullRefresh) ? { check_scope: "all" } : {}), ...options.vars, run_id: runId } });
  let graph = await compile(options.graphOptions?.fullRefresh);
  let lateRows = 0;
  const lateSources: string[] = [];
  const rawReaders = vendors.flatMap((v) => (v.appendCheckpoint ? incrementalReadersOf(graph, v.appendCheckpoint.table) : []));
  if (land.rowsLanded > 0) {
    for (const vendor of vendors.filter((v) => v.appendCheckpoint)) {
      const lookback = Number(graph.projectConfig.vars[vendor.appendCheckpoint?.lookbackVar ?? ""] ?? "3");
      const late = await countLateRows(warehouse, vendor, runId, lookback, incrementalReadersOf(graph, vendor.appendCheckpoint?.table ?? ""));
      if (late > 0) lateSources.push(vendor.sourceSystem);
      lateRows += late;
    }
  }
  const mappingChanged = await customerMappingChanged(warehouse, land.mappingFingerprint);
  const fullRefresh = options.graphOptions?.fullRefresh || lateRows > 0 || mappingChanged;
  if (fullRefresh && !checkAll(options.graphOptions?.fullRefresh)) graph = await compile(true);
  progress.onLateRows?.(lateRows, lateSources);
  if (mappingChanged) progress.onMappingChanged?.();
  // A rebuild for a changed mapping or price book only: the staging tables that read nothing but an
  // append-only raw table (Google's, with its line ids) do not depend on config and stay incremental.
  const keepIncremental = fullRefresh && !options.graphOptions?.fullRefresh && lateRows === 0 ? rawReaders.map(targetName) : [];
  const run = await runGraph(warehouse, graph, { includeTests: true, keepIncremental, ...options.graphOptions, fullRefresh, runId, onAction: progress.onAction });
  const changes = await billingLineChanges(warehouse, runId);
  for (const change of changes) {
    await writeRunLog(warehouse, runId, { name: "core.fct_billing_line", kind: change.change_kind, status: "success", rowsWritten: Number(change.lines_delivered ?? 0), seconds: 0, message: describeChange(change) }, new Date());
  }
  if (changes.length > 0) progress.onLinesChanged?.(changes);
  if (run.ok) await rememberCustomerMapping(warehouse, land.mappingFingerprint);
  return { land, run, lateRows, mappingChanged, changes };
}
