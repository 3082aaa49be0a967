import { exportAthenaFeeds } from "../clients/athena.ts";
import { awsCredentialsFromEnv } from "../clients/aws.ts";
import { downloadAwsFeedsFromS3 } from "../clients/aws-s3.ts";
import { UsageError } from "../clients/errors.ts";
import type { AwsFeed } from "./aws-marketplace.ts";
import type { VendorApi } from "./vendor-module.ts";

/**
 * `rbw land aws --from-api`: the feeds copied from the S3 bucket AWS delivers them to (`--s3-bucket`), or
 * exported from Athena tables over them (`--athena-database`, tables named as the feed folders in lower
 * case; the feeds not every seller has, `optional` in feeds.json, are left out), into the delivery
 * layout. Credentials come from the standard AWS environment variables; `AWS_ENDPOINT_URL` points the
 * clients at another endpoint (an S3-compatible store).
 */
export function awsMarketplaceApi(feeds: AwsFeed[]): VendorApi {
  return {
    usage: "--s3-bucket B [--s3-prefix P] | --athena-database D [--athena-workgroup W] [--athena-output s3://...]; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION from the environment",
    async fetch(dataDir, options, onProgress) {
      if (Boolean(options.s3Bucket) === Boolean(options.athenaDatabase)) {
        throw new UsageError("rbw land aws --from-api needs one of --s3-bucket (the bucket AWS delivers the feeds to) or --athena-database (Athena tables over them).");
      }
      const credentials = awsCredentialsFromEnv();
      const endpoint = process.env.AWS_ENDPOINT_URL?.trim() || undefined;
      if (options.s3Bucket) {
        const result = await downloadAwsFeedsFromS3({
          bucket: options.s3Bucket,
          prefix: options.s3Prefix,
          dataDir,
          credentials,
          endpoint,
          onProgress: (event) => onProgress(`${event.action} s3://${options.s3Bucket}/${event.key} (${event.size} bytes)`),
        });
        return `Copied ${result.downloaded.length} feed files from s3://${options.s3Bucket}${options.s3Prefix ? `/${options.s3Prefix}` : ""} (${result.skipped.length} unchanged).`;
      }
      const tables = Object.fromEntries(feeds.filter((f) => !f.optional).map((f) => [f.feed, f.feed.toLowerCase()]));
      const result = await exportAthenaFeeds({
        database: options.athenaDatabase as string,
        tables,
        workgroup: options.athenaWorkgroup,
        outputLocation: options.athenaOutput,
        dataDir,
        credentials,
        endpoint,
        pollIntervalMs: options.pollSeconds === undefined ? undefined : options.pollSeconds * 1000,
        onProgress: (event) => {
          if (event.kind === "written") onProgress(`wrote ${event.feed} ${event.year}-${event.month}: ${event.rows} rows`);
        },
      });
      for (const warning of result.warnings) onProgress(warning);
      return `Exported ${result.rows} rows of ${Object.keys(tables).length} feeds from Athena database ${options.athenaDatabase} into ${result.files.length} month files.`;
    },
  };
}
