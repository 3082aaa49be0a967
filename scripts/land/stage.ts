import { createReadStream, createWriteStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { finished } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { SchemaField } from "../contracts/source-schema.ts";
import { firstProblem, quoteJsonNumbers, recordValidator } from "./record-validator.ts";

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

export interface VendorRules {
  /** Vendor-specific clean-up applied to each parsed record before validation. */
  normalize?: (record: Record<string, unknown>) => Record<string, unknown>;
  /** Vendor rules beyond the schema's types, checked on the validated record. */
  check?: (record: Record<string, unknown>) => { field: string; reason: string } | undefined;
}

export interface LandingTarget extends VendorRules {
  sourceSystem: string;
  /** Raw table name in the `raw` schema (the vendor's own table name). */
  table: string;
  fields: SchemaField[];
}

export interface StagingContext {
  runId: string;
}

export interface QuarantinedRow {
  row_number: number;
  field: string | null;
  reason: string;
  raw_record: string;
}

/** Validated NDJSON rows of one file, written to a staging file, waiting to be committed. */
export interface StagedFile {
  path: string;
  checksum: string;
  stagingFile: string;
  rowsLanded: number;
  quarantined: QuarantinedRow[];
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

/**
 * Validates records (one JSON object per line) against the source schema and the vendor's rules and
 * writes the good ones, with their lineage, to a staging file; bad ones are kept for the quarantine.
 */
export async function stageRecords(
  target: LandingTarget,
  path: string,
  checksum: string,
  context: StagingContext,
  stagingFile: string,
  source: AsyncIterable<string[]>,
  format: string,
): Promise<StagedFile> {
  const validator = recordValidator(target.fields);
  const known = new Set(target.fields.map((f) => f.name));
  const out = createWriteStream(stagingFile);
  const quarantined: QuarantinedRow[] = [];
  const loadedAt = new Date().toISOString();
  const pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join("\n")}\n`;
    pending.length = 0;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  let lineNumber = 0;
  let rowsLanded = 0;
  try {
    for await (const batch of source) for (const rawLine of batch) {
      let line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
      if (lineNumber === 0 && line.startsWith("\uFEFF")) line = line.slice(1);
      lineNumber++;
      if (line.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(quoteJsonNumbers(line));
      } catch (error) {
        quarantined.push({ row_number: lineNumber, field: null, reason: `line is not valid JSON: ${(error as Error).message}`, raw_record: line });
        continue;
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        quarantined.push({ row_number: lineNumber, field: null, reason: "line is not a JSON object", raw_record: line });
        continue;
      }
      const record = target.normalize ? target.normalize(parsed as Record<string, unknown>) : (parsed as Record<string, unknown>);
      const checked = validator.safeParse(record);
      if (!checked.success) {
        const problem = firstProblem(checked.error, record);
        quarantined.push({ row_number: lineNumber, field: problem.field, reason: problem.reason, raw_record: line });
        continue;
      }
      const broken = target.check?.(checked.data);
      if (broken) {
        quarantined.push({ row_number: lineNumber, field: broken.field, reason: broken.reason, raw_record: line });
        continue;
      }
      const row: Record<string, unknown> = {};
      const extra: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(checked.data)) (known.has(key) ? row : extra)[key] = value;
      row._extra = Object.keys(extra).length > 0 ? extra : null;
      row._source_file = path;
      row._source_line = lineNumber;
      row._run_id = context.runId;
      row._loaded_at = loadedAt;
      pending.push(JSON.stringify(row));
      rowsLanded++;
      if (pending.length >= 5000) await flush();
    }
    await flush();
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(path, `cannot be read as ${format} (row ${lineNumber + 1}): ${(error as Error).message}`);
  } finally {
    out.end();
    await finished(out);
  }
  return { path, checksum, stagingFile, rowsLanded, quarantined };
}
