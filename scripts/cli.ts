import { resolve } from "node:path";
import { Command } from "commander";
import { checkGraph } from "./check/zetasql-check.ts";
import { addGraphRunOptions, compileAndRun, compileFor, list, print, summaryLine, type GlobalOptions, type GraphRunCliOptions } from "./cli/common.ts";
import { formatActionLine, formatCheckResult } from "./cli/format.ts";
import { loadSourceSchemas } from "./contracts/source-schema.ts";
import { DEFAULT_WAREHOUSE_PATH, DuckDbWarehouse } from "./engines/duckdb/engine.ts";
import { dependencyOrder, graphActions } from "./runner/graph.ts";
import { readRunLog, runGraph } from "./runner/run-graph.ts";
import { registerPipelineCommands } from "./cli/pipeline-commands.ts";

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

  registerPipelineCommands(program, globals);
  return program;
}

/** Runs the CLI on process.argv (scripts/bin/rbw.js calls it; importing this module runs nothing). */
export async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    const e = error as Error;
    process.stderr.write(`rbw: ${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}\n`);
    process.exitCode = 1;
  }
}

