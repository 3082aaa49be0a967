import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Answers a query: column names with BigQuery types, and rows as text (null for NULL). */
export type QueryExecutor = (sql: string, params: (string | null)[]) => Promise<{ fields: { name: string; type: string }[]; rows: (string | null)[][] }>;

/** A load job's upload: its destination, its configuration and the data sent. */
export interface Upload {
  projectId: string;
  datasetId: string;
  tableId: string;
  load: Record<string, unknown>;
  data: Buffer;
}

/** Takes in an upload (or throws, failing the job with the error's message). */
export type Loader = (upload: Upload) => Promise<void>;

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for the BigQuery REST API on 127.0.0.1: jobs.query, load jobs sent as multipart uploads
 * (jobs.insert on the upload endpoint) and jobs.get; bearer-token auth, Google's JSON error bodies, and
 * scripted failures to exercise the client's retries.
 */
export class FakeBigQuery {
  readonly requests: RecordedRequest[] = [];
  /** Responses to give instead of success, in order (e.g. a 503 to be retried, a 400 to be reported). */
  readonly failures: { status: number; message: string; reason: string }[] = [];
  /** Responses to give to the next uploads instead of taking them in. */
  readonly uploadFailures: { status: number; message: string; reason: string }[] = [];
  /** Every upload taken in, in order. */
  readonly uploads: Upload[] = [];
  private readonly jobs = new Map<string, Record<string, unknown>>();
  private server?: Server;

  constructor(
    readonly token: string,
    private readonly executor?: QueryExecutor,
    private readonly loader?: Loader,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const raw = await readBody(req);
      const upload = /\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs(\?.*)?$/.exec(req.url ?? "");
      const parts = upload ? multipartParts(raw, String(req.headers["content-type"] ?? "")) : [];
      const body = upload ? (JSON.parse(parts[0]?.toString("utf8") ?? "{}") as Record<string, unknown>) : raw.length > 0 ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
      this.requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, message: string, reason: string) =>
        reply(status, { error: { code: status, message, errors: [{ message, domain: "global", reason }], status: reason.toUpperCase() } });

      if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, "Request is missing required authentication credential.", "unauthorized");
      const jobGet = /\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/?]+)(\?.*)?$/.exec(req.url ?? "");
      if (req.method === "GET" && jobGet) {
        const job = this.jobs.get(decodeURIComponent(jobGet[2]));
        return job ? reply(200, job) : error(404, `Not found: Job ${jobGet[1]}:${jobGet[2]}`, "notFound");
      }
      if (req.method === "POST" && upload) {
        const failure = this.uploadFailures.shift();
        if (failure) return error(failure.status, failure.message, failure.reason);
        const jobReference = body.jobReference as { jobId: string; projectId: string; location?: string };
        const load = (body.configuration as { load: Record<string, unknown> }).load;
        const destination = load.destinationTable as { projectId: string; datasetId: string; tableId: string };
        let status: Record<string, unknown> = { state: "DONE" };
        try {
          const taken = { projectId: destination.projectId, datasetId: destination.datasetId, tableId: destination.tableId, load, data: parts[1] ?? Buffer.alloc(0) };
          await this.loader?.(taken);
          this.uploads.push(taken);
        } catch (e) {
          const failed = { reason: "invalid", message: (e as Error).message };
          status = { state: "DONE", errorResult: failed, errors: [failed] };
        }
        const job = { kind: "bigquery#job", id: `${jobReference.projectId}:${jobReference.jobId}`, jobReference, configuration: body.configuration, status };
        this.jobs.set(jobReference.jobId, job);
        return reply(200, job);
      }
      const match = /^\/bigquery\/v2\/projects\/([^/]+)\/queries(\?.*)?$/.exec(req.url ?? "");
      if (req.method !== "POST" || !match) return error(404, `Not found: ${req.method} ${req.url}`, "notFound");
      const failure = this.failures.shift();
      if (failure) return error(failure.status, failure.message, failure.reason);
      const jobReference = { projectId: match[1], jobId: `job_${this.requests.length}`, location: body.location ?? "US" };
      if (!this.executor) {
        return reply(200, { kind: "bigquery#queryResponse", jobReference, jobComplete: true, totalRows: "0", totalBytesProcessed: "0", cacheHit: false });
      }
      const params = ((body.queryParameters as { parameterValue: { value?: string } }[] | undefined) ?? []).map((p) => p.parameterValue.value ?? null);
      try {
        const result = await this.executor(String(body.query), params);
        reply(200, {
          kind: "bigquery#queryResponse",
          jobReference,
          jobComplete: true,
          schema: { fields: result.fields.map((f) => ({ ...f, mode: "NULLABLE" })) },
          rows: result.rows.map((row) => ({ f: row.map((v) => ({ v })) })),
          totalRows: String(result.rows.length),
          totalBytesProcessed: "0",
          cacheHit: false,
        });
      } catch (e) {
        error(400, (e as Error).message, "invalidQuery");
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a multipart/related body (RFC 2387), each without its headers. */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    const part = body.subarray(start, next === -1 ? body.length : next);
    const headersEnd = part.indexOf("\r\n\r\n");
    let content = part.subarray(headersEnd + 4);
    if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
    parts.push(content);
    at = next;
  }
  return parts;
}
