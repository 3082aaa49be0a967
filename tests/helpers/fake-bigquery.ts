import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Answers a query: column names with BigQuery types, and rows as text (null for NULL). */
export type QueryExecutor = (sql: string, params: (string | null)[]) => Promise<{ fields: { name: string; type: string }[]; rows: (string | null)[][] }>;

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for the BigQuery REST API (jobs.query) on 127.0.0.1: bearer-token auth, Google's
 * JSON error bodies, and scripted failures to exercise the client's retries.
 */
export class FakeBigQuery {
  readonly requests: RecordedRequest[] = [];
  /** Responses to give instead of success, in order (e.g. a 503 to be retried, a 400 to be reported). */
  readonly failures: { status: number; message: string; reason: string }[] = [];
  private server?: Server;

  constructor(
    readonly token: string,
    private readonly executor?: QueryExecutor,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const body = await readJson(req);
      this.requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, message: string, reason: string) =>
        reply(status, { error: { code: status, message, errors: [{ message, domain: "global", reason }], status: reason.toUpperCase() } });

      const match = /^\/bigquery\/v2\/projects\/([^/]+)\/queries(\?.*)?$/.exec(req.url ?? "");
      if (req.method !== "POST" || !match) return error(404, `Not found: ${req.method} ${req.url}`, "notFound");
      if (req.headers.authorization !== `Bearer ${this.token}`) return error(401, "Request is missing required authentication credential.", "unauthorized");
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

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
