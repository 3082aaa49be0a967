import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { finished } from "node:stream/promises";
import { duckDbType, loadSourceSchemas, type SchemaField } from "../contracts/source-schema.ts";
import { LOAD_MANIFEST, QUARANTINE, tableDdl } from "../contracts/warehouse-tables.ts";
import { qualified, quoteIdent, quoteLiteral, type DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { requiredFields, SourceFormatError } from "./readers.ts";
import { stageRecords, targetFor, type LandingTarget, type QuarantinedRow, type StagedFile } from "./stage.ts";
import { StagePool } from "./stage-pool.ts";
import { EngineLander, engineFormat } from "./engine-reader.ts";
import type { RawTableSpec, VendorModule } from "./vendor-module.ts";
import { VENDORS } from "./vendors.ts";

export { SourceFormatError, type LandingTarget };


export interface FileLandingResult {
  file: string;
  status: "landed" | "already landed";
  rowsLanded: number;
  rowsQuarantined: number;
  checksum: string;
  /** Who read the file: DuckDB's own reader (engine-reader.ts) or the record validator, row by row. */
  readBy?: "duckdb" | "validator";
}

export interface LandingContext {
  runId: string;
  /** Paths in the manifest and quarantine are stored relative to this folder. */
  dataDir: string;
  /** The Dataform project (its includes/schemas/ hold the raw tables' schemas). */
  projectDir: string;
  onFile?: (result: FileLandingResult) => void;
  /** Worker threads validating files; by default 2 when there is enough to be worth them. */
  workers?: number;
}

/** Below this much data, starting worker threads costs more than it saves. */
const PARALLEL_FROM_BYTES = 4 * 1024 * 1024;

const LINEAGE_COLUMNS = `_extra JSON, _source_file VARCHAR NOT NULL, _source_line BIGINT NOT NULL, _run_id VARCHAR NOT NULL, _loaded_at TIMESTAMPTZ NOT NULL`;

export async function ensureLandingTables(warehouse: DuckDbWarehouse): Promise<void> {
  await warehouse.ensureSchema("raw");
  await warehouse.exec(tableDdl("raw", "load_manifest", LOAD_MANIFEST));
  // Warehouses from before the manifest kept file sizes and times get the columns (empty for old rows).
  await warehouse.exec(`ALTER TABLE raw.load_manifest ADD COLUMN IF NOT EXISTS file_size BIGINT`);
  await warehouse.exec(`ALTER TABLE raw.load_manifest ADD COLUMN IF NOT EXISTS file_modified_at TIMESTAMPTZ`);
  await warehouse.exec(tableDdl("raw", "quarantine", QUARANTINE));
}

/** DDL of a raw table: the source's own columns, then (for landed files) the lineage columns. */
export function rawTableDdl(table: string, fields: SchemaField[], lineage = true): string {
  const columns = fields.map((f) => `${quoteIdent(f.name)} ${duckDbType(f)}`).join(", ");
  return `CREATE TABLE IF NOT EXISTS ${qualified("raw", table)} (${columns}${lineage ? `, ${LINEAGE_COLUMNS}` : ""})`;
}

/** Every file under `dir` (recursively) whose name ends with one of `extensions`, sorted. */
export function listFiles(dir: string, extensions: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (extensions.some((e) => entry.endsWith(e))) out.push(path);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  await finished(createReadStream(file).on("data", (chunk) => hash.update(chunk)));
  return hash.digest("hex");
}

/** The landing target of one of a vendor's raw tables: its schema from includes/schemas/ and its rules. */
export function landingTarget(projectDir: string, vendor: VendorModule, spec: RawTableSpec): LandingTarget {
  const schema = loadSourceSchemas(projectDir).get(spec.table);
  if (!schema) throw new Error(`includes/schemas/${vendor.id}/${spec.table}.json is missing`);
  return targetFor(vendor, spec, schema.fields);
}

/** Lands every file of every raw table of a vendor (tables with no files yet are created empty). */
export async function landVendor(warehouse: DuckDbWarehouse, vendor: VendorModule, context: LandingContext): Promise<FileLandingResult[]> {
  const results: FileLandingResult[] = [];
  for (const spec of vendor.rawTables) {
    const files = listFiles(join(context.dataDir, spec.dir), spec.extensions);
    results.push(...(await landFiles(warehouse, vendor, spec, files, context)));
  }
  return results;
}

/** Files DuckDB reads itself are landed in batches of about this many bytes (as stored, gzipped or not). */
const ENGINE_BATCH_BYTES = 256 * 1024 * 1024;

/** Staged NDJSON is committed in batches: one multi-file read and one transaction per batch. */
const BATCH_ROWS = 50_000;

/** A file as the manifest knows it: its checksum, and its size and modification time when landed. */
interface FileIdentity {
  size: number;
  modifiedAt: string;
}

const identityKey = (path: string, id: FileIdentity) => `${path}\u0000${id.size}\u0000${id.modifiedAt}`;

/** A new file's place in the landing. */
interface PlannedFile {
  file: string;
  path: string;
  checksum: string;
  identity: FileIdentity;
  isNew: boolean;
  stagingFile: string;
  early?: Promise<StagedFile>;
  afterLine: number;
}

/**
 * Lands a vendor's files into `raw.<table>`: valid rows into the raw table with their lineage, unreadable
 * rows into `raw.quarantine` with the reason, and one manifest row per file, committed together. Tables
 * whose files DuckDB can read itself (`engine`) land them through its readers; a file with anything the
 * readers cannot vouch for, and every file of other tables, goes through the record validator (one format
 * reader per file, one committer). A file already in the manifest with the same path, size and
 * modification time is not read again; one whose checksum is there is skipped, so re-landing adds
 * nothing; a file of a table with `appendOnlyFiles` that grew lands only its new records. A file that
 * cannot be read at all stops the landing after everything before it has been committed.
 */
export async function landFiles(warehouse: DuckDbWarehouse, vendor: VendorModule, spec: RawTableSpec, files: string[], context: LandingContext): Promise<FileLandingResult[]> {
  const target = landingTarget(context.projectDir, vendor, spec);
  const required = requiredFields(target.fields);
  // Workers find the vendor in VENDORS; a vendor passed in from elsewhere (a test's) is read here.
  const inParallel = (file: string) => VENDORS.includes(vendor) && !byEngine(file) && (spec.parallel?.(file) ?? false);
  const byEngine = (file: string) => spec.engine !== undefined && engineFormat(file) !== undefined;
  await ensureLandingTables(warehouse);
  await warehouse.exec(rawTableDdl(target.table, target.fields));
  const manifest = await warehouse.query<{ file_path: string; checksum: string; file_size: string | null; modified: string | null }>(
    `SELECT file_path, checksum, file_size::VARCHAR AS file_size, strftime(file_modified_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS modified
     FROM raw.load_manifest WHERE source_system = $1 AND source_object = $2`,
    [target.sourceSystem, target.table],
  );
  const seen = new Set(manifest.map((m) => m.checksum));
  const known = new Map(
    manifest.filter((m) => m.file_size !== null && m.modified !== null).map((m) => [identityKey(m.file_path, { size: Number(m.file_size), modifiedAt: m.modified as string }), m.checksum]),
  );
  const landedThrough = spec.appendOnlyFiles ? await linesLandedPerFile(warehouse, target) : new Map<string, number>();
  const results: FileLandingResult[] = [];
  const report = (result: FileLandingResult) => {
    results.push(result);
    context.onFile?.(result);
  };
  const stagingDir = mkdtempSync(join(tmpdir(), "rbw-land-"));
  let batch: (StagedFile & { identity: FileIdentity })[] = [];
  let batchRows = 0;
  // DuckDB commits one batch while the next files are read and validated in JavaScript.
  let committing: Promise<void> = Promise.resolve();
  const commit = async () => {
    await committing;
    const staged = batch;
    batch = [];
    batchRows = 0;
    if (staged.length === 0) return;
    committing = commitStaged(warehouse, target, staged, context).then((committed) => committed.forEach(report));
  };
  const identities = new Map(files.map((file) => [file, identityOf(file)]));
  const parallelBytes = files.filter(inParallel).reduce((n, f) => n + (identities.get(f) as FileIdentity).size, 0);
  const workers = context.workers ?? (parallelBytes >= PARALLEL_FROM_BYTES ? Math.min(2, availableParallelism()) : 0);
  // Threads start with the first new file they can read: a re-run over files landed before starts none.
  let pool: StagePool | undefined;
  const stagePool = () => (workers > 0 ? (pool ??= new StagePool(workers)) : undefined);
  const engine = spec.engine
    ? new EngineLander<PlannedFile>(warehouse, target, spec.engine, context.runId, async (landed) => {
        for (const f of landed) await recordFile(warehouse, target, f.path, f.checksum, context, f.rows, [], f.identity);
      })
    : undefined;
  try {
    // First pass: files the manifest knows by path, size and time are skipped unread; checksums decide
    // what else is new; new files a worker can read start validating at once.
    const plan: PlannedFile[] = [];
    for (const [index, file] of files.entries()) {
      const path = relative(context.dataDir, file);
      const identity = identities.get(file) as FileIdentity;
      const checksum = known.get(identityKey(path, identity)) ?? (await sha256(file));
      const isNew = !seen.has(checksum);
      seen.add(checksum);
      const stagingFile = join(stagingDir, `${index}-${basename(file)}.ndjson`);
      const afterLine = landedThrough.get(path) ?? 0;
      const early =
        isNew && afterLine === 0 && inParallel(file)
          ? stagePool()?.stage({ vendorId: vendor.id, table: spec.table, fields: target.fields, file, path, checksum, runId: context.runId, stagingFile })
          : undefined;
      early?.catch(() => undefined);
      plan.push({ file, path, checksum, identity, isNew, stagingFile, early, afterLine });
    }
    // Second pass, in file order: DuckDB's readers take what they can, batches of validated files are
    // committed; a file that cannot be read stops here.
    const refused = new Set<PlannedFile>();
    const engineCan = (p: PlannedFile) => engine !== undefined && p.isNew && p.afterLine === 0 && byEngine(p.file) && !refused.has(p);
    let i = 0;
    while (i < plan.length) {
      const planned = plan[i];
      if (!planned.isNew) {
        await committing;
        report({ file: planned.path, status: "already landed", rowsLanded: 0, rowsQuarantined: 0, checksum: planned.checksum });
        i++;
        continue;
      }
      if (engine && engineCan(planned)) {
        // One read and one transaction per batch of files, so progress shows and a batch stays small.
        let end = i;
        let bytes = 0;
        while (end < plan.length && engineCan(plan[end]) && (end === i || bytes + plan[end].identity.size <= ENGINE_BATCH_BYTES)) bytes += plan[end++].identity.size;
        // Validated files before these are committed first, so the manifest keeps file order.
        await commit();
        await committing;
        const landed = await engine.land(plan.slice(i, end));
        for (const f of landed) report({ file: f.path, status: "landed", rowsLanded: f.rows, rowsQuarantined: 0, checksum: f.checksum, readBy: "duckdb" });
        if (i + landed.length < end) refused.add(plan[i + landed.length]);
        i += landed.length;
        continue;
      }
      const { file, path, checksum, stagingFile, early, afterLine, identity } = planned;
      let staged: StagedFile;
      if (early) {
        staged = await early;
      } else {
        // A reader on the main thread may read through DuckDB (Parquet): the previous batch commits first.
        await committing;
        staged = await stageRecords(target, spec.reader(file, { warehouse, requiredFields: required }), file, path, checksum, context, stagingFile, afterLine);
      }
      batch.push({ ...staged, identity });
      batchRows += staged.rowsLanded;
      if (batchRows >= BATCH_ROWS) await commit();
      i++;
    }
    await commit();
    await committing;
  } catch (error) {
    // Keep what was read before the failing file, then report the failure.
    await committing.catch(() => undefined);
    if (error instanceof SourceFormatError) {
      await commit();
      await committing;
    }
    throw error;
  } finally {
    await pool?.close();
    rmSync(stagingDir, { recursive: true, force: true });
  }
  return results;
}

function identityOf(file: string): FileIdentity {
  const stats = statSync(file);
  return { size: stats.size, modifiedAt: new Date(Math.floor(stats.mtimeMs)).toISOString() };
}

/** For files that only grow: the last line of each file landed or quarantined so far. */
async function linesLandedPerFile(warehouse: DuckDbWarehouse, target: LandingTarget): Promise<Map<string, number>> {
  const rows = await warehouse.query<{ file: string; line: string }>(
    `SELECT file, MAX(line)::VARCHAR AS line FROM (
       SELECT _source_file AS file, _source_line AS line FROM ${qualified("raw", target.table)}
       UNION ALL
       SELECT file_path, row_number FROM raw.quarantine WHERE source_system = $1 AND source_object = $2
     ) GROUP BY file`,
    [target.sourceSystem, target.table],
  );
  return new Map(rows.map((r) => [r.file, Number(r.line)]));
}

async function recordFile(
  warehouse: DuckDbWarehouse,
  target: LandingTarget,
  path: string,
  checksum: string,
  context: LandingContext,
  rowsLanded: number,
  quarantined: QuarantinedRow[],
  identity: FileIdentity,
): Promise<void> {
  const now = new Date().toISOString();
  for (let i = 0; i < quarantined.length; i += 500) {
    await warehouse.db
      .insertInto("raw.quarantine")
      .values(
        quarantined.slice(i, i + 500).map((q) => ({
          source_system: target.sourceSystem,
          source_object: target.table,
          file_path: path,
          row_number: q.row_number,
          field: q.field,
          reason: q.reason,
          raw_record: q.raw_record,
          run_id: context.runId,
          quarantined_at: now,
        })),
      )
      .execute();
  }
  await warehouse.db
    .insertInto("raw.load_manifest")
    .values({
      source_system: target.sourceSystem,
      source_object: target.table,
      file_path: path,
      checksum,
      rows_landed: rowsLanded,
      rows_quarantined: quarantined.length,
      loaded_at: now,
      run_id: context.runId,
      file_size: identity.size,
      file_modified_at: identity.modifiedAt,
    })
    .execute();
}

/**
 * Loads staged files with one multi-file read, their quarantine and manifest rows, in one transaction; the
 * staged files are removed as soon as they are committed.
 */
async function commitStaged(warehouse: DuckDbWarehouse, target: LandingTarget, staged: (StagedFile & { identity: FileIdentity })[], context: LandingContext): Promise<FileLandingResult[]> {
  const columns = target.fields.map((f) => `${quoteIdent(f.name)}: ${quoteLiteral(duckDbType(f))}`);
  columns.push(`"_extra": 'JSON'`, `"_source_file": 'VARCHAR'`, `"_source_line": 'BIGINT'`, `"_run_id": 'VARCHAR'`, `"_loaded_at": 'TIMESTAMPTZ'`);
  const withRows = staged.filter((f) => f.rowsLanded > 0).map((f) => f.stagingFile);
  await warehouse.transaction(async () => {
    if (withRows.length > 0) {
      const list = withRows.map(quoteLiteral).join(", ");
      await warehouse.exec(
        `INSERT INTO ${qualified("raw", target.table)} BY NAME SELECT * FROM read_json([${list}], format = 'newline_delimited', columns = {${columns.join(", ")}})`,
      );
    }
    for (const file of staged) await recordFile(warehouse, target, file.path, file.checksum, context, file.rowsLanded, file.quarantined, file.identity);
  });
  for (const file of staged) rmSync(file.stagingFile, { force: true });
  return staged.map((f) => ({ file: f.path, status: "landed", rowsLanded: f.rowsLanded, rowsQuarantined: f.quarantined.length, checksum: f.checksum, readBy: "validator" }));
}
