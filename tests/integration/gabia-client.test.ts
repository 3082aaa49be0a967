import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AuthenticationError, UsageError, VendorApiError } from "../../scripts/clients/errors.ts";
import {
  fetchGabiaBills,
  gabiaCredentialsFromEnv,
  GabiaPartnerBillSchema,
  GabiaUserBillSchema,
  type FetchGabiaBillsOptions,
  type GabiaCredentials,
} from "../../scripts/clients/gabia.ts";
import { FakeGabiaApi, GOLDEN_MONTH_DIR, goldenGabiaMonth, provisionalGabiaMonth } from "../helpers/fake-gabia-api.ts";

const PARTNER_ID = "biz_hangang";
const SECRET = "Y2YxZWUyY2UtMTk4OS01ZjNhLTlmMjktODdhOGM3YmMzY2Nk";
const GOLDEN_USERS = ["hanbit_web", "daon_lab", "mirae_shop"];
/** 2026-11-05 10:00 in Korea: October 2026 is closed, November is open. */
const NOVEMBER_5 = new Date("2026-11-05T01:00:00Z");

const EXPECTED_RATING = join(GOLDEN_MONTH_DIR, "../../../expected-rating.json");
/** tests/fixtures/gabia-golden/expected-rating.json: one hand-computed rating per resource line; amounts are exact decimal text. */
const ExpectedRatingSchema = z.strictObject({
  user_id: z.string(),
  resource_kind: z.enum(["servers", "volumes", "nas", "nas_snapshots", "ips", "loadbalancers", "snapshots", "images", "images_storage", "traffic", "license"]),
  resource_id: z.string(),
  rule: z.enum(["monthly", "hourly", "hourly_capped", "license_monthly", "license_daily", "per_count", "nas_tiered", "traffic_tiered"]),
  supply_amount: z.string().regex(/^\d+(\.\d+)?$/),
  list_amount: z.string().regex(/^\d+(\.\d+)?$/),
  gabia_charge: z.string().regex(/^\d+$/),
  arithmetic: z.string().min(20),
});

const golden = goldenGabiaMonth();
const server = new FakeGabiaApi(PARTNER_ID, SECRET, { "2026-10": golden }, provisionalGabiaMonth(golden, "2026", "11"));

/** Every file under `dir`, relative path -> bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!existsSync(dir)) return out;
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/** Runs `promise` expecting it to fail; returns the error. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("Gabia Bills API client", () => {
  let dataDir: string;
  let progress: string[];
  const credentials = (secret = SECRET): GabiaCredentials => ({ partnerId: PARTNER_ID, secret, apiUrl: server.endpoint });
  const options = (extra: Partial<FetchGabiaBillsOptions> = {}): FetchGabiaBillsOptions => ({
    month: "2026-10",
    dataDir,
    credentials: credentials(),
    today: NOVEMBER_5,
    onProgress: (message) => progress.push(message),
    ...extra,
  });

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.reset();
    progress = [];
    dataDir = mkdtempSync(join(tmpdir(), "rbw-gabia-"));
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("fetches a closed month: the partner bill, then every listed user's detailed bill, saved byte for byte", async () => {
    const result = await fetchGabiaBills(options());
    const monthDir = join(dataDir, "gabia/bills/2026-10");
    expect(result).toEqual({
      month: "2026-10",
      provisional: false,
      directory: monthDir,
      files: [
        join(monthDir, "partner.json"),
        ...GOLDEN_USERS.map((user) => join(monthDir, "users", `${user}.json`)),
        join(monthDir, "fetched.json"),
      ],
      users: GOLDEN_USERS,
    });
    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v1/auth/api", 200],
      ["GET", "/v1/bills/2026-10", 200],
      ...GOLDEN_USERS.map((user) => ["GET", `/v1/bills/2026-10/users/${user}?detail=Y`, 200]),
    ]);
    expect(server.requests[0].form).toEqual({ partner_id: PARTNER_ID, secret: SECRET, role: "api" });
    expect(server.requests.slice(1).every((r) => r.authorization === `Bearer ${server.tokens[0]}`)).toBe(true);

    const saved = filesUnder(monthDir);
    expect([...saved.keys()].sort()).toEqual(["fetched.json", "partner.json", ...GOLDEN_USERS.map((u) => `users/${u}.json`)].sort());
    expect(saved.get("partner.json")).toEqual(server.served.get("/v1/bills/2026-10"));
    for (const user of GOLDEN_USERS) {
      expect(saved.get(`users/${user}.json`)).toEqual(server.served.get(`/v1/bills/2026-10/users/${user}?detail=Y`));
      // The golden fixture is what was served: saving is byte for byte, Korean names included.
      expect(saved.get(`users/${user}.json`)).toEqual(readFileSync(join(GOLDEN_MONTH_DIR, "users", `${user}.json`)));
    }
    expect(JSON.parse(saved.get("fetched.json")!.toString("utf8"))).toEqual({
      month: "2026-10",
      provisional: false,
      fetched_at: "2026-11-05T01:00:00.000Z",
      endpoint: "/v1/bills/2026-10",
    });
    expect(readdirSync(join(dataDir, "gabia/bills"))).toEqual(["2026-10"]);
    expect(progress.at(-1)).toContain("saved 5 files");
  });

  it("writes exactly the golden fixture's files when fetched on 2026-11-01 at 09:30 Korea time", async () => {
    await fetchGabiaBills(options({ today: new Date("2026-11-01T00:30:00Z") }));
    expect(filesUnder(join(dataDir, "gabia/bills/2026-10"))).toEqual(filesUnder(GOLDEN_MONTH_DIR));
  });

  it("reuses one token for the whole month while it is valid", async () => {
    await fetchGabiaBills(options());
    expect(server.requests.filter((r) => r.path === "/v1/auth/api")).toHaveLength(1);
    expect(server.tokens).toHaveLength(1);
  });

  it("renews an expired token from its exp and finishes the month", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-05T01:00:00Z"));
    // Each user bill takes "three hours": every token (valid 2 hours, auth.api.yaml) has expired by the next request.
    const result = await fetchGabiaBills(
      options({
        onProgress: (message) => {
          progress.push(message);
          vi.setSystemTime(Date.now() + 3 * 3_600_000);
        },
      }),
    );
    expect(result.users).toEqual(GOLDEN_USERS);
    expect(server.requests.filter((r) => r.status === 401)).toEqual([]);
    const authRequests = server.requests.filter((r) => r.path === "/v1/auth/api");
    expect(authRequests.length).toBeGreaterThanOrEqual(4);
    const bills = server.requests.filter((r) => r.path.startsWith("/v1/bills/"));
    expect(new Set(bills.map((r) => r.authorization)).size).toBe(bills.length);
    expect(filesUnder(join(dataDir, "gabia/bills/2026-10")).size).toBe(5);
  });

  it("renews the token once after a 401 and finishes the month", async () => {
    server.faults.rejectTokenAfterUses = 2;
    const result = await fetchGabiaBills(options());
    expect(result.files).toHaveLength(5);
    const statuses = server.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(statuses).toEqual([
      "POST /v1/auth/api 200",
      "GET /v1/bills/2026-10 200",
      "GET /v1/bills/2026-10/users/hanbit_web?detail=Y 200",
      "GET /v1/bills/2026-10/users/daon_lab?detail=Y 401",
      "POST /v1/auth/api 200",
      "GET /v1/bills/2026-10/users/daon_lab?detail=Y 200",
      "GET /v1/bills/2026-10/users/mirae_shop?detail=Y 200",
    ]);
    expect(filesUnder(join(dataDir, "gabia/bills/2026-10")).get("users/daon_lab.json")).toEqual(readFileSync(join(GOLDEN_MONTH_DIR, "users/daon_lab.json")));
  });

  it("says authentication failed when a fresh token is refused too, and saves nothing", async () => {
    server.faults.rejectTokenAfterUses = 0;
    const error = await failure(fetchGabiaBills(options()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/^Gabia authentication failed/);
    expect(server.requests.filter((r) => r.path === "/v1/auth/api")).toHaveLength(2);
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("says authentication failed for a bad secret, without repeating the secret Gabia echoes", async () => {
    const wrong = "d3Jvbmctc2VjcmV0LWtleS0xMjM0";
    const error = await failure(fetchGabiaBills(options({ credentials: credentials(wrong) })));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("Gabia authentication failed for partner \"biz_hangang\"");
    expect(error.message).toContain("code -4903");
    expect(error.message).not.toContain(wrong);
    expect(server.requests).toHaveLength(1);
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("refuses a month that is not closed yet, naming it, before any request", async () => {
    const error = await failure(fetchGabiaBills(options({ month: "2026-11" })));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("2026-11");
    expect(error.message).toContain("2026-12-01 00:00 Korea time");
    expect(server.requests).toEqual([]);
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("closes a month at midnight Korea time on the 1st, not at midnight UTC", async () => {
    const lastSecondOfOctoberInKorea = new Date("2026-10-31T14:59:59Z");
    const error = await failure(fetchGabiaBills(options({ today: lastSecondOfOctoberInKorea })));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("2026-10");
    expect(server.requests).toEqual([]);

    const firstOfNovemberInKorea = new Date("2026-10-31T15:00:00Z");
    const result = await fetchGabiaBills(options({ today: firstOfNovemberInKorea }));
    expect(result.month).toBe("2026-10");
  });

  it("defaults to the last closed month and rejects a malformed one", async () => {
    expect((await fetchGabiaBills(options({ month: undefined }))).month).toBe("2026-10");
    const error = await failure(fetchGabiaBills(options({ month: "2026-13" })));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('"2026-13" is not a month');
  });

  it("reports a month Gabia has not confirmed, naming the month, and saves nothing", async () => {
    server.faults.openMonths = ["2026-10"];
    const error = await failure(fetchGabiaBills(options()));
    expect(error).toBeInstanceOf(VendorApiError);
    expect(error.message).toContain("Gabia has no bill for 2026-10 (HTTP 404");
    expect((error as VendorApiError).status).toBe(404);
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("names a user Gabia does not know, and saves nothing", async () => {
    server.faults.unknownUsers = ["ghost_user"];
    const error = await failure(fetchGabiaBills(options()));
    expect(error).toBeInstanceOf(VendorApiError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('Gabia does not know user "ghost_user" for 2026-10');
    expect((error as VendorApiError).status).toBe(404);
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("never writes the secret to files, errors or progress", async () => {
    server.faults.echoCredentials = true;
    server.faults.rejectTokenAfterUses = 2;
    const result = await fetchGabiaBills(options());
    server.faults.unknownUsers = ["ghost_user"];
    const error = await failure(fetchGabiaBills(options()));
    const badSecret = await failure(fetchGabiaBills(options({ credentials: credentials(`${SECRET}-old`) })));

    // The fake did echo the credentials in its error bodies; none of it may come through.
    expect(server.requests.some((r) => r.status === 401)).toBe(true);
    expect(server.tokens.length).toBeGreaterThanOrEqual(2);
    const leaks = [SECRET, encodeURIComponent(SECRET), ...server.tokens];
    const texts = [error.message, badSecret.message, ...progress, ...[...filesUnder(dataDir).values()].map((bytes) => bytes.toString("utf8"))];
    expect(result.files).toHaveLength(5);
    expect(error.message).toContain("ghost_user");
    expect(error.message).toContain("***");
    for (const text of texts) for (const leak of leaks) expect(text).not.toContain(leak);
  });

  it("fetches the month to date with now, saved as provisional under its month", async () => {
    const result = await fetchGabiaBills(options({ month: undefined, now: true, today: new Date("2026-11-15T03:04:05.678Z") }));
    const directory = join(dataDir, "gabia/bills/2026-11/provisional-20261115T030405Z");
    expect(result).toMatchObject({ month: "2026-11", provisional: true, directory, users: GOLDEN_USERS });
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v1/auth/api",
      "/v1/bills/now",
      ...GOLDEN_USERS.map((user) => `/v1/bills/now/users/${user}?detail=Y`),
    ]);
    const saved = filesUnder(directory);
    expect(saved.get("partner.json")).toEqual(server.served.get("/v1/bills/now"));
    for (const user of GOLDEN_USERS) expect(saved.get(`users/${user}.json`)).toEqual(server.served.get(`/v1/bills/now/users/${user}?detail=Y`));
    expect(JSON.parse(saved.get("fetched.json")!.toString("utf8"))).toEqual({
      month: "2026-11",
      provisional: true,
      fetched_at: "2026-11-15T03:04:05.678Z",
      endpoint: "/v1/bills/now",
    });
    expect(existsSync(join(dataDir, "gabia/bills/2026-11/partner.json"))).toBe(false);
    await expect(fetchGabiaBills(options({ now: true }))).rejects.toThrow(UsageError);
  });

  it("keeps earlier provisional snapshots when the closed month is fetched, and replaces a previous final fetch", async () => {
    server.now = provisionalGabiaMonth(golden, "2026", "10");
    const provisional = await fetchGabiaBills(options({ month: undefined, now: true, today: new Date("2026-10-20T00:00:00Z") }));
    await fetchGabiaBills(options());
    await fetchGabiaBills(options({ today: new Date("2026-11-06T00:00:00Z") }));
    server.now = provisionalGabiaMonth(golden, "2026", "11");

    const monthDir = join(dataDir, "gabia/bills/2026-10");
    expect(readdirSync(monthDir).sort()).toEqual(["fetched.json", "partner.json", "provisional-20261020T000000Z", "users"]);
    expect(filesUnder(provisional.directory).size).toBe(5);
    expect(JSON.parse(readFileSync(join(monthDir, "fetched.json"), "utf8")).fetched_at).toBe("2026-11-06T00:00:00.000Z");
    expect(readdirSync(join(dataDir, "gabia/bills"))).toEqual(["2026-10"]);
  });

  it("rejects a body that breaks the specification, naming the endpoint and field, and saves nothing", async () => {
    const broken = JSON.parse(golden.users.daon_lab) as { charge_detail: { servers: Record<string, unknown>[] } };
    broken.charge_detail.servers[0].type = "micro";
    server.faults.overrideBodies["/v1/bills/2026-10/users/daon_lab?detail=Y"] = { status: 200, body: JSON.stringify(broken) };
    const error = await failure(fetchGabiaBills(options()));
    expect(error).toBeInstanceOf(VendorApiError);
    expect(error.message).toContain('bill of user "daon_lab" for 2026-10');
    expect(error.message).toContain("charge_detail.servers.0.type");
    expect(existsSync(join(dataDir, "gabia"))).toBe(false);
  });

  it("reports an unreachable API as a VendorApiError naming the URL", async () => {
    const unreachable: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    const error = await failure(fetchGabiaBills(options({ fetchImpl: unreachable })));
    expect(error).toBeInstanceOf(VendorApiError);
    expect(error.message).toContain(`Could not reach Gabia for the token request (POST /v1/auth/api) at ${server.endpoint}`);
  });
});

describe("Gabia credentials from the environment", () => {
  it("reads the partner id, secret and base URL, defaulting the URL to https://cpapi.gabia.com", () => {
    expect(gabiaCredentialsFromEnv({ GABIA_PARTNER_ID: "biz_1004", GABIA_SECRET: SECRET })).toEqual({
      partnerId: "biz_1004",
      secret: SECRET,
      apiUrl: "https://cpapi.gabia.com",
    });
    expect(gabiaCredentialsFromEnv({ GABIA_PARTNER_ID: "biz_1004", GABIA_SECRET: SECRET, GABIA_API_URL: "http://127.0.0.1:8080/" }).apiUrl).toBe("http://127.0.0.1:8080");
  });

  it("names every missing variable in a UsageError", () => {
    expect(() => gabiaCredentialsFromEnv({ GABIA_SECRET: SECRET })).toThrow(UsageError);
    expect(() => gabiaCredentialsFromEnv({ GABIA_SECRET: SECRET })).toThrow(/^GABIA_PARTNER_ID is not set/);
    expect(() => gabiaCredentialsFromEnv({ GABIA_PARTNER_ID: "biz_1004", GABIA_SECRET: "" })).toThrow(/^GABIA_SECRET is not set/);
    expect(() => gabiaCredentialsFromEnv({})).toThrow(/GABIA_PARTNER_ID and GABIA_SECRET are not set/);
  });

  it("rejects a base URL that ends in /v1", () => {
    expect(() => gabiaCredentialsFromEnv({ GABIA_PARTNER_ID: "biz_1004", GABIA_SECRET: SECRET, GABIA_API_URL: "https://cpapi.gabia.com/v1" })).toThrow(/GABIA_API_URL .* must not end in \/v1/);
  });
});

describe("Gabia golden month (tests/fixtures/gabia-golden)", () => {
  const partner = GabiaPartnerBillSchema.parse(JSON.parse(golden.partner));
  const users = Object.fromEntries(Object.entries(golden.users).map(([id, text]) => [id, GabiaUserBillSchema.parse(JSON.parse(text))]));
  const expected = ExpectedRatingSchema.array().parse(JSON.parse(readFileSync(EXPECTED_RATING, "utf8")));

  it("is in the API's response shape and adds up like a Gabia bill", () => {
    expect(partner.users).toEqual(GOLDEN_USERS);
    expect(Object.keys(users).sort()).toEqual([...GOLDEN_USERS].sort());
    let partnerTotal = 0;
    for (const bill of Object.values(users)) {
      const detail = bill.charge_detail;
      const sum = (lines: { charge: number }[] | undefined) => (lines ?? []).reduce((total, line) => total + line.charge, 0);
      const summary = {
        svr_total_charge: sum(detail.servers),
        vol_total_charge: sum(detail.volumes),
        nas_total_charge: sum(detail.nas),
        nas_snap_total_charge: sum(detail.nas_snapshots),
        ip_total_charge: sum(detail.ips),
        lb_total_charge: sum(detail.loadbalancers),
        snap_total_charge: sum(detail.snapshots),
        img_total_charge: sum(detail.images) + sum(detail.images_storage),
        traffic_total_charge: sum(detail.traffic),
        license_total_charge: sum(detail.license),
      };
      expect(bill.charge_summary).toEqual(summary);
      expect(bill.total_charge).toBe(Object.values(summary).reduce((a, b) => a + b, 0));
      partnerTotal += bill.total_charge;
    }
    expect(partner.total_charge).toBe(partnerTotal);
    expect(partner.total_charge).toBe(636_000);
  });

  it("has one hand-computed expectation per resource line, with Gabia's charge as billed", () => {
    const lines: string[] = [];
    for (const [userId, bill] of Object.entries(users)) {
      const d = bill.charge_detail;
      const add = (kind: string, id: string, charge: number) => lines.push(`${userId}|${kind}|${id}|${charge}`);
      for (const l of d.servers ?? []) add("servers", l.svr_id, l.charge);
      for (const l of d.volumes ?? []) add("volumes", l.vol_id, l.charge);
      for (const l of d.nas ?? []) add("nas", l.nas_id, l.charge);
      for (const l of d.nas_snapshots ?? []) add("nas_snapshots", l.snap_id, l.charge);
      for (const l of d.ips ?? []) add("ips", l.ip_id, l.charge);
      for (const l of d.loadbalancers ?? []) add("loadbalancers", l.lb_id, l.charge);
      for (const l of d.snapshots ?? []) add("snapshots", l.snap_id, l.charge);
      for (const l of d.images ?? []) add("images", l.img_id, l.charge);
      for (const l of d.images_storage ?? []) add("images_storage", l.img_id, l.charge);
      for (const l of d.traffic ?? []) add("traffic", l.cloud_id, l.charge);
      for (const l of d.license ?? []) add("license", l.svr_id, l.charge);
    }
    expect(expected.map((e) => `${e.user_id}|${e.resource_kind}|${e.resource_id}|${e.gabia_charge}`).sort()).toEqual(lines.sort());
    for (const line of expected) {
      expect(line.supply_amount, `${line.resource_id}: Gabia charges the supply rating`).toBe(line.gabia_charge);
    }
    expect(expected.find((e) => e.resource_id === "nas_2001")?.list_amount).toBe("448000");
  });
});
