import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { RUN_LOG, tableDdl } from "../contracts/warehouse-tables.ts";
import type { DuckDbWarehouse, Row } from "../engines/duckdb/engine.ts";
import { planAction } from "../engines/duckdb/plan.ts";
import type { CompiledGraph, TestAction } from "./compiled-graph.ts";
import { dependencyOrder, graphActions, selectActions, selectTests, type GraphAction, type Selection } from "./graph.ts";
import { translateQuery } from "./translate.ts";

export type ActionStatus = "success" | "failed" | "skipped";

export interface ActionResult {
  name: string;
  kind: GraphAction["kind"] | "test";
  fileName: string;
  status: ActionStatus;
  mode?: string;
  rowsWritten?: number;
  seconds: number;
  message?: string;
  /** Up to 10 failing rows of an assertion, or the differences of a unit test. */
  failingRows?: Row[];
  failingRowCount?: number;
  statements?: string[];
}

export interface RunOptions extends Selection {
  fullRefresh?: boolean;
  /** Incremental tables a full refresh leaves incremental (their inputs did not change in a way that needs it). */
  keepIncremental?: string[];
  dryRun?: boolean;
  /** Run the graph's unit tests (tests[]) after the actions. */
  includeTests?: boolean;
  runId?: string;
  onAction?: (result: ActionResult, index: number, total: number) => void;
}

export interface RunSummary {
  runId: string;
  ok: boolean;
  results: ActionResult[];
}

export const MAX_FAILING_ROWS = 10;

/** Appends one step of a run (a graph action, or a landing) to ops.run_log, which is kept across runs. */
export async function writeRunLog(
  warehouse: DuckDbWarehouse,
  runId: string,
  step: { name: string; kind: string; status: ActionStatus; rowsWritten?: number; seconds: number; message?: string },
  startedAt: Date,
): Promise<void> {
  await warehouse.ensureSchema("ops");
  await warehouse.exec(tableDdl("ops", "run_log", RUN_LOG));
  await warehouse.db
    .insertInto("ops.run_log")
    .values({
      run_id: runId,
      action: step.name,
      action_type: step.kind,
      status: step.status,
      rows_written: step.rowsWritten ?? null,
      seconds: step.seconds.toFixed(3),
      started_at: startedAt.toISOString(),
      message: step.message ?? null,
    })
    .execute();
}

/**
 * Executes a compiled Dataform graph on DuckDB in dependency order. Each action runs in its own
 * transaction; a failed action skips its dependents and leaves unrelated branches running.
 */
export async function runGraph(warehouse: DuckDbWarehouse, graph: CompiledGraph, options: RunOptions = {}): Promise<RunSummary> {
  const runId = options.runId ?? randomUUID();
  const all = dependencyOrder(graphActions(graph));
  const testNames = new Set(graph.tests.map((t) => t.name));
  const actionNames = (options.actions ?? []).filter((n) => !testNames.has(n));
  const onlyTestsNamed = (options.actions ?? []).length > 0 && actionNames.length === 0 && (options.tags ?? []).length === 0;
  const selected = onlyTestsNamed ? [] : selectActions(all, { ...options, actions: actionNames }).filter((a) => !a.def.disabled);
  const tests = options.includeTests ? selectTests(graph.tests, options).filter((t) => !t.disabled) : [];
  const total = selected.length + tests.length;
  const results: ActionResult[] = [];
  const failed = new Set<string>();

  const record = async (result: ActionResult, startedAt: Date) => {
    results.push(result);
    if (result.status !== "success") failed.add(result.name);
    options.onAction?.(result, results.length, total);
    if (!options.dryRun) await writeRunLog(warehouse, runId, { name: result.name, kind: result.kind, status: result.status, rowsWritten: result.rowsWritten, seconds: result.seconds, message: result.message }, startedAt);
  };

  for (const action of selected) {
    const startedAt = new Date();
    const blockedBy = action.deps.filter((d) => failed.has(d));
    const base = { name: action.name, kind: action.kind, fileName: action.def.fileName };
    if (blockedBy.length > 0) {
      await record({ ...base, status: "skipped", seconds: 0, message: `skipped: depends on ${blockedBy.join(", ")}, which did not succeed` }, startedAt);
      continue;
    }
    await record(await executeAction(warehouse, action, options, graph.projectConfig.vars.run_id), startedAt);
  }

  for (const test of tests) {
    const startedAt = new Date();
    await record(options.dryRun ? dryRunTest(test) : await executeTest(warehouse, test), startedAt);
  }

  return { runId, ok: results.every((r) => r.status !== "failed"), results };
}

async function executeAction(warehouse: DuckDbWarehouse, action: GraphAction, options: RunOptions, compiledRunId?: string): Promise<ActionResult> {
  const started = performance.now();
  const base = { name: action.name, kind: action.kind, fileName: action.def.fileName };
  const seconds = () => (performance.now() - started) / 1000;
  let statements: string[] = [];
  try {
    const plan = await planAction(action, warehouse, { fullRefresh: options.fullRefresh && !(options.keepIncremental ?? []).includes(action.name), runId: compiledRunId });
    statements = plan.statements;
    if (options.dryRun) {
      const extra = plan.failingRows ? [`SELECT * FROM "${plan.failingRows.schema}"."${plan.failingRows.name}"`] : [];
      return { ...base, status: "success", mode: plan.mode, seconds: seconds(), statements: [...statements, ...extra], message: "dry run" };
    }
    let changed = 0;
    await warehouse.transaction(async () => {
      for (const statement of statements) changed = await warehouse.exec(statement);
    });

    if (plan.mode === "assertion" && plan.failingRows) {
      const count = await warehouse.countRows(plan.failingRows.schema, plan.failingRows.name);
      if (count > 0) {
        const rows = await warehouse.firstRows(plan.failingRows.schema, plan.failingRows.name, MAX_FAILING_ROWS);
        return {
          ...base,
          status: "failed",
          mode: plan.mode,
          seconds: seconds(),
          failingRowCount: count,
          failingRows: rows,
          message: `assertion failed: ${count} failing row${count === 1 ? "" : "s"}`,
        };
      }
      return { ...base, status: "success", mode: plan.mode, rowsWritten: 0, seconds: seconds() };
    }

    let rowsWritten: number | undefined = changed;
    if (plan.mode === "create" && action.kind !== "view") rowsWritten = await warehouse.countRows(action.target.schema, action.target.name);
    if (action.kind === "view" || plan.mode === "operation") rowsWritten = undefined;
    return { ...base, status: "success", mode: plan.mode, rowsWritten, seconds: seconds(), ...(plan.note ? { message: plan.note } : {}) };
  } catch (error) {
    return { ...base, status: "failed", seconds: seconds(), statements, message: (error as Error).message };
  }
}

function dryRunTest(test: TestAction): ActionResult {
  const statements = [test.testQuery, test.expectedOutputQuery].filter((q): q is string => !!q).map((q) => translateQuery(q));
  return { name: test.name, kind: "test", fileName: test.fileName, status: "success", seconds: 0, statements, message: "dry run" };
}

/**
 * Runs a Dataform unit test the way `dataform test` compares results: same column set (any order),
 * same row count, then row by row, in order, value by value.
 */
export async function executeTest(warehouse: DuckDbWarehouse, test: TestAction): Promise<ActionResult> {
  const started = performance.now();
  const base = { name: test.name, kind: "test" as const, fileName: test.fileName };
  const seconds = () => (performance.now() - started) / 1000;
  try {
    if (!test.testQuery || !test.expectedOutputQuery) throw new Error("the test has no compiled query; see the compilation errors");
    const actual = await warehouse.query(translateQuery(test.testQuery));
    const expected = await warehouse.query(translateQuery(test.expectedOutputQuery));
    const problems = compareTestRows(actual, expected);
    if (problems.length === 0) return { ...base, status: "success", seconds: seconds(), rowsWritten: actual.length };
    return {
      ...base,
      status: "failed",
      seconds: seconds(),
      message: `unit test failed: ${problems[0]}`,
      failingRows: problems.slice(0, MAX_FAILING_ROWS).map((problem) => ({ problem })),
      failingRowCount: problems.length,
    };
  } catch (error) {
    return { ...base, status: "failed", seconds: seconds(), message: (error as Error).message };
  }
}

export function compareTestRows(actual: Row[], expected: Row[]): string[] {
  const actualColumns = Object.keys(actual[0] ?? {}).sort();
  const expectedColumns = Object.keys(expected[0] ?? {}).sort();
  if (actual.length > 0 && expected.length > 0 && actualColumns.join(",") !== expectedColumns.join(",")) {
    return [`expected columns [${expectedColumns.join(", ")}] but got [${actualColumns.join(", ")}]`];
  }
  if (actual.length !== expected.length) return [`expected ${expected.length} rows but got ${actual.length}`];
  // BigQuery has one INT64 where DuckDB has INTEGER and BIGINT (read back as number and string):
  // integers compare by their decimal text.
  const comparable = (value: unknown) => JSON.stringify(typeof value === "number" ? String(value) : value);
  const problems: string[] = [];
  expected.forEach((row, i) => {
    for (const column of expectedColumns) {
      const want = comparable(row[column]);
      const got = comparable(actual[i][column]);
      if (want !== got) problems.push(`row ${i + 1}, column ${column}: expected ${want} but got ${got}`);
    }
  });
  return problems;
}

/** Reads the run log newest first (for `rbw runs` and tests). */
export async function readRunLog(warehouse: DuckDbWarehouse, runId?: string) {
  let query = warehouse.db.selectFrom("ops.run_log").selectAll().orderBy(sql`started_at`, "desc");
  if (runId) query = query.where("run_id", "=", runId);
  return query.execute();
}
