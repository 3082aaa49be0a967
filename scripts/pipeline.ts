import { randomUUID } from "node:crypto";
import { loadConfig, landConfig } from "./config/config.ts";
import type { DuckDbWarehouse } from "./engines/duckdb/engine.ts";
import { landGcpExport } from "./land/gcp.ts";
import type { FileLandingResult } from "./land/landing.ts";
import { compileProject } from "./runner/compiled-graph.ts";
import { runGraph, type ActionResult, type RunOptions, type RunSummary } from "./runner/run-graph.ts";

export interface LandSummary {
  runId: string;
  files: FileLandingResult[];
  rowsLanded: number;
  rowsQuarantined: number;
}

export interface PipelineProgress {
  onFile?: (result: FileLandingResult) => void;
  onAction?: (result: ActionResult, index: number, total: number) => void;
}

/** Validates and lands config/ and every vendor extract under `dataDir` into the raw schema. */
export async function landData(warehouse: DuckDbWarehouse, projectDir: string, dataDir: string, runId: string, progress: PipelineProgress = {}): Promise<LandSummary> {
  const config = loadConfig(dataDir);
  await landConfig(warehouse, projectDir, config);
  const files = await landGcpExport(warehouse, projectDir, dataDir, { runId, onFile: progress.onFile });
  return {
    runId,
    files,
    rowsLanded: files.reduce((s, f) => s + f.rowsLanded, 0),
    rowsQuarantined: files.reduce((s, f) => s + f.rowsQuarantined, 0),
  };
}

export interface PipelineResult {
  land: LandSummary;
  run: RunSummary;
}

/** The scheduled job: land new data, run the graph (actions, assertions, unit tests) on DuckDB. */
export async function runPipeline(
  warehouse: DuckDbWarehouse,
  options: { projectDir: string; dataDir: string; runId?: string; graphOptions?: Omit<RunOptions, "runId" | "onAction"> },
  progress: PipelineProgress = {},
): Promise<PipelineResult> {
  const runId = options.runId ?? randomUUID();
  const land = await landData(warehouse, options.projectDir, options.dataDir, runId, progress);
  const graph = await compileProject({ projectDir: options.projectDir, vars: { run_id: runId } });
  const run = await runGraph(warehouse, graph, { includeTests: true, ...options.graphOptions, runId, onAction: progress.onAction });
  return { land, run };
}
