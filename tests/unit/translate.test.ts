import { describe, expect, it } from "vitest";
import { explicitUtcBeforeTranspile, parseDeclare, rewriteBacktickNames, ScriptScope, translateBigQueryToDuckDb, translateQuery, TranslationError } from "../../scripts/runner/translate.ts";

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

  it("divides exactly in CAST(x / y AS NUMERIC), and leaves divisions it cannot isolate to DuckDB", () => {
    const exact = (sql: string) => translateQuery(sql).includes("HUGEINT");
    expect(exact("SELECT CAST(cost / quantity AS NUMERIC) FROM t")).toBe(true);
    expect(exact("SELECT CAST(-cost * 100 / SUM(quantity) AS NUMERIC) FROM t")).toBe(true);
    expect(exact("SELECT CAST((a - b) / (c + 1) AS NUMERIC) FROM t")).toBe(true);
    expect(exact("SELECT CAST(a + b / c AS NUMERIC) FROM t")).toBe(false);
    expect(exact("SELECT CAST(a / b * c AS NUMERIC) FROM t")).toBe(false);
    expect(exact("SELECT CAST(a / b / c AS NUMERIC) FROM t")).toBe(false);
    expect(exact("SELECT CAST(CASE WHEN x THEN a ELSE b END / c AS NUMERIC) FROM t")).toBe(false);
    expect(exact("SELECT CAST('a/b' AS STRING), CAST(a / b AS FLOAT64) FROM t")).toBe(false);
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

  it("keeps DuckDB's own lower-case hex digest for TO_HEX(SHA256(x)), and other hex calls as they are", () => {
    expect(translateQuery("SELECT TO_HEX(SHA256(CONCAT(a, '|', b))) AS h FROM t")).toBe("SELECT SHA256(a || '|' || b) AS h FROM t");
    expect(translateQuery("SELECT TO_HEX(SHA256(a)), TO_HEX(b) FROM t")).toBe("SELECT SHA256(a), LOWER(HEX(b)) FROM t");
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

  describe("makes date/time conversions explicit about UTC, as BigQuery is, whatever the session TimeZone", () => {
    const instant = (x: string) =>
      `CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' OR (typeof(${x}) = 'VARCHAR' AND regexp_matches(CAST(${x} AS VARCHAR), '\\d:\\d\\d(:\\d\\d(\\.\\d*)?)?\\s*([zZ]|[+-]\\d|[A-Za-z])')) THEN CAST(${x} AS TIMESTAMPTZ) ELSE timezone('UTC', CAST(${x} AS TIMESTAMP)) END`;
    const civil = (x: string) => `CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN timezone('UTC', CAST(${x} AS TIMESTAMPTZ)) ELSE CAST(${x} AS TIMESTAMP) END`;
    const date = (x: string) => `CASE WHEN typeof(${x}) = 'TIMESTAMP WITH TIME ZONE' THEN CAST(timezone('UTC', CAST(${x} AS TIMESTAMPTZ)) AS DATE) ELSE CAST(${x} AS DATE) END`;

    it("gives TIMESTAMP literals and string arguments without a zone an explicit +00", () => {
      expect(translateQuery("SELECT TIMESTAMP '2026-10-01 00:00:00', TIMESTAMP('2026-10-01'), CAST('2026-10-01 12:00:00' AS TIMESTAMP)")).toBe(
        "SELECT CAST('2026-10-01 00:00:00+00' AS TIMESTAMPTZ), CAST('2026-10-01 00:00:00+00' AS TIMESTAMPTZ), CAST('2026-10-01 12:00:00+00' AS TIMESTAMPTZ)",
      );
      expect(translateQuery("SELECT TIMESTAMP '2026-10-01 00:00:00+00', TIMESTAMP('2026-10-01 12:00:00 Asia/Seoul'), TIMESTAMP '2026-10-01T12:00:00Z'")).toBe(
        "SELECT CAST('2026-10-01 00:00:00+00' AS TIMESTAMPTZ), CAST('2026-10-01 12:00:00 Asia/Seoul' AS TIMESTAMPTZ), CAST('2026-10-01T12:00:00Z' AS TIMESTAMPTZ)",
      );
    });

    it("reads TIMESTAMP(x) and CAST(x AS TIMESTAMP) of a DATE, DATETIME or string as UTC and keeps an instant", () => {
      expect(translateQuery("SELECT TIMESTAMP(billing_period_start) FROM t")).toBe(`SELECT ${instant("billing_period_start")} FROM t`);
      expect(translateQuery("SELECT CAST(d AS TIMESTAMP) FROM t")).toBe(`SELECT ${instant("d")} FROM t`);
      expect(translateQuery("SELECT SAFE_CAST(s AS TIMESTAMP) FROM t")).toBe(`SELECT ${instant("s").replace(/THEN CAST|'UTC', CAST/g, (m) => m.replace("CAST", "TRY_CAST"))} FROM t`);
      expect(translateQuery("SELECT CAST(NULL AS TIMESTAMP)")).toBe("SELECT timezone('UTC', CAST(NULL AS TIMESTAMP))");
      // TIMESTAMP(x, zone) names its zone: the transpiler's AT TIME ZONE is exact.
      expect(translateQuery("SELECT TIMESTAMP(d, 'Asia/Seoul') FROM t")).toBe("SELECT CAST(d AS TIMESTAMP) AT TIME ZONE 'Asia/Seoul' FROM t");
    });

    it("takes DATE, DATETIME, EXTRACT and FORMAT_TIMESTAMP of an instant in UTC (or in the zone named)", () => {
      expect(translateQuery("SELECT DATE(export_time), CAST(export_time AS DATE), EXTRACT(DATE FROM export_time) FROM t")).toBe(
        `SELECT ${date("export_time")}, ${date("export_time")}, ${date("export_time")} FROM t`,
      );
      expect(translateQuery("SELECT DATE(ts, 'Asia/Seoul') FROM t")).toBe("SELECT CAST(timezone('Asia/Seoul', CAST(ts AS TIMESTAMPTZ)) AS DATE) FROM t");
      expect(translateQuery("SELECT DATETIME(ts), CAST(ts AS DATETIME) FROM t")).toBe(`SELECT ${civil("ts")}, ${civil("ts")} FROM t`);
      expect(translateQuery("SELECT EXTRACT(HOUR FROM ts) FROM t")).toBe(`SELECT EXTRACT(HOUR FROM ${civil("ts")}) FROM t`);
      expect(translateQuery("SELECT EXTRACT(HOUR FROM ts AT TIME ZONE 'Asia/Seoul') FROM t")).toBe(
        "SELECT EXTRACT(HOUR FROM timezone('Asia/Seoul', CAST(ts AS TIMESTAMPTZ))) FROM t",
      );
      expect(translateQuery("SELECT FORMAT_TIMESTAMP('%F', ts), FORMAT_TIMESTAMP('%F', ts, 'Asia/Seoul') FROM t")).toBe(
        `SELECT STRFTIME(${civil("ts")}, '%Y-%m-%d'), STRFTIME(timezone('Asia/Seoul', CAST(ts AS TIMESTAMPTZ)), '%Y-%m-%d') FROM t`,
      );
    });

    it("writes CAST(instant AS STRING) in UTC, as BigQuery does", () => {
      expect(translateQuery("SELECT CAST(export_time AS STRING), CAST(NULL AS STRING) FROM t")).toBe(
        `SELECT CASE WHEN typeof(export_time) = 'TIMESTAMP WITH TIME ZONE' THEN CAST(timezone('UTC', CAST(export_time AS TIMESTAMPTZ)) AS VARCHAR) || '+00' ELSE CAST(export_time AS VARCHAR) END, CAST(NULL AS TEXT) FROM t`,
      );
    });

    it("truncates and adds on the UTC calendar, where a DAY is always 24 hours", () => {
      expect(translateQuery("SELECT TIMESTAMP_TRUNC(ts, MONTH) FROM t")).toBe(`SELECT timezone('UTC', DATE_TRUNC('MONTH', ${civil("ts")})) FROM t`);
      expect(translateQuery("SELECT TIMESTAMP_ADD(ts, INTERVAL 1 DAY), TIMESTAMP_SUB(ts, INTERVAL 3 HOUR) FROM t")).toBe(
        `SELECT timezone('UTC', ${civil("ts")} + INTERVAL '1' DAY), timezone('UTC', ${civil("ts")} - INTERVAL '3' HOUR) FROM t`,
      );
      // With a zone argument the transpiler's AT TIME ZONE pair is exact.
      expect(translateQuery("SELECT TIMESTAMP_TRUNC(ts, DAY, 'Asia/Seoul') FROM t")).toBe(
        "SELECT DATE_TRUNC('DAY', ts AT TIME ZONE 'Asia/Seoul') AT TIME ZONE 'Asia/Seoul' FROM t",
      );
    });

    it("leaves literals, other functions and names that only contain the keywords alone", () => {
      expect(explicitUtcBeforeTranspile("SELECT DATE(2026, 10, 1), DATE('2026-10-01'), CAST('2026-10-01' AS DATE), t.timestamp_col, my_date(x), 'TIMESTAMP(x)' FROM t")).toBe(
        "SELECT DATE(2026, 10, 1), DATE('2026-10-01'), CAST('2026-10-01' AS DATE), t.timestamp_col, my_date(x), 'TIMESTAMP(x)' FROM t",
      );
    });
  });
});
