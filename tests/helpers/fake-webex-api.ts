import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { WEBEX_REPORT_COLUMNS_BY_TYPE, WEBEX_REPORT_TYPES, type WebexReportType } from "../../scripts/land/webex-report-format.ts";

export type FakeReportStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";

export interface FakeReportError {
  code: number;
  description: string;
}

export interface FakeWebexReport {
  id: string;
  type: WebexReportType;
  billingStartDate: string;
  billingEndDate: string;
  subPartnerOrgId?: string;
  status: FakeReportStatus;
  created: string;
  createdBy: string;
  /** What an IN_PROGRESS report becomes once `pendingPolls` GETs have answered IN_PROGRESS. */
  outcome: "COMPLETED" | "FAILED";
  pendingPolls: number;
  errors: FakeReportError[];
  csv: Buffer;
}

export interface RecordedWebexRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  authorization: string | undefined;
  body: string;
}

/** Fault switches; tests set them per test, `reset()` clears them. Counters count down as they fire. */
export interface FakeWebexFaults {
  /** The next N API requests answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimited: number;
  retryAfterSeconds: number;
  /** The next N API requests answer `serverErrorStatus`. */
  serverErrors: number;
  serverErrorStatus: number;
  /** The next N download links handed out are already past their expiry (the CDN answers 403). */
  expiredLinks: number;
  /** The next N list requests leave existing reports out (a listing that lags behind a create). */
  staleLists: number;
  /** Created reports end FAILED with these errors instead of COMPLETED. */
  failCreatedWith?: FakeReportError[];
  /** GETs a created report answers IN_PROGRESS before it finishes. */
  pollsToFinish: number;
}

const DEFAULT_FAULTS: FakeWebexFaults = { rateLimited: 0, retryAfterSeconds: 7, serverErrors: 0, serverErrorStatus: 503, expiredLinks: 0, staleLists: 0, pollsToFinish: 2 };

export interface FakeWebexApiOptions {
  token: string;
  /** The CSV a report created through the API serves; by default a header of its level and one line. */
  csvFor?: (report: FakeWebexReport) => string | Buffer;
  /** Requests answered before the server refuses everything (a runaway client fails fast). */
  maxRequests?: number;
}

const BASE_PATH = "/v1/wholesale/billing/reports";
const MAX_BODY_BYTES = 64 * 1024;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A local stand-in for the Webex Wholesale Billing Reports API on 127.0.0.1, as reference
 * peers-and-apis.md §1 documents it: list with `max` and `Link: <...>; rel="next"` pages, create (202,
 * the body without status), get (IN_PROGRESS -> COMPLETED with a signed `tempDownloadURL`, or FAILED
 * with `errors[]`), delete, 409 when a completed report of the period exists (seed 004: it must be
 * deleted first), 401 for another token, and a CDN-like download endpoint whose signed links expire.
 */
export class FakeWebexApi {
  readonly requests: RecordedWebexRequest[] = [];
  readonly reports = new Map<string, FakeWebexReport>();
  faults: FakeWebexFaults = { ...DEFAULT_FAULTS };
  /** Items per list page when the client asks for more (reference §1.3: `max` is at most 100). */
  pageSize = 100;
  private server?: Server;
  private readonly signingKey = randomUUID();
  private clock = Date.parse("2026-11-20T03:00:00Z");

  constructor(private readonly options: FakeWebexApiOptions) {}

  /** The API base without /v1, as WEBEX_API_URL takes it. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  /** Clears recorded requests, reports and faults. */
  reset(): void {
    this.requests.length = 0;
    this.reports.clear();
    this.faults = { ...DEFAULT_FAULTS };
    this.pageSize = 100;
  }

  /** Puts a report in place as if it had been created earlier. */
  addReport(report: Partial<FakeWebexReport> & Pick<FakeWebexReport, "type" | "billingStartDate" | "billingEndDate">): FakeWebexReport {
    const full: FakeWebexReport = {
      id: newReportId(),
      status: "COMPLETED",
      created: this.timestamp(),
      createdBy: personId(),
      outcome: "COMPLETED",
      pendingPolls: 0,
      errors: [],
      csv: Buffer.alloc(0),
      ...report,
    };
    if (report.csv === undefined) full.csv = Buffer.from(this.options.csvFor?.(full) ?? defaultCsv(full.type));
    this.reports.set(full.id, full);
    return full;
  }

  requestsTo(method: string, pathPrefix: string): RecordedWebexRequest[] {
    return this.requests.filter((r) => r.method === method && r.url.startsWith(pathPrefix));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake server error: ${(error as Error).message}` }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private timestamp(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, ".000Z");
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", this.baseUrl);
    this.requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body: body ?? "" });
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", trackingid: `ROUTER_${randomUUID()}`, ...headers });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, message: string, headers: Record<string, string> = {}) =>
      json(status, { message, errors: [{ description: message }], trackingId: `ROUTER_${randomUUID()}` }, headers);

    if (this.requests.length > (this.options.maxRequests ?? 500)) return error(400, "fake Webex API: request budget for this test exhausted");
    if (body === undefined) return error(413, "request body too large");

    if (url.pathname.startsWith("/cdn/")) return this.download(req, res, url);
    if (!url.pathname.startsWith(BASE_PATH)) return error(404, `Not found: ${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      return error(401, "The request requires a valid access token set in the Authorization request header.");
    }
    if (this.faults.rateLimited > 0) {
      this.faults.rateLimited--;
      return error(429, "Too Many Requests", { "retry-after": String(this.faults.retryAfterSeconds) });
    }
    if (this.faults.serverErrors > 0) {
      this.faults.serverErrors--;
      return error(this.faults.serverErrorStatus, "Service Unavailable");
    }

    const id = url.pathname.length > BASE_PATH.length ? decodeURIComponent(url.pathname.slice(BASE_PATH.length + 1)) : undefined;
    if (id === undefined && req.method === "GET") return this.list(url, json, error);
    if (id === undefined && req.method === "POST") return this.create(body, json, error);
    const report = id === undefined ? undefined : this.reports.get(id);
    if (id !== undefined && (req.method === "GET" || req.method === "DELETE")) {
      if (!report) return json(404, { message: "Billing Report not found", errors: [{ code: 2024, description: "Billing Report not found" }], trackingId: `ROUTER_${randomUUID()}` });
      if (req.method === "DELETE") {
        this.reports.delete(report.id);
        res.writeHead(204);
        return void res.end();
      }
      return json(200, this.reportBody(report));
    }
    return error(405, `Method ${req.method} not allowed on ${url.pathname}`);
  }

  private list(url: URL, json: (status: number, payload: unknown, headers?: Record<string, string>) => void, error: (status: number, message: string) => void): void {
    const requested = Number(url.searchParams.get("max") ?? 100);
    if (!Number.isInteger(requested) || requested < 1 || requested > 100) return error(400, "max must be between 1 and 100");
    const max = Math.min(requested, this.pageSize);
    const filters = ["billingStartDate", "billingEndDate", "type", "status"] as const;
    const subPartner = url.searchParams.get("subPartnerOrgId") ?? undefined;
    let matching = [...this.reports.values()].filter(
      (r) => filters.every((f) => url.searchParams.get(f) === null || url.searchParams.get(f) === r[f]) && r.subPartnerOrgId === subPartner,
    );
    if (this.faults.staleLists > 0) {
      this.faults.staleLists--;
      matching = [];
    }
    const offset = Number(url.searchParams.get("cursor") ?? 0);
    const page = matching.slice(offset, offset + max);
    const headers: Record<string, string> = {};
    if (offset + max < matching.length) {
      const next = new URL(url.toString());
      next.searchParams.set("cursor", String(offset + max));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    json(
      200,
      { items: page.map((r) => ({ id: r.id, billingStartDate: r.billingStartDate, billingEndDate: r.billingEndDate, status: r.status, type: r.type })) },
      headers,
    );
  }

  private create(body: string, json: (status: number, payload: unknown) => void, error: (status: number, message: string) => void): void {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return error(400, "The request body is not JSON");
    }
    const { billingStartDate, billingEndDate, subPartnerOrgId } = request;
    const type = request.type ?? "PARTNER";
    if (typeof billingStartDate !== "string" || !DATE.test(billingStartDate)) return error(400, "billingStartDate is required, YYYY-MM-DD");
    if (typeof billingEndDate !== "string" || !DATE.test(billingEndDate)) return error(400, "billingEndDate is required, YYYY-MM-DD");
    if (typeof type !== "string" || !(WEBEX_REPORT_TYPES as readonly string[]).includes(type)) return error(400, "type must be PARTNER, CUSTOMER or USER");
    if (subPartnerOrgId !== undefined && typeof subPartnerOrgId !== "string") return error(400, "subPartnerOrgId must be a string");
    // Seed 004: an existing report must be deleted before it is generated again; failed or
    // in-progress ones do not block a new one.
    const existing = [...this.reports.values()].find(
      (r) =>
        r.billingStartDate === billingStartDate &&
        r.billingEndDate === billingEndDate &&
        r.type === type &&
        r.subPartnerOrgId === subPartnerOrgId &&
        r.status === "COMPLETED",
    );
    if (existing) return error(409, "A billing report already exists for this billing period and type");
    const report = this.addReport({
      type: type as WebexReportType,
      billingStartDate,
      billingEndDate,
      subPartnerOrgId,
      status: "IN_PROGRESS",
      outcome: this.faults.failCreatedWith ? "FAILED" : "COMPLETED",
      errors: this.faults.failCreatedWith ?? [],
      pendingPolls: this.faults.pollsToFinish,
    });
    json(202, { id: report.id, billingStartDate, billingEndDate, type });
  }

  /** A GET advances an IN_PROGRESS report: after `pendingPolls` answers it reaches its outcome. */
  private reportBody(report: FakeWebexReport): Record<string, unknown> {
    if (report.status === "IN_PROGRESS") {
      if (report.pendingPolls > 0) report.pendingPolls--;
      else report.status = report.outcome;
    }
    const body: Record<string, unknown> = {
      id: report.id,
      billingStartDate: report.billingStartDate,
      billingEndDate: report.billingEndDate,
      type: report.type,
      created: report.created,
      createdBy: report.createdBy,
      status: report.status,
    };
    if (report.status === "COMPLETED") body.tempDownloadURL = this.signedUrl(report);
    if (report.status === "FAILED") body.errors = report.errors;
    return body;
  }

  /** Like the CDN link of reference §1.4: `.../<uuid>/WHOLESALE/<uuid>.csv?Expires=…&Signature=…&Key-Pair-Id=…`. */
  private signedUrl(report: FakeWebexReport): string {
    let expires = Math.floor(Date.now() / 1000) + 600;
    if (this.faults.expiredLinks > 0) {
      this.faults.expiredLinks--;
      expires = Math.floor(Date.now() / 1000) - 60;
    }
    const path = `/cdn/${randomUUID()}/WHOLESALE/${Buffer.from(report.id).toString("hex")}.csv`;
    return `${this.baseUrl}${path}?Expires=${expires}&Signature=${this.sign(path, expires)}&Key-Pair-Id=FAKEKEYPAIR`;
  }

  private sign(path: string, expires: number): string {
    return createHmac("sha256", this.signingKey).update(`${path}\n${expires}`).digest("hex");
  }

  private download(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const denied = (status: number, code: string, message: string) => {
      res.writeHead(status, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    };
    // A signed URL is its own credential; like S3 and CloudFront, a second mechanism is refused.
    if (req.headers.authorization !== undefined) return denied(400, "InvalidArgument", "Only one auth mechanism allowed");
    const expires = Number(url.searchParams.get("Expires"));
    const signature = url.searchParams.get("Signature");
    if (!signature || signature !== this.sign(url.pathname, expires)) return denied(403, "AccessDenied", "Signature does not match");
    if (expires * 1000 < Date.now()) return denied(403, "AccessDenied", "Request has expired");
    const hexId = /\/([0-9a-f]+)\.csv$/.exec(url.pathname)?.[1] ?? "";
    const report = this.reports.get(Buffer.from(hexId, "hex").toString());
    if (!report) return denied(404, "NoSuchKey", "The specified key does not exist.");
    res.writeHead(200, { "content-type": "text/csv", "content-length": String(report.csv.length) });
    res.end(report.csv);
  }
}

function newReportId(): string {
  return Buffer.from(`ciscospark://us/WHOLESALE_BILLING_REPORT/${randomUUID()}`).toString("base64url");
}

function personId(): string {
  return Buffer.from(`ciscospark://us/PEOPLE/${randomUUID()}`).toString("base64url");
}

function defaultCsv(type: WebexReportType): string {
  const columns = WEBEX_REPORT_COLUMNS_BY_TYPE[type];
  return `${columns.join(",")}\r\n${columns.map((c) => (c === "QUANTITY" ? "30" : `${c.toLowerCase()}-1`)).join(",")}\r\n`;
}

/** The body as text, or undefined when it is larger than the server accepts. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
