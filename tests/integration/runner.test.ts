import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import type { CompiledGraph } from "../../scripts/runner/compiled-graph.ts";
import { readRunLog, runGraph, type ActionResult } from "../../scripts/runner/run-graph.ts";
import { compileFixture, copyFixtureProject } from "../helpers/project.ts";

const RAW_EVENTS = `CREATE SCHEMA IF NOT EXISTS raw;
CREATE OR REPLACE TABLE raw.events (
  event_id VARCHAR, customer_id VARCHAR, event_type VARCHAR, amount VARCHAR, event_ts TIMESTAMP
);
INSERT INTO raw.events VALUES
  ('e1', 'c1', 'click', '1.10', TIMESTAMP '2024-01-01 10:00:00'),
  ('e2', 'c1', 'buy',   '2.20', TIMESTAMP '2024-01-02 10:00:00'),
  ('e3', 'c2', 'view',  '0.30', TIMESTAMP '2024-01-03 10:00:00');`;

const byName = (results: ActionResult[], name: string) => {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no result for ${name}`);
  return found;
};

describe("graph runner on DuckDB", () => {
  let fixture: ReturnType<typeof copyFixtureProject>;
  let graph: CompiledGraph;
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    fixture = copyFixtureProject("runner-project");
    graph = await compileFixture(fixture.dir);
  });
  afterAll(() => fixture.cleanup());

  beforeEach(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    await warehouse.exec(RAW_EVENTS);
    return () => warehouse.close();
  });

  const count = async (relation: string) => Number((await warehouse.query<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM ${relation}`))[0].n);

  it("builds tables, views, incrementals and operations in dependency order, with pre/post operations", async () => {
    const summary = await runGraph(warehouse, graph, { includeTests: true });
    expect(summary.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(summary.ok).toBe(true);
    const order = summary.results.map((r) => r.name);
    expect(order.indexOf("staging.stg_events")).toBeLessThan(order.indexOf("marts.customer_totals"));
    expect(order.indexOf("core.orders")).toBeLessThan(order.indexOf("marts.order_summary"));
    expect(await count("staging.stg_events")).toBe(3);
    expect(await warehouse.query("SELECT customer_id, total_amount::VARCHAR AS total FROM marts.customer_totals ORDER BY 1")).toEqual([
      { customer_id: "c1", total: "3.300000000" },
      { customer_id: "c2", total: "0.300000000" },
    ]);
    expect(await warehouse.relationKind("marts", "customer_totals")).toBe("view");
    expect(await warehouse.query("SELECT hook FROM audit.hooks")).toEqual([{ hook: "stg_events built" }]);
    expect(await warehouse.query("SELECT staged_events::VARCHAR AS n FROM audit.refresh_audit")).toEqual([{ n: "3" }]);
    expect(byName(summary.results, "staging.stg_events").rowsWritten).toBe(3);
  });

  it("sums 1,000,000 rows of 0.000000001 to exactly 0.001 through a compiled NUMERIC table", async () => {
    await runGraph(warehouse, graph, { actions: ["core.tiny_amounts"] });
    const [row] = await warehouse.query("SELECT total::VARCHAR AS total, typeof(total) AS type, row_count FROM core.tiny_amounts");
    expect(row).toEqual({ total: "0.001000000", type: "DECIMAL(38,9)", row_count: "1000000" });
  });

  it("merges on the unique key and is idempotent when run twice", async () => {
    await runGraph(warehouse, graph, {});
    const second = await runGraph(warehouse, graph, {});
    expect(second.ok).toBe(true);
    expect(byName(second.results, "core.events_merged").mode).toBe("merge");
    expect(byName(second.results, "core.events_appended").mode).toBe("insert");
    expect(await count("core.events_merged")).toBe(3);
    expect(await count("core.events_appended")).toBe(3);

    await warehouse.exec(`UPDATE raw.events SET amount = '9.99' WHERE event_id = 'e3';
      INSERT INTO raw.events VALUES ('e4', 'c2', 'buy', '4.00', TIMESTAMP '2024-01-04 10:00:00')`);
    const third = await runGraph(warehouse, graph, {});
    expect(third.ok).toBe(true);
    expect(await count("core.events_merged")).toBe(4);
    expect(await warehouse.query("SELECT amount::VARCHAR AS a FROM core.events_merged WHERE event_id = 'e3'")).toEqual([{ a: "9.990000000" }]);
    expect(await count("core.events_appended")).toBe(4);
    expect(await warehouse.query("SELECT hook, COUNT(*)::VARCHAR AS n FROM audit.incremental_hooks GROUP BY 1 ORDER BY 1")).toEqual([
      { hook: "full post", n: "1" },
      { hook: "incremental post", n: "2" },
    ]);
  });

  it("rebuilds on --full-refresh except protected tables", async () => {
    await runGraph(warehouse, graph, {});
    await warehouse.exec("INSERT INTO core.events_appended VALUES ('stale', 1, TIMESTAMP '2020-01-01'); INSERT INTO core.events_protected VALUES ('kept', TIMESTAMP '2020-01-01')");
    const refresh = await runGraph(warehouse, graph, { fullRefresh: true });
    expect(byName(refresh.results, "core.events_appended").mode).toBe("create");
    expect(byName(refresh.results, "core.events_protected").mode).toBe("insert");
    expect(await count("core.events_appended WHERE event_id = 'stale'")).toBe(0);
    expect(await count("core.events_protected WHERE event_id = 'kept'")).toBe(1);
  });

  it("rebuilds an incremental table whose model now returns other columns, and says why", async () => {
    await runGraph(warehouse, graph, {});
    await warehouse.exec("ALTER TABLE core.events_appended DROP COLUMN amount; ALTER TABLE core.events_appended ADD COLUMN legacy VARCHAR");
    const next = await runGraph(warehouse, graph, {});
    expect(next.ok).toBe(true);
    expect(byName(next.results, "core.events_appended")).toMatchObject({ mode: "create", message: "rebuilt in full: its columns changed (+amount, -legacy)" });
    expect(byName(next.results, "core.events_merged").mode).toBe("merge");
    expect(await warehouse.columns("core", "events_appended")).toEqual(["event_id", "amount", "event_ts"]);
    expect(await count("core.events_appended")).toBe(3);
  });

  it("fails the run on a failing assertion and reports its name, file and failing rows", async () => {
    await warehouse.exec("INSERT INTO raw.events VALUES ('e1', 'c3', 'refund', '-5', TIMESTAMP '2024-01-05')");
    const summary = await runGraph(warehouse, graph, {});
    expect(summary.ok).toBe(false);
    const negative = byName(summary.results, "fixture_assertions.amounts_not_negative");
    expect(negative.status).toBe("failed");
    expect(negative.fileName).toBe("assertions/amounts_not_negative.sqlx");
    expect(negative.failingRows).toEqual([{ event_id: "e1", amount: "-5.000000000" }]);
    const unique = byName(summary.results, "fixture_assertions.staging_stg_events_assertions_uniqueKey_0");
    expect(unique.status).toBe("failed");
    expect(unique.failingRows).toEqual([{ event_id: "e1", index_row_count: "2" }]);
    const conditions = byName(summary.results, "fixture_assertions.staging_stg_events_assertions_rowConditions");
    expect(conditions.failingRows?.[0]).toMatchObject({ failing_row_condition: "event_type IN ('click', 'view', 'buy')", event_type: "refund" });
  });

  it("stops the dependents of a failed action but runs unrelated branches", async () => {
    const broken = await compileFixture(fixture.dir, { break_orders: "true" });
    const summary = await runGraph(warehouse, broken, {});
    expect(summary.ok).toBe(false);
    expect(byName(summary.results, "core.orders").status).toBe("failed");
    expect(byName(summary.results, "core.orders").message).toMatch(/no_such_column/);
    expect(byName(summary.results, "marts.order_summary").status).toBe("skipped");
    expect(byName(summary.results, "marts.customer_totals").status).toBe("success");
    expect(byName(summary.results, "core.events_merged").status).toBe("success");
  });

  it("selects by action name and tag, with or without dependencies", async () => {
    const alone = await runGraph(warehouse, graph, { actions: ["customer_totals"] });
    expect(alone.results.map((r) => r.name)).toEqual(["marts.customer_totals"]);
    const withDeps = await runGraph(warehouse, graph, { actions: ["customer_totals"], includeDependencies: true });
    expect(withDeps.results.map((r) => r.name)).toEqual(["staging.stg_events", "marts.customer_totals"]);
    const tagged = await runGraph(warehouse, graph, { tags: ["incremental"] });
    expect(tagged.results.map((r) => r.name).sort()).toEqual(["core.events_appended", "core.events_merged", "core.events_protected"]);
  });

  it("prints the SQL of a dry run without executing it", async () => {
    const summary = await runGraph(warehouse, graph, { dryRun: true, actions: ["stg_events"] });
    const [result] = summary.results;
    expect(result.statements?.some((s) => s.startsWith('CREATE OR REPLACE TABLE "staging"."stg_events" AS'))).toBe(true);
    expect(await warehouse.relationKind("staging", "stg_events")).toBeUndefined();
  });

  it("keeps a run log across runs", async () => {
    const first = await runGraph(warehouse, graph, { actions: ["stg_events"] });
    const second = await runGraph(warehouse, graph, { actions: ["stg_events"] });
    const log = await readRunLog(warehouse);
    expect(log.map((r) => r.run_id).sort()).toEqual([first.runId, second.runId].sort());
    expect(log[0]).toMatchObject({ action: "staging.stg_events", status: "success", rows_written: "3" });
  });


  it("keeps a compiled graph by the project's content: the run id is filled in, and an edit to any source the project reads compiles again", async () => {
    const assertionSql = (g: CompiledGraph) => g.assertions.find((a) => a.target.name === "amounts_not_negative")?.query ?? "";
    const first = await compileFixture(fixture.dir, { run_id: "run-1" });
    const cacheDir = join(fixture.dir, ".rbw/cache/compile");
    const cached = readdirSync(cacheDir);
    expect(cached.length).toBeGreaterThan(0);
    const second = await compileFixture(fixture.dir, { run_id: "run-2" });
    expect([first.projectConfig.vars.run_id, second.projectConfig.vars.run_id]).toEqual(["run-1", "run-2"]);
    expect(readdirSync(cacheDir)).toEqual(cached);

    // assertions/ is outside definitions/ and includes/: it is read because a definition requires it.
    const file = join(fixture.dir, "assertions/amounts_not_negative.sqlx");
    writeFileSync(file, readFileSync(file, "utf8").replace("WHERE amount < 0", "WHERE amount < -1"));
    const edited = await compileFixture(fixture.dir, { run_id: "run-3" });
    expect(assertionSql(first)).toContain("amount < 0");
    expect(assertionSql(edited)).toContain("amount < -1");
    expect(edited.projectConfig.vars.run_id).toBe("run-3");
    expect(readdirSync(cacheDir)).toHaveLength(cached.length + 1);
  });
  it("runs Dataform unit tests: a passing one passes and a wrong expectation fails", async () => {
    const withFailing = await compileFixture(fixture.dir, { include_failing_test: "true" });
    const summary = await runGraph(warehouse, withFailing, { includeTests: true, actions: ["customer_totals_sums_amounts", "customer_totals_wrong_expectation"] });
    expect(byName(summary.results, "customer_totals_sums_amounts").status).toBe("success");
    const wrong = byName(summary.results, "customer_totals_wrong_expectation");
    expect(wrong.status).toBe("failed");
    expect(wrong.message).toContain('column total_amount: expected "9.990000000" but got "1.500000000"');
    expect(summary.ok).toBe(false);
  });
});
