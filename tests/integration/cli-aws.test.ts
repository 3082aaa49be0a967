import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { FakeS3 } from "../helpers/fake-aws.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { rbwAsync as rbw } from "../helpers/rbw-cli.ts";

const FEEDS = join(REPO_ROOT, "tests/fixtures/aws-golden/aws-marketplace");
const ACCESS_KEY_ID = "AKIAHANGANGCLI000001";
const SECRET = "c2VjcmV0LWtleS1vZi10aGUtY2xpLXRlc3QtMDAwMDE=";
const BUCKET = "hangang-marketplace-feeds";

/** Every file under dir, relative path. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path).map((f) => join(entry, f)) : [entry];
  });
}

describe("rbw land aws --from-api", () => {
  const s3 = new FakeS3(ACCESS_KEY_ID);
  let data: string;
  let warehouseFile: string;
  const env = () => ({ AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: s3.endpoint, AWS_EC2_METADATA_DISABLED: "true" });

  beforeAll(async () => {
    await s3.start();
    for (const file of files(FEEDS)) s3.put(BUCKET, file, readFileSync(join(FEEDS, file)));
    data = mkdtempSync(join(tmpdir(), "rbw-aws-cli-"));
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden/config"), join(data, "config"), { recursive: true });
    warehouseFile = join(data, "warehouse.duckdb");
  });
  afterAll(async () => {
    await s3.stop();
    rmSync(data, { recursive: true, force: true });
  });

  it("copies the feeds from the S3 bucket into the delivery layout and lands them, never printing the secret", async () => {
    const result = await rbw(["--warehouse", warehouseFile, "land", "aws", "--from-api", "--s3-bucket", BUCKET, "--data", data], env());
    // The AWS SDK may warn about the Node.js version on stderr; the command itself reports no error.
    expect(result.stderr).not.toContain("rbw:");
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    expect(result.status).toBe(0);
    const copied = files(FEEDS).length;
    expect(result.stdout).toContain(`Copied ${copied} feed files from s3://${BUCKET} (0 unchanged).`);
    expect(result.stdout).not.toContain(SECRET);
    expect(files(join(data, "aws-marketplace")).filter((f) => f.endsWith(".csv")).sort()).toEqual(files(FEEDS).sort());
    const warehouse = await DuckDbWarehouse.open(warehouseFile);
    try {
      const [{ n }] = await warehouse.query<{ n: number }>("SELECT COUNT(*)::INTEGER AS n FROM raw.aws_billingeventfeed_v1");
      expect(n).toBe(31);
    } finally {
      await warehouse.close();
    }
    // A second fetch finds every object unchanged and lands nothing new.
    const again = await rbw(["--warehouse", warehouseFile, "land", "aws", "--from-api", "--s3-bucket", BUCKET, "--data", data], env());
    expect(again.stdout).toContain(`Copied 0 feed files from s3://${BUCKET} (${copied} unchanged).`);
    expect(again.stdout).toMatch(/Landed 0 rows/);
  });

  it("asks for a bucket or an Athena database, and names missing credentials", async () => {
    const neither = await rbw(["land", "aws", "--from-api", "--data", data], env());
    expect(neither.status).toBe(1);
    expect(neither.stderr).toContain("needs one of --s3-bucket");
    const noKey = await rbw(["land", "aws", "--from-api", "--s3-bucket", BUCKET, "--data", data], { ...env(), AWS_ACCESS_KEY_ID: "" });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toContain("AWS_ACCESS_KEY_ID");
  });
});
