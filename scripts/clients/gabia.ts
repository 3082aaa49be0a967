import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

import { nextMonth } from "../config/months.ts";
import { issueText } from "../contracts/zod-issue.ts";
import { AuthenticationError, redact, UsageError, VendorApiError } from "./errors.ts";

/**
 * Gabia g-Cloud cloud partner Bills API client. Endpoints and body shapes are Gabia's published partner
 * API specification (version 1.8.2, ../shared/reference/gabia-partner-api/*.yaml); billing facts are the
 * partner guide (seed 000, "4. 정산과 증빙자료 확인"). Bodies are validated and saved byte for byte: the
 * warehouse lands what Gabia sent, not what this client parsed.
 */

export const GABIA_DEFAULT_API_URL = "https://cpapi.gabia.com";

export interface GabiaCredentials {
  partnerId: string;
  secret: string;
  /** Base URL without `/v1`. */
  apiUrl: string;
}

/** Reads `GABIA_PARTNER_ID`, `GABIA_SECRET` and `GABIA_API_URL` (optional, default https://cpapi.gabia.com). */
export function gabiaCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): GabiaCredentials {
  const missing = ["GABIA_PARTNER_ID", "GABIA_SECRET"].filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new UsageError(
      `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set: export the Gabia partner id and the secret key Gabia e-mailed at partner approval.`,
    );
  }
  const apiUrl = (env.GABIA_API_URL?.trim() || GABIA_DEFAULT_API_URL).replace(/\/+$/, "");
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new UsageError(`GABIA_API_URL "${apiUrl}" is not a URL: give the base URL, e.g. ${GABIA_DEFAULT_API_URL}.`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new UsageError(`GABIA_API_URL "${apiUrl}" must be an http(s) URL, e.g. ${GABIA_DEFAULT_API_URL}.`);
  }
  if (/\/v1$/.test(parsed.pathname)) {
    throw new UsageError(`GABIA_API_URL "${apiUrl}" must not end in /v1: give the base URL, e.g. ${GABIA_DEFAULT_API_URL}.`);
  }
  return { partnerId: env.GABIA_PARTNER_ID!.trim(), secret: env.GABIA_SECRET!, apiUrl };
}

// ---------------------------------------------------------------------------------------------------
// Response bodies (definitions/Bills.date.yaml, Bills.now.yaml, Bills.date.users.yaml, Bills.now.users.yaml).
// The spec marks no property required; the ones required here are those the warehouse lands and rates.
// Objects are loose: Gabia adds properties between versions (`users` arrived in 1.8.2) and the saved
// file keeps them anyway.

/** `YYYY-MM-DD HH:mm:ss`, Korea time without an offset (every dateTime in the spec). */
const gabiaDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, "expected YYYY-MM-DD HH:mm:ss");
/** Whole KRW: every `charge` and `*_total_charge` is `type: integer`, unit 원. */
const krw = z.number().int();
const byteCount = z.number().int().nonnegative();
/** `year` / `month` are `type: string` in the spec, but its examples are YAML numbers (2018, 02): accept both. */
const yearValue = z.union([z.string().regex(/^\d{4}$/), z.number().int().min(1000).max(9999)]);
const monthValue = z.union([z.string().regex(/^(0?[1-9]|1[0-2])$/), z.number().int().min(1).max(12)]);
/** `user_id` path parameter pattern in bills.date.users.user_id.yaml; also keeps ids safe as file names. */
export const GABIA_USER_ID = /^\w{3,16}$/;

export const GabiaChargeSummarySchema = z.looseObject({
  svr_total_charge: krw.optional(),
  vol_total_charge: krw.optional(),
  nas_total_charge: krw.optional(),
  nas_snap_total_charge: krw.optional(),
  ip_total_charge: krw.optional(),
  lb_total_charge: krw.optional(),
  snap_total_charge: krw.optional(),
  img_total_charge: krw.optional(),
  traffic_total_charge: krw.optional(),
  license_total_charge: krw.optional(),
});

/** `GET /v1/bills/{YYYY-MM}` (Bills.date.yaml): the partner's settlement for a closed month. */
export const GabiaPartnerBillSchema = z.looseObject({
  partner_id: z.string(),
  year: yearValue,
  month: monthValue,
  bill_id: z.string().optional(),
  service_start: gabiaDateTime.optional(),
  service_end: gabiaDateTime.optional(),
  // `type: string` with `enum: [0, 2, 9]` (numbers) in the spec: either spelling.
  payment_status: z.union([z.enum(["0", "2", "9"]), z.literal(0), z.literal(2), z.literal(9)]).optional(),
  sum_of_charge: krw.optional(),
  unpaid_charge: krw.optional(),
  total_charge: krw,
  charge_summary: GabiaChargeSummarySchema,
  users: z.array(z.string()),
});
export type GabiaPartnerBill = z.infer<typeof GabiaPartnerBillSchema>;

/** `GET /v1/bills/now` (Bills.now.yaml): month to date, no bill id or payment status. */
export const GabiaPartnerBillNowSchema = z.looseObject({
  partner_id: z.string(),
  year: yearValue,
  month: monthValue,
  total_charge: krw,
  charge_summary: GabiaChargeSummarySchema,
  users: z.array(z.string()),
});
export type GabiaPartnerBillNow = z.infer<typeof GabiaPartnerBillNowSchema>;

export const GabiaServerLineSchema = z.looseObject({
  svr_id: z.string(),
  name: z.string().optional(),
  type: z.enum(["basic", "premium", "ssd"]),
  storage_type: z.enum(["ssd", "hdd"]),
  os: z.string().optional(),
  cpu: z.number().int().positive(),
  memory: z.number().int().positive(),
  root_storage: z.number().int().positive(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

export const GabiaVolumeLineSchema = z.looseObject({
  vol_id: z.string(),
  name: z.string().optional(),
  storage_type: z.enum(["hdd", "ssd"]),
  /** Deprecated in the spec in favour of `storage_type`. */
  type: z.string().optional(),
  size: z.number().int().positive(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

export const GabiaNasLineSchema = z.looseObject({
  nas_id: z.string(),
  name: z.string().optional(),
  type: z.string().optional(),
  version: z.string().optional(),
  /** TB, `type: float` in the spec; the guide counts 1 TB as 1,000 GB. */
  size: z.number().positive(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

export const GabiaNasSnapshotLineSchema = z.looseObject({
  snap_id: z.string(),
  name: z.string().optional(),
  nas_id: z.string().optional(),
  date: gabiaDateTime,
  charge: krw,
});

export const GabiaIpLineSchema = z.looseObject({
  ip_id: z.string(),
  ip_addr: z.string().optional(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

export const GabiaLoadBalancerLineSchema = z.looseObject({
  lb_id: z.string(),
  name: z.string().optional(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

export const GabiaSnapshotLineSchema = z.looseObject({
  snap_id: z.string(),
  name: z.string().optional(),
  svr_id: z.string().optional(),
  svr_ip: z.string().optional(),
  date: gabiaDateTime,
  charge: krw,
});

export const GabiaImageLineSchema = z.looseObject({
  img_id: z.string(),
  name: z.string().optional(),
  img_os: z.string().optional(),
  img_os_type: z.string().optional(),
  date: gabiaDateTime,
  charge: krw,
});

export const GabiaImageStorageLineSchema = z.looseObject({
  img_id: z.string(),
  name: z.string().optional(),
  img_os: z.string().optional(),
  img_os_type: z.string().optional(),
  /** GB. */
  size: z.number().int().nonnegative(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

/** The deprecated in_/out_ traffic properties (always 0 on closed months, per the reference note). */
const deprecatedTraffic = {
  in_traffic: byteCount.optional(),
  out_traffic: byteCount.optional(),
  in_traffic_domestic: byteCount.optional(),
  out_traffic_domestic: byteCount.optional(),
  in_traffic_foreign: byteCount.optional(),
  out_traffic_foreign: byteCount.optional(),
};

/** Traffic of one server (`svr`) or load balancer (`lb`) in bytes; billed on the higher of in and out (seed 000, 트래픽). */
export const GabiaTrafficLineSchema = z.looseObject({
  type: z.enum(["svr", "lb"]),
  cloud_id: z.string(),
  start: gabiaDateTime.optional(),
  end: gabiaDateTime.optional(),
  use_traffic: byteCount.optional(),
  use_traffic_domestic: byteCount,
  use_traffic_foreign: byteCount,
  ...deprecatedTraffic,
  charge: krw,
});

/** Bills.now.users.yaml documents only the in_/out_ properties for the month to date. */
export const GabiaTrafficNowLineSchema = GabiaTrafficLineSchema.extend({
  use_traffic_domestic: byteCount.optional(),
  use_traffic_foreign: byteCount.optional(),
});

/** A Windows or MSSQL license on a server; which one is told by `img_name` only. */
export const GabiaLicenseLineSchema = z.looseObject({
  img_id: z.string().optional(),
  img_name: z.string(),
  svr_id: z.string(),
  svr_name: z.string().optional(),
  svr_ip: z.string().optional(),
  start: gabiaDateTime,
  end: gabiaDateTime,
  charge: krw,
});

const chargeDetailLines = {
  servers: z.array(GabiaServerLineSchema).optional(),
  volumes: z.array(GabiaVolumeLineSchema).optional(),
  nas: z.array(GabiaNasLineSchema).optional(),
  nas_snapshots: z.array(GabiaNasSnapshotLineSchema).optional(),
  ips: z.array(GabiaIpLineSchema).optional(),
  loadbalancers: z.array(GabiaLoadBalancerLineSchema).optional(),
  snapshots: z.array(GabiaSnapshotLineSchema).optional(),
  images: z.array(GabiaImageLineSchema).optional(),
  images_storage: z.array(GabiaImageStorageLineSchema).optional(),
  license: z.array(GabiaLicenseLineSchema).optional(),
};

/** `GET /v1/bills/{YYYY-MM}/users/{user_id}?detail=Y` (Bills.date.users.yaml). */
export const GabiaUserBillSchema = z.looseObject({
  partner_id: z.string(),
  user_id: z.string(),
  year: yearValue,
  month: monthValue,
  total_charge: krw,
  charge_summary: GabiaChargeSummarySchema,
  charge_detail: z.looseObject({ ...chargeDetailLines, traffic: z.array(GabiaTrafficLineSchema).optional() }),
});
export type GabiaUserBill = z.infer<typeof GabiaUserBillSchema>;

/**
 * `GET /v1/bills/now/users/{user_id}?detail=Y` (Bills.now.users.yaml): NAS snapshots are spelled
 * `nassnapshots` there (`nas_snapshots` for closed months); either is accepted.
 */
export const GabiaUserBillNowSchema = z.looseObject({
  partner_id: z.string(),
  user_id: z.string(),
  year: yearValue,
  month: monthValue,
  total_charge: krw,
  charge_summary: GabiaChargeSummarySchema,
  charge_detail: z.looseObject({
    ...chargeDetailLines,
    nassnapshots: z.array(GabiaNasSnapshotLineSchema).optional(),
    traffic: z.array(GabiaTrafficNowLineSchema).optional(),
  }),
});
export type GabiaUserBillNow = z.infer<typeof GabiaUserBillNowSchema>;

/** `POST /v1/auth/api` 200 (auth.api.yaml). */
export const GabiaTokenResponseSchema = z.looseObject({ token: z.string().min(1) });

/** Error bodies (`msg`, `code`, `desc`, as in the 401 of auth.api.yaml). */
export const GabiaErrorBodySchema = z.looseObject({
  msg: z.string().optional(),
  code: z.number().optional(),
  desc: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------------

export interface FetchGabiaBillsOptions {
  /** A closed month, `YYYY-MM`; default the last closed month (Korea time). */
  month?: string;
  /** Fetch the month to date (`/v1/bills/now`) instead, saved as provisional. */
  now?: boolean;
  /** The data directory: bills go to `DIR/gabia/bills/`. */
  dataDir: string;
  credentials: GabiaCredentials;
  /** The current time (default: the clock); decides which months are closed and stamps `fetched_at`. */
  today?: Date;
  onProgress?: (message: string) => void;
  fetchImpl?: typeof fetch;
}

export interface GabiaBillsFetched {
  /** `YYYY-MM`. */
  month: string;
  provisional: boolean;
  /** Where the bill was saved. */
  directory: string;
  /** Every file written, absolute paths. */
  files: string[];
  /** The users the partner bill lists, in its order. */
  users: string[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** Korea Standard Time, UTC+9 all year (no daylight saving). */
const KST_OFFSET_MS = 9 * 3_600_000;
/** Renew a token this long before its `exp` so that it does not lapse between the check and Gabia's. */
const TOKEN_RENEWAL_MARGIN_MS = 60_000;
/** auth.api.yaml: "JWT는 2시간 동안 유효하며" (used when the token carries no readable `exp`). */
const DOCUMENTED_TOKEN_LIFETIME_MS = 2 * 3_600_000;
const REQUEST_TIMEOUT_MS = 60_000;

/** The calendar month in Korea at `instant`, `YYYY-MM`. */
function koreaMonth(instant: Date): string {
  return new Date(instant.getTime() + KST_OFFSET_MS).toISOString().slice(0, 7);
}

function previousMonth(month: string): string {
  const [year, mm] = month.split("-").map(Number);
  return mm === 1 ? `${year - 1}-12` : `${year}-${String(mm - 1).padStart(2, "0")}`;
}

function billMonth(body: { year: string | number; month: string | number }): string {
  return `${String(body.year)}-${String(body.month).padStart(2, "0")}`;
}

/** A JWT's `exp` claim in milliseconds, or undefined when the token is not a readable JWT. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const exp = z.object({ exp: z.number() }).safeParse(claims);
    return exp.success ? exp.data.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

interface GabiaResponse {
  status: number;
  bytes: Buffer;
}

/** One signed-in conversation with the partner API: a token reused while valid, renewed when not. */
class GabiaSession {
  private token?: { jwt: string; renewAtMs: number };
  /** Everything that must never leave this client: the secret (also form-encoded, as Gabia may echo it) and every token issued. */
  private readonly secrets: string[];

  constructor(
    private readonly credentials: GabiaCredentials,
    private readonly fetchImpl: typeof fetch,
  ) {
    this.secrets = [credentials.secret, encodeURIComponent(credentials.secret), new URLSearchParams({ s: credentials.secret }).toString().slice(2)];
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** `GET path` with a bearer token; a 401 renews the token once and retries (the token may have been revoked or expired early). */
  async get(path: string, describe: string): Promise<GabiaResponse> {
    const first = await this.send(path, await this.currentToken(), describe);
    if (first.status !== 401) return first;
    this.token = undefined;
    const second = await this.send(path, await this.currentToken(), describe);
    if (second.status === 401) {
      throw new AuthenticationError(`Gabia authentication failed: ${describe} was refused with a fresh token (${this.errorText(second)}).`, 401);
    }
    return second;
  }

  errorText(response: GabiaResponse): string {
    const text = response.bytes.toString("utf8");
    let detail = text.slice(0, 300);
    try {
      const body = GabiaErrorBodySchema.safeParse(JSON.parse(text));
      if (body.success && (body.data.msg || body.data.desc)) {
        detail = [body.data.msg, body.data.code === undefined ? undefined : `code ${body.data.code}`, body.data.desc].filter(Boolean).join("; ");
      }
    } catch {
      // Not JSON: the start of the body is the best description there is.
    }
    return this.redact(`HTTP ${response.status}: ${detail}`);
  }

  private async currentToken(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAtMs) return this.token.jwt;
    const response = await this.request(
      "/v1/auth/api",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        // auth.api.yaml lists `role` as required (its cURL sample omits it); `api` is the partner API role.
        body: new URLSearchParams({ partner_id: this.credentials.partnerId, secret: this.credentials.secret, role: "api" }).toString(),
      },
      "the token request (POST /v1/auth/api)",
    );
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new AuthenticationError(
        `Gabia authentication failed for partner "${this.credentials.partnerId}": check GABIA_PARTNER_ID and GABIA_SECRET (${this.errorText(response)}).`,
        response.status,
      );
    }
    if (response.status !== 200) throw new VendorApiError(`Gabia refused the token request (${this.errorText(response)}).`, response.status);
    const parsed = GabiaTokenResponseSchema.safeParse(parseJson(response.bytes));
    if (!parsed.success) throw new VendorApiError("Gabia's token response (POST /v1/auth/api) has no token.");
    const jwt = parsed.data.token;
    this.secrets.push(jwt);
    const issuedAt = Date.now();
    const expiresAt = jwtExpiry(jwt) ?? issuedAt + DOCUMENTED_TOKEN_LIFETIME_MS;
    this.token = { jwt, renewAtMs: expiresAt - TOKEN_RENEWAL_MARGIN_MS };
    return jwt;
  }

  private send(path: string, jwt: string, describe: string): Promise<GabiaResponse> {
    return this.request(path, { method: "GET", headers: { authorization: `Bearer ${jwt}`, accept: "application/json" } }, describe);
  }

  private async request(path: string, init: RequestInit, describe: string): Promise<GabiaResponse> {
    const url = `${this.credentials.apiUrl}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new VendorApiError(this.redact(`Could not reach Gabia for ${describe} at ${this.credentials.apiUrl}: ${reason}`));
    }
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Parses and validates a 200 body; the bytes are what gets saved. */
function validated<S extends z.ZodType>(session: GabiaSession, schema: S, response: GabiaResponse, describe: string): z.infer<S> {
  const json = parseJson(response.bytes);
  if (json === undefined) throw new VendorApiError(`Gabia's ${describe} is not JSON.`, response.status);
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => issueText(issue, "(body)"))
      .join("; ");
    throw new VendorApiError(session.redact(`Gabia's ${describe} does not match the partner API specification: ${issues}.`), response.status);
  }
  return result.data;
}

interface SavedFile {
  relative: string;
  bytes: Buffer | string;
}

/**
 * Fetches one month of Gabia bills and saves them under `DIR/gabia/bills/YYYY-MM/`: `partner.json`
 * (`GET /v1/bills/{YYYY-MM}`), `users/<user_id>.json` for every user the partner bill lists
 * (`GET /v1/bills/{YYYY-MM}/users/{user_id}?detail=Y`) and `fetched.json`. With `now`, the month to date
 * (`/v1/bills/now`) goes to `DIR/gabia/bills/YYYY-MM/provisional-<YYYYMMDDTHHMMSSZ>/` instead. Everything is
 * fetched and validated before anything is written, and written to a staging folder renamed into place,
 * so a failure saves nothing.
 */
export async function fetchGabiaBills(options: FetchGabiaBillsOptions): Promise<GabiaBillsFetched> {
  const today = options.today ?? new Date();
  const provisional = options.now === true;
  if (provisional && options.month !== undefined) {
    throw new UsageError(`Give either a month (${options.month}) or now, not both: now fetches the month to date.`);
  }
  let requestedMonth: string | undefined;
  if (!provisional) {
    requestedMonth = options.month ?? previousMonth(koreaMonth(today));
    if (!MONTH.test(requestedMonth)) throw new UsageError(`"${requestedMonth}" is not a month: write it YYYY-MM, e.g. 2026-10.`);
    // Seed 000 4.(1): bills are issued on the 1st for the previous month; bills.date.users.user_id.yaml:
    // a month's bill is final on the 1st of the next month. Gabia's clock is Korea time.
    if (requestedMonth >= koreaMonth(today)) {
      throw new UsageError(
        `Gabia's bill for ${requestedMonth} is not final until ${nextMonth(requestedMonth)}-01 00:00 Korea time; fetch the month to date with --now instead.`,
      );
    }
  }

  const session = new GabiaSession(options.credentials, options.fetchImpl ?? fetch);
  const progress = (message: string) => options.onProgress?.(session.redact(message));
  const base = provisional ? "/v1/bills/now" : `/v1/bills/${requestedMonth}`;

  progress(`Gabia: fetching ${provisional ? "the month to date" : `the ${requestedMonth} bill`} for partner ${options.credentials.partnerId}`);
  const partnerWhat = provisional ? "month-to-date partner bill (GET /v1/bills/now)" : `partner bill for ${requestedMonth} (GET ${base})`;
  const partnerResponse = await session.get(base, `the ${partnerWhat}`);
  if (partnerResponse.status !== 200) {
    const what = provisional ? "month-to-date bill" : `bill for ${requestedMonth}`;
    throw new VendorApiError(`Gabia has no ${what} (${session.errorText(partnerResponse)}).`, partnerResponse.status);
  }
  const partner = provisional
    ? validated(session, GabiaPartnerBillNowSchema, partnerResponse, partnerWhat)
    : validated(session, GabiaPartnerBillSchema, partnerResponse, partnerWhat);
  const month = billMonth(partner);
  if (requestedMonth !== undefined && month !== requestedMonth) {
    throw new VendorApiError(`Gabia answered the ${requestedMonth} bill request with the bill for ${month}.`);
  }

  const users = [...new Set(partner.users)];
  const invalid = users.filter((userId) => !GABIA_USER_ID.test(userId));
  if (invalid.length > 0) {
    throw new VendorApiError(session.redact(`Gabia's ${partnerWhat} lists user ids that are not Gabia user ids (3-16 letters, digits or _): ${invalid.map((u) => JSON.stringify(u)).join(", ")}.`));
  }
  progress(`Gabia: ${month}${provisional ? " (month to date)" : ""}: ${users.length} user${users.length === 1 ? "" : "s"}, total_charge ${partner.total_charge} KRW`);

  const files: SavedFile[] = [{ relative: "partner.json", bytes: partnerResponse.bytes }];
  for (const [index, userId] of users.entries()) {
    const path = `${base}/users/${encodeURIComponent(userId)}?detail=Y`;
    const what = `bill of user "${userId}" for ${provisional ? "the month to date" : month} (GET ${path})`;
    const response = await session.get(path, `the ${what}`);
    if (response.status !== 200) {
      const reason = response.status === 404 ? `Gabia does not know user "${userId}"` : `Gabia refused the bill of user "${userId}"`;
      throw new VendorApiError(`${reason} for ${month}, although the partner bill lists it (${session.errorText(response)}).`, response.status);
    }
    const bill = provisional
      ? validated(session, GabiaUserBillNowSchema, response, what)
      : validated(session, GabiaUserBillSchema, response, what);
    if (bill.user_id !== userId) throw new VendorApiError(session.redact(`Gabia answered the ${what} with the bill of user "${bill.user_id}".`));
    if (billMonth(bill) !== month) throw new VendorApiError(`Gabia answered the ${what} with a bill for ${billMonth(bill)}.`);
    files.push({ relative: join("users", `${userId}.json`), bytes: response.bytes });
    progress(`Gabia: ${month}: user ${index + 1}/${users.length} ${userId}, total_charge ${bill.total_charge} KRW`);
  }

  const fetchedAt = today.toISOString();
  const sidecar = { month, provisional, fetched_at: fetchedAt, endpoint: provisional ? "/v1/bills/now" : `/v1/bills/${month}` };
  files.push({ relative: "fetched.json", bytes: `${JSON.stringify(sidecar, null, 2)}\n` });

  const billsRoot = join(options.dataDir, "gabia", "bills");
  const monthDir = join(billsRoot, month);
  const directory = provisional ? join(monthDir, `provisional-${fetchedAt.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "")}`) : monthDir;
  await publish(billsRoot, directory, files, provisional);
  progress(`Gabia: saved ${files.length} files to ${directory}`);
  return { month, provisional, directory, files: files.map((file) => join(directory, file.relative)), users };
}

/**
 * Writes `files` to a staging folder beside the bills and renames it to `directory`. A closed month's
 * folder keeps the provisional snapshots fetched into it earlier (they are moved into the new folder
 * before the swap); its previous final files are replaced.
 */
async function publish(billsRoot: string, directory: string, files: SavedFile[], provisional: boolean): Promise<void> {
  await mkdir(billsRoot, { recursive: true });
  const staging = join(billsRoot, `.staging-${randomBytes(6).toString("hex")}`);
  const carried: string[] = [];
  let replaced: string | undefined;
  try {
    await mkdir(join(staging, "users"), { recursive: true });
    for (const file of files) await writeFile(join(staging, file.relative), file.bytes);
    if (provisional) {
      await mkdir(join(directory, ".."), { recursive: true });
      await rename(staging, directory);
      return;
    }
    const existing = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (existing === undefined) {
      await rename(staging, directory);
      return;
    }
    for (const entry of existing.filter((name) => name.startsWith("provisional-"))) {
      await rename(join(directory, entry), join(staging, entry));
      carried.push(entry);
    }
    replaced = join(billsRoot, `.replaced-${randomBytes(6).toString("hex")}`);
    await rename(directory, replaced);
    await rename(staging, directory);
  } catch (error) {
    if (replaced !== undefined) await rename(replaced, directory).catch(() => undefined);
    for (const entry of carried) await rename(join(staging, entry), join(directory, entry)).catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (replaced !== undefined) await rm(replaced, { recursive: true, force: true });
}
