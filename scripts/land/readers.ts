import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import type { SchemaField } from "../contracts/source-schema.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { quoteJsonNumbers } from "./record-validator.ts";

/** A file that cannot be read as the format its name says; nothing of it is landed. */
export class SourceFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly field?: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "SourceFormatError";
  }
}

/**
 * One record of a source file with its provenance: the line (or row) it starts on, its text as delivered
 * (kept in the quarantine when it is bad) and either the parsed record or why it could not be parsed.
 */
export interface SourceRecord {
  line: number;
  raw: string;
  record?: Record<string, unknown>;
  problem?: { field: string | null; reason: string };
}

/**
 * Reads one file into records, a batch at a time. `path` is the file's name as users see it (relative to
 * the data folder), for messages. A reader throws SourceFormatError when the file as a whole is unreadable.
 */
export interface Reader {
  /** Human name of the format, for messages ("gzipped NDJSON", "CSV", ...). */
  readonly format: string;
  read(file: string, path: string): AsyncIterable<SourceRecord[]>;
}

const BATCH = 5000;

/** The fields a file must have for a reader that checks its columns before reading (Parquet). */
export function requiredFields(fields: SchemaField[]): string[] {
  return fields.filter((f) => f.mode === "REQUIRED").map((f) => f.name);
}

/** Lines of a (possibly gzipped) text file, a chunk's worth at a time. */
export async function* lineBatches(file: string): AsyncGenerator<string[]> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = file.endsWith(".gz") ? stream.pipe(createGunzip()) : stream;
  stream.on("error", (e) => input.emit("error", e));
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of input) {
    const parts = (rest + decoder.write(chunk as Buffer)).split("\n");
    rest = parts.pop() ?? "";
    yield parts;
  }
  const last = rest + decoder.end();
  if (last !== "") yield [last];
}

/** One JSON object per line; numbers keep their exact digits (they are read as text, never as floats). */
export function jsonRecord(text: string, line: number): SourceRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteJsonNumbers(text));
  } catch (error) {
    return { line, raw: text, problem: { field: null, reason: `line is not valid JSON: ${(error as Error).message}` } };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { line, raw: text, problem: { field: null, reason: "line is not a JSON object" } };
  return { line, raw: text, record: parsed as Record<string, unknown> };
}

async function* jsonLines(lines: AsyncIterable<string[]>, path: string, format: string): AsyncGenerator<SourceRecord[]> {
  let lineNumber = 0;
  try {
    for await (const batch of lines) {
      const out: SourceRecord[] = [];
      for (const rawLine of batch) {
        let text = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
        if (lineNumber === 0 && text.startsWith("\uFEFF")) text = text.slice(1);
        lineNumber++;
        if (text.trim() !== "") out.push(jsonRecord(text, lineNumber));
      }
      yield out;
    }
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(path, `cannot be read as ${format} (row ${lineNumber + 1}): ${(error as Error).message}`);
  }
}

/** Newline-delimited JSON, gzipped or not (`bq extract --destination_format NEWLINE_DELIMITED_JSON`). */
export function ndjsonReader(file: string): Reader {
  const format = file.endsWith(".gz") ? "gzipped NDJSON" : "NDJSON";
  return { format, read: (f, path) => jsonLines(lineBatches(f), path, format) };
}

/**
 * Parquet, read by DuckDB (DECIMAL comes out as exact number text). The file's columns are checked first:
 * a file without a required field is unreadable as a whole.
 */
export function parquetReader(warehouse: DuckDbWarehouse, requiredFields: string[]): Reader {
  return {
    format: "Parquet",
    async *read(file, path) {
      let present: string[];
      try {
        present = (await warehouse.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet($1)`, [file])).map((r) => r.column_name);
      } catch (error) {
        throw new SourceFormatError(path, `cannot be read as Parquet: ${(error as Error).message}`);
      }
      const missing = requiredFields.find((f) => !present.includes(f));
      if (missing) throw new SourceFormatError(path, `required field ${missing} is missing from the file`, missing);
      yield* jsonLines(warehouse.streamText(`SELECT to_json(p)::VARCHAR FROM read_parquet($1) AS p`, [file]), path, "Parquet");
    },
  };
}

/**
 * CSV per RFC 4180 with a header row: quoted fields may hold commas, doubled quotes and line breaks.
 * Every value is kept as the text delivered. A record with bad quoting or the wrong number of fields is
 * returned with its problem (it goes to the quarantine); the rest of the file still lands.
 */
export function csvReader(): Reader {
  return {
    format: "CSV",
    async *read(file, path) {
      const parser = createReadStream(file).pipe(
        parseCsv({ bom: true, columns: true, info: true, raw: true, skip_empty_lines: true, skip_records_with_error: true, relax_column_count: false }),
      );
      // csv-parse counts the line a record ends on; a quoted field can span lines, so count back to its first.
      const firstLine = (endLine: number, raw: string) => endLine - (raw.match(/\n/g) ?? []).length;
      const withoutDelimiter = (raw: string) => raw.replace(/\r?\n$/, "");
      const skipped: SourceRecord[] = [];
      parser.on("skip", (error: Error & { lines?: number; record?: string[]; raw?: string }) => {
        const raw = withoutDelimiter(error.raw ?? (error.record ?? []).join(","));
        skipped.push({ line: firstLine(error.lines ?? 0, raw), raw, problem: { field: null, reason: `not a valid CSV record: ${error.message}` } });
      });
      // Skipped records are reported as the parser meets them, ahead of the records it has buffered:
      // a batch is put back in file order before it is passed on.
      const inFileOrder = (records: SourceRecord[]) => records.sort((a, b) => a.line - b.line);
      let out: SourceRecord[] = [];
      try {
        for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number }; raw: string }>) {
          const raw = withoutDelimiter(item.raw);
          out.push({ line: firstLine(item.info.lines, raw), raw, record: item.record }, ...skipped.splice(0));
          if (out.length >= BATCH) {
            yield inFileOrder(out);
            out = [];
          }
        }
      } catch (error) {
        throw new SourceFormatError(path, `cannot be read as CSV: ${(error as Error).message}`);
      }
      out.push(...skipped.splice(0));
      if (out.length > 0) yield inFileOrder(out);
    },
  };
}

/**
 * A saved API response (one JSON document): `select` picks the records out of it, each with the JSON path
 * it came from as its provenance.
 */
export function jsonDocumentReader(select: (document: unknown) => { at: string; record: Record<string, unknown> }[]): Reader {
  return {
    format: "JSON document",
    async *read(file, path) {
      const text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
      let document: unknown;
      try {
        document = JSON.parse(quoteJsonNumbers(text));
      } catch (error) {
        throw new SourceFormatError(path, `cannot be read as JSON: ${(error as Error).message}`);
      }
      yield select(document).map(({ at, record }, i) => ({ line: i + 1, raw: JSON.stringify({ at, record }), record }));
    },
  };
}
