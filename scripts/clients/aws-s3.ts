import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from "@aws-sdk/client-s3";

import { AWS_MARKETPLACE_DIR, awsRefused, FEED_NAME, tempPath, writeAtomically, type AwsCredentials } from "./aws.ts";
import { UsageError, VendorApiError } from "./errors.ts";

export interface S3FeedDownloadOptions {
  bucket: string;
  /** The folder inside the bucket that holds the feed folders (none when the feeds sit at the bucket root, as AWS delivers them). */
  prefix?: string;
  /** The data directory; files go to `DIR/aws-marketplace/<feed>/year=YYYY/month=MM/<file>.csv`. */
  dataDir: string;
  credentials: AwsCredentials;
  /** Only for tests and S3-compatible stores: another endpoint than the region's own. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); on by default when `endpoint` is given. */
  forcePathStyle?: boolean;
  onProgress?: (event: S3FeedProgress) => void;
  /** An existing client (it is not destroyed afterwards). */
  client?: S3Client;
}

/** One feed month file in the bucket and where it is (or would be) kept locally. */
export interface S3FeedFile {
  key: string;
  feed: string;
  year: string;
  month: string;
  /** Absolute local path. */
  file: string;
  size: number;
  etag: string;
}

export interface S3FeedProgress extends S3FeedFile {
  action: "downloaded" | "skipped";
}

export interface S3FeedDownloadResult {
  downloaded: S3FeedFile[];
  /** Unchanged since the last download (same ETag and size, local file still there). */
  skipped: S3FeedFile[];
  /** Keys under the prefix that are not feed month files (other folders, non-CSV objects). */
  ignored: string[];
}

/** What was downloaded before, by `s3://bucket/key`: enough to tell an unchanged object from an appended one. */
interface S3State {
  version: 1;
  objects: Record<string, { etag: string; size: number; file: string }>;
}

export const S3_STATE_FILE = ".s3-state.json";

/** S3's bucket naming rules (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `<feed>/year=YYYY/month=MM/<file>.csv` relative to the prefix (reference §1.2), one segment per part. */
const FEED_KEY = /^([^/]+)\/year=(\d{4})\/month=(0[1-9]|1[0-2])\/([A-Za-z0-9][A-Za-z0-9_.-]*\.csv)$/;

/**
 * Downloads every AWS Marketplace seller data feed month file from the seller's bucket into the local
 * delivery layout. AWS appends each daily delivery to the month's `data.csv` (reference §1.2), so an
 * object is fetched again whenever its ETag or size changed, and skipped when both match the previous
 * download recorded in `DIR/aws-marketplace/.s3-state.json` and the local file is still there.
 * Each file is written to a temporary name and renamed, so a reader never sees half a file.
 */
export async function downloadAwsFeedsFromS3(options: S3FeedDownloadOptions): Promise<S3FeedDownloadResult> {
  const { bucket, dataDir, credentials: aws } = options;
  if (!BUCKET.test(bucket)) throw new UsageError(`"${bucket}" is not an S3 bucket name.`);
  const prefix = normalisePrefix(options.prefix);
  const root = join(dataDir, AWS_MARKETPLACE_DIR);
  const statePath = join(root, S3_STATE_FILE);
  const state = await readState(statePath);
  const client =
    options.client ??
    new S3Client({
      region: aws.region,
      credentials: aws.credentials,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      maxAttempts: 5,
    });
  const result: S3FeedDownloadResult = { downloaded: [], skipped: [], ignored: [] };
  try {
    for await (const object of listObjects(client, bucket, prefix, aws)) {
      const key = object.Key ?? "";
      const match = FEED_KEY.exec(key.slice(prefix.length));
      if (!match || !FEED_NAME.test(match[1])) {
        result.ignored.push(key);
        continue;
      }
      const [, feed, year, month, name] = match;
      const listed: S3FeedFile = {
        key,
        feed,
        year,
        month,
        file: join(root, feed, `year=${year}`, `month=${month}`, name),
        size: object.Size ?? 0,
        etag: object.ETag ?? "",
      };
      const id = `s3://${bucket}/${key}`;
      const before = state.objects[id];
      if (before && listed.etag !== "" && before.etag === listed.etag && before.size === listed.size && (await sizeOf(listed.file)) === listed.size) {
        result.skipped.push(listed);
        options.onProgress?.({ action: "skipped", ...listed });
        continue;
      }
      const got = await download(client, bucket, listed, aws);
      state.objects[id] = { etag: got.etag, size: got.size, file: got.file };
      await writeAtomically(statePath, `${JSON.stringify(state, null, 2)}\n`);
      result.downloaded.push(got);
      options.onProgress?.({ action: "downloaded", ...got });
    }
  } finally {
    if (!options.client) client.destroy();
  }
  return result;
}

function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return trimmed ? `${trimmed}/` : "";
}

/** ListObjectsV2 pages, following NextContinuationToken until IsTruncated is false. */
async function* listObjects(client: S3Client, bucket: string, prefix: string, aws: AwsCredentials): AsyncGenerator<_Object> {
  let token: string | undefined;
  for (let page = 0; ; page++) {
    let out;
    try {
      out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
    } catch (error) {
      throw awsRefused("S3", `listing s3://${bucket}/${prefix}`, error, aws);
    }
    yield* out.Contents ?? [];
    if (!out.IsTruncated) return;
    if (!out.NextContinuationToken || out.NextContinuationToken === token) {
      throw new VendorApiError(`S3 listed s3://${bucket}/${prefix} as truncated after page ${page + 1} without a new continuation token.`);
    }
    token = out.NextContinuationToken;
  }
}

/** GetObject into a temporary file beside the target, checked against Content-Length, then renamed. */
async function download(client: S3Client, bucket: string, listed: S3FeedFile, aws: AwsCredentials): Promise<S3FeedFile> {
  const what = `s3://${bucket}/${listed.key}`;
  await mkdir(dirname(listed.file), { recursive: true });
  const temp = tempPath(listed.file);
  try {
    let out;
    try {
      out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: listed.key }));
    } catch (error) {
      throw awsRefused("S3", `reading ${what}`, error, aws);
    }
    if (!out.Body) throw new VendorApiError(`S3 returned no body for ${what}.`);
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const body = out.Body instanceof Readable ? out.Body : Readable.from([Buffer.from(await out.Body.transformToByteArray())]);
    try {
      await pipeline(body, count, createWriteStream(temp));
    } catch (error) {
      throw new VendorApiError(`Reading ${what} was interrupted: ${(error as Error).message}`);
    }
    const expected = out.ContentLength ?? listed.size;
    if (bytes !== expected) throw new VendorApiError(`S3 sent ${bytes} bytes for ${what}, expected ${expected}.`);
    await rename(temp, listed.file);
    // The ETag of the bytes actually received: the object may have been appended to since the listing.
    return { ...listed, size: bytes, etag: out.ETag ?? listed.etag };
  } finally {
    await rm(temp, { force: true });
  }
}

async function readState(path: string): Promise<S3State> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { version: 1, objects: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<S3State>;
    if (parsed.version === 1 && parsed.objects && typeof parsed.objects === "object") return { version: 1, objects: parsed.objects };
  } catch {
    // A damaged state file only costs a fresh download of every object.
  }
  return { version: 1, objects: {} };
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}
