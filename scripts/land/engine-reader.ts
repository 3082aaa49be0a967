import { duckDbType, isRecord, type SchemaField } from "../contracts/source-schema.ts";
import { qualified, quoteIdent, quoteLiteral, type DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import type { LandingTarget } from "./stage.ts";

/**
 * Landing through DuckDB's own readers: `read_json` and `read_parquet` parse and type a file's records,
 * and the rules of the record validator (record-validator.ts) are SQL. A file goes this way only when
 * DuckDB's reading is provably the same as the validator's; any file with something else in it (a line
 * that is not a JSON object, a blank line, a field the schema does not know, a value of the wrong kind,
 * a number too long for a double, a value the validator would refuse) is left to the record validator,
 * which lands it row by row and quarantines its bad rows with their line, field and reason.
 *
 * Money stays exact: DuckDB reads a bare JSON number as a double even into a DECIMAL or VARCHAR column
 * (`12345678901234567.123456789` would land as `12345678901234568.244756480`), so every leaf is read as
 * text and cast to its type in SQL, and a file with a bare number of more than 15 significant digits is
 * left to the validator. Numbers written as JSON strings are read exactly.
 */

/** What a raw table declares to be landed by DuckDB's readers. */
export interface EngineLanding {
  /** The vendor's `check`, as a SQL condition on the record's columns (read as text) that holds for every record `check` accepts. */
  valid?: string;
}

/** A new file to land: where it is and its name as users see it (relative to the data folder). */
export interface EngineFile {
  file: string;
  path: string;
}

/**
 * How DuckDB reads a field: text and BOOLEAN as they are, every other scalar as text, checked and cast in
 * SQL (a bare JSON number read as text is the double's shortest spelling, exact for the 15 significant
 * digits the line check allows). Structs and lists keep their shape.
 */
export function readShape(field: SchemaField): string {
  let base: string;
  if (isRecord(field)) base = `STRUCT(${(field.fields ?? []).map((f) => `${quoteIdent(f.name)} ${readShape(f)}`).join(", ")})`;
  else base = ["BOOLEAN", "BOOL"].includes(field.type) ? "BOOLEAN" : "VARCHAR";
  return field.mode === "REPEATED" ? `${base}[]` : base;
}

/**
 * A text leaf cast to its type, by DuckDB's cheapest exact route: NUMERIC through DECIMAL(18, 9) when it
 * fits (tens of times faster than parsing into the 128-bit DECIMAL(38, 9)), UTC timestamps as plain
 * timestamps (the session is UTC; parsing a zone is many times slower).
 */
function castLeaf(field: SchemaField, value: string): string {
  const type = duckDbType({ ...field, mode: "NULLABLE" });
  if (type === "DECIMAL(38, 9)") return `COALESCE(CAST(TRY_CAST(${value} AS DECIMAL(18, 9)) AS ${type}), CAST(${value} AS ${type}))`;
  if (type === "TIMESTAMPTZ") {
    return `CASE WHEN ends_with(${value}, 'Z') THEN CAST(CAST(${value}[:-2] AS TIMESTAMP) AS TIMESTAMPTZ) WHEN ends_with(${value}, ' UTC') THEN CAST(CAST(${value}[:-5] AS TIMESTAMP) AS TIMESTAMPTZ) ELSE CAST(${value} AS TIMESTAMPTZ) END`;
  }
  return `CAST(${value} AS ${type})`;
}

/** A value read as `readShape(field)` converted to the raw table's type, field by field (cheaper for DuckDB than casting a whole struct). */
function convert(field: SchemaField, value: string, depth = 0): string {
  if (readShape(field) === duckDbType(field)) return value;
  const one = (v: string) =>
    isRecord(field)
      ? `struct_pack(${(field.fields ?? []).map((f) => `${quoteIdent(f.name)} := ${convert(f, `${v}.${quoteIdent(f.name)}`, depth + 1)}`).join(", ")})`
      : castLeaf(field, v);
  if (field.mode === "REPEATED") return `list_transform(${value}, lambda c${depth}: ${one(`c${depth}`)})`;
  return isRecord(field) ? `CASE WHEN ${value} IS NULL THEN NULL ELSE ${one(value)} END` : one(value);
}

/**
 * The format a scalar leaf read as text must have to be cast to its DuckDB type exactly as the validator
 * reads it (a value that has the format but no cast, 2026-02-30 say, fails the cast, which sends the
 * file to the validator), or undefined when any value will do.
 */
function leafCondition(field: SchemaField, value: string): string | undefined {
  switch (field.type) {
    // NUMERIC text is kept to plain decimals of at most 29 + 9 digits by the line check.
    case "STRING":
    case "NUMERIC":
    case "BIGNUMERIC":
    case "BOOLEAN":
    case "BOOL":
      return undefined;
    case "FLOAT":
    case "FLOAT64":
      return `regexp_full_match(${value}, '-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?')`;
    case "INTEGER":
    case "INT64":
      return `regexp_full_match(${value}, '-?[0-9]{1,18}')`;
    case "TIMESTAMP":
      return `regexp_full_match(${value}, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z| UTC|[+-][0-9]{2}(:[0-9]{2})?)?')`;
    case "DATE":
      return `regexp_full_match(${value}, '[0-9]{4}-[0-9]{2}-[0-9]{2}')`;
    default:
      return "FALSE";
  }
}

const all = (conditions: string[]) => (conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : `(${conditions.join(" AND ")})`);

/**
 * A SQL condition on a value that holds when the validator would accept it and read it as DuckDB did
 * (undefined: always): required values present, no null in a list, nested lists present (the validator
 * reads a missing one as an empty list), and, for values read as text (`typed` false), leaves in the
 * validator's formats.
 */
export function valueCondition(field: SchemaField, value: string, typed: boolean, depth = 0, nested = false): string | undefined {
  const element = `e${depth}`;
  const one = (v: string) =>
    isRecord(field)
      ? all((field.fields ?? []).flatMap((f) => valueCondition(f, `${v}.${quoteIdent(f.name)}`, typed, depth + 1, true) ?? []))
      : typed
        ? undefined
        : leafCondition(field, v);
  if (field.mode === "REPEATED") {
    const inner = one(element);
    const elements = inner ? `COALESCE(list_bool_and(list_transform(${value}, lambda ${element}: ${element} IS NOT NULL AND ${inner})), TRUE)` : `list_count(${value}) = len(${value})`;
    return nested ? `(${value} IS NOT NULL AND ${elements})` : `(${value} IS NULL OR ${elements})`;
  }
  const inner = one(value);
  if (field.mode === "REQUIRED") return inner ? `(${value} IS NOT NULL AND ${inner})` : `${value} IS NOT NULL`;
  return inner ? `(${value} IS NULL OR ${inner})` : undefined;
}

/** A top-level column as read, in its raw-table type (a missing list is an empty one, as the validator reads it). */
function castColumn(field: SchemaField, value: string, typed: boolean): string {
  const cast = typed ? value : convert(field, value);
  return field.mode === "REPEATED" ? `COALESCE(${cast}, [])` : cast;
}

type Kind = "string" | "number" | "boolean" | "object" | "array" | "null";
const KIND_START: Record<Kind, string> = { string: '"', number: "0-9\\-", boolean: "tf", object: "{", array: "\\[", null: "n" };

/**
 * The kinds of JSON value DuckDB reads into a field exactly as the validator does. Only text and BOOLEAN
 * fields need the line check: DuckDB refuses an object or list of the wrong kind, and a value of the
 * wrong kind read as text for any other type fails its check or cast in SQL.
 */
function kindsOf(field: SchemaField): Kind[] | undefined {
  if (field.mode === "REPEATED") return ["array", "null"];
  if (isRecord(field)) return ["object", "null"];
  if (field.type === "BOOLEAN" || field.type === "BOOL") return ["boolean", "null"];
  // A bare number in a text field keeps its digits as written in the validator; DuckDB rewrites it.
  if (field.type === "STRING") return ["string", "null"];
  return ["string", "number", "null"];
}

/** Whether DuckDB would read a value of the wrong kind into the field without an error or a failed check. */
const readsAnyKind = (field: SchemaField) => !isRecord(field) && field.mode !== "REPEATED" && ["STRING", "BOOLEAN", "BOOL"].includes(field.type);

/**
 * A NUMERIC string the validator reads differently from DuckDB: empty, with a character other than digits,
 * a point and a leading minus, a misplaced minus or point, more than 9 decimals or 29 integer digits.
 */
const NOT_PLAIN_DECIMAL = `(?:"|[0-9.-]*[^0-9."-]|[0-9.-]+-|-"|-?\\.|[0-9.-]*\\."|[0-9-]*\\.[0-9-]*\\.|[0-9-]*\\.[0-9]{10}|-?[0-9]{30})`;

/**
 * A regular expression that finds, in a line of JSON, a field holding a kind of value the validator would
 * read differently from DuckDB (a number in a text field, an object where a list belongs, a NUMERIC
 * string DuckDB would round or accept and the validator refuse), or a bare number too long to be read
 * through a double exactly. Field names are matched at any depth, with the kinds allowed at every depth.
 */
export function suspectValuePattern(fields: SchemaField[]): string {
  // A name used at several depths (Google's `location` is a record and a text field in it) allows the
  // kinds of every use; names no text or BOOLEAN field has need no check.
  const kinds = new Map<string, Set<Kind>>();
  const checked = new Set<string>();
  const decimals = new Set<string>();
  const walk = (list: SchemaField[]) => {
    for (const f of list) {
      kinds.set(f.name, new Set([...(kinds.get(f.name) ?? []), ...(kindsOf(f) ?? [])]));
      if (readsAnyKind(f)) checked.add(f.name);
      if (!isRecord(f) && (f.type === "NUMERIC" || f.type === "BIGNUMERIC")) decimals.add(f.name);
      if (f.fields) walk(f.fields);
    }
  };
  walk(fields);
  for (const name of kinds.keys()) if (!checked.has(name)) kinds.delete(name);
  const byForbidden = new Map<string, string[]>();
  for (const [name, allowed] of kinds) {
    const forbidden = (Object.keys(KIND_START) as Kind[]).filter((k) => !allowed.has(k)).map((k) => KIND_START[k]).join("");
    if (forbidden) byForbidden.set(forbidden, [...(byForbidden.get(forbidden) ?? []), name]);
  }
  const wrongKind = [...byForbidden].map(([forbidden, names]) => `"(?:${names.join("|")})":\\s*[${forbidden}]`);
  const oddDecimal = decimals.size > 0 ? [`"(?:${[...decimals].join("|")})":\\s*"${NOT_PLAIN_DECIMAL}`] : [];
  // A bare number of 16 or more digits and points, more than 9 decimals or an exponent: not exact
  // through a double (written without counted runs of digits and points, which DuckDB's RE2 scans slowly).
  const longNumber = "[:\\[,]\\s*-?[0-9][0-9.]*([eE]|[0-9.]{15}|\\.[0-9]{10})";
  return [...wrongKind, ...oddDecimal, longNumber].join("|");
}

/** The raw-table columns of records read as text by `source` (alias `src`), with lineage, or an error for a record the validator must see. */
function insertSelect(target: LandingTarget, engine: EngineLanding, runId: string, loadedAt: string, sourceFile: string, sourceLine: string, typed: boolean): string {
  const checks = [...target.fields.flatMap((f) => valueCondition(f, `src.${quoteIdent(f.name)}`, typed) ?? []), ...(engine.valid ? [`(${engine.valid})`] : [])].join("\n      AND ");
  const columns = target.fields.map((f) => `${castColumn(f, `src.${quoteIdent(f.name)}`, typed)} AS ${quoteIdent(f.name)}`);
  return `SELECT ${columns.join(", ")},
    CAST(NULL AS JSON) AS _extra,
    ${sourceFile} AS _source_file,
    ${checks ? `CASE WHEN ${checks}
      THEN ${sourceLine} ELSE error('rbw: a record for the record validator') END` : sourceLine} AS _source_line,
    ${quoteLiteral(runId)} AS _run_id,
    CAST(${quoteLiteral(loadedAt)} AS TIMESTAMPTZ) AS _loaded_at`;
}

/** A SQL value per file of a multi-file read (its `filename` column, alias `src`). */
function byFile<F extends EngineFile>(files: F[], value: (file: F) => string): string {
  return `CASE src.filename ${files.map((f) => `WHEN ${quoteLiteral(f.file)} THEN ${value(f)}`).join(" ")} END`;
}

const LINES = (list: string) =>
  `read_csv([${list}], columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, filename = true)`;

/**
 * Checks newline-delimited JSON files line by line in one scan: every line is a JSON object with only the
 * schema's fields, no value of a kind the validator reads differently, no blank line (line numbers are
 * record numbers). Returns the number of lines of each file that passes; files missing from it do not.
 */
async function cleanJsonLineFiles(warehouse: DuckDbWarehouse, fields: SchemaField[], files: EngineFile[]): Promise<Map<string, number>> {
  const list = files.map((f) => quoteLiteral(f.file)).join(", ");
  const known = `[${fields.map((f) => quoteLiteral(f.name)).join(", ")}]`;
  const rows = await warehouse.query<{ filename: string; lines: string; clean: boolean }>(
    `SELECT filename, COUNT(*)::VARCHAR AS lines, bool_and(clean) AS clean FROM (
       SELECT filename,
         line IS NOT NULL AND NOT ends_with(line, chr(13)) AND valid
           AND list_has_all(${known}, json_keys(CASE WHEN valid THEN line END))
           AND NOT regexp_matches(line, ${quoteLiteral(suspectValuePattern(fields))}) AS clean
       FROM (SELECT filename, line, json_valid(line) AND starts_with(line, '{') AS valid FROM ${LINES(list)})
     ) GROUP BY filename`,
  );
  return new Map(rows.filter((r) => r.clean).map((r) => [r.filename, Number(r.lines)]));
}

/**
 * The batch of newline-delimited JSON files (gzipped or not) is read into a temporary table first, in a
 * transaction of its own: DuckDB keeps the files' record order in the row ids of a committed table,
 * which then number the lines, and the casts and checks run on every core (numbering records in the read
 * itself, WITH ORDINALITY, keeps the whole insert on one thread).
 */
const JSON_BATCH = "rbw_engine_batch";

async function readJsonBatch(warehouse: DuckDbWarehouse, target: LandingTarget, files: EngineFile[]): Promise<boolean> {
  const shape = target.fields.map((f) => `${quoteIdent(f.name)}: ${quoteLiteral(readShape(f))}`).join(", ");
  try {
    await warehouse.exec(
      `CREATE OR REPLACE TEMP TABLE ${JSON_BATCH} AS SELECT * FROM read_json([${files.map((f) => quoteLiteral(f.file)).join(", ")}], format = 'newline_delimited', columns = {${shape}}, filename = true)`,
    );
    return true;
  } catch {
    return false;
  }
}

/** Lands the batch read by readJsonBatch, in the current transaction. Returns the rows landed, or undefined when some record needs the validator. */
async function insertJsonBatch(warehouse: DuckDbWarehouse, target: LandingTarget, engine: EngineLanding, files: (EngineFile & { rows: number })[], runId: string, loadedAt: string): Promise<number | undefined> {
  // Row ids run on from file to file: each file's lines start after the rows of the files before it.
  const firstRow = new Map<EngineFile, number>();
  let offset = 0;
  for (const f of files) {
    firstRow.set(f, offset);
    offset += f.rows;
  }
  const select = insertSelect(target, engine, runId, loadedAt, byFile(files, (f) => quoteLiteral(f.path)), `src.rowid + 1 - ${byFile(files, (f) => String(firstRow.get(f)))}`, false);
  try {
    return await warehouse.exec(`INSERT INTO ${qualified("raw", target.table)} BY NAME ${select}\n  FROM ${JSON_BATCH} AS src`);
  } catch {
    return undefined;
  }
}

/** A Parquet file DuckDB can land as it is: its columns (the raw table's, with the same types) and rows. */
interface ParquetFile {
  columns: string;
  rows: number;
}

/**
 * A Parquet file's columns and row count, read from its metadata, when its columns are the raw table's
 * with exactly the same types (a DOUBLE would reach a DECIMAL through a float) and the required ones are
 * there; undefined otherwise.
 */
async function parquetFile(warehouse: DuckDbWarehouse, target: LandingTarget, file: string): Promise<ParquetFile | undefined> {
  let present: Map<string, string>;
  let rows: number;
  try {
    const described = await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    present = new Map(described.map((c) => [c.column_name, c.column_type]));
    rows = Number((await warehouse.query<{ n: string }>(`SELECT num_rows::VARCHAR AS n FROM parquet_file_metadata(${quoteLiteral(file)})`))[0].n);
  } catch {
    return undefined;
  }
  const normalType = (t: string) => t.replace(/\s+/g, "").replace(/"/g, "").toUpperCase().replace(/TIMESTAMPWITHTIMEZONE/g, "TIMESTAMPTZ");
  const known = new Map(target.fields.map((f) => [f.name, f]));
  for (const [name, type] of present) {
    const field = known.get(name);
    if (!field || normalType(type) !== normalType(duckDbType(field))) return undefined;
  }
  if (target.fields.some((f) => f.mode === "REQUIRED" && !present.has(f.name))) return undefined;
  return { columns: [...present.keys()].sort().join(","), rows };
}

/**
 * Lands Parquet files of the same columns with one `read_parquet` of them all, in the current
 * transaction. Returns the rows landed, or undefined when a record needs the validator.
 */
async function insertParquet(warehouse: DuckDbWarehouse, target: LandingTarget, engine: EngineLanding, files: EngineFile[], columns: string, runId: string, loadedAt: string): Promise<number | undefined> {
  const present = new Set(columns.split(","));
  const column = (f: SchemaField) => (present.has(f.name) ? `p.${quoteIdent(f.name)}` : `CAST(NULL AS ${duckDbType(f)}) AS ${quoteIdent(f.name)}`);
  const list = files.map((f) => quoteLiteral(f.file)).join(", ");
  const source = `(SELECT ${target.fields.map(column).join(", ")}, filename, file_row_number FROM read_parquet([${list}], filename = true, file_row_number = true) AS p) AS src`;
  const select = insertSelect(target, engine, runId, loadedAt, byFile(files, (f) => quoteLiteral(f.path)), "src.file_row_number + 1", true);
  try {
    return await warehouse.exec(`INSERT INTO ${qualified("raw", target.table)} BY NAME ${select}\n  FROM ${source}`);
  } catch {
    return undefined;
  }
}

export function engineFormat(file: string): "json" | "parquet" | undefined {
  if (file.endsWith(".parquet")) return "parquet";
  if (/\.(json|ndjson|jsonl)(\.gz)?$/.test(file)) return "json";
  return undefined;
}

/** The rows one file landed. */
export type EngineLanded<F extends EngineFile = EngineFile> = F & { rows: number };

/**
 * Lands a raw table's files through DuckDB's readers, in file order, each group of files in one
 * transaction with `record` (their manifest rows), as far as the files allow: `land` returns the files
 * landed from the front of the list, and the first file after them (if any) goes to the record validator.
 */
export class EngineLander<F extends EngineFile> {
  /** Lines of each JSON-lines file checked so far, or null when it needs the validator. */
  private readonly clean = new Map<string, number | null>();
  private readonly loadedAt = new Date().toISOString();

  constructor(
    private readonly warehouse: DuckDbWarehouse,
    private readonly target: LandingTarget,
    private readonly engine: EngineLanding,
    private readonly runId: string,
    private readonly record: (landed: EngineLanded<F>[]) => Promise<void>,
  ) {}

  async land(files: F[]): Promise<EngineLanded<F>[]> {
    const landed: EngineLanded<F>[] = [];
    let rest = files;
    while (rest.length > 0) {
      const format = engineFormat(rest[0].file);
      const end = rest.findIndex((f) => engineFormat(f.file) !== format);
      const run = end === -1 ? rest : rest.slice(0, end);
      const done = format === "json" ? await this.landJsonLines(run) : format === "parquet" ? await this.landParquet(run) : [];
      landed.push(...done);
      if (done.length === 0) break;
      rest = rest.slice(done.length);
    }
    return landed;
  }

  /** The clean files from the front, in one read if they all land, else one at a time up to the first that does not. */
  private async landJsonLines(files: F[]): Promise<EngineLanded<F>[]> {
    const unchecked = files.filter((f) => !this.clean.has(f.file));
    if (unchecked.length > 0) {
      let lines = new Map<string, number>();
      try {
        lines = await cleanJsonLineFiles(this.warehouse, this.target.fields, unchecked);
      } catch {
        // A file DuckDB cannot scan at all is the validator's to explain.
      }
      for (const f of unchecked) this.clean.set(f.file, lines.get(f.file) ?? null);
    }
    const front: EngineLanded<F>[] = [];
    for (const f of files) {
      const rows = this.clean.get(f.file);
      if (rows === null || rows === undefined) break;
      front.push({ ...f, rows });
    }
    if (front.length === 0) return [];
    if (await this.commitJsonLines(front)) return front;
    const landed: EngineLanded<F>[] = [];
    for (const f of front) {
      if (!(await this.commitJsonLines([f]))) break;
      landed.push(f);
    }
    return landed;
  }

  /** The front files of the same columns that DuckDB can take, in one read if they all land, else one at a time up to the first that does not. */
  private async landParquet(files: F[]): Promise<EngineLanded<F>[]> {
    const front: EngineLanded<F>[] = [];
    let columns: string | undefined;
    for (const f of files) {
      const parquet = await parquetFile(this.warehouse, this.target, f.file);
      if (!parquet || (columns !== undefined && parquet.columns !== columns)) break;
      columns = parquet.columns;
      front.push({ ...f, rows: parquet.rows });
    }
    if (front.length === 0 || columns === undefined) return [];
    const insert = (group: EngineLanded<F>[]) => async () => {
      const rows = await insertParquet(this.warehouse, this.target, this.engine, group, columns as string, this.runId, this.loadedAt);
      return rows === group.reduce((n, f) => n + f.rows, 0) ? rows : undefined;
    };
    if (await this.commit(front, insert(front))) return front;
    const landed: EngineLanded<F>[] = [];
    for (const f of front) {
      if (!(await this.commit([f], insert([f])))) break;
      landed.push(f);
    }
    return landed;
  }

  private async commitJsonLines(group: EngineLanded<F>[]): Promise<boolean> {
    try {
      if (!(await readJsonBatch(this.warehouse, this.target, group))) return false;
      return await this.commit(group, () => insertJsonBatch(this.warehouse, this.target, this.engine, group, this.runId, this.loadedAt));
    } finally {
      await this.warehouse.exec(`DROP TABLE IF EXISTS ${JSON_BATCH}`);
    }
  }

  /** Lands a group with its manifest rows in one transaction, or nothing of it. */
  private async commit(group: EngineLanded<F>[], insert: () => Promise<number | undefined>): Promise<boolean> {
    try {
      await this.warehouse.transaction(async () => {
        if ((await insert()) === undefined) throw new Error("a record for the record validator");
        await this.record(group);
      });
      return true;
    } catch {
      return false;
    }
  }
}
