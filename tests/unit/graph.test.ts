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
