import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { compileProject } from "../../scripts/runner/compiled-graph.ts";
import { segmentSql, translateQuery } from "../../scripts/runner/translate.ts";
import { REPO_ROOT } from "../helpers/project.ts";

/**
 * Every BigQuery function the project's SQL uses, with the result BigQuery documents for it,
 * run through the transpiler on DuckDB. A new function in a model fails the coverage test below
 * until it has a case here.
 */
const CASES: { fn: string[]; sql: string; expected: unknown }[] = [
  { fn: ["SUM"], sql: "(SELECT SUM(x) FROM UNNEST([CAST('1.5' AS NUMERIC), CAST('2.25' AS NUMERIC)]) AS x)", expected: "3.750000000" },
  { fn: ["CAST"], sql: "CAST('0.1' AS NUMERIC) * 3", expected: "0.300000000" },
  // NUMERIC division is exact, rounded half away from zero to 9 decimals (DuckDB's own goes through a DOUBLE).
  { fn: ["CAST"], sql: "CAST(CAST('12345678901234567.123456789' AS NUMERIC) / CAST('3' AS NUMERIC) AS NUMERIC)", expected: "4115226300411522.374485596" },
  { fn: ["CAST"], sql: "CAST(CAST('2' AS NUMERIC) / CAST('-3' AS NUMERIC) AS NUMERIC)", expected: "-0.666666667" },
  { fn: ["CAST"], sql: "CAST(CAST('-0.000000005' AS NUMERIC) / 10 AS NUMERIC)", expected: "-0.000000001" },
  { fn: ["CAST"], sql: "CAST(CAST('12345678901234567.123456789' AS NUMERIC) / CAST('0.000000007' AS NUMERIC) AS NUMERIC)", expected: "1763668414462081017636684.142857143" },
  { fn: ["CAST"], sql: "CAST(CAST('99999999999999999999.999999999' AS NUMERIC) * 7 / CAST('0.000000007' AS NUMERIC) AS NUMERIC)", expected: "99999999999999999999999999999.000000000" },
  { fn: ["CAST"], sql: "CAST(CAST(NULL AS NUMERIC) / 3 AS NUMERIC)", expected: null },
  { fn: ["IFNULL"], sql: "IFNULL(NULL, 0)", expected: 0 },
  { fn: ["COALESCE"], sql: "COALESCE(NULL, 'b', 'c')", expected: "b" },
  { fn: ["NULLIF"], sql: "NULLIF('', '')", expected: null },
  { fn: ["REPLACE", "LOWER", "TRIM"], sql: "REPLACE(LOWER(TRIM(' Rounding Error ')), ' ', '_')", expected: "rounding_error" },
  { fn: ["UPPER"], sql: "UPPER('krw')", expected: "KRW" },
  { fn: ["REGEXP_REPLACE"], sql: "REGEXP_REPLACE('a-b-c', '-', '+')", expected: "a+b+c" },
  { fn: ["ARRAY_LENGTH"], sql: "ARRAY_LENGTH(['a', 'b'])", expected: "2" },
  { fn: ["ARRAY_LENGTH"], sql: "ARRAY_LENGTH(CAST(NULL AS ARRAY<STRING>))", expected: null },
  // NULL elements are left out (no null_text given).
  { fn: ["ARRAY_TO_STRING"], sql: "ARRAY_TO_STRING(['a', NULL, 'c'], ',')", expected: "a,c" },
  { fn: ["REGEXP_REPLACE"], sql: "REGEXP_REPLACE('key=a;key=b', r'key=(\\w)', r'\\1!')", expected: "a!;b!" },
  { fn: ["SUBSTR"], sql: "SUBSTR('202610', 5, 2)", expected: "10" },
  { fn: ["DATE"], sql: "DATE(2026, 10, 1)", expected: "2026-10-01" },
  // BigQuery reads the date, time and calendar of a TIMESTAMP in UTC (the session zones below do not).
  { fn: ["DATE"], sql: "DATE(TIMESTAMP '2026-10-01 23:30:00+00')", expected: "2026-10-01" },
  { fn: ["DATE"], sql: "DATE(TIMESTAMP '2026-10-01 02:00:00+00')", expected: "2026-10-01" },
  { fn: ["DATE"], sql: "DATE(TIMESTAMP '2026-10-01 23:30:00+00', 'Asia/Seoul')", expected: "2026-10-02" },
  { fn: ["DATE"], sql: "DATE(DATETIME '2026-10-01 23:30:00')", expected: "2026-10-01" },
  { fn: ["CAST"], sql: "CAST(TIMESTAMP '2026-10-01 23:30:00+00' AS DATE)", expected: "2026-10-01" },
  { fn: ["DATE_ADD"], sql: "DATE_ADD(DATE '2026-01-31', INTERVAL 1 MONTH)", expected: "2026-02-28" },
  { fn: ["DATE_SUB"], sql: "DATE_SUB(DATE '2026-03-01', INTERVAL 1 DAY)", expected: "2026-02-28" },
  { fn: ["DATE_TRUNC"], sql: "DATE_TRUNC(DATE '2026-10-15', MONTH)", expected: "2026-10-01" },
  { fn: ["EXTRACT"], sql: "EXTRACT(QUARTER FROM DATE '2026-10-15')", expected: "4" },
  { fn: ["EXTRACT"], sql: "EXTRACT(HOUR FROM TIMESTAMP '2026-10-01 23:30:00+00')", expected: "23" },
  { fn: ["EXTRACT"], sql: "EXTRACT(DAY FROM TIMESTAMP '2026-10-01 02:00:00+00')", expected: "1" },
  { fn: ["EXTRACT"], sql: "EXTRACT(DATE FROM TIMESTAMP '2026-10-01 23:30:00+00')", expected: "2026-10-01" },
  { fn: ["EXTRACT"], sql: "EXTRACT(HOUR FROM TIMESTAMP '2026-10-01 23:30:00+00' AT TIME ZONE 'Asia/Seoul')", expected: "8" },
  { fn: ["DATETIME"], sql: "DATETIME(TIMESTAMP '2026-10-01 23:30:00+00')", expected: "2026-10-01 23:30:00" },
  // A DATE, a DATETIME or a string without zone becomes a TIMESTAMP in UTC; a string's own zone is kept.
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP(DATE '2026-10-01')", expected: "2026-10-01 00:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP(DATETIME '2026-10-01 12:00:00')", expected: "2026-10-01 12:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP('2026-10-01 12:00:00')", expected: "2026-10-01 12:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP('2026-10-01')", expected: "2026-10-01 00:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP('2026-10-01 12:00:00+02')", expected: "2026-10-01 10:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP(CONCAT('2026-10-01', ' 12:00:00'))", expected: "2026-10-01 12:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP(CONCAT('2026-10-01 12:00:00', ' America/Los_Angeles'))", expected: "2026-10-01 19:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP '2026-10-01 00:00:00'", expected: "2026-10-01 00:00:00+00" },
  { fn: ["TIMESTAMP"], sql: "TIMESTAMP(DATE '2026-10-01', 'Asia/Seoul')", expected: "2026-09-30 15:00:00+00" },
  { fn: ["CAST"], sql: "CAST(DATE '2026-10-01' AS TIMESTAMP)", expected: "2026-10-01 00:00:00+00" },
  { fn: ["CAST"], sql: "CAST('2026-10-01 12:00:00' AS TIMESTAMP)", expected: "2026-10-01 12:00:00+00" },
  { fn: ["CAST"], sql: "CAST(TIMESTAMP '2026-10-01 12:00:00+00' AS TIMESTAMP)", expected: "2026-10-01 12:00:00+00" },
  { fn: ["CAST"], sql: "CAST(TIMESTAMP '2026-10-01 23:30:00+00' AS DATETIME)", expected: "2026-10-01 23:30:00" },
  { fn: ["SAFE_CAST"], sql: "SAFE_CAST(DATE '2026-10-01' AS TIMESTAMP)", expected: "2026-10-01 00:00:00+00" },
  { fn: ["SAFE_CAST"], sql: "SAFE_CAST(CONCAT('not', ' a time') AS TIMESTAMP)", expected: null },
  { fn: ["TIMESTAMP_TRUNC"], sql: "TIMESTAMP_TRUNC(TIMESTAMP '2026-10-15 23:30:00+00', MONTH)", expected: "2026-10-01 00:00:00+00" },
  { fn: ["TIMESTAMP_TRUNC"], sql: "TIMESTAMP_TRUNC(TIMESTAMP '2026-10-15 02:30:00+00', DAY)", expected: "2026-10-15 00:00:00+00" },
  { fn: ["TIMESTAMP_TRUNC"], sql: "TIMESTAMP_TRUNC(TIMESTAMP '2026-10-15 23:30:00+00', DAY, 'Asia/Seoul')", expected: "2026-10-15 15:00:00+00" },
  { fn: ["FORMAT_TIMESTAMP"], sql: "FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2026-10-01 23:30:00+00')", expected: "2026-10-01 23:30" },
  { fn: ["FORMAT_TIMESTAMP"], sql: "FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2026-10-01 23:30:00+00', 'Asia/Seoul')", expected: "2026-10-02 08:30" },
  // A DAY is 24 hours in BigQuery, also across New York's daylight-saving change on 2026-11-01.
  { fn: ["TIMESTAMP_SUB"], sql: "TIMESTAMP_SUB(TIMESTAMP '2026-10-04 00:00:00+00', INTERVAL 3 DAY)", expected: "2026-10-01 00:00:00+00" },
  { fn: ["TIMESTAMP_SUB"], sql: "TIMESTAMP_SUB(TIMESTAMP '2026-11-02 00:00:00+00', INTERVAL 1 DAY)", expected: "2026-11-01 00:00:00+00" },
  { fn: ["TIMESTAMP_ADD"], sql: "TIMESTAMP_ADD(TIMESTAMP '2026-11-01 00:00:00+00', INTERVAL 1 DAY)", expected: "2026-11-02 00:00:00+00" },
  { fn: ["TIMESTAMP_ADD"], sql: "TIMESTAMP_ADD(TIMESTAMP '2026-11-01 00:00:00+00', INTERVAL 90 MINUTE)", expected: "2026-11-01 01:30:00+00" },
  { fn: ["GENERATE_DATE_ARRAY"], sql: "(SELECT COUNT(*) FROM UNNEST(GENERATE_DATE_ARRAY(DATE '2026-10-30', DATE '2026-11-02', INTERVAL 1 DAY)) AS d)", expected: "4" },
  { fn: ["SAFE_DIVIDE"], sql: "SAFE_DIVIDE(1, 0)", expected: null },
  { fn: ["SAFE_DIVIDE"], sql: "SAFE_DIVIDE(1, 4)", expected: 0.25 },
  { fn: ["ROUND"], sql: "ROUND(CAST('-2.345' AS NUMERIC), 2)", expected: "-2.35" },
  { fn: ["ROUND"], sql: "ROUND(CAST('2.5' AS NUMERIC))", expected: "3" },
  { fn: ["TO_HEX", "SHA256"], sql: "TO_HEX(SHA256('abc'))", expected: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { fn: ["CONCAT"], sql: "CONCAT('a', '-', 'b')", expected: "a-b" },
  { fn: ["CONCAT"], sql: "CONCAT('a', NULL)", expected: null },
  { fn: ["TO_JSON_STRING"], sql: "TO_JSON_STRING(NULL) IS NULL OR TO_JSON_STRING([1, 2]) = '[1,2]'", expected: true },
  { fn: ["COUNT"], sql: "(SELECT COUNT(*) FROM UNNEST(['a', 'b']) AS x)", expected: "2" },
  { fn: ["MIN", "MAX"], sql: "(SELECT CONCAT(MIN(x), MAX(x)) FROM UNNEST(['b', 'a', 'c']) AS x)", expected: "ac" },
  { fn: ["ROW_NUMBER"], sql: "(SELECT MAX(n) FROM (SELECT ROW_NUMBER() OVER (PARTITION BY x ORDER BY x) AS n FROM UNNEST(['a', 'a', 'b']) AS x))", expected: "2" },
  { fn: ["UNNEST"], sql: "(SELECT SUM(c.amount) FROM UNNEST([STRUCT(CAST('-4' AS NUMERIC) AS amount, 'RESELLER_MARGIN' AS type), STRUCT(CAST('-1.5' AS NUMERIC) AS amount, 'FREE_TIER' AS type)]) AS c WHERE c.type = 'RESELLER_MARGIN')", expected: "-4.000000000" },
  { fn: ["SIGN"], sql: "SIGN(CAST('-2.5' AS NUMERIC)) * SIGN(0)", expected: 0 },
  { fn: ["SIGN"], sql: "SIGN(CAST('-2.5' AS NUMERIC))", expected: -1 },
  { fn: ["ABS"], sql: "ABS(CAST('-2.5' AS NUMERIC))", expected: "2.500000000" },
  { fn: ["CEIL"], sql: "CEIL(CAST('2.1' AS NUMERIC))", expected: "3" },
  { fn: ["FLOOR"], sql: "FLOOR(CAST('-2.5' AS NUMERIC))", expected: "-3" },
  { fn: ["TRUNC"], sql: "TRUNC(CAST('-2.75' AS NUMERIC))", expected: "-2" },
  { fn: ["TRUNC", "ROUND"], sql: "TRUNC(CAST(ROUND(CAST('0.0312345' AS NUMERIC), 6) AS NUMERIC), 4)", expected: "0.0312" },
  // DIV truncates toward zero.
  { fn: ["DIV"], sql: "DIV(7, 2)", expected: 3 },
  { fn: ["DIV"], sql: "DIV(-7, 2)", expected: -3 },
  // GREATEST and LEAST are NULL when any argument is NULL.
  { fn: ["GREATEST"], sql: "GREATEST(1, 3, 2)", expected: 3 },
  { fn: ["GREATEST"], sql: "GREATEST(1, CAST(NULL AS INT64))", expected: null },
  { fn: ["LEAST"], sql: "LEAST(CAST('2' AS NUMERIC), CAST('1.5' AS NUMERIC))", expected: "1.500000000" },
  { fn: ["LEAST"], sql: "LEAST(1, CAST(NULL AS INT64))", expected: null },
  { fn: ["IF"], sql: "IF(1 > 2, 'a', 'b')", expected: "b" },
  { fn: ["IF"], sql: "IF(CAST(NULL AS BOOL), 'a', 'b')", expected: "b" },
  { fn: ["DATE_DIFF"], sql: "DATE_DIFF(DATE '2026-10-31', DATE '2026-10-01', DAY)", expected: "30" },
  { fn: ["TIMESTAMP_DIFF"], sql: "TIMESTAMP_DIFF(TIMESTAMP '2026-10-02 00:00:00+00', TIMESTAMP '2026-10-01 00:00:01+00', SECOND)", expected: "86399" },
  { fn: ["STRPOS"], sql: "STRPOS('ab-cd', '-')", expected: "3" },
  { fn: ["STRPOS"], sql: "STRPOS('abcd', '-')", expected: "0" },
  { fn: ["LPAD"], sql: "LPAD('123456', 12, '0')", expected: "000000123456" },
  { fn: ["JSON_EXTRACT_SCALAR"], sql: "JSON_EXTRACT_SCALAR('{\"a\": {\"b\": \"x\"}}', '$.a.b')", expected: "x" },
  { fn: ["JSON_EXTRACT_SCALAR"], sql: "JSON_EXTRACT_SCALAR('{\"a\": {\"b\": \"x\"}}', '$.a')", expected: null },
  { fn: ["JSON_VALUE"], sql: "JSON_VALUE('{\"a\": 0.55, \"b\": null}', '$.a')", expected: "0.55" },
  { fn: ["JSON_VALUE"], sql: "JSON_VALUE('{\"a\": 0.55, \"b\": null}', '$.b')", expected: null },
  { fn: ["ARRAY_AGG"], sql: "(SELECT 'b' IN UNNEST(ARRAY_AGG(DISTINCT x)) FROM UNNEST(['a', 'b', 'b']) AS x)", expected: true },
  { fn: ["STRING_AGG"], sql: "(SELECT STRING_AGG(x, ',' ORDER BY x) FROM UNNEST(['b', 'a', 'c']) AS x)", expected: "a,b,c" },
  { fn: ["LOGICAL_AND"], sql: "(SELECT LOGICAL_AND(x > 1) FROM UNNEST([1, 2]) AS x)", expected: false },
  { fn: ["LAG"], sql: "(SELECT MAX(l) FROM (SELECT LAG(x) OVER (ORDER BY x) AS l FROM UNNEST([1, 2, 3]) AS x))", expected: 2 },
  { fn: ["LEAD"], sql: "(SELECT MIN(l) FROM (SELECT LEAD(x) OVER (ORDER BY x) AS l FROM UNNEST([1, 2, 3]) AS x))", expected: 2 },
  { fn: ["FIRST_VALUE"], sql: "(SELECT MIN(f) FROM (SELECT FIRST_VALUE(x) OVER (ORDER BY x DESC) AS f FROM UNNEST([1, 3, 2]) AS x))", expected: 3 },
  { fn: ["RANK"], sql: "(SELECT MAX(r) FROM (SELECT RANK() OVER (ORDER BY x) AS r FROM UNNEST([1, 1, 2]) AS x))", expected: "3" },
  { fn: ["EXCEPT"], sql: "(SELECT a FROM (SELECT * EXCEPT (b) FROM (SELECT 1 AS a, 2 AS b)))", expected: 1 },
];

/** Words followed by "(" in SQL that are syntax, not functions. */
const NOT_FUNCTIONS = new Set(["AS", "IN", "AND", "OR", "NOT", "EXISTS", "OVER", "FROM", "SELECT", "WHERE", "ON", "VALUES", "USING", "WITH", "JOIN", "THEN", "ELSE", "WHEN", "BY", "INTERVAL", "STRUCT", "ARRAY", "ALL", "DISTINCT", "UNION"]);

/**
 * Views are evaluated in the reader's session, and a reader's DuckDB `TimeZone` is whatever their client
 * sets: every case must give BigQuery's result in UTC, east of it and in a zone with daylight saving.
 * (The client renders TIMESTAMP WITH TIME ZONE values in UTC, so a shifted instant shows as a different
 * value whatever the session's zone.)
 */
const SESSION_TIME_ZONES = ["UTC", "Asia/Seoul", "America/New_York"];

describe.each(SESSION_TIME_ZONES)("BigQuery functions behave on DuckDB as BigQuery documents them (session TimeZone %s)", (timeZone) => {
  let warehouse: DuckDbWarehouse;
  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    await warehouse.exec(`SET TimeZone = '${timeZone}'`);
  });
  afterAll(() => warehouse.close());

  it.each(CASES)("$sql", async ({ sql, expected }) => {
    const [row] = await warehouse.query<{ v: unknown }>(translateQuery(`SELECT ${sql} AS v`));
    expect(row.v).toEqual(expected);
  });
});

describe("the dialect conformance cases", () => {
  it("covers every function the project's compiled SQL calls", async () => {
    const graph = await compileProject({ projectDir: REPO_ROOT });
    const queries = [...graph.tables.flatMap((t) => [t.query, t.incrementalQuery ?? ""]), ...graph.assertions.map((a) => a.query), ...graph.operations.flatMap((o) => o.queries)];
    const used = new Set<string>();
    for (const query of queries) {
      for (const segment of segmentSql(query, "bigquery")) {
        if (segment.kind !== "code") continue;
        for (const match of segment.text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
          const word = match[1].toUpperCase();
          if (!NOT_FUNCTIONS.has(word)) used.add(word);
        }
      }
    }
    const covered = new Set(CASES.flatMap((c) => c.fn));
    // CTE names are followed by "AS (" and so never reach here; anything left must be a covered function.
    expect([...used].filter((fn) => !covered.has(fn)).sort()).toEqual([]);
  });
});
