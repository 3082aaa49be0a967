import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake saw it. */
export interface RecordedAwsRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** `X-Amz-Target` for Athena (e.g. `AmazonAthena.GetQueryResults`), the S3 operation name for S3. */
  operation: string;
  authorization: string | undefined;
  securityToken: string | undefined;
  body: Record<string, unknown>;
}

/** A scripted error reply, given instead of the normal answer to the next matching request. */
export interface ScriptedFailure {
  /** The operation it applies to (any when absent). */
  operation?: string;
  status: number;
  code: string;
  /** `{token}` is replaced by the request's session token, to prove callers redact what AWS echoes. */
  message: string;
}

/** Requests a fake answers before it refuses everything: a runaway client loop fails instead of hanging. */
const MAX_REQUESTS = 5000;
/** Largest request body read. */
const MAX_BODY = 1 << 20;

/**
 * The part shared by both fakes: a node:http server on 127.0.0.1 with an ephemeral port that records
 * requests, checks that they are SigV4-signed by the expected access key (not the signature itself),
 * and closes every kept-alive connection on stop.
 */
abstract class FakeAwsServer {
  readonly requests: RecordedAwsRequest[] = [];
  readonly failures: ScriptedFailure[] = [];
  private server?: Server;

  constructor(readonly accessKeyId: string) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  /** Requests for one operation. */
  calls(operation: string): RecordedAwsRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.error(res, 500, "InternalError", (error as Error).message);
        else res.destroy();
      });
    });
    this.server.requestTimeout = 10_000;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const text = await readBody(req);
    const recorded: RecordedAwsRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: this.operationOf(req, url),
      authorization: header(req, "authorization"),
      securityToken: header(req, "x-amz-security-token"),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    this.requests.push(recorded);
    if (this.requests.length > MAX_REQUESTS) return this.error(res, 500, "InternalError", "The fake AWS server answered too many requests.");
    const signed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/[a-z0-9-]+\/[a-z0-9]+\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
      recorded.authorization ?? "",
    );
    if (!signed || !header(req, "x-amz-date")) return this.unsigned(res);
    if (signed[1] !== this.accessKeyId) return this.unknownKey(res);
    const index = this.failures.findIndex((f) => !f.operation || f.operation === recorded.operation);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      return this.error(res, failure.status, failure.code, failure.message.replace("{token}", recorded.securityToken ?? ""));
    }
    await this.answer(recorded, res);
  }

  protected abstract operationOf(req: IncomingMessage, url: URL): string;
  protected abstract answer(request: RecordedAwsRequest, res: ServerResponse): Promise<void>;
  protected abstract error(res: ServerResponse, status: number, code: string, message: string): void;
  protected abstract unsigned(res: ServerResponse): void;
  protected abstract unknownKey(res: ServerResponse): void;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("Request body too large for the fake AWS server.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// ---------------------------------------------------------------------------------------------------
// S3

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

/**
 * S3's REST API, path style (`/bucket?list-type=2`, `/bucket/key`): ListObjectsV2 with `max-keys`,
 * `IsTruncated` and an opaque `NextContinuationToken`, GetObject with `ETag` and `Content-Length`,
 * and S3's XML error bodies.
 */
export class FakeS3 extends FakeAwsServer {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  /** Largest page ListObjectsV2 returns (S3's own cap is 1000); lower it to exercise pagination. */
  maxKeysCap = 1000;

  /** Stores an object; its ETag is the MD5 of the body in quotes, as S3 gives for a single-part upload. */
  put(bucket: string, key: string, body: string | Buffer): string {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
    let objects = this.buckets.get(bucket);
    if (!objects) this.buckets.set(bucket, (objects = new Map()));
    objects.set(key, { body: bytes, etag, lastModified: new Date() });
    return etag;
  }

  /** Appends to an object, as AWS appends each daily delivery to the month's data.csv. */
  append(bucket: string, key: string, text: string): string {
    const before = this.buckets.get(bucket)?.get(key)?.body ?? Buffer.alloc(0);
    return this.put(bucket, key, Buffer.concat([before, Buffer.from(text, "utf8")]));
  }

  protected operationOf(req: IncomingMessage, url: URL): string {
    // Path style: `/bucket` or `/bucket/` for the bucket, `/bucket/key` for an object.
    const key = url.pathname.split("/").slice(2).join("/");
    if (req.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") return "ListObjectsV2";
    if (req.method === "GET" && key !== "") return "GetObject";
    return `${req.method} ${url.pathname}`;
  }

  protected async answer(request: RecordedAwsRequest, res: ServerResponse): Promise<void> {
    const [, bucketName, ...rest] = request.path.split("/");
    const objects = this.buckets.get(decodeURIComponent(bucketName ?? ""));
    if (request.operation !== "ListObjectsV2" && request.operation !== "GetObject") {
      return this.error(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    if (!objects) return this.error(res, 404, "NoSuchBucket", "The specified bucket does not exist");
    if (request.operation === "GetObject") {
      const key = rest.map(decodeURIComponent).join("/");
      const object = objects.get(key);
      if (!object) return this.error(res, 404, "NoSuchKey", "The specified key does not exist.");
      res.writeHead(200, {
        "content-type": "text/csv",
        "content-length": String(object.body.length),
        etag: object.etag,
        "last-modified": object.lastModified.toUTCString(),
        "accept-ranges": "bytes",
        "x-amz-request-id": randomUUID(),
      });
      res.end(object.body);
      return;
    }
    const prefix = request.query.prefix ?? "";
    const maxKeys = Math.min(Number(request.query["max-keys"] ?? 1000), this.maxKeysCap);
    const token = request.query["continuation-token"];
    const after = token ? Buffer.from(token, "base64url").toString("utf8") : request.query["start-after"] ?? "";
    // S3 lists keys in UTF-8 binary order.
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = objects.get(k) as StoredObject;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join("");
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xml(decodeURIComponent(bucketName))}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>` +
      (token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : "") +
      (truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1], "utf8").toString("base64url")}</NextContinuationToken>` : "") +
      `${contents}</ListBucketResult>`;
    res.writeHead(200, { "content-type": "application/xml", "x-amz-request-id": randomUUID() });
    res.end(body);
  }

  protected error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "content-type": "application/xml", "x-amz-request-id": randomUUID() });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(code)}</Code><Message>${xml(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
  }

  protected unsigned(res: ServerResponse): void {
    this.error(res, 403, "AccessDenied", "Access Denied");
  }

  protected unknownKey(res: ServerResponse): void {
    this.error(res, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
  }
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

// ---------------------------------------------------------------------------------------------------
// Athena

/** A feed table: its columns with Athena types, and rows as text (null for NULL) with the S3 URI each came from. */
export interface FakeAthenaTable {
  columns: { name: string; type: string }[];
  rows: { path: string; values: (string | null)[] }[];
  /** The states GetQueryExecution reports, one per poll, the last one repeating (default QUEUED, RUNNING, SUCCEEDED). */
  states?: string[];
  /** StateChangeReason of a FAILED or CANCELLED query. */
  reason?: string;
}

interface FakeExecution {
  id: string;
  query: string;
  database: string | undefined;
  workGroup: string;
  outputLocation: string | undefined;
  table?: FakeAthenaTable;
  states: string[];
  reason?: string;
  polls: number;
  submitted: Date;
}

/** The query text exportAthenaFeeds sends: `SELECT *, "$path" AS "$path" FROM "db"."table"` with quoted identifiers. */
const EXPORT_QUERY = /^SELECT \*, "\$path" AS "\$path" FROM "((?:[^"]|"")+)"\."((?:[^"]|"")+)"$/;

/**
 * Athena's JSON 1.1 protocol (`POST /`, `X-Amz-Target: AmazonAthena.<Operation>`): StartQueryExecution,
 * GetQueryExecution (a scripted state sequence per table), GetQueryResults (header row first on the first
 * page, `MaxResults`, `NextToken`, `ResultSetMetadata.ColumnInfo`), StopQueryExecution, and `__type`
 * error bodies (ThrottlingException, InvalidRequestException, UnrecognizedClientException).
 */
export class FakeAthena extends FakeAwsServer {
  /** `database.table` -> table. */
  readonly tables = new Map<string, FakeAthenaTable>();
  readonly executions = new Map<string, FakeExecution>();
  /** Largest GetQueryResults page (Athena's own cap is 1000); lower it to exercise NextToken. */
  maxResultsCap = 1000;

  protected operationOf(req: IncomingMessage): string {
    return header(req, "x-amz-target") ?? "";
  }

  protected async answer(request: RecordedAwsRequest, res: ServerResponse): Promise<void> {
    const body = request.body;
    switch (request.operation) {
      case "AmazonAthena.StartQueryExecution": {
        const query = String(body.QueryString ?? "");
        const match = EXPORT_QUERY.exec(query);
        if (!match) return this.error(res, 400, "InvalidRequestException", `line 1:1: the fake understands only the feed export query, not: ${query}`);
        const [database, table] = [match[1], match[2]].map((s) => s.replace(/""/g, '"'));
        const found = this.tables.get(`${database}.${table}`);
        const id = randomUUID();
        const context = body.QueryExecutionContext as { Database?: string } | undefined;
        const result = body.ResultConfiguration as { OutputLocation?: string } | undefined;
        this.executions.set(id, {
          id,
          query,
          database: context?.Database,
          workGroup: String(body.WorkGroup ?? "primary"),
          outputLocation: result?.OutputLocation,
          table: found,
          // Athena accepts the query and fails it while planning when the table does not exist.
          states: found ? (found.states ?? ["QUEUED", "RUNNING", "SUCCEEDED"]) : ["QUEUED", "FAILED"],
          reason: found ? found.reason : `TABLE_NOT_FOUND: line 1:41: Table 'awsdatacatalog.${database}.${table}' does not exist`,
          polls: 0,
          submitted: new Date(),
        });
        return this.reply(res, { QueryExecutionId: id });
      }
      case "AmazonAthena.GetQueryExecution": {
        const execution = this.executions.get(String(body.QueryExecutionId));
        if (!execution) return this.error(res, 400, "InvalidRequestException", `QueryExecution ${String(body.QueryExecutionId)} was not found`);
        const state = execution.states[Math.min(execution.polls, execution.states.length - 1)];
        execution.polls++;
        const done = state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED";
        return this.reply(res, {
          QueryExecution: {
            QueryExecutionId: execution.id,
            Query: execution.query,
            StatementType: "DML",
            ResultConfiguration: execution.outputLocation ? { OutputLocation: `${execution.outputLocation}${execution.id}.csv` } : undefined,
            QueryExecutionContext: { Database: execution.database, Catalog: "awsdatacatalog" },
            Status: {
              State: state,
              ...(state === "FAILED" || state === "CANCELLED" ? { StateChangeReason: execution.reason ?? "Query cancelled by user" } : {}),
              ...(state === "FAILED" ? { AthenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: execution.reason } } : {}),
              SubmissionDateTime: execution.submitted.getTime() / 1000,
              ...(done ? { CompletionDateTime: Date.now() / 1000 } : {}),
            },
            WorkGroup: execution.workGroup,
            EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
          },
        });
      }
      case "AmazonAthena.StopQueryExecution": {
        const execution = this.executions.get(String(body.QueryExecutionId));
        if (execution) {
          execution.states = ["CANCELLED"];
          execution.polls = 0;
        }
        return this.reply(res, {});
      }
      case "AmazonAthena.GetQueryResults": {
        const execution = this.executions.get(String(body.QueryExecutionId));
        if (!execution) return this.error(res, 400, "InvalidRequestException", `QueryExecution ${String(body.QueryExecutionId)} was not found`);
        const state = execution.states[Math.min(Math.max(execution.polls - 1, 0), execution.states.length - 1)];
        if (state !== "SUCCEEDED" || !execution.table) return this.error(res, 400, "InvalidRequestException", `Query has not yet finished. Current state: ${state}`);
        const table = execution.table;
        const columns = [...table.columns, { name: "$path", type: "varchar" }];
        // The header row is row 0 of the result and counts towards MaxResults, as in Athena.
        const all: (string | null)[][] = [columns.map((c) => c.name), ...table.rows.map((r) => [...r.values, r.path])];
        const start = body.NextToken ? Number(Buffer.from(String(body.NextToken), "base64url").toString("utf8")) : 0;
        if (!Number.isInteger(start) || start < 0 || start > all.length) return this.error(res, 400, "InvalidRequestException", "Invalid NextToken");
        const size = Math.min(Number(body.MaxResults ?? 1000), this.maxResultsCap);
        const page = all.slice(start, start + size);
        const next = start + page.length < all.length ? Buffer.from(String(start + page.length), "utf8").toString("base64url") : undefined;
        return this.reply(res, {
          UpdateCount: 0,
          ResultSet: {
            Rows: page.map((values) => ({ Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) })),
            ResultSetMetadata: {
              ColumnInfo: columns.map((c) => ({
                CatalogName: "hive",
                SchemaName: "",
                TableName: "",
                Name: c.name,
                Label: c.name,
                Type: c.type,
                Precision: c.type === "varchar" ? 2147483647 : 0,
                Scale: 0,
                Nullable: "UNKNOWN",
                CaseSensitive: c.type === "varchar",
              })),
            },
          },
          ...(next ? { NextToken: next } : {}),
        });
      }
      default:
        return this.error(res, 400, "UnknownOperationException", `Unknown operation ${request.operation}`);
    }
  }

  private reply(res: ServerResponse, payload: unknown): void {
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
    res.end(JSON.stringify(payload));
  }

  protected error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID(), "x-amzn-errortype": code });
    res.end(JSON.stringify({ __type: code, message }));
  }

  protected unsigned(res: ServerResponse): void {
    this.error(res, 400, "MissingAuthenticationTokenException", "Missing Authentication Token");
  }

  protected unknownKey(res: ServerResponse): void {
    this.error(res, 400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
}
