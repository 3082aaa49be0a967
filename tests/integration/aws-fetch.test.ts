import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { inspect } from "node:util";

import { parse } from "csv-parse/sync";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { downloadAwsFeedsFromS3, type S3FeedProgress } from "../../scripts/clients/aws-s3.ts";
import { awsCredentialsFromEnv, type AwsCredentials } from "../../scripts/clients/aws.ts";
import { athenaFeedQuery, exportAthenaFeeds, type AthenaExportProgress } from "../../scripts/clients/athena.ts";
import { AuthenticationError, UsageError, VendorApiError } from "../../scripts/clients/errors.ts";
import { FakeAthena, FakeS3, type FakeAthenaTable } from "../helpers/fake-aws.ts";

// The SDK must never look for instance credentials or settings outside the test.
process.env.AWS_EC2_METADATA_DISABLED = "true";

const ACCESS_KEY_ID = "AKIAEXAMPLEFEEDS0001";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";
const ENV = { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: SESSION_TOKEN, AWS_REGION: "us-east-1" };
const aws: AwsCredentials = awsCredentialsFromEnv(ENV);

const BUCKET = "hangang-marketplace-feeds";
const BILLING_HEADER = "billing_event_id,from_account_id,to_account_id,amount,currency,invoice_date,description\n";

/** Text that tests every RFC 4180 rule at once (reference §1.3). */
const TRICKY = {
  comma: "Hangang Cloud Partners, Seoul",
  quotes: 'The "Pro" plan, 12 months',
  lines: "line one\nline two\r\nline three",
  korean: "한강 클라우드 파트너스 주식회사",
  german: "Größenänderung – Straße Müller GmbH",
};

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "rbw-aws-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Every file under DIR/aws-marketplace, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, "aws-marketplace"), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(join(dir, "aws-marketplace"), join(e.parentPath, e.name)))
    .sort();
}

function csv(text: string): string[][] {
  return parse(text, { relax_column_count: false }) as string[][];
}

describe("AWS Marketplace feeds from S3", () => {
  const s3 = new FakeS3(ACCESS_KEY_ID);
  beforeAll(() => s3.start());
  afterAll(() => s3.stop());
  beforeEach(() => {
    s3.requests.length = 0;
    s3.failures.length = 0;
    s3.maxKeysCap = 2;
  });

  const billing2026 =
    BILLING_HEADER +
    `be-1,000123456789,999988887777,100.000000,USD,2026-10-03T00:00:00Z,"${TRICKY.comma}"\n` +
    `be-2,000123456789,999988887777,-20.000000,USD,2026-10-03T00:00:00Z,"${TRICKY.quotes.replace(/"/g, '""')}"\n` +
    `be-3,000123456789,999988887777,5.500000,EUR,2026-10-04T00:00:00Z,"${TRICKY.lines}"\n` +
    `be-4,000123456789,999988887777,7.000000,EUR,2026-10-04T00:00:00Z,${TRICKY.korean}\n` +
    `be-5,000123456789,999988887777,8.000000,EUR,2026-10-05T00:00:00Z,${TRICKY.german}\n`;
  const objects: Record<string, string> = {
    "seller-feeds/BillingEventFeed_V1/year=2010/month=01/data.csv": BILLING_HEADER + "be-0,000123456789,999988887777,1.000000,USD,2019-05-01T00:00:00Z,backfill\n",
    "seller-feeds/BillingEventFeed_V1/year=2026/month=10/data.csv": billing2026,
    "seller-feeds/AccountFeed_V1/year=2026/month=10/data.csv": "account_id,aws_account_id,legal_name\nacc-1,000123456789,Hanbit Retail\n",
    "seller-feeds/ProductFeed_V1/year=2026/month=11/data.csv": "product_id,title\n",
    "seller-feeds/ProductFeed_V1/year=2010/month=01/data.csv": `product_id,title\nprod-1,"${TRICKY.comma}"\n`,
    // Not feed month files: left alone.
    "seller-feeds/BillingEventFeed_V1/_manifest.json": "{}",
    "seller-feeds/README.txt": "notes",
    "other-team/BillingEventFeed_V1/year=2026/month=10/data.csv": BILLING_HEADER,
  };
  beforeAll(() => {
    for (const [key, body] of Object.entries(objects)) s3.put(BUCKET, key, body);
  });

  const download = (onProgress?: (e: S3FeedProgress) => void) =>
    downloadAwsFeedsFromS3({ bucket: BUCKET, prefix: "seller-feeds/", dataDir, credentials: aws, endpoint: s3.endpoint, onProgress });

  it("downloads every feed month from S3 into the delivery layout, following pagination", async () => {
    // One S3 throttle (503 SlowDown) on the first listing: the SDK retries it.
    s3.failures.push({ operation: "ListObjectsV2", status: 503, code: "SlowDown", message: "Please reduce your request rate." });
    const events: S3FeedProgress[] = [];
    const result = await download((e) => events.push(e));

    expect(await tree(dataDir)).toEqual([
      ".s3-state.json",
      "AccountFeed_V1/year=2026/month=10/data.csv",
      "BillingEventFeed_V1/year=2010/month=01/data.csv",
      "BillingEventFeed_V1/year=2026/month=10/data.csv",
      "ProductFeed_V1/year=2010/month=01/data.csv",
      "ProductFeed_V1/year=2026/month=11/data.csv",
    ]);
    for (const file of result.downloaded) {
      expect(await readFile(file.file, "utf8")).toBe(objects[file.key]);
    }
    expect(result.downloaded).toHaveLength(5);
    expect(result.skipped).toEqual([]);
    expect(result.ignored.sort()).toEqual(["seller-feeds/BillingEventFeed_V1/_manifest.json", "seller-feeds/README.txt"]);
    expect(events.map((e) => e.action)).toEqual(Array(5).fill("downloaded"));

    // 7 keys under the prefix, 2 per page: 4 pages, each after the first continuing from the last token.
    const lists = s3.calls("ListObjectsV2");
    expect(lists).toHaveLength(5);
    expect(lists.map((r) => [r.path, r.query.prefix])).toEqual(Array(5).fill([`/${BUCKET}/`, "seller-feeds/"]));
    expect(lists[0].query["continuation-token"]).toBeUndefined();
    expect(lists[1].query["continuation-token"]).toBeUndefined();
    expect(lists.slice(2).every((r) => typeof r.query["continuation-token"] === "string")).toBe(true);
    expect(s3.calls("GetObject")).toHaveLength(5);
    // Signed with SigV4 by the key from the environment, in its region, with the session token.
    expect(s3.requests[0].authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/s3/aws4_request`));
    expect(s3.requests.every((r) => r.securityToken === SESSION_TOKEN)).toBe(true);

    const billing = csv(await readFile(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=10/data.csv"), "utf8"));
    expect(billing.map((r) => r[6])).toEqual(["description", TRICKY.comma, TRICKY.quotes, TRICKY.lines, TRICKY.korean, TRICKY.german]);
    expect(billing[1][1]).toBe("000123456789");
  });

  it("skips objects downloaded before", async () => {
    await download();
    s3.requests.length = 0;

    const again = await download();
    expect(again.downloaded).toEqual([]);
    expect(again.skipped).toHaveLength(5);
    expect(s3.calls("GetObject")).toEqual([]);

    // AWS appends the next day's delivery to the month file: only that object is fetched again.
    const key = "seller-feeds/BillingEventFeed_V1/year=2026/month=10/data.csv";
    const day = "be-6,000123456789,999988887777,9.000000,USD,2026-10-06T00:00:00Z,next day\n";
    s3.append(BUCKET, key, day);
    try {
      const appended = await download();
      expect(appended.downloaded.map((f) => f.key)).toEqual([key]);
      expect(appended.skipped).toHaveLength(4);
      expect(await readFile(appended.downloaded[0].file, "utf8")).toBe(billing2026 + day);

      // A local file removed since (or damaged to another size) is fetched again, whatever the state says.
      const account = join(dataDir, "aws-marketplace/AccountFeed_V1/year=2026/month=10/data.csv");
      await rm(account);
      await writeFile(join(dataDir, "aws-marketplace/ProductFeed_V1/year=2026/month=11/data.csv"), "product_id\n");
      const repaired = await download();
      expect(repaired.downloaded.map((f) => f.feed).sort()).toEqual(["AccountFeed_V1", "ProductFeed_V1"]);
      expect(await readFile(account, "utf8")).toBe(objects["seller-feeds/AccountFeed_V1/year=2026/month=10/data.csv"]);
      // No temporary file is left beside the data.
      expect((await tree(dataDir)).filter((f) => f.endsWith(".part"))).toEqual([]);
    } finally {
      s3.put(BUCKET, key, billing2026);
    }
  });

  it("reports a missing bucket and refused credentials as AWS errors", async () => {
    await expect(downloadAwsFeedsFromS3({ bucket: "no-such-bucket", dataDir, credentials: aws, endpoint: s3.endpoint })).rejects.toThrow(
      /S3 refused listing s3:\/\/no-such-bucket\/: NoSuchBucket \(HTTP 404\)/,
    );
    const wrong = awsCredentialsFromEnv({ ...ENV, AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000" });
    const error = await downloadAwsFeedsFromS3({ bucket: BUCKET, dataDir, credentials: wrong, endpoint: s3.endpoint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/InvalidAccessKeyId \(HTTP 403\)/);
    await expect(downloadAwsFeedsFromS3({ bucket: "Not_A_Bucket", dataDir, credentials: aws, endpoint: s3.endpoint })).rejects.toThrow(UsageError);
  });
});

describe("AWS Marketplace feeds from Athena", () => {
  const athena = new FakeAthena(ACCESS_KEY_ID);
  beforeAll(() => athena.start());
  afterAll(() => athena.stop());
  beforeEach(() => {
    athena.requests.length = 0;
    athena.failures.length = 0;
    athena.tables.clear();
    athena.maxResultsCap = 3;
  });

  const loc = (feed: string, year: string, month: string) => `s3://${BUCKET}/seller-feeds/${feed}/year=${year}/month=${month}/data.csv`;
  const billingTable = (): FakeAthenaTable => ({
    // A Glue crawler over the layout adds the `year=` and `month=` folders as partition columns.
    columns: ["billing_event_id", "from_account_id", "amount", "currency", "description", "year", "month"].map((name) => ({ name, type: "varchar" })),
    rows: [
      { path: loc("BillingEventFeed_V1", "2010", "01"), values: ["be-0", "000123456789", "1.000000", "USD", "backfill", "2010", "01"] },
      { path: loc("BillingEventFeed_V1", "2026", "10"), values: ["be-1", "000123456789", "100.000000", "USD", TRICKY.comma, "2026", "10"] },
      { path: loc("BillingEventFeed_V1", "2026", "10"), values: ["be-2", "000123456789", "-20.000000", "USD", TRICKY.quotes, "2026", "10"] },
      { path: loc("BillingEventFeed_V1", "2026", "11"), values: ["be-3", "000123456789", "5.500000", "EUR", TRICKY.lines, "2026", "11"] },
      { path: loc("BillingEventFeed_V1", "2026", "10"), values: ["be-4", "000123456789", "7.000000", "EUR", TRICKY.korean, "2026", "10"] },
      { path: loc("BillingEventFeed_V1", "2026", "11"), values: ["be-5", "000123456789", "8.000000", "EUR", TRICKY.german, "2026", "11"] },
      { path: loc("BillingEventFeed_V1", "2026", "11"), values: ["be-6", "000123456789", null, "EUR", "", "2026", "11"] },
    ],
  });
  const accountTable = (): FakeAthenaTable => ({
    columns: ["account_id", "aws_account_id", "legal_name", "year", "month"].map((name) => ({ name, type: "varchar" })),
    rows: [{ path: loc("AccountFeed_V1", "2026", "10"), values: ["acc-1", "000123456789", "Hanbit Retail", "2026", "10"] }],
  });

  const sleeps: number[] = [];
  const run = (tables: Record<string, string>, onProgress?: (e: AthenaExportProgress) => void) =>
    exportAthenaFeeds({
      database: "marketplace_feeds",
      tables,
      workgroup: "feeds",
      outputLocation: "s3://hangang-athena-results/feeds/",
      dataDir,
      credentials: aws,
      endpoint: athena.endpoint,
      pollIntervalMs: 250,
      maxPolls: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onProgress,
    });

  it("exports Athena feed tables into the same layout, paging through results", async () => {
    athena.tables.set("marketplace_feeds.billingeventfeed_v1", billingTable());
    athena.tables.set("marketplace_feeds.accountfeed_v1", accountTable());
    // Throttled once on start and once on a results page: the SDK retries both.
    athena.failures.push({ operation: "AmazonAthena.StartQueryExecution", status: 400, code: "ThrottlingException", message: "Rate exceeded" });
    athena.failures.push({ operation: "AmazonAthena.GetQueryResults", status: 400, code: "ThrottlingException", message: "Rate exceeded" });
    sleeps.length = 0;
    const events: AthenaExportProgress[] = [];

    const result = await run({ BillingEventFeed_V1: "billingeventfeed_v1", AccountFeed_V1: "accountfeed_v1" }, (e) => events.push(e));

    expect(await tree(dataDir)).toEqual([
      "AccountFeed_V1/year=2026/month=10/data.csv",
      "BillingEventFeed_V1/year=2010/month=01/data.csv",
      "BillingEventFeed_V1/year=2026/month=10/data.csv",
      "BillingEventFeed_V1/year=2026/month=11/data.csv",
    ]);
    expect(result.rows).toBe(8);
    expect(result.files.map((f) => [f.feed, f.year, f.month, f.rows])).toEqual([
      ["BillingEventFeed_V1", "2010", "01", 1],
      ["BillingEventFeed_V1", "2026", "10", 3],
      ["BillingEventFeed_V1", "2026", "11", 3],
      ["AccountFeed_V1", "2026", "10", 1],
    ]);
    expect(result.warnings).toEqual([]);

    const starts = athena.calls("AmazonAthena.StartQueryExecution");
    expect(starts).toHaveLength(3);
    expect(starts[0].body).toMatchObject({
      QueryString: 'SELECT *, "$path" AS "$path" FROM "marketplace_feeds"."billingeventfeed_v1"',
      QueryExecutionContext: { Database: "marketplace_feeds" },
      WorkGroup: "feeds",
      ResultConfiguration: { OutputLocation: "s3://hangang-athena-results/feeds/" },
    });
    // The retried start carries the same idempotency token, so Athena runs the query once.
    expect(starts[1].body.ClientRequestToken).toBe(starts[0].body.ClientRequestToken);
    // QUEUED -> RUNNING -> SUCCEEDED for each table, waiting between polls.
    expect(events.filter((e) => e.kind === "state").map((e) => (e.kind === "state" ? `${e.table}:${e.state}` : ""))).toEqual([
      "billingeventfeed_v1:QUEUED",
      "billingeventfeed_v1:RUNNING",
      "billingeventfeed_v1:SUCCEEDED",
      "accountfeed_v1:QUEUED",
      "accountfeed_v1:RUNNING",
      "accountfeed_v1:SUCCEEDED",
    ]);
    expect(sleeps).toEqual([250, 250, 250, 250]);
    // 8 result rows (header + 7) in pages of 3: 3 pages, 1 throttled and retried; then 1 page for accounts.
    const pages = athena.calls("AmazonAthena.GetQueryResults");
    expect(pages.map((p) => p.body.NextToken === undefined)).toEqual([true, true, false, false, true]);
    expect(athena.requests.every((r) => r.authorization?.startsWith(`AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/`) && r.authorization.includes("/us-east-1/athena/aws4_request"))).toBe(true);

    const october = csv(await readFile(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=10/data.csv"), "utf8"));
    expect(october).toEqual([
      ["billing_event_id", "from_account_id", "amount", "currency", "description"],
      ["be-1", "000123456789", "100.000000", "USD", TRICKY.comma],
      ["be-2", "000123456789", "-20.000000", "USD", TRICKY.quotes],
      ["be-4", "000123456789", "7.000000", "EUR", TRICKY.korean],
    ]);
    const accounts = await readFile(join(dataDir, "aws-marketplace/AccountFeed_V1/year=2026/month=10/data.csv"), "utf8");
    expect(accounts).toBe("account_id,aws_account_id,legal_name\nacc-1,000123456789,Hanbit Retail\n");
  });

  it("round-trips quoted commas, doubled quotes, line breaks, Korean and German text", async () => {
    athena.tables.set("marketplace_feeds.billingeventfeed_v1", billingTable());
    await run({ BillingEventFeed_V1: "billingeventfeed_v1" });
    const november = await readFile(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=11/data.csv"), "utf8");
    // RFC 4180 with `\n` line ends (reference §1.3): quoted only where needed, quotes doubled, NULL and '' both empty.
    expect(november).toBe(
      "billing_event_id,from_account_id,amount,currency,description\n" +
        `be-3,000123456789,5.500000,EUR,"${TRICKY.lines}"\n` +
        `be-5,000123456789,8.000000,EUR,${TRICKY.german}\n` +
        "be-6,000123456789,,EUR,\n",
    );
    const rows = csv(november);
    expect(rows.slice(1).map((r) => r[4])).toEqual([TRICKY.lines, TRICKY.german, ""]);
    const october = csv(await readFile(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=10/data.csv"), "utf8"));
    expect(october.slice(1).map((r) => r[4])).toEqual([TRICKY.comma, TRICKY.quotes, TRICKY.korean]);
    expect(await readFile(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=10/data.csv"), "utf8")).toContain('"The ""Pro"" plan, 12 months"');
  });

  it("reports a FAILED Athena query with its reason", async () => {
    athena.tables.set("marketplace_feeds.billingeventfeed_v1", {
      ...billingTable(),
      states: ["QUEUED", "RUNNING", "FAILED"],
      reason: "HIVE_BAD_DATA: Error parsing field value '1,0' for field 2: For input string: \"1,0\"",
    });
    const error = await run({ BillingEventFeed_V1: "billingeventfeed_v1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toMatch(/^Athena query [0-9a-f-]{36} for the export of marketplace_feeds\.billingeventfeed_v1 \(feed BillingEventFeed_V1\) FAILED: HIVE_BAD_DATA: Error parsing field value '1,0'/);
    expect(athena.calls("AmazonAthena.GetQueryResults")).toEqual([]);

    // A table that does not exist fails the same way, with Athena's reason.
    await expect(run({ AccountFeed_V1: "accountfeed_v2" })).rejects.toThrow(/FAILED: TABLE_NOT_FOUND: .*accountfeed_v2' does not exist/);

    // A query that never finishes is stopped after maxPolls.
    athena.tables.set("marketplace_feeds.accountfeed_v1", { ...accountTable(), states: ["QUEUED", "RUNNING"] });
    await expect(run({ AccountFeed_V1: "accountfeed_v1" })).rejects.toThrow(/did not finish after 10 polls \(last state RUNNING\); it was stopped/);
    expect(athena.calls("AmazonAthena.StopQueryExecution")).toHaveLength(1);
    await expect(tree(dataDir)).rejects.toThrow();
  });

  it("quotes table names so they cannot change the query", () => {
    expect(athenaFeedQuery("feeds", 'x" ; DROP TABLE y; --')).toBe('SELECT *, "$path" AS "$path" FROM "feeds"."x"" ; DROP TABLE y; --"');
  });

  it("names a missing AWS variable and never prints the secret", async () => {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      const env: Record<string, string | undefined> = { ...ENV, [name]: undefined };
      expect(() => awsCredentialsFromEnv(env)).toThrow(UsageError);
      expect(() => awsCredentialsFromEnv(env)).toThrow(new RegExp(`Set ${name} in the environment`));
    }
    expect(() => awsCredentialsFromEnv({ ...ENV, AWS_REGION: undefined })).toThrow(/Set AWS_REGION \(or AWS_DEFAULT_REGION\)/);
    expect(awsCredentialsFromEnv({ ...ENV, AWS_REGION: undefined, AWS_DEFAULT_REGION: "eu-central-1" }).region).toBe("eu-central-1");
    expect(() => awsCredentialsFromEnv({ ...ENV, AWS_REGION: "https://evil.example" })).toThrow(UsageError);
    const withoutToken = awsCredentialsFromEnv({ ...ENV, AWS_SESSION_TOKEN: undefined });
    expect(withoutToken.credentials).toEqual({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    // Only the standard variables: nothing else in the environment is consulted.
    expect(() => awsCredentialsFromEnv({ AWS_PROFILE: "default", AWS_REGION: "us-east-1" })).toThrow(/Set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY in the environment/);

    // Printing the options object shows neither the secret nor the token.
    for (const printed of [inspect(aws, { depth: 5 }), JSON.stringify(aws), String(aws)]) {
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(SESSION_TOKEN);
    }

    // Even when AWS echoes the session token in an error, the message does not carry it.
    athena.failures.push({ operation: "AmazonAthena.StartQueryExecution", status: 400, code: "UnrecognizedClientException", message: "The security token included in the request is invalid: {token}" });
    const error = await run({ BillingEventFeed_V1: "billingeventfeed_v1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain("UnrecognizedClientException (HTTP 400)");
    expect((error as Error).message).toContain("invalid: ***");
    expect((error as Error).message).not.toContain(SESSION_TOKEN);
    expect(athena.requests[0].securityToken).toBe(SESSION_TOKEN);
  });
});
