import { describe, expect, it } from "vitest";
import { parseDeclare, rewriteBacktickNames, ScriptScope, translateBigQueryToDuckDb, translateQuery, TranslationError } from "../../scripts/runner/translate.ts";

describe("BigQuery -> DuckDB rewrite layer", () => {
  it("maps backticked project.dataset.table names to DuckDB schema.table", () => {
    expect(translateQuery("SELECT a FROM `my-proj.raw.events` AS e JOIN `core.dim` d ON e.a = d.a")).toBe(
      'SELECT a FROM "raw"."events" AS e JOIN "core"."dim" AS d ON e.a = d.a',
    );
  });

  it("keeps only the dataset after SCHEMA", () => {
    expect(rewriteBacktickNames("CREATE SCHEMA IF NOT EXISTS `my-proj.audit`")).toBe("CREATE SCHEMA IF NOT EXISTS `audit`");
  });

  it("leaves names inside string literals alone", () => {
    expect(translateQuery("SELECT '`p.d.t`' AS s")).toBe("SELECT '`p.d.t`' AS s");
  });

  it("turns BigQuery \\' escapes from built-in assertions into standard SQL quotes", () => {
    expect(translateQuery("SELECT 'event_type IN (\\'click\\', \\'view\\')' AS failing_row_condition")).toBe(
      "SELECT 'event_type IN (''click'', ''view'')' AS failing_row_condition",
    );
  });

  it("makes NUMERIC and BIGNUMERIC exact DECIMAL(38, 9)", () => {
    expect(translateQuery("SELECT CAST(a AS NUMERIC), CAST(b AS BIGNUMERIC), SAFE_CAST(c AS NUMERIC), NUMERIC '1.5' FROM t")).toBe(
      "SELECT CAST(a AS DECIMAL(38, 9)), CAST(b AS DECIMAL(38, 9)), TRY_CAST(c AS DECIMAL(38, 9)), CAST('1.5' AS DECIMAL(38, 9)) FROM t",
    );
  });

  it("refuses parameterised NUMERIC(p, s), which the transpiler would widen silently", () => {
    expect(() => translateQuery("SELECT CAST(a AS NUMERIC(10, 2)) FROM t")).toThrow(TranslationError);
  });

  it("drops PARTITION BY, CLUSTER BY and OPTIONS from DDL", () => {
    expect(
      translateBigQueryToDuckDb("CREATE OR REPLACE TABLE `p.core.f` PARTITION BY DATE(export_time) CLUSTER BY a, b OPTIONS(description='x') AS SELECT 1 AS a"),
    ).toEqual(['CREATE OR REPLACE TABLE "core"."f" AS SELECT 1 AS a']);
  });

  it("translates REGEXP_CONTAINS as a partial match", () => {
    expect(translateQuery("SELECT REGEXP_CONTAINS(s, r'^a') FROM t")).toBe("SELECT REGEXP_MATCHES(s, '^a') FROM t");
  });

  it("splits multi-statement scripts", () => {
    expect(translateBigQueryToDuckDb("SELECT 1; SELECT 2;")).toEqual(["SELECT 1", "SELECT 2"]);
  });

  it("keeps DATE_ADD, DATE_SUB and DATE_TRUNC dates (DuckDB date arithmetic gives timestamps)", () => {
    expect(translateQuery("SELECT DATE_ADD(d, INTERVAL 1 MONTH) AS e FROM t")).toBe("SELECT CAST(d + INTERVAL '1' MONTH AS DATE) AS e FROM t");
    expect(translateQuery("SELECT DATE_TRUNC(DATE_SUB(d, INTERVAL 1 DAY), MONTH) FROM t")).toBe(
      "SELECT CAST(DATE_TRUNC('MONTH', CAST(d - INTERVAL '1' DAY AS DATE)) AS DATE) FROM t",
    );
  });

  it("makes CONCAT NULL when an argument is NULL, as BigQuery does", () => {
    // The transpiler keeps CONCAT when an argument is a NULL literal.
    expect(translateQuery("SELECT CONCAT('x(,)', NULL) FROM t")).toBe("SELECT ('x(,)' || NULL) FROM t");
  });

  it("turns aggregates over UNNEST of a repeated field into DuckDB list functions", () => {
    expect(translateQuery("SELECT IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c WHERE c.type = 'RESELLER_MARGIN'), 0) FROM t")).toBe(
      "SELECT COALESCE(list_sum(list_transform(list_filter(credits, c -> c.type = 'RESELLER_MARGIN'), c -> c.amount)), 0) FROM t",
    );
    expect(translateQuery("SELECT (SELECT COUNT(*) FROM UNNEST(credits) AS c), (SELECT MIN(a.adjustment_id) FROM UNNEST(adjustmentsInfo) AS a) FROM t")).toBe(
      "SELECT COALESCE(len(credits), 0), list_min(list_transform(adjustmentsInfo, a -> a.adjustment_id)) FROM t",
    );
  });

  it("runs BigQuery script variables as DuckDB variables within one action", () => {
    expect(parseDeclare("-- checkpoint\nDECLARE cp TIMESTAMP DEFAULT (SELECT MAX(ts) FROM `p.core.f`)")).toEqual({
      name: "cp",
      type: "TIMESTAMP",
      expression: "(SELECT MAX(ts) FROM `p.core.f`)",
    });
    const scope = new ScriptScope();
    expect(scope.script("DECLARE cp DEFAULT (SELECT MAX(ts) FROM `p.core.f`)")).toEqual([
      'SET VARIABLE cp = (SELECT (SELECT MAX(ts) FROM "core"."f") AS value)',
    ]);
    expect(scope.query("SELECT * FROM `p.raw.t` WHERE ts > cp AND t.cp = 1 AND 'cp' != ''")).toBe(
      `SELECT * FROM "raw"."t" WHERE ts > GETVARIABLE('cp') AND t.cp = 1 AND 'cp' <> ''`,
    );
  });
});
