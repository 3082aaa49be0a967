import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { inspect } from "node:util";

import { AuthenticationError, redact, UsageError, VendorApiError } from "./errors.ts";

/**
 * Static AWS credentials in the shape the SDK v3 clients accept for their `credentials` option
 * (an AwsCredentialIdentity); declared here so no transitive `@smithy/*` package is imported.
 */
export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What an SDK v3 client needs to sign requests: spread it into `new S3Client({ ...aws })`. */
export interface AwsCredentials {
  region: string;
  credentials: AwsStaticCredentials;
}

/** A region code as the SDK builds endpoint host names from it (`eu-central-1`, `ap-northeast-2`, `us-gov-west-1`). */
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;

/**
 * Reads the standard AWS environment variables and nothing else (no profiles, no instance metadata),
 * so the same process behaves the same on a laptop, in CI and on a schedule:
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN (temporary credentials), and
 * AWS_REGION or else AWS_DEFAULT_REGION (the AWS CLI's spelling).
 */
export function awsCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  const region = (env.AWS_REGION || env.AWS_DEFAULT_REGION)?.trim();
  const missing: string[] = [];
  if (!accessKeyId) missing.push("AWS_ACCESS_KEY_ID");
  if (!secretAccessKey) missing.push("AWS_SECRET_ACCESS_KEY");
  if (!region) missing.push("AWS_REGION (or AWS_DEFAULT_REGION)");
  if (missing.length > 0) {
    throw new UsageError(`Set ${missing.join(", ")} in the environment: AWS credentials are read from the standard AWS environment variables only.`);
  }
  if (!REGION.test(region as string)) {
    throw new UsageError(`"${region}" is not an AWS region code (AWS_REGION / AWS_DEFAULT_REGION, for example us-east-1).`);
  }
  const credentials: AwsStaticCredentials = { accessKeyId: accessKeyId as string, secretAccessKey: secretAccessKey as string };
  if (sessionToken) credentials.sessionToken = sessionToken;
  const result: AwsCredentials = { region: region as string, credentials };
  // Logging the options object (console.log, JSON.stringify in a debug dump) must not print the
  // secret either; these are non-enumerable so the SDK's own copies of the object are unaffected.
  const safe = () => ({ region: result.region, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "***", ...(sessionToken ? { sessionToken: "***" } : {}) } });
  Object.defineProperty(result, "toJSON", { value: safe, enumerable: false });
  Object.defineProperty(result, inspect.custom, { value: () => safe(), enumerable: false });
  return result;
}

/** The secrets of `aws`, for `redact`. */
export function awsSecrets(aws: AwsCredentials): string[] {
  return [aws.credentials.secretAccessKey, aws.credentials.sessionToken].filter((s): s is string => Boolean(s));
}

/** Error codes with which AWS refuses the caller's identity rather than the request. */
const AUTH_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidAccessKeyId",
  "InvalidClientTokenId",
  "InvalidToken",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
]);

/**
 * An AWS SDK failure as a VendorApiError (AuthenticationError when AWS refused the credentials) naming
 * what was refused, with AWS's error code, HTTP status and message, secrets redacted.
 */
export function awsRefused(service: string, what: string, error: unknown, aws: AwsCredentials): VendorApiError {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const message = redact(`${service} refused ${what}: ${code}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? String(error)}`, awsSecrets(aws));
  return AUTH_CODES.has(code) ? new AuthenticationError(message, status) : new VendorApiError(message, status);
}

/**
 * The local delivery layout mirrors AWS's S3 layout (reference §1.2, `bucket/<feed>_<version>/year=YYYY/month=MM/data.csv`)
 * under `DIR/aws-marketplace/`, so the lander reads the same files whichever way they were fetched.
 */
export const AWS_MARKETPLACE_DIR = "aws-marketplace";

/** A feed folder name that is safe as one path segment (`billingeventfeed_v1`, `AddressFeed_V1`). */
export const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * A hidden name that does not end in `.csv`, so a lander scanning the month folder never picks up a
 * file that is still being written (or was left by an interrupted run).
 */
export function tempPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.part`);
}

/** Writes `text` to `file` through a temporary file and a rename. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPath(file);
  try {
    await writeFile(temp, text, "utf8");
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}
