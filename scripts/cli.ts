import { resolve } from "node:path";
import { Command } from "commander";
import { checkGraph } from "./check/zetasql-check.ts";
import { formatActionLine, formatCheckResult, formatDryRun } from "./cli/format.ts";
import { loadSourceSchemas } from "./contracts/source-schema.ts";
import { DEFAULT_WAREHOUSE_PATH, DuckDbWarehouse } from "./engines/duckdb/engine.ts";
import { compileProject } from "./runner/compiled-graph.ts";
import { dependencyOrder, graphActions } from "./runner/graph.ts";
import { readRunLog, runGraph, type RunOptions, type RunSummary } from "./runner/run-graph.ts";
import { registerPipelineCommands } from "./cli/pipeline-commands.ts";

export interface GlobalOptions {
  project: string;
  warehouse: string;
  json?: boolean;
}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((v) => v.trim()).filter(Boolean)];

export function parseVars(values: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of values) {
    const [key, ...rest] = pair.split("=");
    if (!key || rest.length === 0) throw new Error(`--vars expects key=value, got "${pair}"`);
    vars[key] = rest.join("=");
  }
  return vars;
}

function compileFor(global: GlobalOptions, vars: string[] = []) {
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

function addGraphRunOptions(command: Command): Command {
  return command
    .option("-a, --actions <names>", "run only these actions or unit tests (schema.name or name, comma-separated)", list)
    .option("-t, --tags <tags>", "run only actions with these tags (comma-separated)", list)
    .option("--include-deps", "also run the dependencies of the selected actions")
    .option("--include-dependents", "also run everything that depends on the selected actions")
    .option("--full-refresh", "rebuild incremental tables from scratch (protected tables are kept)")
    .option("--no-tests", "skip the Dataform unit tests (tests[]) that run after the actions")
    .option("--vars <key=value>", "Dataform vars for compilation (repeatable)", list);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("rbw")
    .description(
      "Reseller billing warehouse: lands vendor billing data, runs the Dataform graph on embedded DuckDB " +
        "(or type-checks it for BigQuery) and writes margin reports.",
    )
    .option("-p, --project <dir>", "Dataform project directory", ".")
    .option("-w, --warehouse <file>", "DuckDB warehouse file", DEFAULT_WAREHOUSE_PATH)
    .option("--json", "print machine-readable JSON instead of progress text")
    .showHelpAfterError();

  const globals = (): GlobalOptions => {
    const o = program.opts<GlobalOptions>();
    return { ...o, project: resolve(o.project) };
  };

  program
    .command("compile")
    .description("Compile the Dataform project (offline) and list its actions in dependency order.")
    .option("--vars <key=value>", "Dataform vars (repeatable)", list)
    .action(async (opts: { vars?: string[] }) => {
      const global = globals();
      const graph = await compileFor(global, opts.vars);
      const actions = dependencyOrder(graphActions(graph));
      const lines = actions.map((a) => `${a.kind.padEnd(11)} ${a.name}  (${a.def.fileName})`);
      lines.push(`${actions.length} actions, ${graph.declarations.length} declarations, ${graph.tests.length} unit tests.`);
      print(global, lines.join("\n"), graph);
    });

  program
    .command("check")
    .description("Type-check every compiled action as BigQuery SQL with ZetaSQL (no network, no credentials).")
    .option("--vars <key=value>", "Dataform vars (repeatable)", list)
    .action(async (opts: { vars?: string[] }) => {
      const global = globals();
      const graph = await compileFor(global, opts.vars);
      const result = await checkGraph(graph, loadSourceSchemas(global.project));
      print(global, formatCheckResult(result), result);
      if (result.errors.length > 0) process.exitCode = 1;
    });

  addGraphRunOptions(
    program
      .command("build")
      .description("Run the Dataform graph on the DuckDB warehouse without landing data first.")
      .option("--dry-run", "print the DuckDB SQL each action would execute, without running it"),
  ).action(async (opts: GraphRunCliOptions) => {
    const global = globals();
    await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
      const summary = await compileAndRun(global, opts, warehouse);
      print(global, summaryLine(summary), summary);
      if (!summary.ok) process.exitCode = 1;
    });
  });

  program
    .command("test")
    .description("Run the project's Dataform unit tests on DuckDB.")
    .option("--vars <key=value>", "Dataform vars (repeatable)", list)
    .action(async (opts: { vars?: string[] }) => {
      const global = globals();
      const graph = await compileFor(global, opts.vars);
      if (graph.tests.length === 0) {
        print(global, "The project has no unit tests.", { runId: null, ok: true, results: [] });
        return;
      }
      await DuckDbWarehouse.using(":memory:", async (warehouse) => {
        const summary = await runGraph(warehouse, graph, {
          actions: graph.tests.map((t) => t.name),
          includeTests: true,
          onAction: (result, index, total) => {
            if (!global.json) process.stdout.write(`${formatActionLine(result, index, total)}\n`);
          },
        });
        const passed = summary.results.filter((r) => r.status === "success").length;
        print(global, `${passed} of ${graph.tests.length} unit tests passed.`, summary);
        if (!summary.ok) process.exitCode = 1;
      });
    });

  program
    .command("runs")
    .description("Show the run log kept in the warehouse (ops.run_log), newest first.")
    .option("--run-id <id>", "only this run")
    .option("--limit <n>", "at most this many rows", "50")
    .action(async (opts: { runId?: string; limit: string }) => {
      const global = globals();
      await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
        const rows = (await readRunLog(warehouse, opts.runId)).slice(0, Number(opts.limit));
        const lines = rows.map((r) => `${r.started_at}  ${r.run_id.slice(0, 8)}  ${r.status.padEnd(7)} ${r.action_type.padEnd(11)} ${r.action}  ${r.rows_written ?? ""}`);
        print(global, lines.join("\n") || "No runs yet.", rows);
      });
    });

  registerPipelineCommands(program, globals, addGraphRunOptions);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    const e = error as Error;
    process.stderr.write(`rbw: ${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}\n`);
    process.exitCode = 1;
  }
}

await main();
