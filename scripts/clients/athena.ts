import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";

import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type Row,
} from "@aws-sdk/client-athena";

import { AWS_MARKETPLACE_DIR, awsRefused, FEED_NAME, tempPath, type AwsCredentials } from "./aws.ts";
import { UsageError, VendorApiError } from "./errors.ts";

export interface AthenaExportOptions {
  /** The Glue / Athena database that holds the feed tables. */
  database: string;
  /** Feed folder name -> Athena table name, e.g. `{ billingeventfeed_v1: "billingeventfeed_v1" }` (reference §3.0). */
  tables: Record<string, string>;
  workgroup?: string;
  /** `s3://bucket/path/` for query results, when the workgroup does not set one. */
  outputLocation?: string;
  /** The data directory; files go to `DIR/aws-marketplace/<feed>/year=YYYY/month=MM/data.csv`. */
  dataDir: string;
  credentials: AwsCredentials;
  /** Only for tests: another endpoint than the region's own. */
  endpoint?: string;
  /** Wait between GetQueryExecution polls (default 1000 ms). */
  pollIntervalMs?: number;
  /** Polls before giving up on a query and stopping it (default 900, a quarter of an hour at the default interval). */
  maxPolls?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (event: AthenaExportProgress) => void;
  /** An existing client (it is not destroyed afterwards). */
  client?: AthenaClient;
}

export type AthenaExportProgress =
  | { kind: "started"; feed: string; table: string; queryExecutionId: string }
  | { kind: "state"; feed: string; table: string; queryExecutionId: string; state: string }
  | { kind: "written"; feed: string; table: string; file: string; year: string; month: string; rows: number };

export interface AthenaFeedFile {
  feed: string;
  table: string;
  year: string;
  month: string;
  /** Absolute local path. */
  file: string;
  rows: number;
}

export interface AthenaExportResult {
  files: AthenaFeedFile[];
  rows: number;
  /**
   * Columns Athena does not hold as text (a Glue crawler's guesses such as bigint or timestamp): their
   * values come back re-rendered, e.g. account ids without leading zeros (reference §1.5), not as delivered.
   */
  warnings: string[];
}

/** The pseudo column Athena fills with each row's S3 object URI. */
const PATH_COLUMN = "$path";

/** A month folder of the delivery layout at the end of an S3 URI (reference §1.2). */
const MONTH_FOLDER = /\/year=(\d{4})\/month=(0[1-9]|1[0-2])\/[^/]+$/;

/** Hive-style `name=value` folders in an S3 URI: the table's partition columns (a crawler over the layout makes `year` and `month`). */
const PARTITION_SEGMENT = /\/([^/=]+)=[^/]*(?=\/)/g;

/** Athena result values that are the delivered text; anything else was re-typed on the way in. */
const TEXT_TYPES = new Set(["varchar", "string", "char"]);

const DEFAULT_POLL_MS = 1000;
const DEFAULT_MAX_POLLS = 900;
/** GetQueryResults' largest page. */
const PAGE_SIZE = 1000;

/**
 * Exports AWS Marketplace seller data feed tables from Athena into the local delivery layout. Each
 * table is read with `SELECT *, "$path"` so every row can be put back in the `year=YYYY/month=MM`
 * folder of the S3 object it came from, and written as RFC 4180 CSV (reference §1.3) through a
 * temporary file and a rename per month file.
 *
 * Athena cannot see empty objects, so header-only month files (reference §1.2) are not reproduced,
 * and rows come in Athena's order, not necessarily the order of the delivered file.
 */
export async function exportAthenaFeeds(options: AthenaExportOptions): Promise<AthenaExportResult> {
  const aws = options.credentials;
  const entries = Object.entries(options.tables);
  for (const [feed, table] of entries) {
    if (!FEED_NAME.test(feed)) throw new UsageError(`"${feed}" is not a feed folder name (letters, digits, "_" and "-").`);
    checkIdentifier("table", table);
  }
  checkIdentifier("database", options.database);
  const client = options.client ?? new AthenaClient({ region: aws.region, credentials: aws.credentials, endpoint: options.endpoint, maxAttempts: 5 });
  const result: AthenaExportResult = { files: [], rows: 0, warnings: [] };
  try {
    for (const [feed, table] of entries) {
      const id = await runQuery(client, options, feed, table);
      const exported = await writeResults(client, options, feed, table, id);
      result.files.push(...exported.files);
      result.rows += exported.files.reduce((sum, f) => sum + f.rows, 0);
      result.warnings.push(...exported.warnings);
    }
  } finally {
    if (!options.client) client.destroy();
  }
  return result;
}

/**
 * A quoted Athena (Trino) identifier: double quotes, with any double quote inside doubled, so a table
 * name can never end the identifier and add SQL of its own.
 */
export function quoteAthenaIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The export query for one feed table. */
export function athenaFeedQuery(database: string, table: string): string {
  return `SELECT *, ${quoteAthenaIdentifier(PATH_COLUMN)} AS ${quoteAthenaIdentifier(PATH_COLUMN)} FROM ${quoteAthenaIdentifier(database)}.${quoteAthenaIdentifier(table)}`;
}

function checkIdentifier(what: string, name: string): void {
  // Glue names are at most 255 characters; control characters have no place in one.
  if (!name || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) throw new UsageError(`"${name}" is not an Athena ${what} name.`);
}

/** StartQueryExecution, then GetQueryExecution until the query is SUCCEEDED, FAILED or CANCELLED, a bounded number of times. */
async function runQuery(client: AthenaClient, options: AthenaExportOptions, feed: string, table: string): Promise<string> {
  const aws = options.credentials;
  const what = `the export of ${options.database}.${table} (feed ${feed})`;
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const maxPolls = options.maxPolls ?? DEFAULT_MAX_POLLS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let id: string | undefined;
  try {
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: athenaFeedQuery(options.database, table),
        QueryExecutionContext: { Database: options.database },
        WorkGroup: options.workgroup,
        ResultConfiguration: options.outputLocation ? { OutputLocation: options.outputLocation } : undefined,
      }),
    );
    id = started.QueryExecutionId;
  } catch (error) {
    throw awsRefused("Athena", `starting ${what}`, error, aws);
  }
  if (!id) throw new VendorApiError(`Athena returned no query execution id for ${what}.`);
  options.onProgress?.({ kind: "started", feed, table, queryExecutionId: id });

  let last: string | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    if (poll > 0) await sleep(pollMs);
    let status;
    try {
      status = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status;
    } catch (error) {
      throw awsRefused("Athena", `the status of ${what} (query ${id})`, error, aws);
    }
    const state = status?.State ?? "UNKNOWN";
    if (state !== last) options.onProgress?.({ kind: "state", feed, table, queryExecutionId: id, state });
    last = state;
    if (state === "SUCCEEDED") return id;
    if (state === "FAILED" || state === "CANCELLED") {
      const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? "no reason given";
      throw new VendorApiError(`Athena query ${id} for ${what} ${state}: ${reason}`);
    }
  }
  // Leaving it running would keep scanning (and billing) the feed table for nobody.
  await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
  throw new VendorApiError(`Athena query ${id} for ${what} did not finish after ${maxPolls} polls (last state ${last ?? "unknown"}); it was stopped.`);
}

interface OpenMonth {
  year: string;
  month: string;
  file: string;
  temp: string;
  handle: FileHandle;
  rows: number;
}

/** GetQueryResults pages (NextToken) into one CSV per `$path` month folder. */
async function writeResults(
  client: AthenaClient,
  options: AthenaExportOptions,
  feed: string,
  table: string,
  id: string,
): Promise<{ files: AthenaFeedFile[]; warnings: string[] }> {
  const aws = options.credentials;
  const root = join(options.dataDir, AWS_MARKETPLACE_DIR, feed);
  const months = new Map<string, OpenMonth>();
  const warnings: string[] = [];
  let header: string[] | undefined;
  let pathIndex = -1;
  let keep: number[] = [];
  let partitionsChecked = false;
  let columnInfo: ColumnInfo[] = [];
  let token: string | undefined;
  let rowNumber = 0;
  try {
    for (let page = 0; ; page++) {
      let out;
      try {
        out = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: PAGE_SIZE }));
      } catch (error) {
        throw awsRefused("Athena", `the results of query ${id} (${options.database}.${table})`, error, aws);
      }
      let rows: Row[] = out.ResultSet?.Rows ?? [];
      if (page === 0) {
        // Athena returns a SELECT's column labels as the first row of the first page.
        columnInfo = out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        header = (rows[0]?.Data ?? []).map((d) => d.VarCharValue ?? "");
        rows = rows.slice(1);
        pathIndex = header.lastIndexOf(PATH_COLUMN);
        if (pathIndex < 0) throw new VendorApiError(`Athena query ${id} for ${options.database}.${table} returned no "${PATH_COLUMN}" column.`);
        if (columnInfo.length > 0 && columnInfo.length !== header.length) {
          throw new VendorApiError(`Athena query ${id} for ${options.database}.${table} described ${columnInfo.length} columns but its header row has ${header.length}.`);
        }
        keep = header.map((_, i) => i).filter((i) => i !== pathIndex);
      }
      const cols = header as string[];
      const chunks = new Map<OpenMonth, string[]>();
      for (const row of rows) {
        rowNumber++;
        const values = (row.Data ?? []).map((d) => d.VarCharValue ?? "");
        if (values.length !== cols.length) {
          throw new VendorApiError(`Row ${rowNumber} of Athena query ${id} (${options.database}.${table}) has ${values.length} values for ${cols.length} columns.`);
        }
        const path = values[pathIndex];
        const folder = MONTH_FOLDER.exec(path);
        if (!folder) {
          throw new VendorApiError(`Row ${rowNumber} of ${options.database}.${table} comes from ${path}, which is not in a year=YYYY/month=MM folder of the feed layout.`);
        }
        if (!partitionsChecked) {
          // A table crawled over the layout has partition columns named after the `year=`/`month=` folders;
          // they are not part of the delivered file, so they are left out of it.
          const partitions = new Set([...path.matchAll(PARTITION_SEGMENT)].map((m) => m[1].toLowerCase()));
          keep = keep.filter((i) => !partitions.has(cols[i].toLowerCase()));
          for (const i of keep) {
            const type = columnInfo[i]?.Type?.toLowerCase();
            if (type && !TEXT_TYPES.has(type)) {
              warnings.push(`${options.database}.${table}.${cols[i]} is typed ${type} in Athena, so its values are Athena's rendering, not the delivered text; declare it as string (reference §1.5).`);
            }
          }
          partitionsChecked = true;
        }
        const [, year, month] = folder;
        const key = `${year}-${month}`;
        let target = months.get(key);
        if (!target) {
          const file = join(root, `year=${year}`, `month=${month}`, "data.csv");
          await mkdir(dirname(file), { recursive: true });
          const temp = tempPath(file);
          target = { year, month, file, temp, handle: await open(temp, "w"), rows: 0 };
          months.set(key, target);
          chunks.set(target, [csvLine(keep.map((i) => cols[i]))]);
        }
        target.rows++;
        const lines = chunks.get(target) ?? [];
        lines.push(csvLine(keep.map((i) => values[i])));
        chunks.set(target, lines);
      }
      for (const [target, lines] of chunks) await target.handle.write(lines.join(""));
      if (!out.NextToken) break;
      if (out.NextToken === token) throw new VendorApiError(`Athena returned the same NextToken twice for query ${id}.`);
      token = out.NextToken;
    }
    const files: AthenaFeedFile[] = [];
    for (const m of [...months.values()].sort((a, b) => a.file.localeCompare(b.file))) {
      await m.handle.close();
      await rename(m.temp, m.file);
      files.push({ feed, table, year: m.year, month: m.month, file: m.file, rows: m.rows });
      options.onProgress?.({ kind: "written", feed, table, file: m.file, year: m.year, month: m.month, rows: m.rows });
    }
    return { files, warnings };
  } finally {
    for (const m of months.values()) {
      await m.handle.close().catch(() => undefined);
      await rm(m.temp, { force: true });
    }
  }
}

/** One RFC 4180 record (reference §1.3: comma separated, `"` quoting with doubled quotes, `\n` line ends). */
export function csvLine(values: string[]): string {
  return `${values.map(csvField).join(",")}\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
