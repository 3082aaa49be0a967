import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGraph, splitStatements } from "../../scripts/check/zetasql-check.ts";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import { compileFixture, copyFixtureProject } from "../helpers/project.ts";

describe("offline BigQuery check with ZetaSQL", () => {
  let fixture: ReturnType<typeof copyFixtureProject>;
  beforeAll(() => {
    fixture = copyFixtureProject("runner-project");
  });
  afterAll(() => fixture.cleanup());

  it("passes on a correct project, including the partitioned and clustered DDL", async () => {
    const graph = await compileFixture(fixture.dir);
    const result = await checkGraph(graph, loadSourceSchemas(fixture.dir));
    expect(result.errors).toEqual([]);
    expect(result.actionsChecked).toBe(graph.tables.length + graph.operations.length + graph.assertions.length);
    expect(result.statementsChecked).toBeGreaterThan(result.actionsChecked);
  });

  it("catches a misspelled column in a SQLX file and names the action and file", async () => {
    const file = join(fixture.dir, "definitions/customer_totals.sqlx");
    writeFileSync(file, readFileSync(file, "utf8").replace("SUM(amount)", "SUM(ammount)"));
    const graph = await compileFixture(fixture.dir);
    const result = await checkGraph(graph, loadSourceSchemas(fixture.dir));
    expect(result.errors.map((e) => e.action)).toEqual(["marts.customer_totals", "test customer_totals_sums_amounts"]);
    expect(result.errors[0]).toMatchObject({ fileName: "definitions/customer_totals.sqlx" });
    expect(result.errors[0].message).toMatch(/Unrecognized name: ammount/);
  });

  it("splits scripts on top-level semicolons only", () => {
    expect(splitStatements("SELECT ';' AS a; -- x;\nSELECT 2;")).toEqual(["SELECT ';' AS a", " -- x;\nSELECT 2"]);
  });
});
