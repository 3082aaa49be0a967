import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";

/**
 * A local stand-in for Gabia's cloud partner API on 127.0.0.1, after the published specification
 * (../shared/reference/gabia-partner-api, version 1.8.2): `POST /v1/auth/api` issuing HS256 JWTs,
 * `GET /v1/auth/api/token`, `GET /v1/bills/{YYYY-MM}[/users/{user_id}]` and `GET /v1/bills/now[/users/{user_id}]`,
 * with the spec's `{msg, code, desc}` error bodies. Bodies are served as stored bytes so a test can compare
 * what the client saved with what was sent. Error codes the spec documents are used as documented
 * (-621, -4901, -4903, -606); the others are this fake's own.
 */

/** One month of bills as raw response bodies. */
export interface FakeGabiaMonth {
  partner: string;
  users: Record<string, string>;
}

export interface FakeGabiaFaults {
  /** `exp - iat` of issued tokens (auth.api.yaml: 2 hours). */
  tokenLifetimeSeconds: number;
  /** A token is refused with 401 once used this many times: an expiry the client cannot see in `exp`. */
  rejectTokenAfterUses?: number;
  /** Months whose bill is not confirmed yet: 404 as for a bill that does not exist. */
  openMonths: string[];
  /** Ids the partner bill lists (appended to `users`) whose user bill answers 404. */
  unknownUsers: string[];
  /** Error bodies echo the request's secret and bearer token, as Gabia's do ("Your input : '...'"). */
  echoCredentials: boolean;
  /** Bodies to serve instead of the stored one, by exact request path (e.g. a body that breaks the schema). */
  overrideBodies: Record<string, { status: number; body: string }>;
}

export interface RecordedGabiaRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  form: Record<string, string>;
  status: number;
}

const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const GOLDEN_MONTH_DIR = join(REPO_ROOT, "tests/fixtures/gabia-golden/gabia/bills/2026-10");

/** The golden month (tests/fixtures/gabia-golden) as the fake serves it. */
export function goldenGabiaMonth(): FakeGabiaMonth {
  const users: Record<string, string> = {};
  for (const file of readdirSync(join(GOLDEN_MONTH_DIR, "users"))) {
    users[file.replace(/\.json$/, "")] = readFileSync(join(GOLDEN_MONTH_DIR, "users", file), "utf8");
  }
  return { partner: readFileSync(join(GOLDEN_MONTH_DIR, "partner.json"), "utf8"), users };
}

/**
 * The month to date in the shape of Bills.now.yaml / Bills.now.users.yaml, built from a closed month:
 * no bill id or payment status, NAS snapshots under `nassnapshots`, traffic as in_/out_ bytes only.
 */
export function provisionalGabiaMonth(closed: FakeGabiaMonth, year: string, month: string): FakeGabiaMonth {
  const partner = JSON.parse(closed.partner) as Record<string, unknown>;
  const now = { partner_id: partner.partner_id, year, month, total_charge: partner.total_charge, charge_summary: partner.charge_summary, users: partner.users };
  const users: Record<string, string> = {};
  for (const [id, text] of Object.entries(closed.users)) {
    const bill = JSON.parse(text) as { charge_detail: Record<string, unknown[]> } & Record<string, unknown>;
    const { nas_snapshots, traffic, ...detail } = bill.charge_detail;
    const trafficNow = (traffic as Record<string, unknown>[]).map((line) => ({
      type: line.type,
      cloud_id: line.cloud_id,
      start: line.start,
      end: line.end,
      in_traffic: 0,
      out_traffic: line.use_traffic,
      in_traffic_domestic: 0,
      out_traffic_domestic: line.use_traffic_domestic,
      in_traffic_foreign: 0,
      out_traffic_foreign: line.use_traffic_foreign,
      charge: line.charge,
    }));
    users[id] = `${JSON.stringify({ ...bill, year, month, charge_detail: { ...detail, nassnapshots: nas_snapshots, traffic: trafficNow } }, null, 2)}\n`;
  }
  return { partner: `${JSON.stringify(now, null, 2)}\n`, users };
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString("base64url");

export class FakeGabiaApi {
  readonly requests: RecordedGabiaRequest[] = [];
  /** Every body served with 200, by request path (query included). */
  readonly served = new Map<string, Buffer>();
  /** Every token issued, in order. */
  readonly tokens: string[] = [];
  faults: FakeGabiaFaults = FakeGabiaApi.noFaults();
  private readonly uses = new Map<string, number>();
  private readonly signingKey = randomBytes(32);
  private server?: Server;
  private lifetime?: NodeJS.Timeout;

  constructor(
    readonly partnerId: string,
    readonly secret: string,
    readonly months: Record<string, FakeGabiaMonth>,
    public now: FakeGabiaMonth,
    /** Answers beyond this many requests are 503 and the server closes: a client stuck in a loop cannot spin forever. */
    private readonly maxRequests = 500,
    /** The server closes itself after this long even if a test forgets to. */
    private readonly lifetimeMs = 120_000,
  ) {}

  static noFaults(): FakeGabiaFaults {
    return { tokenLifetimeSeconds: 7200, openMonths: [], unknownUsers: [], echoCredentials: false, overrideBodies: {} };
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.served.clear();
    this.tokens.length = 0;
    this.uses.clear();
    this.faults = FakeGabiaApi.noFaults();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.reply(res, 500, { msg: String(error), code: -500, desc: "fake Gabia API failure" });
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    this.server.unref();
    this.lifetime = setTimeout(() => void this.stop(), this.lifetimeMs);
    this.lifetime.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.lifetime);
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  private reply(res: ServerResponse, status: number, body: unknown): number {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
    return status;
  }

  private send(res: ServerResponse, path: string, text: string): number {
    const bytes = Buffer.from(text, "utf8");
    this.served.set(path, bytes);
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": String(bytes.length) });
    res.end(bytes);
    return 200;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const path = req.url ?? "";
    const record: RecordedGabiaRequest = { method: req.method ?? "", path, authorization: req.headers.authorization, form, status: 0 };
    this.requests.push(record);
    if (this.requests.length > this.maxRequests) {
      record.status = this.reply(res, 503, { msg: "request limit of the fake Gabia API reached", code: -503, desc: "fake" });
      void this.stop();
      return;
    }
    record.status = this.route(req.method ?? "", path, req.headers.authorization, form, res);
  }

  private route(method: string, path: string, authorization: string | undefined, form: Record<string, string>, res: ServerResponse): number {
    const url = new URL(path, "http://127.0.0.1");
    if (method === "POST" && url.pathname === "/v1/auth/api") return this.issueToken(form, res);

    const jwt = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    const echo = this.faults.echoCredentials ? ` (partner_id=${this.partnerId}, secret=${this.secret}, token=${jwt ?? ""})` : "";
    const override = this.faults.overrideBodies[path];

    if (method === "GET" && url.pathname === "/v1/auth/api/token") return this.describeToken(url, res);
    if (method !== "GET" || !url.pathname.startsWith("/v1/bills/")) {
      return this.reply(res, 404, { msg: `${method} ${url.pathname} does not exist.${echo}`, code: -404, desc: "[API] 존재하지 않는 요청입니다." });
    }
    const tokenProblem = this.checkToken(jwt);
    if (tokenProblem) return this.reply(res, 401, { msg: `${tokenProblem} Your input : '${jwt ?? ""}'.${echo}`, code: -606, desc: "[Auth] JWT 오류. 유효하지 않은 토큰입니다." });
    if (override) {
      if (override.status === 200) return this.send(res, path, override.body);
      res.writeHead(override.status, { "content-type": "application/json; charset=utf-8" });
      res.end(override.body);
      return override.status;
    }

    const match = /^\/v1\/bills\/(now|[^/]+)(?:\/users\/([^/]+))?$/.exec(url.pathname);
    if (!match) return this.reply(res, 404, { msg: `${url.pathname} does not exist.${echo}`, code: -404, desc: "[API] 존재하지 않는 요청입니다." });
    const [, period, userId] = match;
    if (period !== "now" && !/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) {
      return this.reply(res, 400, { msg: `'bill_date' must be YYYY-MM. Your input 'bill_date': '${period}'.${echo}`, code: -621, desc: "[API] REST API 오류. 필수값이 없거나 유효하지 않습니다." });
    }
    const month = period === "now" ? this.now : this.months[period];
    if (!month || this.faults.openMonths.includes(period)) {
      return this.reply(res, 404, { msg: `${period} 정산금이 없거나 아직 확정되지 않았습니다.${echo}`, code: -4404, desc: "[API] 정산금 조회 오류. 존재하지 않는 정산금." });
    }
    if (userId === undefined) return this.send(res, path, this.partnerBody(month));
    if (!/^\w{3,16}$/.test(userId)) {
      return this.reply(res, 400, { msg: `'user_id' is not valid. Your input 'user_id': '${userId}'.${echo}`, code: -621, desc: "[API] REST API 오류. 필수값이 없거나 유효하지 않습니다." });
    }
    const body = month.users[userId];
    if (body === undefined || this.faults.unknownUsers.includes(userId)) {
      return this.reply(res, 404, { msg: `존재하지 않는 이용자입니다. user_id: ${userId}.${echo}`, code: -4405, desc: "[API] 이용자 조회 오류. 존재하지 않는 이용자." });
    }
    if (url.searchParams.get("detail") === "Y") return this.send(res, path, body);
    const { charge_detail: _omitted, ...summary } = JSON.parse(body) as Record<string, unknown>;
    return this.send(res, path, `${JSON.stringify(summary, null, 2)}\n`);
  }

  private partnerBody(month: FakeGabiaMonth): string {
    if (this.faults.unknownUsers.length === 0) return month.partner;
    const partner = JSON.parse(month.partner) as { users: string[] };
    return `${JSON.stringify({ ...partner, users: [...partner.users, ...this.faults.unknownUsers] }, null, 2)}\n`;
  }

  private issueToken(form: Record<string, string>, res: ServerResponse): number {
    const error = (code: number, msg: string, desc: string) => this.reply(res, 401, { msg, code, desc });
    if (!form.partner_id) return error(-621, "'partner_id' is must required. Your input 'partner_id': ''.", "[Auth] REST API 오류. 필수값이 없거나 유효하지 않습니다.");
    if (!form.secret) return error(-621, "'secret' is must required. Your input 'secret': ''.", "[Auth] REST API 오류. 필수값이 없거나 유효하지 않습니다.");
    if (form.role !== "api" && form.role !== "console") return error(-621, `'role' must be api or console. Your input 'role': '${form.role ?? ""}'.`, "[Auth] REST API 오류. 필수값이 없거나 유효하지 않습니다.");
    if (form.partner_id !== this.partnerId) return error(-4901, `not exist partner. Your input : '${form.partner_id}'.`, "[API] 파트너 토큰 발급 오류. 존재하지 않는 파트너.");
    // The documented 401 message echoes the secret that was sent ("Your input 'secret': ..."), always.
    if (form.secret !== this.secret) return error(-4903, `invalid secret key. Your input : '${form.secret}'.`, "[API] 파트너 토큰 발급 오류. 유효하지 않은 secret key.");
    const iat = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = base64url(
      JSON.stringify({ encrypt: randomBytes(16).toString("hex"), iat, exp: iat + this.faults.tokenLifetimeSeconds, iss: "gcloud", sub: "socket", role: form.role, partner_id: form.partner_id }),
    );
    const token = `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
    this.tokens.push(token);
    return this.reply(res, 200, { token });
  }

  private sign(data: string): string {
    return createHmac("sha256", this.signingKey).update(data).digest("base64url");
  }

  private claims(jwt: string): { iat: number; exp: number; role: string; partner_id: string } | undefined {
    const [header, payload, signature] = jwt.split(".");
    if (!header || !payload || !signature) return undefined;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iat: number; exp: number; role: string; partner_id: string };
  }

  /** Why `jwt` is refused, or undefined when it is good (counting the use). */
  private checkToken(jwt: string | undefined): string | undefined {
    if (!jwt) return "Authorization header is missing.";
    const claims = this.claims(jwt);
    if (!claims) return "invalid token.";
    if (claims.role !== "api") return "token role is not api.";
    if (Date.now() / 1000 >= claims.exp) return "expired token.";
    const uses = (this.uses.get(jwt) ?? 0) + 1;
    this.uses.set(jwt, uses);
    if (this.faults.rejectTokenAfterUses !== undefined && uses > this.faults.rejectTokenAfterUses) return "expired token.";
    return undefined;
  }

  private describeToken(url: URL, res: ServerResponse): number {
    const jwt = url.searchParams.get("token") ?? "";
    if (!jwt) return this.reply(res, 400, { msg: "'token' is must required. Your input 'token': ''.", code: -621, desc: "[Auth] REST API 오류. 필수값이 없거나 유효하지 않습니다." });
    const secret = url.searchParams.get("secret");
    if (secret !== null && secret !== this.secret) return this.reply(res, 401, { msg: `invalid secret key. Your input : '${secret}'.`, code: -606, desc: "[Auth] JWT 오류. 유효하지 않은 secret key" });
    const claims = this.claims(jwt);
    if (!claims) return this.reply(res, 401, { msg: "invalid token.", code: -606, desc: "[Auth] JWT 오류. 유효하지 않은 토큰입니다." });
    const nowSeconds = Date.now() / 1000;
    const kst = (seconds: number) => new Date(seconds * 1000 + 9 * 3_600_000).toISOString().replace("T", " ").slice(0, 19);
    return this.reply(res, 200, {
      ...(secret !== null ? { partner_id: claims.partner_id, role: claims.role } : {}),
      iat: claims.iat,
      exp: claims.exp,
      iss: "partner",
      createdAt: kst(claims.iat),
      expiredAt: kst(claims.exp),
      remainMinutes: Math.max(0, Math.floor((claims.exp - nowSeconds) / 60)),
      expired: nowSeconds >= claims.exp,
    });
  }
}
