import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { SchemaField } from "../contracts/source-schema.ts";
import { firstProblem, recordValidator } from "./record-validator.ts";
import { SourceFormatError, type Reader, type SourceRecord } from "./readers.ts";
import type { RawTableSpec, VendorModule } from "./vendor-module.ts";

export interface VendorRules {
  /** Vendor-specific clean-up applied to each parsed record before validation. */
  normalize?: (record: Record<string, unknown>) => Record<string, unknown>;
  /** Vendor rules beyond the schema's types, checked on the validated record. */
  check?: (record: Record<string, unknown>) => { field: string; reason: string } | undefined;
}

/** Where a file's rows land: a raw table, its schema, the reader for the file and the vendor's rules. */
export interface LandingTarget extends VendorRules {
  sourceSystem: string;
  /** Raw table name in the `raw` schema (the vendor's own table or feed name). */
  table: string;
  fields: SchemaField[];
}

/** The landing target of one of a vendor's raw tables, given the table's schema. */
export function targetFor(vendor: Pick<VendorModule, "sourceSystem">, spec: RawTableSpec, fields: SchemaField[]): LandingTarget {
  return { sourceSystem: vendor.sourceSystem, table: spec.table, fields, normalize: spec.normalize, check: spec.check };
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

/** Validated rows of one file, written to a staging file (NDJSON), waiting to be committed. */
export interface StagedFile {
  path: string;
  checksum: string;
  stagingFile: string;
  rowsLanded: number;
  quarantined: QuarantinedRow[];
}

/**
 * Validates a file's records against the source schema and the vendor's rules and writes the good ones,
 * with their lineage, to a staging file; bad ones are kept for the quarantine with their line and reason.
 * Records starting on or before `afterLine` were landed from an earlier version of the file and are skipped.
 */
export async function stageRecords(
  target: LandingTarget,
  reader: Reader,
  file: string,
  path: string,
  checksum: string,
  context: StagingContext,
  stagingFile: string,
  afterLine = 0,
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
  const quarantine = (source: SourceRecord, field: string | null, reason: string) =>
    quarantined.push({ row_number: source.line, field, reason, raw_record: source.raw });
  let rowsLanded = 0;
  let lastLine = 0;
  try {
    for await (const batch of reader.read(file, path)) {
      for (const source of batch) {
        lastLine = source.line;
        if (source.line <= afterLine) continue;
        if (!source.record) {
          quarantine(source, source.problem?.field ?? null, source.problem?.reason ?? "the record cannot be read");
          continue;
        }
        const record = target.normalize ? target.normalize(source.record) : source.record;
        const checked = validator.safeParse(record);
        if (!checked.success) {
          const problem = firstProblem(checked.error, record);
          quarantine(source, problem.field, problem.reason);
          continue;
        }
        const broken = target.check?.(checked.data);
        if (broken) {
          quarantine(source, broken.field, broken.reason);
          continue;
        }
        const row: Record<string, unknown> = {};
        const extra: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(checked.data)) (known.has(key) ? row : extra)[key] = value;
        row._extra = Object.keys(extra).length > 0 ? extra : null;
        row._source_file = path;
        row._source_line = source.line;
        row._run_id = context.runId;
        row._loaded_at = loadedAt;
        pending.push(JSON.stringify(row));
        rowsLanded++;
        if (pending.length >= 5000) await flush();
      }
    }
    await flush();
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(path, `cannot be read as ${reader.format} (after row ${lastLine}): ${(error as Error).message}`);
  } finally {
    out.end();
    await finished(out);
  }
  return { path, checksum, stagingFile, rowsLanded, quarantined };
}
