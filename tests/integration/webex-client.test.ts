import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AuthenticationError, UsageError, VendorApiError } from "../../scripts/clients/errors.ts";
import { fetchWebexReports, validateReportPeriod, webexCredentialsFromEnv, type FetchWebexReportsOptions, type WebexCredentials } from "../../scripts/clients/webex.ts";
import { FakeWebexApi } from "../helpers/fake-webex-api.ts";

const TOKEN = "ZmFrZS13ZWJleC1wYXJ0bmVyLWFkbWluLXRva2Vu_PF84_0123456789";
const TODAY = new Date("2026-11-20T03:00:00Z");
const START = "2026-10-01";
const END = "2026-10-31";
const REPORTS = "/v1/wholesale/billing/reports";

describe("the Webex Wholesale billing reports client", () => {
  const api = new FakeWebexApi({ token: TOKEN, csvFor: (r) => `PARTNER_NAME,QUANTITY\r\n"Hangang, Cloud",${r.type === "USER" ? "30.5" : "1"}\r\n` });
  let dataDir: string;
  let sleeps: number[];
  let progress: string[];

  beforeAll(() => api.start());
  afterAll(() => api.stop());
  beforeEach(() => {
    api.reset();
    dataDir = mkdtempSync(join(tmpdir(), "rbw-webex-"));
    sleeps = [];
    progress = [];
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const credentials = (token = TOKEN): WebexCredentials => webexCredentialsFromEnv({ WEBEX_ACCESS_TOKEN: token, WEBEX_API_URL: api.baseUrl });
  const fetchReports = (options: Partial<FetchWebexReportsOptions> = {}) =>
    fetchWebexReports({
      start: START,
      end: END,
      dataDir,
      credentials: credentials(),
      today: TODAY,
      pollIntervalMs: 5_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      onProgress: (message) => progress.push(message),
      ...options,
    });
  const savedFiles = () => readdirSync(join(dataDir, "webex")).sort();

  it("creates, polls and saves each level's report byte for byte with its reduced GET body", async () => {
    const saved = await fetchReports();
    expect(saved.map((s) => [s.metadata.type, s.origin])).toEqual([
      ["PARTNER", "created"],
      ["CUSTOMER", "created"],
      ["USER", "created"],
    ]);
    for (const report of saved) {
      const served = api.reports.get(report.metadata.id);
      expect(readFileSync(join(dataDir, "webex", `${report.metadata.id}.csv`))).toEqual(served?.csv);
      expect(JSON.parse(readFileSync(join(dataDir, "webex", `${report.metadata.id}.json`), "utf8"))).toEqual({
        id: served?.id,
        type: served?.type,
        billingStartDate: START,
        billingEndDate: END,
        status: "COMPLETED",
        created: served?.created,
      });
    }
    expect(savedFiles()).toHaveLength(6);
    const creates = api.requestsTo("POST", REPORTS).map((r) => JSON.parse(r.body) as unknown);
    expect(creates).toEqual(["PARTNER", "CUSTOMER", "USER"].map((type) => ({ billingStartDate: START, billingEndDate: END, type })));
    // Two IN_PROGRESS answers per report, each followed by one poll interval.
    expect(sleeps).toEqual(Array(6).fill(5_000));
  });

  it("reuses a COMPLETED report of the same period and type", async () => {
    const existing = api.addReport({ type: "USER", billingStartDate: START, billingEndDate: END, csv: Buffer.from("USER_ID\r\nu-1\r\n") });
    api.addReport({ type: "USER", billingStartDate: "2026-09-01", billingEndDate: "2026-09-30" });
    api.addReport({ type: "CUSTOMER", billingStartDate: START, billingEndDate: END, status: "IN_PROGRESS", outcome: "COMPLETED", pendingPolls: 1 });
    const [user] = await fetchReports({ types: ["USER"] });
    expect(user.origin).toBe("reused");
    expect(user.metadata.id).toBe(existing.id);
    expect(readFileSync(user.csvPath, "utf8")).toBe("USER_ID\r\nu-1\r\n");
    expect(api.requestsTo("POST", REPORTS)).toHaveLength(0);
    expect(api.requestsTo("GET", REPORTS)[0].url).toBe(`${REPORTS}?billingStartDate=${START}&billingEndDate=${END}&type=USER&max=100`);
  });

  it("follows Link rel=next pagination to a report listed on a later page", async () => {
    api.pageSize = 2;
    for (let i = 0; i < 4; i++) api.addReport({ type: "PARTNER", billingStartDate: START, billingEndDate: END, status: "FAILED", errors: [{ code: 2000 + i, description: `failure ${i}` }] });
    const completed = api.addReport({ type: "PARTNER", billingStartDate: START, billingEndDate: END });
    const [partner] = await fetchReports({ types: ["PARTNER"] });
    expect(partner.metadata.id).toBe(completed.id);
    const lists = api.requestsTo("GET", `${REPORTS}?`);
    expect(lists.map((r) => new URL(r.url, api.baseUrl).searchParams.get("cursor"))).toEqual([null, "2", "4"]);
    expect(api.requestsTo("POST", REPORTS)).toHaveLength(0);
  });

  it("skips FAILED reports, surfacing their errors in progress, and creates a new one", async () => {
    const failed = api.addReport({
      type: "CUSTOMER",
      billingStartDate: START,
      billingEndDate: END,
      status: "FAILED",
      errors: [{ code: 2024, description: "Billing Report not found" }],
    });
    const [customer] = await fetchReports({ types: ["CUSTOMER"] });
    expect(customer.origin).toBe("created");
    expect(customer.metadata.id).not.toBe(failed.id);
    expect(progress.find((m) => m.includes(failed.id))).toBe(`Webex report ${failed.id} (CUSTOMER ${START}..${END}) FAILED, skipped: 2024 Billing Report not found`);
  });

  it("waits for a report already IN_PROGRESS instead of creating another", async () => {
    const pending = api.addReport({ type: "PARTNER", billingStartDate: START, billingEndDate: END, status: "IN_PROGRESS", outcome: "COMPLETED", pendingPolls: 3 });
    const [partner] = await fetchReports({ types: ["PARTNER"] });
    expect(partner.metadata.id).toBe(pending.id);
    expect(api.requestsTo("POST", REPORTS)).toHaveLength(0);
    expect(sleeps).toEqual([5_000, 5_000, 5_000]);
  });

  it("deletes the conflicting report and creates it again when Webex answers 409", async () => {
    const stale = api.addReport({ type: "USER", billingStartDate: START, billingEndDate: END });
    api.faults.staleLists = 1;
    const [user] = await fetchReports({ types: ["USER"] });
    expect(user.origin).toBe("created");
    expect(user.metadata.id).not.toBe(stale.id);
    expect(api.reports.has(stale.id)).toBe(false);
    expect(api.requests.map((r) => `${r.method} ${r.url.split("?")[0]}`).slice(0, 5)).toEqual([
      `GET ${REPORTS}`,
      `POST ${REPORTS}`,
      `GET ${REPORTS}`,
      `DELETE ${REPORTS}/${stale.id}`,
      `POST ${REPORTS}`,
    ]);
  });

  it("stops with Webex's errors when a created report ends FAILED", async () => {
    api.faults.failCreatedWith = [{ code: 2031, description: "Unable to generate billing report" }];
    const error = await fetchReports({ types: ["PARTNER"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toMatch(/^Webex could not generate billing report \S+ \(PARTNER 2026-10-01\.\.2026-10-31\): 2031 Unable to generate billing report\./);
    expect(existsIn(dataDir)).toEqual([]);
  });

  it("gives up after maxPolls when the report is still IN_PROGRESS, saying the next run picks it up", async () => {
    api.faults.pollsToFinish = 100;
    const error = await fetchReports({ types: ["PARTNER"], maxPolls: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toContain("still not finished after 3 status checks; run the same command again later");
    expect(api.requestsTo("GET", `${REPORTS}/`)).toHaveLength(3);
    expect(sleeps).toEqual([5_000, 5_000]);
  });

  it("gets a fresh link when the signed download URL has expired", async () => {
    api.faults.expiredLinks = 1;
    const [partner] = await fetchReports({ types: ["PARTNER"] });
    const downloads = api.requestsTo("GET", "/cdn/");
    expect(downloads).toHaveLength(2);
    expect(downloads[0].url).not.toBe(downloads[1].url);
    expect(readFileSync(partner.csvPath)).toEqual(api.reports.get(partner.metadata.id)?.csv);
    expect(progress).toContain(`The download link of Webex report ${partner.metadata.id} (PARTNER ${START}..${END}) has expired: asking Webex for a fresh one.`);
  });

  it("stops after a bounded number of fresh links when every link has expired", async () => {
    api.faults.expiredLinks = 50;
    const error = await fetchReports({ types: ["PARTNER"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as VendorApiError).status).toBe(403);
    expect((error as Error).message).toContain("Request has expired");
    expect((error as Error).message).not.toContain("Signature=");
    expect(api.requestsTo("GET", "/cdn/")).toHaveLength(4);
  });

  it("honours Retry-After when Webex answers 429", async () => {
    api.faults.rateLimited = 2;
    api.faults.retryAfterSeconds = 7;
    await fetchReports({ types: ["PARTNER"] });
    expect(sleeps.slice(0, 2)).toEqual([7_000, 7_000]);
    expect(progress[0]).toContain("HTTP 429");
  });

  it("retries a 5xx with exponential backoff and succeeds", async () => {
    api.faults.serverErrors = 3;
    api.faults.pollsToFinish = 0;
    const [partner] = await fetchReports({ types: ["PARTNER"] });
    expect(partner.origin).toBe("created");
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
  });

  it("stops retrying a 5xx after maxRetries with Webex's message", async () => {
    api.faults.serverErrors = 100;
    api.faults.serverErrorStatus = 502;
    const error = await fetchReports({ types: ["PARTNER"], maxRetries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as VendorApiError).status).toBe(502);
    expect((error as Error).message).toMatch(/^Webex refused to list billing reports \(HTTP 502 after 3 attempts\) at http:\/\/127\.0\.0\.1:\d+\/v1\/wholesale\/billing\/reports\?.*: Service Unavailable \(trackingId ROUTER_/);
    expect(api.requests).toHaveLength(3);
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it("says the token was refused on 401", async () => {
    const error = await fetchReports({ credentials: credentials("an-expired-token-0000") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toBe(
      "Webex refused the access token (HTTP 401) when asked to list billing reports: WEBEX_ACCESS_TOKEN is expired, revoked or not a partner administrator token. Set a fresh one and run again.",
    );
    expect(api.requests).toHaveLength(1);
  });

  it("passes subPartnerOrgId to the list and the create, and keeps it in the metadata", async () => {
    const subPartnerOrgId = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9zdWItcGFydG5lcg";
    api.addReport({ type: "CUSTOMER", billingStartDate: START, billingEndDate: END });
    const [customer] = await fetchReports({ types: ["CUSTOMER"], subPartnerOrgId });
    expect(customer.origin).toBe("created");
    expect(new URL(api.requestsTo("GET", `${REPORTS}?`)[0].url, api.baseUrl).searchParams.get("subPartnerOrgId")).toBe(subPartnerOrgId);
    expect(JSON.parse(api.requestsTo("POST", REPORTS)[0].body)).toEqual({ billingStartDate: START, billingEndDate: END, type: "CUSTOMER", subPartnerOrgId });
    expect(JSON.parse(readFileSync(customer.metadataPath, "utf8")).subPartnerOrgId).toBe(subPartnerOrgId);
  });

  it("changes nothing on a second run: the saved report is found by listing only", async () => {
    await fetchReports();
    const before = savedFiles().map((f) => [f, readFileSync(join(dataDir, "webex", f), "utf8")]);
    api.requests.length = 0;
    const second = await fetchReports();
    expect(second.map((s) => s.origin)).toEqual(["already-saved", "already-saved", "already-saved"]);
    expect(api.requests.map((r) => r.method)).toEqual(["GET", "GET", "GET"]);
    expect(savedFiles().map((f) => [f, readFileSync(join(dataDir, "webex", f), "utf8")])).toEqual(before);
  });

  it("refuses a next-page link to another origin rather than send it the token", async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      calls.push(String(input));
      const response = await fetch(input, init);
      const headers = new Headers(response.headers);
      headers.set("link", '<https://elsewhere.example/v1/wholesale/billing/reports?cursor=2>; rel="next"');
      return new Response(await response.arrayBuffer(), { status: response.status, headers });
    };
    const error = await fetchReports({ types: ["PARTNER"], fetchImpl }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toContain("points to https://elsewhere.example");
    expect(calls.some((c) => c.includes("elsewhere"))).toBe(false);
  });

  it("never writes the token to files, errors, progress or URLs", async () => {
    api.faults.rateLimited = 1;
    api.faults.serverErrors = 1;
    api.faults.expiredLinks = 1;
    api.faults.staleLists = 1;
    api.addReport({ type: "PARTNER", billingStartDate: START, billingEndDate: END });
    api.addReport({ type: "CUSTOMER", billingStartDate: START, billingEndDate: END, status: "FAILED", errors: [{ code: 1, description: "boom" }] });
    await fetchReports();
    const failures = await Promise.all([
      fetchReports({ credentials: credentials(`${TOKEN}-revoked`) }).catch((e: unknown) => e),
      fetchReports({ types: ["USER"], maxRetries: 0, fetchImpl: async () => Promise.reject(new Error(`socket hang up Bearer ${TOKEN}`)) }).catch((e: unknown) => e),
    ]);

    for (const file of savedFiles()) expect(readFileSync(join(dataDir, "webex", file), "utf8")).not.toContain(TOKEN);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(VendorApiError);
      expect((failure as Error).message).not.toContain(TOKEN);
    }
    expect(failures[0]).toBeInstanceOf(AuthenticationError);
    expect((failures[1] as Error).message).toContain("socket hang up Bearer ***");
    expect(progress.join("\n")).not.toContain(TOKEN);
    expect(progress.length).toBeGreaterThan(5);
    for (const request of api.requests) expect(request.url).not.toContain(TOKEN);
    const downloads = api.requestsTo("GET", "/cdn/");
    expect(downloads.length).toBeGreaterThan(0);
    for (const download of downloads) expect(download.authorization).toBeUndefined();
    for (const request of api.requests.filter((r) => r.url.startsWith(REPORTS) && !r.authorization?.includes("revoked"))) {
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(JSON.stringify(credentials())).not.toContain(TOKEN);
    expect(inspect(credentials())).not.toContain(TOKEN);
  });

  it("sends nothing when the period breaks a date rule", async () => {
    const error = await fetchReports({ end: "2026-11-20" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(api.requests).toHaveLength(0);
  });
});

describe("validateReportPeriod", () => {
  const rule = (start: string, end: string) => {
    try {
      validateReportPeriod(start, end, TODAY);
      return "ok";
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
  };

  it("accepts a past period within the last 5 years, ending yesterday at the latest", () => {
    expect(rule("2026-10-01", "2026-10-31")).toBe("ok");
    expect(rule("2021-11-20", "2026-11-19")).toBe("ok");
  });

  it("says a date is not written YYYY-MM-DD or does not exist", () => {
    expect(rule("2026-10-1", "2026-10-31")).toBe('The start date "2026-10-1" is not a calendar date written YYYY-MM-DD.');
    expect(rule("2026-10-01", "2026-09-31")).toBe('The end date "2026-09-31" is not a calendar date written YYYY-MM-DD.');
  });

  it("says the start is after the end", () => {
    expect(rule("2026-10-31", "2026-10-01")).toBe("The start date 2026-10-31 is after the end date 2026-10-01: the start must not be later than the end.");
  });

  it("says the end is in the future", () => {
    expect(rule("2026-11-01", "2026-11-30")).toBe("The end date 2026-11-30 is in the future (today is 2026-11-20 UTC): a Webex billing report covers past days only.");
  });

  it("says the end is today", () => {
    expect(rule("2026-11-01", "2026-11-20")).toBe(
      "The end date 2026-11-20 is today (2026-11-20 UTC): Webex does not accept the current date; end the period yesterday at the latest.",
    );
  });

  it("says the start is more than 5 years ago", () => {
    expect(rule("2021-11-19", "2021-11-30")).toBe(
      "The start date 2021-11-19 is more than 5 years ago: Webex reports cover the last 5 years only (the earliest start today is 2021-11-20).",
    );
  });

  it("counts five years back from 29 February as 28 February", () => {
    const leap = new Date("2028-02-29T12:00:00Z");
    expect(() => validateReportPeriod("2023-02-28", "2023-03-31", leap)).not.toThrow();
    expect(() => validateReportPeriod("2023-02-27", "2023-03-31", leap)).toThrow("more than 5 years ago");
  });
});

describe("webexCredentialsFromEnv", () => {
  it("names the missing variable", () => {
    expect(() => webexCredentialsFromEnv({})).toThrow(UsageError);
    expect(() => webexCredentialsFromEnv({ WEBEX_ACCESS_TOKEN: "  " })).toThrow(/^Set WEBEX_ACCESS_TOKEN in the environment/);
  });

  it("defaults the API to https://webexapis.com and takes WEBEX_API_URL without /v1", () => {
    expect(webexCredentialsFromEnv({ WEBEX_ACCESS_TOKEN: TOKEN }).apiUrl).toBe("https://webexapis.com");
    expect(webexCredentialsFromEnv({ WEBEX_ACCESS_TOKEN: TOKEN, WEBEX_API_URL: "http://127.0.0.1:8080/" }).apiUrl).toBe("http://127.0.0.1:8080");
    expect(() => webexCredentialsFromEnv({ WEBEX_ACCESS_TOKEN: TOKEN, WEBEX_API_URL: "https://webexapis.com/v1" })).toThrow(
      "WEBEX_API_URL is the base URL without /v1: use https://webexapis.com.",
    );
  });
});

function existsIn(dir: string): string[] {
  return readdirSync(join(dir, "webex"));
}
