import { describe, expect, it } from "vitest";
import type { TableAction } from "../../scripts/runner/compiled-graph.ts";
import { dependencyOrder, GraphError, selectActions, type GraphAction } from "../../scripts/runner/graph.ts";

const table = (schema: string, name: string, deps: string[] = [], tags: string[] = []): GraphAction => ({
  kind: "table",
  name: `${schema}.${name}`,
  target: { schema, name },
  deps,
  def: { tags, fileName: `definitions/${name}.sqlx` } as TableAction,
});

describe("graph order and selection", () => {
  const graph = [
    table("marts", "margin", ["core.fact"], ["monthly"]),
    table("core", "fact", ["staging.stg"]),
    table("staging", "stg", [], ["daily"]),
    table("core", "dim", []),
    table("marts", "dim", ["core.dim"]),
  ];

  it("orders actions so dependencies come first, ties by name", () => {
    expect(dependencyOrder(graph).map((a) => a.name)).toEqual(["core.dim", "marts.dim", "staging.stg", "core.fact", "marts.margin"]);
  });

  it("names the actions of a dependency cycle", () => {
    expect(() => dependencyOrder([table("a", "x", ["a.y"]), table("a", "y", ["a.x"]), table("a", "z")])).toThrow("cycle among: a.x, a.y");
  });

  it("selects by name with dependencies or dependents, and by tag", () => {
    expect(selectActions(graph, { actions: ["fact"], includeDependencies: true }).map((a) => a.name)).toEqual(["core.fact", "staging.stg"]);
    expect(selectActions(graph, { actions: ["stg"], includeDependents: true }).map((a) => a.name)).toEqual(["marts.margin", "core.fact", "staging.stg"]);
    expect(selectActions(graph, { tags: ["daily", "monthly"] }).map((a) => a.name)).toEqual(["marts.margin", "staging.stg"]);
  });

  it("refuses an ambiguous or unknown short name with what to type instead", () => {
    expect(() => selectActions(graph, { actions: ["dim"] })).toThrow('"dim" is ambiguous: core.dim, marts.dim. Use schema.name.');
    expect(() => selectActions(graph, { actions: ["nope"] })).toThrow(GraphError);
  });
});

describe("DuckDB planning of incremental options", () => {
  it("refuses INSERT_OVERWRITE and onSchemaChange instead of behaving differently from BigQuery", async () => {
    const { planAction } = await import("../../scripts/engines/duckdb/plan.ts");
    const catalog = { relationKind: async () => "table" as const, columns: async () => ["a"] };
    const incremental = (def: Partial<TableAction>): GraphAction => ({
      kind: "incremental",
      name: "core.t",
      target: { schema: "core", name: "t" },
      deps: [],
      def: { query: "SELECT 1 AS a", preOps: [], postOps: [], incrementalPreOps: [], incrementalPostOps: [], uniqueKey: [], tags: [], fileName: "definitions/t.sqlx", ...def } as TableAction,
    });
    await expect(planAction(incremental({ incrementalStrategy: "INSERT_OVERWRITE" }), catalog)).rejects.toThrow("incrementalStrategy INSERT_OVERWRITE is not supported");
    await expect(planAction(incremental({ onSchemaChange: "EXTEND" }), catalog)).rejects.toThrow("onSchemaChange EXTEND is not supported");
    await expect(planAction(incremental({ onSchemaChange: "IGNORE" }), catalog)).resolves.toMatchObject({ mode: "insert" });
  });
});
