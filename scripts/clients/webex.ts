import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { z } from "zod";

import { issueText } from "../contracts/zod-issue.ts";
import { isWebexReportType, WEBEX_REPORT_TYPES, type WebexReportType } from "../land/webex-report-format.ts";
import { AuthenticationError, redact, UsageError, VendorApiError } from "./errors.ts";

/**
 * Client for the Webex Wholesale Billing Reports API (reference peers-and-apis.md §1, seed 004):
 * list, create, get and delete reports, and download a completed report's CSV from its signed,
 * expiring `tempDownloadURL`. The access token goes only into the Authorization header of requests
 * to the configured API origin; the download URL is signed by Webex and is never sent the token.
 */

export interface WebexCredentials {
  accessToken: string;
  /** The API base without `/v1`, e.g. `https://webexapis.com`. */
  apiUrl: string;
}

export const WEBEX_TOKEN_ENV = "WEBEX_ACCESS_TOKEN";
export const WEBEX_API_URL_ENV = "WEBEX_API_URL";
export const WEBEX_DEFAULT_API_URL = "https://webexapis.com";

/**
 * Reads WEBEX_ACCESS_TOKEN (a partner administrator token with the wholesale billing reports scopes,
 * reference §1.1) and WEBEX_API_URL from the environment.
 */
export function webexCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): WebexCredentials {
  const accessToken = env[WEBEX_TOKEN_ENV]?.trim();
  if (!accessToken) {
    throw new UsageError(
      `Set ${WEBEX_TOKEN_ENV} in the environment: a Webex partner administrator access token with the spark-admin:wholesale_billing_reports_read and _write scopes.`,
    );
  }
  const rawUrl = env[WEBEX_API_URL_ENV]?.trim() || WEBEX_DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`${WEBEX_API_URL_ENV} "${redact(rawUrl, [accessToken])}" is not a URL (for example ${WEBEX_DEFAULT_API_URL}).`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search || url.hash) {
    throw new UsageError(`${WEBEX_API_URL_ENV} must be a plain http(s) URL without credentials, query or fragment (for example ${WEBEX_DEFAULT_API_URL}).`);
  }
  const apiUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  if (/\/v1$/.test(apiUrl)) {
    throw new UsageError(`${WEBEX_API_URL_ENV} is the base URL without /v1: use ${apiUrl.replace(/\/v1$/, "")}.`);
  }
  const credentials: WebexCredentials = { accessToken, apiUrl };
  // A debug dump of the options (console.log, JSON.stringify) must not print the token either.
  const safe = () => ({ accessToken: "***", apiUrl });
  Object.defineProperty(credentials, "toJSON", { value: safe, enumerable: false });
  Object.defineProperty(credentials, inspect.custom, { value: () => safe(), enumerable: false });
  return credentials;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string): number | undefined {
  if (!ISO_DATE.test(value)) return undefined;
  const time = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) return undefined;
  return time;
}

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * Checks a billing period before anything is sent. Seed 004 ("도매 청구 보고서 만들기", step 2): any
 * date within the last five years, but not the current date; days are taken in UTC. Throws a
 * UsageError saying which rule failed.
 */
export function validateReportPeriod(start: string, end: string, today: Date): void {
  const startDay = parseDay(start);
  if (startDay === undefined) throw new UsageError(`The start date "${start}" is not a calendar date written YYYY-MM-DD.`);
  const endDay = parseDay(end);
  if (endDay === undefined) throw new UsageError(`The end date "${end}" is not a calendar date written YYYY-MM-DD.`);
  if (startDay > endDay) throw new UsageError(`The start date ${start} is after the end date ${end}: the start must not be later than the end.`);
  const todayDay = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const todayText = isoDay(todayDay);
  if (endDay > todayDay) {
    throw new UsageError(`The end date ${end} is in the future (today is ${todayText} UTC): a Webex billing report covers past days only.`);
  }
  if (endDay === todayDay) {
    throw new UsageError(`The end date ${end} is today (${todayText} UTC): Webex does not accept the current date; end the period yesterday at the latest.`);
  }
  // Five calendar years back; 29 February falls back to 28 February when the earlier year has none.
  const earliestYear = today.getUTCFullYear() - 5;
  const lastDayOfMonth = new Date(Date.UTC(earliestYear, today.getUTCMonth() + 1, 0)).getUTCDate();
  const earliest = Date.UTC(earliestYear, today.getUTCMonth(), Math.min(today.getUTCDate(), lastDayOfMonth));
  if (startDay < earliest) {
    throw new UsageError(`The start date ${start} is more than 5 years ago: Webex reports cover the last 5 years only (the earliest start today is ${isoDay(earliest)}).`);
  }
}

/** The report's GET body reduced to what is saved as `DIR/webex/<report_id>.json`. */
export interface WebexReportMetadata {
  id: string;
  type: WebexReportType;
  billingStartDate: string;
  billingEndDate: string;
  status: string;
  created: string;
  subPartnerOrgId?: string;
}

export interface WebexSavedReport {
  metadata: WebexReportMetadata;
  csvPath: string;
  metadataPath: string;
  bytes: number;
  /** reused: an existing report of the period was downloaded; created: a new report was generated; already-saved: its files were there. */
  origin: "reused" | "created" | "already-saved";
}

export interface FetchWebexReportsOptions {
  start: string;
  end: string;
  /** The data directory; reports are saved in DIR/webex/. */
  dataDir: string;
  credentials: WebexCredentials;
  subPartnerOrgId?: string;
  types?: WebexReportType[];
  today?: Date;
  /** Wait between two status polls of a report being generated. */
  pollIntervalMs?: number;
  /** Status polls per report before giving up (the report is picked up by the next run). */
  maxPolls?: number;
  /** Retries of one request after a 429, a 5xx or a network failure. */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (message: string) => void;
  fetchImpl?: typeof fetch;
}

const DEFAULTS = {
  pollIntervalMs: 15_000,
  maxPolls: 80,
  maxRetries: 5,
  /** First backoff after a 5xx or a network failure; doubled on each retry, capped. */
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
  /** Longer Retry-After waits are not sat out: the run stops and says when to come back. */
  maxRetryAfterMs: 600_000,
  /** Fresh download links asked for after a 403 on the signed URL. */
  maxLinkRefreshes: 3,
  /** Reference §1.3: at most 100 reports per list page. */
  pageSize: 100,
  maxPages: 1_000,
  requestTimeoutMs: 120_000,
};

const reportError = z.object({ code: z.number().optional(), description: z.string().optional() });
const listItem = z.object({
  id: z.string().min(1),
  billingStartDate: z.string(),
  billingEndDate: z.string(),
  status: z.string(),
  type: z.string().optional(),
});
const listBody = z.object({ items: z.array(listItem) });
const createBody = z.object({ id: z.string().min(1) });
const reportBody = z.object({
  id: z.string().min(1),
  type: z.enum(WEBEX_REPORT_TYPES),
  billingStartDate: z.string(),
  billingEndDate: z.string(),
  created: z.string(),
  status: z.string(),
  tempDownloadURL: z.string().optional(),
  errors: z.array(reportError).optional(),
});
type ListItem = z.infer<typeof listItem>;
type ReportBody = z.infer<typeof reportBody>;

/**
 * Report ids become file names; anything that could leave DIR/webex/ (a slash, "..") is refused.
 * Webex ids are base64 text, so this accepts every id Webex hands out.
 */
const SAFE_ID = /^(?!\.{1,2}$)[A-Za-z0-9+=_.-]{1,512}$/;

interface Session {
  apiOrigin: string;
  apiRoot: string;
  token: string;
  fetchImpl: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  progress: (message: string) => void;
  maxRetries: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches the PARTNER, CUSTOMER and USER reports of one billing period and saves each as
 * DIR/webex/<report_id>.csv (byte for byte) with DIR/webex/<report_id>.json beside it.
 *
 * Per type: a COMPLETED report already listed for the same period is reused, one IN_PROGRESS is
 * waited for, FAILED ones are reported and skipped; otherwise a report is created (reference §1.2).
 * Seed 004 ("도매 청구 보고서 삭제"): to regenerate an existing report it must be deleted first, so a
 * 409 on create deletes the conflicting report and creates it again, once.
 */
export async function fetchWebexReports(options: FetchWebexReportsOptions): Promise<WebexSavedReport[]> {
  validateReportPeriod(options.start, options.end, options.today ?? new Date());
  const types = options.types ?? [...WEBEX_REPORT_TYPES];
  for (const type of types) {
    if (!isWebexReportType(type)) throw new UsageError(`"${type}" is not a Webex report type (${WEBEX_REPORT_TYPES.join(", ")}).`);
  }
  if (options.subPartnerOrgId !== undefined && options.subPartnerOrgId.trim() === "") throw new UsageError("subPartnerOrgId is empty.");
  const token = options.credentials.accessToken;
  const onProgress = options.onProgress;
  const session: Session = {
    apiOrigin: new URL(options.credentials.apiUrl).origin,
    apiRoot: `${options.credentials.apiUrl}/v1/wholesale/billing/reports`,
    token,
    fetchImpl: options.fetchImpl ?? fetch,
    sleep: options.sleep ?? sleepFor,
    progress: (message) => onProgress?.(redact(message, [token])),
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
  };
  const dir = join(options.dataDir, "webex");
  await mkdir(dir, { recursive: true });
  const saved: WebexSavedReport[] = [];
  try {
    for (const type of types) {
      saved.push(await fetchOneReport(session, options, type, dir));
    }
  } catch (error) {
    // Whatever was built into an error (a Webex message echoing a header, a URL) is scrubbed once more.
    if (error instanceof Error && error.message.includes(token)) error.message = redact(error.message, [token]);
    throw error;
  }
  return saved;
}

async function fetchOneReport(session: Session, options: FetchWebexReportsOptions, type: WebexReportType, dir: string): Promise<WebexSavedReport> {
  const period = `${type} ${options.start}..${options.end}`;
  const listed = await listReports(session, options, type);
  for (const failed of listed.filter((item) => item.status === "FAILED")) {
    const body = await getReport(session, failed.id);
    session.progress(`Webex report ${failed.id} (${period}) FAILED, skipped: ${describeReportErrors(body)}`);
  }

  let origin: WebexSavedReport["origin"] = "reused";
  let report: ReportBody | undefined;
  const completed = listed.filter((item) => item.status === "COMPLETED");
  if (completed.length === 1 && filesExist(dir, completed[0].id)) return alreadySaved(session, dir, completed[0].id, period);
  if (completed.length > 0) {
    // Several completed reports of one period: the newest reflects the latest usage Webex tracked.
    const bodies = await Promise.all(completed.map((item) => getReport(session, item.id)));
    report = bodies.sort((a, b) => (a.created === b.created ? a.id.localeCompare(b.id) : a.created < b.created ? 1 : -1))[0];
    if (filesExist(dir, report.id)) return alreadySaved(session, dir, report.id, period);
    session.progress(`Webex report ${report.id} (${period}) is COMPLETED: reusing it.`);
  } else {
    const pending = listed.find((item) => item.status !== "FAILED");
    let id: string;
    if (pending) {
      id = pending.id;
      session.progress(`Webex report ${id} (${period}) is ${pending.status}: waiting for it.`);
    } else {
      id = await createReport(session, options, type, period);
      origin = "created";
    }
    report = await pollReport(session, options, id, period);
  }

  const csv = await downloadReport(session, report, period);
  const metadata: WebexReportMetadata = {
    id: report.id,
    type: report.type,
    billingStartDate: report.billingStartDate,
    billingEndDate: report.billingEndDate,
    status: report.status,
    created: report.created,
    ...(options.subPartnerOrgId !== undefined ? { subPartnerOrgId: options.subPartnerOrgId } : {}),
  };
  const csvPath = join(dir, `${report.id}.csv`);
  const metadataPath = join(dir, `${report.id}.json`);
  // The CSV first and the metadata last, each renamed into place whole: a run stopped half-way never
  // leaves a metadata file beside a partial CSV.
  await writeAtomically(csvPath, csv);
  await writeAtomically(metadataPath, `${JSON.stringify(metadata, null, 2)}\n`);
  session.progress(`Saved Webex report ${report.id} (${period}): ${csv.length} bytes.`);
  return { metadata, csvPath, metadataPath, bytes: csv.length, origin };
}

function checkedId(id: string): string {
  if (!SAFE_ID.test(id)) throw new VendorApiError(`Webex returned a report id that cannot be a file name: ${JSON.stringify(id.slice(0, 80))}.`);
  return id;
}

function filesExist(dir: string, id: string): boolean {
  return existsSync(join(dir, `${checkedId(id)}.csv`)) && existsSync(join(dir, `${id}.json`));
}

async function alreadySaved(session: Session, dir: string, id: string, period: string): Promise<WebexSavedReport> {
  session.progress(`Webex report ${id} (${period}) is already saved in ${dir}.`);
  const csvPath = join(dir, `${id}.csv`);
  const metadataPath = join(dir, `${id}.json`);
  const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as WebexReportMetadata;
  const bytes = (await readFile(csvPath)).length;
  return { metadata, csvPath, metadataPath, bytes, origin: "already-saved" };
}

async function writeAtomically(path: string, content: Buffer | string): Promise<void> {
  const temporary = `${path}.part`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** Reference §1.3: list filtered by period and type, `max` per page, pages chained by `Link: <...>; rel="next"`. */
async function listReports(session: Session, options: FetchWebexReportsOptions, type: WebexReportType): Promise<ListItem[]> {
  const first = new URL(session.apiRoot);
  first.searchParams.set("billingStartDate", options.start);
  first.searchParams.set("billingEndDate", options.end);
  first.searchParams.set("type", type);
  first.searchParams.set("max", String(DEFAULTS.pageSize));
  if (options.subPartnerOrgId !== undefined) first.searchParams.set("subPartnerOrgId", options.subPartnerOrgId);
  const items: ListItem[] = [];
  const visited = new Set<string>();
  let next: URL | undefined = first;
  while (next) {
    if (visited.has(next.href) || visited.size >= DEFAULTS.maxPages) {
      throw new VendorApiError(`Webex's report list does not end: page ${visited.size + 1} repeats or exceeds ${DEFAULTS.maxPages} pages.`);
    }
    visited.add(next.href);
    const response = await apiRequest(session, "GET", next, undefined, "list billing reports");
    if (response.status !== 200) throw await refusal(session, response, "list billing reports", next);
    const page = await parseBody(session, response, listBody, "the billing report list");
    items.push(...page.items);
    next = nextPage(session, response.headers.get("link"), next);
  }
  // The list filters are applied again here: a page is trusted for its items, not for its filtering.
  return items.filter((item) => item.billingStartDate === options.start && item.billingEndDate === options.end && (item.type === undefined || item.type === type));
}

/** The `rel="next"` target of an RFC 8288 Link header, on the API's own origin only (it will carry the token). */
function nextPage(session: Session, link: string | null, current: URL): URL | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rels = match[2]
      .split(";")
      .map((param) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(param)?.[1])
      .filter((rel): rel is string => rel !== undefined)
      .flatMap((rel) => rel.toLowerCase().split(/\s+/));
    if (!rels.includes("next")) continue;
    const url = new URL(match[1], current);
    if (url.origin !== session.apiOrigin) {
      throw new VendorApiError(`Webex's next-page link points to ${url.origin}, not to ${session.apiOrigin}: not following it with the access token.`);
    }
    return url;
  }
  return undefined;
}

async function getReport(session: Session, id: string): Promise<ReportBody> {
  const url = new URL(`${session.apiRoot}/${encodeURIComponent(checkedId(id))}`);
  const response = await apiRequest(session, "GET", url, undefined, `get billing report ${id}`);
  if (response.status !== 200) throw await refusal(session, response, `get billing report ${id}`, url);
  const body = await parseBody(session, response, reportBody, `billing report ${id}`);
  if (body.id !== id) throw new VendorApiError(`Webex answered the request for billing report ${id} with report ${body.id}.`);
  return body;
}

async function createReport(session: Session, options: FetchWebexReportsOptions, type: WebexReportType, period: string): Promise<string> {
  const body = {
    billingStartDate: options.start,
    billingEndDate: options.end,
    type,
    ...(options.subPartnerOrgId !== undefined ? { subPartnerOrgId: options.subPartnerOrgId } : {}),
  };
  const url = new URL(session.apiRoot);
  for (let attempt = 0; ; attempt++) {
    const response = await apiRequest(session, "POST", url, body, `create a ${period} billing report`);
    if (response.status === 409 && attempt === 0) {
      await response.body?.cancel();
      const conflicting = (await listReports(session, options, type)).filter((item) => item.status !== "FAILED");
      if (conflicting.length === 0) {
        throw new VendorApiError(`Webex refused to create a ${period} billing report (HTTP 409 conflict) but lists no report of that period to delete.`, 409);
      }
      for (const item of conflicting) {
        session.progress(`Webex already has report ${item.id} (${period}, ${item.status}): deleting it to create the report again.`);
        await deleteReport(session, item.id);
      }
      continue;
    }
    if (response.status !== 200 && response.status !== 201 && response.status !== 202) throw await refusal(session, response, `create a ${period} billing report`, url);
    const created = await parseBody(session, response, createBody, "the created billing report");
    session.progress(`Created Webex report ${created.id} (${period}).`);
    return checkedId(created.id);
  }
}

async function deleteReport(session: Session, id: string): Promise<void> {
  const url = new URL(`${session.apiRoot}/${encodeURIComponent(checkedId(id))}`);
  const response = await apiRequest(session, "DELETE", url, undefined, `delete billing report ${id}`);
  // Already gone is as good as deleted.
  if (response.status === 204 || response.status === 200 || response.status === 404) {
    await response.body?.cancel();
    return;
  }
  throw await refusal(session, response, `delete billing report ${id}`, url);
}

/** Reference §1.4: status goes IN_PROGRESS -> COMPLETED or FAILED; any other value is treated as not finished yet. */
async function pollReport(session: Session, options: FetchWebexReportsOptions, id: string, period: string): Promise<ReportBody> {
  const maxPolls = options.maxPolls ?? DEFAULTS.maxPolls;
  const interval = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  for (let poll = 1; poll <= maxPolls; poll++) {
    const report = await getReport(session, id);
    if (report.status === "COMPLETED") return report;
    if (report.status === "FAILED") {
      throw new VendorApiError(`Webex could not generate billing report ${id} (${period}): ${describeReportErrors(report)}. Run again to create a new one.`);
    }
    session.progress(`Webex report ${id} (${period}) is ${report.status} (check ${poll} of ${maxPolls}).`);
    if (poll < maxPolls) await session.sleep(interval);
  }
  throw new VendorApiError(
    `Webex billing report ${id} (${period}) was still not finished after ${maxPolls} status checks; run the same command again later: it picks this report up.`,
  );
}

function describeReportErrors(report: ReportBody): string {
  const errors = report.errors ?? [];
  if (errors.length === 0) return "no error details given";
  return errors.map((e) => `${e.code ?? "?"} ${e.description ?? ""}`.trim()).join("; ");
}

/**
 * Downloads the CSV from the report's signed `tempDownloadURL` without the access token. The link
 * expires (reference §1.4); a 403 means it did, so the report is fetched again for a fresh link.
 */
async function downloadReport(session: Session, initial: ReportBody, period: string): Promise<Buffer> {
  let report = initial;
  for (let refresh = 0; ; refresh++) {
    if (!report.tempDownloadURL) throw new VendorApiError(`Webex billing report ${report.id} (${period}) is ${report.status} but has no tempDownloadURL.`);
    let url: URL;
    try {
      url = new URL(report.tempDownloadURL);
    } catch {
      throw new VendorApiError(`Webex billing report ${report.id} (${period}) has a tempDownloadURL that is not a URL.`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new VendorApiError(`Webex billing report ${report.id} has a tempDownloadURL that is not http(s).`);
    const response = await send(session, "GET", url, undefined, `download billing report ${report.id}`, false);
    if (response.status === 200) return Buffer.from(await response.arrayBuffer());
    if (response.status === 403 && refresh < DEFAULTS.maxLinkRefreshes) {
      await response.body?.cancel();
      session.progress(`The download link of Webex report ${report.id} (${period}) has expired: asking Webex for a fresh one.`);
      report = await getReport(session, report.id);
      continue;
    }
    throw await refusal(session, response, `download billing report ${report.id}`, url, "", false);
  }
}

function apiRequest(session: Session, method: string, url: URL, body: unknown, what: string): Promise<Response> {
  if (url.origin !== session.apiOrigin) throw new VendorApiError(`Refusing to send the Webex access token to ${url.origin}.`);
  return send(session, method, url, body, what, true);
}

/** A URL fit for a message: a signed URL's query (its signature) is left out. */
function shown(url: URL, authorized: boolean): string {
  return authorized ? `${url.origin}${url.pathname}${url.search}` : `${url.origin}${url.pathname}`;
}

/**
 * One request with the retries the reference (§1.5) calls for: a 429 waits for Retry-After, a 5xx or
 * a network failure is retried with exponential backoff; both are bounded by maxRetries. A 401 on an
 * authorized request is the token being refused.
 */
async function send(session: Session, method: string, url: URL, body: unknown, what: string, authorized: boolean): Promise<Response> {
  const headers: Record<string, string> = { accept: authorized ? "application/json" : "*/*" };
  if (authorized) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let rateLimited = 0;
  let failed = 0;
  for (;;) {
    let response: Response;
    try {
      response = await session.fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Authorized calls never follow a redirect: it could lead the Authorization header elsewhere.
        redirect: authorized ? "manual" : "follow",
        signal: AbortSignal.timeout(DEFAULTS.requestTimeoutMs),
      });
    } catch (error) {
      const reason = redact(error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error), [session.token]);
      if (failed >= session.maxRetries) throw new VendorApiError(`Could not ${what} at ${shown(url, authorized)} after ${failed + 1} attempts: ${reason}`);
      const wait = backoff(failed++);
      session.progress(`Could not reach Webex to ${what} (${reason}); retrying in ${wait} ms.`);
      await session.sleep(wait);
      continue;
    }
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers.get("retry-after")) ?? backoff(rateLimited);
      await response.body?.cancel();
      if (rateLimited >= session.maxRetries) throw new VendorApiError(`Webex kept rate-limiting the request to ${what} (HTTP 429, ${rateLimited + 1} times); run again later.`, 429);
      if (wait > DEFAULTS.maxRetryAfterMs) throw new VendorApiError(`Webex rate-limited the request to ${what} and asks to wait ${Math.ceil(wait / 1000)} s; run again later.`, 429);
      rateLimited++;
      session.progress(`Webex is rate-limiting (HTTP 429): waiting ${wait} ms as its Retry-After asks, then retrying to ${what}.`);
      await session.sleep(wait);
      continue;
    }
    if (response.status >= 500) {
      if (failed >= session.maxRetries) throw await refusal(session, response, what, url, ` after ${failed + 1} attempts`, authorized);
      await response.body?.cancel();
      const wait = retryAfterMs(response.headers.get("retry-after")) ?? backoff(failed);
      failed++;
      session.progress(`Webex answered HTTP ${response.status} to ${what}: retrying in ${wait} ms (retry ${failed} of ${session.maxRetries}).`);
      await session.sleep(Math.min(wait, DEFAULTS.maxRetryAfterMs));
      continue;
    }
    if (response.status === 401 && authorized) {
      await response.body?.cancel();
      throw new AuthenticationError(
        `Webex refused the access token (HTTP 401) when asked to ${what}: ${WEBEX_TOKEN_ENV} is expired, revoked or not a partner administrator token. Set a fresh one and run again.`,
        401,
      );
    }
    return response;
  }
}

function backoff(retry: number): number {
  return Math.min(DEFAULTS.backoffMs * 2 ** retry, DEFAULTS.maxBackoffMs);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const errorBody = z.object({
  message: z.string().optional(),
  errors: z.array(z.object({ description: z.string().optional() })).optional(),
  trackingId: z.string().optional(),
});

/** A refused request as a VendorApiError with Webex's own message and tracking id (what Webex support asks for). */
async function refusal(session: Session, response: Response, what: string, url: URL, suffix = "", authorized = true): Promise<VendorApiError> {
  let detail = "";
  const text = await response.text().catch(() => "");
  let parsed: z.infer<typeof errorBody> | undefined;
  try {
    const result = errorBody.safeParse(JSON.parse(text));
    parsed = result.success ? result.data : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    const descriptions = (parsed.errors ?? []).map((e) => e.description).filter((d): d is string => Boolean(d));
    detail = [parsed.message, ...descriptions.filter((d) => d !== parsed?.message)].filter(Boolean).join("; ");
    if (parsed.trackingId) detail += ` (trackingId ${parsed.trackingId})`;
  } else if (text.trim()) {
    detail = text.trim().slice(0, 300);
  }
  const hint = response.status === 403 && authorized ? " The token lacks the spark-admin:wholesale_billing_reports scopes or is not a partner administrator's." : "";
  const message = `Webex refused to ${what} (HTTP ${response.status}${suffix}) at ${shown(url, authorized)}${detail ? `: ${detail}` : ""}.${hint}`;
  return new VendorApiError(redact(message, [session.token]), response.status);
}

async function parseBody<T>(session: Session, response: Response, schema: z.ZodType<T>, what: string): Promise<T> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VendorApiError(`Webex sent ${what} that is not JSON: ${redact(text.slice(0, 200), [session.token])}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new VendorApiError(`Webex sent ${what} in an unexpected shape: ${issueText(parsed.error.issues[0])}`);
  }
  return parsed.data;
}
