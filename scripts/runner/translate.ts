import { Dialect, transpile } from "@polyglot-sql/sdk";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RUN_ID_PLACEHOLDER, SAFE_RUN_ID } from "./compiled-graph.ts";
import { FileCache } from "./file-cache.ts";

/**
 * BigQuery SQL -> DuckDB SQL. `@polyglot-sql/sdk` does the translation; this module only fixes what
 * the transpiler leaves or gets wrong for this project:
 *
 * - backticked 2- and 3-part names (`project.dataset.table`) -> DuckDB `"dataset"."table"`: the BigQuery
 *   dataset is the DuckDB schema and the project is dropped;
 * - exact money: bare NUMERIC becomes DuckDB's DECIMAL(18,3) and BIGNUMERIC is left as is, so both become
 *   DECIMAL(38, 9); parameterised NUMERIC(p, s) loses its parameters in the transpiler and is refused;
 * - REGEXP_CONTAINS is emitted as REGEXP_FULL_MATCH (whole-string), which is REGEXP_MATCHES in DuckDB;
 * - DATE_ADD / DATE_SUB / DATE_TRUNC on dates come out as TIMESTAMP arithmetic: they are cast back to DATE;
 * - CONCAT must be NULL when an argument is NULL (DuckDB's CONCAT skips NULLs): it becomes `||`;
 * - aggregates over UNNEST(repeated field) become DuckDB list functions (see below);
 * - BigQuery reads every civil date/time of a TIMESTAMP in UTC, DuckDB in the session's `TimeZone`, and
 *   views are evaluated in the reader's session: every construct that makes an instant from a civil
 *   value or a civil value from an instant is made explicit about UTC (see "Time zones" below), so a
 *   reader in Asia/Seoul or America/New_York gets the instants and dates BigQuery gives.
 * JSON_VALUE comes out as `->` (quoted JSON), so the project's SQL reads JSON with JSON_EXTRACT_SCALAR.
 * BigQuery `\'` escapes, PARTITION BY / CLUSTER BY / OPTIONS in DDL are handled by the transpiler and
 * covered by tests.
 */
export class TranslationError extends Error {
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(message);
    this.name = "TranslationError";
  }
}

export const EXACT_DECIMAL = "DECIMAL(38, 9)";

type Segment = { kind: "code" | "string" | "identifier" | "comment"; text: string };

/** Splits SQL into code, literals, quoted identifiers and comments so rewrites only touch code. */
export function segmentSql(sql: string, dialect: "bigquery" | "duckdb"): Segment[] {
  const segments: Segment[] = [];
  let code = "";
  let i = 0;
  const flush = () => {
    if (code) segments.push({ kind: "code", text: code });
    code = "";
  };
  const readQuoted = (quote: string, backslashEscapes: boolean): string => {
    const triple = dialect === "bigquery" && sql.startsWith(quote.repeat(3), i) ? quote.repeat(3) : quote;
    let j = i + triple.length;
    while (j < sql.length) {
      if (backslashEscapes && sql[j] === "\\") {
        j += 2;
        continue;
      }
      if (sql.startsWith(triple, j)) {
        if (!backslashEscapes && triple.length === 1 && sql[j + 1] === quote) {
          j += 2;
          continue;
        }
        return sql.slice(i, j + triple.length);
      }
      j++;
    }
    return sql.slice(i);
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    let piece: Segment | undefined;
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      piece = { kind: "comment", text: sql.slice(i, end === -1 ? sql.length : end) };
    } else if (ch === "#" && dialect === "bigquery") {
      const end = sql.indexOf("\n", i);
      piece = { kind: "comment", text: sql.slice(i, end === -1 ? sql.length : end) };
    } else if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      piece = { kind: "comment", text: sql.slice(i, end === -1 ? sql.length : end + 2) };
    } else if (ch === "'") {
      piece = { kind: "string", text: readQuoted("'", dialect === "bigquery") };
    } else if (ch === '"') {
      piece =
        dialect === "bigquery"
          ? { kind: "string", text: readQuoted('"', true) }
          : { kind: "identifier", text: readQuoted('"', false) };
    } else if (ch === "`" && dialect === "bigquery") {
      piece = { kind: "identifier", text: readQuoted("`", false) };
    }
    if (piece) {
      flush();
      segments.push(piece);
      i += piece.text.length;
    } else {
      code += ch;
      i++;
    }
  }
  flush();
  return segments;
}

function mapCode(sql: string, dialect: "bigquery" | "duckdb", fn: (code: string) => string): string {
  return segmentSql(sql, dialect)
    .map((s) => (s.kind === "code" ? fn(s.text) : s.text))
    .join("");
}

/** `project.dataset.table` or `dataset.table` in backticks -> `dataset`.`table` (dataset = DuckDB schema). */
export function rewriteBacktickNames(sql: string): string {
  const segments = segmentSql(sql, "bigquery");
  return segments
    .map((s, i) => {
      if (s.kind !== "identifier" || !s.text.startsWith("`")) return s.text;
      const parts = s.text.slice(1, -1).split(".");
      if (parts.length === 1) return s.text;
      // After SCHEMA the name is `project.dataset`: the dataset alone is the DuckDB schema.
      const namesSchema = i > 0 && /\bSCHEMA\s+(IF\s+(NOT\s+)?EXISTS\s+)?$/i.test(segments[i - 1].text);
      return parts
        .slice(namesSchema ? -1 : -2)
        .map((p) => `\`${p}\``)
        .join(".");
    })
    .join("");
}

/**
 * Rewrites calls of the named functions (outside literals and comments). `rewrite` receives the
 * function name as written, its top-level arguments (already rewritten) and returns the replacement.
 */
export function rewriteCalls(
  sql: string,
  dialect: "bigquery" | "duckdb",
  names: string[],
  rewrite: (name: string, args: string[]) => string,
): string {
  const code: boolean[] = [];
  for (const segment of segmentSql(sql, dialect)) for (const _ of segment.text) code.push(segment.kind === "code");
  const pattern = new RegExp(`\\b(${names.join("|")})\\s*\\(`, "gi");
  let out = "";
  let last = 0;
  for (let match = pattern.exec(sql); match; match = pattern.exec(sql)) {
    const start = match.index;
    if (!code[start] || (start > 0 && /[.\w]/.test(sql[start - 1]))) continue;
    const args: string[] = [];
    let depth = 0;
    let argStart = start + match[0].length;
    let end = -1;
    for (let i = argStart; i < sql.length; i++) {
      if (!code[i]) continue;
      const ch = sql[i];
      if (ch === "(") depth++;
      else if (ch === ")" && depth > 0) depth--;
      else if (ch === ")" || (ch === "," && depth === 0)) {
        args.push(sql.slice(argStart, i));
        argStart = i + 1;
        if (ch === ")") {
          end = i;
          break;
        }
      }
    }
    if (end === -1) continue;
    out += sql.slice(last, start) + rewrite(match[1], args.map((a) => rewriteCalls(a, dialect, names, rewrite)));
    last = end + 1;
    pattern.lastIndex = end + 1;
  }
  return out + sql.slice(last);
}

/** The argument of `text` when it is exactly one call `name(argument)`, parentheses balanced. */
function soleCallArgument(text: string, name: string): string | undefined {
  const trimmed = text.trim();
  const open = new RegExp(`^${name}\\s*\\(`, "i").exec(trimmed);
  if (!open || !trimmed.endsWith(")")) return undefined;
  const inner = trimmed.slice(open[0].length, -1);
  let depth = 0;
  for (const ch of inner) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return undefined;
    else if (ch === "," && depth === 0) return undefined;
  }
  return depth === 0 ? inner : undefined;
}

/**
 * BigQuery's `TO_HEX(SHA256(x))` (a hex digest) comes out as `LOWER(HEX(UNHEX(SHA256(x))))`, since
 * BigQuery's SHA256 returns bytes and DuckDB's the lower-case hex digest already: keep DuckDB's.
 */
function hexDigests(sql: string): string {
  return rewriteCalls(sql, "duckdb", ["LOWER"], (name, args) => {
    const hex = args.length === 1 ? soleCallArgument(args[0], "HEX") : undefined;
    const unhex = hex === undefined ? undefined : soleCallArgument(hex, "UNHEX");
    const digest = unhex === undefined ? undefined : soleCallArgument(unhex, "SHA256");
    return digest === undefined ? `${name}(${args.join(",")})` : `SHA256(${digest})`;
  });
}

const JSON_SCALAR = "RBW_JSON_SCALAR";

/**
 * BigQuery's JSON_VALUE / JSON_EXTRACT_SCALAR return a scalar as text and NULL for an object or an array;
 * DuckDB's `->>` returns any value as text and `->` returns JSON: both go through one placeholder.
 */
function jsonScalarsBeforeTranspile(sql: string): string {
  return rewriteCalls(sql, "bigquery", ["JSON_VALUE", "JSON_EXTRACT_SCALAR"], (_name, args) => `${JSON_SCALAR}(${args.join(",")})`);
}

function expandJsonScalars(sql: string): string {
  return rewriteCalls(sql, "duckdb", [JSON_SCALAR], (_name, args) => {
    const [json, path = "'$'"] = args.map((a) => a.trim());
    return `CASE WHEN json_type(${json}, ${path}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(${json}, ${path}) END`;
  });
}

const NUMERIC_DIVIDE = "RBW_NUMERIC_DIVIDE";

/** `text` with literals, comments and everything inside parentheses blanked: its top-level code, or undefined when unbalanced. */
function topLevelCode(text: string): string | undefined {
  let out = "";
  let depth = 0;
  for (const segment of segmentSql(text, "bigquery")) {
    if (segment.kind !== "code") {
      out += " ".repeat(segment.text.length);
      continue;
    }
    for (const ch of segment.text) {
      if (ch === ")" && --depth < 0) return undefined;
      out += depth === 0 ? ch : " ";
      if (ch === "(") depth++;
    }
  }
  return depth === 0 ? out : undefined;
}

const WORD_OPERATOR = /\b(AND|OR|NOT|IS|IN|LIKE|BETWEEN|CASE|WHEN|THEN|ELSE|END)\b/i;

/**
 * `CAST(x / y AS NUMERIC)` is BigQuery's exact NUMERIC division (rounded half away from zero to 9
 * decimals); DuckDB divides DECIMALs through a DOUBLE, which loses digits beyond ~16. It goes through a
 * placeholder, expanded after the transpiler into integer arithmetic on the unscaled values. Only a
 * division of two operands is rewritten: the divisor a single term, the dividend terms joined by `*`.
 */
function exactNumericDivisionBeforeTranspile(sql: string): string {
  return rewriteCalls(sql, "bigquery", ["CAST"], (name, args) => {
    const unchanged = `${name}(${args.join(",")})`;
    const asNumeric = args.length === 1 ? /^([\s\S]*?)\s+AS\s+NUMERIC\s*$/i.exec(args[0]) : null;
    const top = asNumeric ? topLevelCode(asNumeric[1]) : undefined;
    if (!asNumeric || top === undefined || top.split("/").length !== 2) return unchanged;
    const slash = top.indexOf("/");
    const [dividend, divisor] = [asNumeric[1].slice(0, slash).trim(), asNumeric[1].slice(slash + 1).trim()];
    const [dividendTop, divisorTop] = [top.slice(0, slash).trim().replace(/^-/, ""), top.slice(slash + 1).trim().replace(/^-/, "")];
    const oneTerm = !/[-+*%|<>=!]/.test(divisorTop) && !WORD_OPERATOR.test(divisorTop);
    const product = !/[-+%|<>=!]/.test(dividendTop) && !WORD_OPERATOR.test(dividendTop);
    return dividend && divisor && oneTerm && product ? `${NUMERIC_DIVIDE}(${dividend}, ${divisor})` : unchanged;
  });
}

function expandNumericDivisions(sql: string): string {
  return rewriteCalls(sql, "duckdb", [NUMERIC_DIVIDE], (_name, [dividend, divisor]) => {
    const unscaled = (x: string) => `CAST(replace(CAST(CAST(${x.trim()} AS ${EXACT_DECIMAL}) AS VARCHAR), '.', '') AS HUGEINT)`;
    const [a, b] = [unscaled(dividend), unscaled(divisor)];
    const scaledQuotient = `(abs(${a}) // abs(${b}) * 1000000000 + (abs(${a}) % abs(${b}) * 10000000000 // abs(${b}) + 5) // 10)`;
    return `CASE WHEN ${b} = 0 THEN error('division by zero: ' || CAST(${dividend.trim()} AS VARCHAR) || ' / 0') ELSE CAST(CAST(sign(${a}) * sign(${b}) * ${scaledQuotient} AS DECIMAL(38, 0)) * CAST('0.000000001' AS DECIMAL(10, 9)) AS ${EXACT_DECIMAL}) END`;
  });
}

/** BigQuery DATE_ADD / DATE_SUB / DATE_TRUNC return DATE; DuckDB's date arithmetic returns TIMESTAMP. */
function keepDateFunctionsDates(sql: string): string {
  return rewriteCalls(sql, "bigquery", ["DATE_ADD", "DATE_SUB", "DATE_TRUNC"], (name, args) => `DATE(${name}(${args.join(",")}))`);
}

/** BigQuery's REGEXP_REPLACE replaces every match; DuckDB's only the first unless given the `g` option. */
function replaceEveryMatch(sql: string): string {
  return rewriteCalls(sql, "duckdb", ["REGEXP_REPLACE"], (name, args) => `${name}(${[...args, ...(args.length === 3 ? [" 'g'"] : [])].join(",")})`);
}

/** BigQuery CONCAT is NULL when any argument is NULL, like DuckDB's `||` (DuckDB's CONCAT skips NULLs). */
function nullPropagatingConcat(sql: string): string {
  return rewriteCalls(sql, "duckdb", ["CONCAT"], (_name, args) => `(${args.map((a) => a.trim()).join(" || ")})`);
}

/**
 * `(SELECT SUM(c.amount) FROM UNNEST(credits) AS c [WHERE ...])`, BigQuery's idiom for aggregating a
 * repeated field, is a correlated subquery in DuckDB that scans the whole table and blocks filter
 * pushdown. DuckDB's list functions compute the same per row: SUM/MIN/MAX of nothing stay NULL and
 * COUNT(*) of nothing stays 0.
 */
const ARRAY_AGGREGATE =
  /\(SELECT (SUM|MIN|MAX|COUNT)\((\*|(\w+)\.(\w+))\) FROM UNNEST\(([\w.]+)\) AS _t\d+\((\w+)\)(?: WHERE ([^()]+?))?\)/g;

export function arrayAggregatesAsListFunctions(sql: string): string {
  return sql.replace(ARRAY_AGGREGATE, (whole, fn: string, arg: string, argAlias: string | undefined, field: string | undefined, array: string, alias: string, where: string | undefined) => {
    if (argAlias !== undefined && argAlias !== alias) return whole;
    const list = where ? `list_filter(${array}, ${alias} -> ${where})` : array;
    if (fn === "COUNT") return arg === "*" ? `COALESCE(len(${list}), 0)` : whole;
    if (arg === "*") return whole;
    const values = `list_transform(${list}, ${alias} -> ${alias}.${field})`;
    return `list_${fn.toLowerCase()}(${values})`;
  });
}

/*
 * Time zones. The transpiler's output is correct only in a UTC session: `TIMESTAMP(date)` and
 * `TIMESTAMP 'civil literal'` become `CAST(x AS TIMESTAMPTZ)` (midnight in the session's zone),
 * `CAST(x AS TIMESTAMP)` becomes DuckDB's zoneless TIMESTAMP (compared and cast in the session's zone),
 * `DATE(ts)`, `DATETIME(ts)`, `EXTRACT(part FROM ts)`, `TIMESTAMP_TRUNC` and `FORMAT_TIMESTAMP` read the
 * session's calendar, `CAST(ts AS STRING)` writes the session's offset (and so changes line hashes), `DATE(ts, zone)` and `FORMAT_TIMESTAMP(..., zone)` do not run at all, and
 * `TIMESTAMP_ADD(ts, INTERVAL n DAY)` adds calendar days in the session's zone (23 or 25 hours across a
 * daylight-saving change) where BigQuery adds 24 hours.
 *
 * The layer is type-blind (BigQuery `TIMESTAMP(x)` takes a DATE, a DATETIME or a STRING), so before
 * transpiling those constructs are rewritten into placeholder calls the transpiler passes through, and
 * after it the placeholders become DuckDB expressions that dispatch on `typeof(x)`. DuckDB folds
 * `typeof` at bind time, so only the branch for the argument's type is evaluated; every branch casts
 * explicitly so that it binds for any argument type. String literals are resolved here instead: a
 * literal without a zone gets `+00`, which is what BigQuery assumes.
 */
const UTC_TIMESTAMP = "RBW_UTC_TIMESTAMP";
const UTC_TIMESTAMP_SAFE = "RBW_UTC_TIMESTAMP_SAFE";
const UTC_DATETIME = "RBW_UTC_DATETIME";
const UTC_DATE = "RBW_UTC_DATE";
const UTC_STRING = "RBW_UTC_STRING";
const ZONE_DATETIME = "RBW_ZONE_DATETIME";
/** Wraps results this layer knows to be civil (zoneless) times: no dispatch on the type is needed. */
const UTC_CIVIL_INSTANT = "RBW_UTC_CIVIL_INSTANT";

/** A time of day followed by a zone (`Z`, an offset or a name), as BigQuery's timestamp strings write it. */
const ZONE_AFTER_TIME = "\\d:\\d\\d(:\\d\\d(\\.\\d*)?)?\\s*([zZ]|[+-]\\d|[A-Za-z])";
const HAS_ZONE = new RegExp(ZONE_AFTER_TIME);

/** The one string literal an argument consists of, or undefined when it is an expression. */
function stringLiteral(arg: string): { quote: string; body: string } | undefined {
  const parts = segmentSql(arg.trim(), "bigquery");
  if (parts.length !== 1 || parts[0].kind !== "string") return undefined;
  const text = parts[0].text;
  const quote = /^('''|"""|'|")/.exec(text)?.[1] ?? "'";
  return { quote, body: text.slice(quote.length, text.length - quote.length) };
}

/** A BigQuery timestamp string as an explicit UTC TIMESTAMP literal (unchanged when it names its zone). */
function utcTimestampLiteral(literal: { quote: string; body: string }): string {
  const { quote, body } = literal;
  if (HAS_ZONE.test(body)) return `TIMESTAMP ${quote}${body}${quote}`;
  const time = /\d:\d\d/.test(body) ? "" : " 00:00:00";
  return `TIMESTAMP ${quote}${body.trimEnd()}${time}+00${quote}`;
}

const CAST_TO = /^([\s\S]*\S)\s+AS\s+(TIMESTAMP|DATETIME|DATE|STRING)\s*$/i;
const EXTRACT_FROM = /^\s*(\w+(?:\s*\(\s*\w+\s*\))?)\s+FROM\s+([\s\S]+)$/i;

/** BigQuery SQL in, BigQuery SQL with the time-zone-sensitive constructs as placeholders out. */
export function explicitUtcBeforeTranspile(sql: string): string {
  const literalsDone = segmentSql(sql, "bigquery")
    .map((s, i, all) => {
      // `TIMESTAMP 'civil literal'`: the keyword is the end of the code segment before the string.
      if (s.kind !== "string" || i === 0 || !/(?<![.\w])TIMESTAMP\s*$/i.test(all[i - 1].text)) return s.text;
      return utcTimestampLiteral(stringLiteral(s.text) ?? { quote: "'", body: s.text.slice(1, -1) }).slice("TIMESTAMP ".length);
    })
    .join("");
  const names = ["TIMESTAMP", "DATETIME", "DATE", "STRING", "CAST", "SAFE_CAST", "EXTRACT", "TIMESTAMP_TRUNC", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "FORMAT_TIMESTAMP"];
  return rewriteCalls(literalsDone, "bigquery", names, (name, args) => {
    const call = `${name}(${args.join(",")})`;
    const [x, second, third] = args;
    const literal = args.length === 1 ? stringLiteral(x) : undefined;
    switch (name.toUpperCase()) {
      case "TIMESTAMP":
        if (args.length !== 1) return call; // TIMESTAMP(x, zone) is already explicit about its zone.
        return literal ? utcTimestampLiteral(literal) : `${UTC_TIMESTAMP}(${x})`;
      case "DATETIME":
        if (args.length === 2) return `${ZONE_DATETIME}(${x},${second})`;
        return args.length === 1 && !literal ? `${UTC_DATETIME}(${x})` : call;
      case "STRING":
        return args.length === 1 && !literal ? `${UTC_STRING}(${x})` : call;
      case "DATE":
        if (args.length === 2) return `DATE(${ZONE_DATETIME}(${x},${second}))`;
        return args.length === 1 && !literal ? `${UTC_DATE}(${x})` : call;
      case "CAST":
      case "SAFE_CAST": {
        const cast = args.length === 1 ? CAST_TO.exec(x) : null;
        if (!cast) return call;
        const [, value, type] = cast;
        const target = type.toUpperCase();
        const safe = name.toUpperCase() === "SAFE_CAST";
        const valueLiteral = stringLiteral(value);
        const isNull = /^\s*NULL\s*$/i.test(value);
        if (target === "TIMESTAMP") {
          // The transpiler types even a NULL TIMESTAMP as DuckDB's zoneless TIMESTAMP.
          if (isNull) return `${UTC_CIVIL_INSTANT}(CAST(NULL AS DATETIME))`;
          if (valueLiteral && !safe) return utcTimestampLiteral(valueLiteral);
          return `${safe ? UTC_TIMESTAMP_SAFE : UTC_TIMESTAMP}(${value})`;
        }
        // Literals and NULL carry no zone; SAFE_CAST to these types is a parse of a string.
        if (safe || valueLiteral || isNull) return call;
        const placeholder = { DATE: UTC_DATE, DATETIME: UTC_DATETIME, STRING: UTC_STRING }[target] ?? UTC_DATETIME;
        return `${placeholder}(${value})`;
      }
      case "EXTRACT": {
        const extract = args.length === 1 ? EXTRACT_FROM.exec(x) : null;
        if (!extract) return call;
        const [, part, source] = extract;
        // `FROM ts AT TIME ZONE z`: the transpiler reads a TIMESTAMP literal there as a DATETIME.
        const zoned = /^([\s\S]+?)\s+AT\s+TIME\s+ZONE\s+([\s\S]+)$/i.exec(source);
        const civil = zoned ? `${ZONE_DATETIME}(${zoned[1]},${zoned[2]})` : `${UTC_DATETIME}(${source})`;
        if (part.toUpperCase() === "DATE") return zoned ? `DATE(${civil})` : `${UTC_DATE}(${source})`;
        return `EXTRACT(${part} FROM ${civil})`;
      }
      case "TIMESTAMP_TRUNC":
        if (args.length !== 2) return call; // with a zone argument the transpiler's AT TIME ZONE pair is exact
        return `${UTC_CIVIL_INSTANT}(DATETIME_TRUNC(${UTC_DATETIME}(${x}),${second}))`;
      case "TIMESTAMP_ADD":
      case "TIMESTAMP_SUB": {
        if (args.length !== 2) return call;
        const fn = name.toUpperCase() === "TIMESTAMP_ADD" ? "DATETIME_ADD" : "DATETIME_SUB";
        // BigQuery's DAY is 24 hours: adding to the UTC civil time never meets a daylight-saving change.
        return `${UTC_CIVIL_INSTANT}(${fn}(${UTC_DATETIME}(${x}),${second}))`;
      }
      case "FORMAT_TIMESTAMP":
        if (args.length === 2) return `FORMAT_DATETIME(${x},${UTC_DATETIME}(${second}))`;
        if (args.length === 3) return `FORMAT_DATETIME(${x},${ZONE_DATETIME}(${second},${third}))`;
        return call;
      default:
        return call;
    }
  });
}

const IS_INSTANT = (x: string) => `typeof(${x}) = 'TIMESTAMP WITH TIME ZONE'`;

/**
 * A query parameter (`?`, `$1`, `@name`) may appear once only (positional parameters are counted), and the
 * clients bind dates and times as text: it takes the branch for a value that is not an instant.
 */
const IS_PARAMETER = /^(\?|\$\d+|@\w+)$/;

/** DuckDB SQL in, the placeholders of explicitUtcBeforeTranspile expanded into UTC-explicit DuckDB out. */
export function expandUtcPlaceholders(sql: string): string {
  const names = [UTC_TIMESTAMP_SAFE, UTC_TIMESTAMP, UTC_DATETIME, UTC_DATE, UTC_STRING, ZONE_DATETIME, UTC_CIVIL_INSTANT];
  return rewriteCalls(sql, "duckdb", names, (name, args) => {
    const x = args[0].trim();
    if (IS_PARAMETER.test(x)) {
      switch (name.toUpperCase()) {
        case UTC_TIMESTAMP:
          return `timezone('UTC', CAST(${x} AS TIMESTAMP))`;
        case UTC_TIMESTAMP_SAFE:
          return `timezone('UTC', TRY_CAST(${x} AS TIMESTAMP))`;
        case UTC_DATETIME:
          return `CAST(${x} AS TIMESTAMP)`;
        case UTC_DATE:
          return `CAST(${x} AS DATE)`;
        case UTC_STRING:
          return `CAST(${x} AS VARCHAR)`;
      }
    }
    switch (name.toUpperCase()) {
      case UTC_TIMESTAMP:
      case UTC_TIMESTAMP_SAFE: {
        const cast = name.toUpperCase() === UTC_TIMESTAMP ? "CAST" : "TRY_CAST";
        // An instant stays itself; a string that names its zone is read in it; a DATE, a DATETIME or a
        // string without zone is civil time in UTC.
        const zoned = `${IS_INSTANT(x)} OR (typeof(${x}) = 'VARCHAR' AND regexp_matches(CAST(${x} AS VARCHAR), '${ZONE_AFTER_TIME}'))`;
        return `CASE WHEN ${zoned} THEN ${cast}(${x} AS TIMESTAMPTZ) ELSE timezone('UTC', ${cast}(${x} AS TIMESTAMP)) END`;
      }
      case UTC_DATETIME:
        return `CASE WHEN ${IS_INSTANT(x)} THEN timezone('UTC', CAST(${x} AS TIMESTAMPTZ)) ELSE CAST(${x} AS TIMESTAMP) END`;
      case UTC_DATE:
        return `CASE WHEN ${IS_INSTANT(x)} THEN CAST(timezone('UTC', CAST(${x} AS TIMESTAMPTZ)) AS DATE) ELSE CAST(${x} AS DATE) END`;
      case UTC_STRING:
        // BigQuery writes an instant in UTC with a `+00` suffix, as a DuckDB session in UTC does.
        return `CASE WHEN ${IS_INSTANT(x)} THEN CAST(timezone('UTC', CAST(${x} AS TIMESTAMPTZ)) AS VARCHAR) || '+00' ELSE CAST(${x} AS VARCHAR) END`;
      case UTC_CIVIL_INSTANT:
        return `timezone('UTC', ${x})`;
      case ZONE_DATETIME:
        return `timezone(${args[1].trim()}, CAST(${x} AS TIMESTAMPTZ))`;
      default:
        return `${name}(${args.join(",")})`;
    }
  });
}

const PARAMETERISED_NUMERIC = /\b(BIG)?(NUMERIC|DECIMAL)\s*\(\s*\d+/i;

function refuseParameterisedNumeric(sql: string): void {
  for (const s of segmentSql(sql, "bigquery")) {
    if (s.kind === "code" && PARAMETERISED_NUMERIC.test(s.text)) {
      throw new TranslationError(
        "Parameterised NUMERIC(p, s) is not translated exactly to DuckDB; use NUMERIC with ROUND(...) instead.",
        sql,
      );
    }
  }
}

/** Post-transpile fixes, applied to DuckDB SQL code segments only. */
export function fixDuckDbOutput(sql: string): string {
  return mapCode(sql, "duckdb", (code) =>
    code
      .replace(/(?<![.\w])(BIGNUMERIC|BIGDECIMAL)\b/gi, EXACT_DECIMAL)
      .replace(/(?<![.\w])DECIMAL\b(?!\s*\()/g, EXACT_DECIMAL)
      // The transpiler writes NUMERIC inside ROUND as DuckDB's default DECIMAL(18, 3); BigQuery has no
      // parameterised NUMERIC here (refused above), so every DECIMAL(18, 3) is that default.
      .replace(/(?<![.\w])DECIMAL\s*\(\s*18\s*,\s*3\s*\)/g, EXACT_DECIMAL)
      .replace(/\bREGEXP_FULL_MATCH\s*\(/g, "REGEXP_MATCHES("),
  );
}

const cache = new Map<string, string[]>();

/**
 * Translations are kept on disk too, by the SQL and the translator (this file and the transpiler's
 * version), so a new process does not translate an unchanged project again (a large model takes the
 * transpiler a second or two). `RBW_CACHE_DIR` moves the folder (default: the system's temp folder);
 * `RBW_CACHE_DIR=off` turns it off.
 */
const translationCache = (() => {
  const base = process.env.RBW_CACHE_DIR ?? join(tmpdir(), "rbw-cache");
  if (base === "off") return undefined;
  const entry = createRequire(import.meta.url).resolve("@polyglot-sql/sdk");
  const transpiler = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  const translator = FileCache.key(readFileSync(fileURLToPath(import.meta.url), "utf8"), transpiler.version);
  return new FileCache(join(base, "translate", translator), 5000);
})();

/** The folder translations are kept in, undefined when the disk cache is off. */
export function translationCacheDir(): string | undefined {
  return translationCache?.dir;
}

/**
 * Translates one BigQuery script (one or more statements) into DuckDB statements. `runId`, when given, is
 * the run's id quoted into the SQL: it is translated as a placeholder, so the translation of a model is
 * kept across runs.
 */
export function translateBigQueryToDuckDb(sql: string, runId?: string): string[] {
  if (runId && SAFE_RUN_ID.test(runId) && sql.includes(runId)) {
    return translateBigQueryToDuckDb(sql.replaceAll(runId, RUN_ID_PLACEHOLDER)).map((s) => s.replaceAll(RUN_ID_PLACEHOLDER, runId));
  }
  const cached = cache.get(sql);
  if (cached) return cached;
  if (!sql.trim()) return [];
  const key = translationCache && FileCache.key(sql);
  const kept = key ? translationCache?.read(key) : undefined;
  if (kept !== undefined) {
    const statements = JSON.parse(kept) as string[];
    cache.set(sql, statements);
    return statements;
  }
  refuseParameterisedNumeric(sql);
  const renamed = exactNumericDivisionBeforeTranspile(jsonScalarsBeforeTranspile(keepDateFunctionsDates(explicitUtcBeforeTranspile(rewriteBacktickNames(sql)))));
  const result = transpile(renamed, Dialect.BigQuery, Dialect.DuckDB);
  if (!result.success || !result.sql) {
    throw new TranslationError(`The SQL could not be translated to DuckDB: ${result.error ?? "unknown error"}`, sql);
  }
  const statements = result.sql
    .map((s) => expandNumericDivisions(expandJsonScalars(expandUtcPlaceholders(arrayAggregatesAsListFunctions(replaceEveryMatch(nullPropagatingConcat(hexDigests(fixDuckDbOutput(s)))))))))
    .filter((s) => s.trim().length > 0);
  cache.set(sql, statements);
  if (key) translationCache?.write(key, JSON.stringify(statements));
  return statements;
}

/** Translates a single query (a SELECT); refuses scripts with several statements. */
export function translateQuery(sql: string, runId?: string): string {
  const statements = translateBigQueryToDuckDb(sql, runId);
  if (statements.length !== 1) {
    throw new TranslationError(`Expected one query, found ${statements.length} statements.`, sql);
  }
  return statements[0];
}

/** Splits a BigQuery script into statements on top-level semicolons. */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let current = "";
  for (const segment of segmentSql(script, "bigquery")) {
    if (segment.kind !== "code") {
      current += segment.text;
      continue;
    }
    const pieces = segment.text.split(";");
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  }
  statements.push(current);
  return statements.filter((s) => segmentSql(s, "bigquery").some((p) => p.kind === "code" && p.text.trim() !== ""));
}

export interface Declaration {
  name: string;
  type?: string;
  expression: string;
}

const DECLARE = /^\s*DECLARE\s+([A-Za-z_]\w*)(?:\s+(?!DEFAULT\b)(\w+(?:<[^>]*>)?))?\s+DEFAULT\s+([\s\S]+?)\s*$/i;

/** `DECLARE name [type] DEFAULT expr` (BigQuery scripting), or undefined for any other statement. */
export function parseDeclare(statement: string): Declaration | undefined {
  const withoutComments = segmentSql(statement, "bigquery")
    .filter((s) => s.kind !== "comment")
    .map((s) => s.text)
    .join("");
  const m = DECLARE.exec(withoutComments);
  return m ? { name: m[1], type: m[2], expression: m[3] } : undefined;
}

/** Replaces bare references to script variables (by default with DuckDB's GETVARIABLE('name')). */
export function replaceScriptVariables(
  sql: string,
  names: Iterable<string>,
  replacement: (name: string) => string = (name) => `GETVARIABLE('${name}')`,
): string {
  const list = [...names];
  if (list.length === 0) return sql;
  const pattern = new RegExp(`(?<![.\\w])(${list.join("|")})\\b(?!\\s*\\()`, "g");
  return mapCode(sql, "bigquery", (code) => code.replace(pattern, (name) => replacement(name)));
}

/**
 * Translates the scripts of one action (pre-operations, query, post-operations), which share BigQuery
 * script variables: `DECLARE x DEFAULT (...)` becomes DuckDB `SET VARIABLE x = (...)` and later uses of
 * `x` read it with GETVARIABLE. A constant checkpoint like this is what lets both engines prune.
 */
export class ScriptScope {
  private readonly variables = new Set<string>();

  /** `runId`: the run's id as quoted into the SQL, see translateBigQueryToDuckDb. */
  constructor(private readonly runId?: string) {}

  script(sql: string): string[] {
    const out: string[] = [];
    for (const statement of splitStatements(sql)) {
      const declared = parseDeclare(statement);
      if (!declared) {
        out.push(...translateBigQueryToDuckDb(replaceScriptVariables(statement, this.variables), this.runId));
        continue;
      }
      const value = declared.type ? `CAST(${declared.expression} AS ${declared.type})` : declared.expression;
      out.push(`SET VARIABLE ${declared.name} = (${this.query(`SELECT ${value} AS value`)})`);
      this.variables.add(declared.name);
    }
    return out;
  }

  scripts(sqls: string[]): string[] {
    return sqls.flatMap((sql) => this.script(sql));
  }

  query(sql: string): string {
    return translateQuery(replaceScriptVariables(sql, this.variables), this.runId);
  }
}
