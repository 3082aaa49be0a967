import { Command } from "commander";
import { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { compileProject } from "../runner/compiled-graph.ts";
import { runGraph, type RunOptions, type RunSummary } from "../runner/run-graph.ts";
import { formatActionLine, formatDryRun } from "./format.ts";

export interface GlobalOptions {
  project: string;
  warehouse: string;
  json?: boolean;
}

export const list = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((v) => v.trim()).filter(Boolean)];

export function parseVars(values: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of values) {
    const [key, ...rest] = pair.split("=");
    if (!key || rest.length === 0) throw new Error(`--vars expects key=value, got "${pair}"`);
    vars[key] = rest.join("=");
  }
  return vars;
}

export function compileFor(global: GlobalOptions, vars: string[] = []) {
  return compileProject({ projectDir: global.project, vars: parseVars(vars) });
}

export function print(options: { json?: boolean }, human: string, machine: unknown): void {
  process.stdout.write(options.json ? `${JSON.stringify(machine, null, 2)}\n` : `${human}\n`);
}

export interface GraphRunCliOptions {
  actions?: string[];
  tags?: string[];
  includeDeps?: boolean;
  includeDependents?: boolean;
  fullRefresh?: boolean;
  dryRun?: boolean;
  tests?: boolean;
  vars?: string[];
}

/** Compiles the project and runs (part of) its graph on the DuckDB warehouse, printing progress. */
export async function compileAndRun(global: GlobalOptions, opts: GraphRunCliOptions, warehouse: DuckDbWarehouse): Promise<RunSummary> {
  const graph = await compileFor(global, opts.vars);
  const runOptions: RunOptions = {
    actions: opts.actions,
    tags: opts.tags,
    includeDependencies: opts.includeDeps,
    includeDependents: opts.includeDependents,
    fullRefresh: opts.fullRefresh,
    dryRun: opts.dryRun,
    includeTests: opts.tests !== false,
    onAction: (result, index, total) => {
      if (global.json) return;
      process.stdout.write(`${opts.dryRun ? formatDryRun(result) : formatActionLine(result, index, total)}\n`);
    },
  };
  return runGraph(warehouse, graph, runOptions);
}

export function summaryLine(summary: RunSummary): string {
  const count = (status: string) => summary.results.filter((r) => r.status === status).length;
  return `Run ${summary.runId}: ${count("success")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped.`;
}

export function addGraphRunOptions(command: Command): Command {
  return command
    .option("-a, --actions <names>", "run only these actions or unit tests (schema.name or name, comma-separated)", list)
    .option("-t, --tags <tags>", "run only actions with these tags (comma-separated)", list)
    .option("--include-deps", "also run the dependencies of the selected actions")
    .option("--include-dependents", "also run everything that depends on the selected actions")
    .option("--full-refresh", "rebuild incremental tables from scratch (protected tables are kept)")
    .option("--no-tests", "skip the Dataform unit tests (tests[]) that run after the actions")
    .option("--vars <key=value>", "Dataform vars for compilation (repeatable)", list);
}

