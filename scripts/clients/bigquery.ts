import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";

import { UsageError, VendorApiError } from "./errors.ts";

export { VendorApiError };

export interface BigQueryTarget {
  projectId: string;
  location?: string;
  /** Only for tests and emulators: another REST endpoint than BigQuery's own. */
  apiEndpoint?: string;
}

/** Environment variable that may hold an OAuth access token (e.g. `gcloud auth print-access-token`). */
export const ACCESS_TOKEN_ENV = "RBW_BIGQUERY_ACCESS_TOKEN";

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * A BigQuery client. Credentials come from the environment only: an access token in
 * RBW_BIGQUERY_ACCESS_TOKEN, or else Google's Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or the runtime's service account).
 */
export function bigQueryClient(target: BigQueryTarget, env: NodeJS.ProcessEnv = process.env): BigQuery {
  if (!PROJECT_ID.test(target.projectId)) throw new UsageError(`"${target.projectId}" is not a Google Cloud project id.`);
  const token = env[ACCESS_TOKEN_ENV];
  let authClient: OAuth2Client | undefined;
  if (token) {
    authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: token });
  }
  return new BigQuery({ projectId: target.projectId, location: target.location, apiEndpoint: target.apiEndpoint, authClient, maxRetries: 3 });
}

/** Runs one statement with named parameters; BigQuery errors become VendorApiError naming `what`. */
export async function runStatement(
  client: BigQuery,
  what: string,
  query: string,
  params: Record<string, unknown>,
  types: Record<string, unknown>,
): Promise<void> {
  try {
    await client.query({ query, params, types: types as never, useLegacySql: false, location: client.location });
  } catch (error) {
    throw refused(what, error);
  }
}

/** A BigQuery API failure as a VendorApiError naming what was refused, with BigQuery's own message. */
export function refused(what: string, error: unknown): VendorApiError {
  const e = error as { code?: number; message?: string };
  return new VendorApiError(`BigQuery refused ${what}${e.code ? ` (HTTP ${e.code})` : ""}: ${e.message ?? String(error)}`);
}
