import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withZetaSql, zetaType } from "../../scripts/check/zetasql-check.ts";
import { bigQueryClient, VendorApiError } from "../../scripts/clients/bigquery.ts";
import { loadSourceSchemas, type FieldType, type SourceSchema } from "../../scripts/contracts/source-schema.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../scripts/generate/options.ts";
import { generateSampleData } from "../../scripts/generate/sample-data.ts";
import { bigQueryTableDdl, deleteRunSql, pushedTables, pushLandingToBigQuery } from "../../scripts/land/bigquery-raw.ts";
import { VENDORS } from "../../scripts/land/vendors.ts";
import { landData } from "../../scripts/pipeline.ts";
import { FakeBigQuery, type Upload } from "../helpers/fake-bigquery.ts";
import { REPO_ROOT } from "../helpers/project.ts";

/**
 * `rbw land --target bigquery`: files land in the local DuckDB warehouse (validation, quarantine, manifest),
 * then every landing run BigQuery does not have is loaded into its raw tables. The BigQuery here is the
 * local REST stand-in (tests/helpers/fake-bigquery.ts) keeping its tables in a DuckDB database, so what it
 * holds can be compared with the local warehouse row for row.
 */
const TOKEN = "test-access-token-9876543210";
const PROJECT = "my-warehouse";
const schemas = loadSourceSchemas(REPO_ROOT);
const pushed = VENDORS.filter((v) => !v.readInPlaceOnBigQuery);
const vendors = pushed.map((v) => ({ sourceSystem: v.sourceSystem, rawTables: v.rawTables.map((t) => schemas.get(t.table) as SourceSchema) }));
const rawTables = vendors.flatMap((v) => v.rawTables);
const sourceSystems = pushed.map((v) => v.sourceSystem);

const BIGQUERY_TO_DUCKDB: [RegExp, string][] = [
  [/\bSTRING\b/g, "VARCHAR"],
  [/\bINT64\b/g, "BIGINT"],
  [/\bNUMERIC\b/g, "DECIMAL(38, 9)"],
  [/\bTIMESTAMP\b/g, "TIMESTAMPTZ"],
  [/\bBOOL\b/g, "BOOLEAN"],
  [/\bFLOAT64\b/g, "DOUBLE"],
];

describe("landing vendor files into BigQuery", () => {
  let bigquery: DuckDbWarehouse;
  let server: FakeBigQuery;
  let local: DuckDbWarehouse;
  let dataDir: string;
  /** Fails the load of this table, once. */
  let failLoadOf: string | undefined;

  beforeAll(async () => {
    bigquery = await DuckDbWarehouse.open(":memory:");
    await bigquery.exec("CREATE SCHEMA bq");
    const inBigQuery = (sql: string) => sql.replaceAll(`\`${PROJECT}.raw.`, "bq.").replace(/`/g, "").replace(/@run\b/g, "$1");
    server = new FakeBigQuery(
      TOKEN,
      async (sql, params) => {
        // The config tables' statements (tests/integration/bigquery-config.test.ts) are not kept here.
        if (sql.includes("FROM UNNEST(@rows)")) return { fields: [], rows: [] };
        const statement = inBigQuery(sql);
        const duckdb = /^\s*CREATE TABLE/i.test(statement) ? BIGQUERY_TO_DUCKDB.reduce((s, [from, to]) => s.replace(from, to), statement) : statement;
        const rows = await bigquery.query<Record<string, unknown>>(duckdb, params);
        const names = rows.length > 0 ? Object.keys(rows[0]) : [];
        return { fields: names.map((name) => ({ name, type: "STRING" })), rows: rows.map((r) => names.map((n) => (r[n] === null ? null : String(r[n])))) };
      },
      async (upload: Upload) => {
        expect(upload.load).toMatchObject({ sourceFormat: "NEWLINE_DELIMITED_JSON", writeDisposition: "WRITE_APPEND", createDisposition: "CREATE_NEVER" });
        if (failLoadOf === upload.tableId) {
          failLoadOf = undefined;
          throw new Error(`Error while reading data, error message: JSON table encountered too many errors (table ${upload.tableId})`);
        }
        const file = join(dataDir, `.upload-${upload.tableId}.json`);
        writeFileSync(file, upload.data);
        const columns = await bigquery.query<{ column_name: string; column_type: string }>(`DESCRIBE bq.${upload.tableId}`);
        const struct = columns.map((c) => `'${c.column_name}': '${c.column_type}'`).join(", ");
        await bigquery.exec(`INSERT INTO bq.${upload.tableId} BY NAME SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${struct}})`);
        rmSync(file);
      },
    );
    await server.start();
    dataDir = mkdtempSync(join(tmpdir(), "rbw-bigquery-landing-"));
    generateSampleData(dataDir, DEFAULT_GENERATE_OPTIONS);
    // A billing event AWS delivered broken: quarantined locally, and its quarantine row goes to BigQuery too.
    appendFileSync(join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=08/data.csv"), "only,three,fields\n");
    local = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await server.stop();
    await local.close();
    await bigquery.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.uploads.length = 0;
  });

  const client = () => bigQueryClient({ projectId: PROJECT, location: "asia-northeast3", apiEndpoint: server.endpoint }, { RBW_BIGQUERY_ACCESS_TOKEN: TOKEN });
  const push = () => pushLandingToBigQuery(client(), local, { projectId: PROJECT, dataset: "raw", vendors, retryDelayMs: 5 });
  const land = (runId: string) => landData(local, REPO_ROOT, dataDir, runId, {}, VENDORS, pushed);

  /** The rows of a table, every column as text, in one order. */
  const rowsOf = async (db: DuckDbWarehouse, relation: string, where = "TRUE") =>
    JSON.stringify(await db.query(`SELECT * FROM ${relation} WHERE ${where} ORDER BY ALL`));

  async function expectSameRows() {
    for (const table of rawTables) {
      expect(await rowsOf(bigquery, `bq.${table.table}`), table.table).toBe(await rowsOf(local, `raw.${table.table}`));
    }
    const mine = `source_system IN (${sourceSystems.map((s) => `'${s}'`).join(", ")})`;
    for (const table of ["load_manifest", "quarantine"]) {
      expect(await rowsOf(bigquery, `bq.${table}`), table).toBe(await rowsOf(local, `raw.${table}`, mine));
    }
  }

  it("loads every vendor's landed rows but Google's (read in place) into BigQuery, row for row, with the manifest and the quarantine", async () => {
    const landed = await land("run-1");
    expect(landed.rowsQuarantined).toBe(1);
    const result = await push();
    expect(result.runs).toEqual(["run-1"]);
    const loaded = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
    expect(loaded[`${PROJECT}.raw.quarantine`]).toBe(1);
    const [manifest] = await local.query<{ n: string }>(`SELECT CAST(COUNT(*) AS VARCHAR) AS n FROM raw.load_manifest WHERE run_id = 'run-1'`);
    expect(loaded[`${PROJECT}.raw.load_manifest`]).toBe(Number(manifest.n));
    expect(result.tables.at(-1)?.table).toBe(`${PROJECT}.raw.load_manifest`);
    expect(Object.keys(loaded).some((t) => t.includes("reseller_billing_detailed_export"))).toBe(false);
    expect(result.tables.filter((t) => !t.table.endsWith("load_manifest") && !t.table.endsWith("quarantine")).reduce((s, t) => s + t.rows, 0)).toBe(landed.rowsLanded);
    await expectSameRows();
    // Money and instants arrive exact: an AWS amount as the feed wrote it, the landing time in UTC.
    const [event] = await bigquery.query<Record<string, string>>("SELECT amount, CAST(_loaded_at AS VARCHAR) AS at FROM bq.aws_billingeventfeed_v1 ORDER BY billing_event_id LIMIT 1");
    const [same] = await local.query<Record<string, string>>("SELECT amount, CAST(_loaded_at AS VARCHAR) AS at FROM raw.aws_billingeventfeed_v1 ORDER BY billing_event_id LIMIT 1");
    expect(event).toEqual(same);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("loads nothing when BigQuery already has every landing run", async () => {
    const result = await push();
    expect(result).toEqual({ runs: [], tables: [] });
    expect(server.uploads).toEqual([]);
  });

  it("completes a push cut short on the next one, without loading a row twice", async () => {
    const file = join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=08/data.csv");
    const header = readFileSync(file, "utf8").split("\n")[0].split(",");
    appendFileSync(file, `${header.map((c) => (c === "billing_event_id" ? "LATEDAY3bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" : c === "amount" ? "7.25" : "")).join(",")}\n`);
    expect((await land("run-2")).rowsLanded).toBe(1);
    failLoadOf = "load_manifest";
    const error = await push().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toMatch(/^BigQuery refused loading landing run run-2 into raw\.load_manifest: .*too many errors/);
    // The event is in BigQuery, but the run is not recorded there: the next push loads it again, replacing it.
    expect(await bigquery.query("SELECT amount FROM bq.aws_billingeventfeed_v1 WHERE billing_event_id LIKE 'LATEDAY3%'")).toEqual([{ amount: "7.25" }]);
    const again = await push();
    expect(again.runs).toEqual(["run-2"]);
    expect(await bigquery.query("SELECT amount FROM bq.aws_billingeventfeed_v1 WHERE billing_event_id LIKE 'LATEDAY3%'")).toEqual([{ amount: "7.25" }]);
    await expectSameRows();
  });

  it("retries a load BigQuery answers with 503, and names the run and table when it refuses one", async () => {
    const file = join(dataDir, "aws-marketplace/BillingEventFeed_V1/year=2026/month=08/data.csv");
    const header = readFileSync(file, "utf8").split("\n")[0].split(",");
    appendFileSync(file, `${header.map((c) => (c === "billing_event_id" ? "LATEDAY4bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" : c === "amount" ? "1.00" : "")).join(",")}\n`);
    await land("run-3");
    server.uploadFailures.push({ status: 503, message: "Backend error", reason: "backendError" });
    expect((await push()).runs).toEqual(["run-3"]);
    await expectSameRows();

    appendFileSync(file, `${header.map((c) => (c === "billing_event_id" ? "LATEDAY5bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" : c === "amount" ? "2.00" : "")).join(",")}\n`);
    await land("run-4");
    server.uploadFailures.push({ status: 403, message: "Access Denied: Table my-warehouse:raw.aws_billingeventfeed_v1: Permission bigquery.tables.updateData denied", reason: "accessDenied" });
    const error = await push().catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "BigQuery refused loading landing run run-4 into raw.aws_billingeventfeed_v1 (HTTP 403): Access Denied: Table my-warehouse:raw.aws_billingeventfeed_v1: Permission bigquery.tables.updateData denied",
    );
    expect(String((error as Error).stack)).not.toContain(TOKEN);
    expect((await push()).runs).toEqual(["run-4"]);
    await expectSameRows();
  });

  it("sends DDL and DML that type-check as BigQuery SQL (ZetaSQL)", async () => {
    const tables = pushedTables(vendors);
    await withZetaSql(async (session) => {
      for (const table of tables) {
        await expect(session.analyze(bigQueryTableDdl(PROJECT, "raw", table)), table.table).resolves.toBeTruthy();
        const catalog = [{ name: `${PROJECT}.raw.${table.table}`, column: table.columns.map((c) => ({ name: c.name, type: zetaType({ name: c.name, type: (c.type === "INT64" ? "INTEGER" : c.type) as FieldType }) })) }];
        await expect(
          session.analyze(deleteRunSql(PROJECT, "raw", table, "'gabia', 'webex_wholesale'"), { tables: catalog, queryParameters: [{ name: "run", type: zetaType({ name: "run", type: "STRING" }) }] }),
          table.table,
        ).resolves.toBeTruthy();
      }
    });
  });

  it("lands with `rbw land --target bigquery`, never printing the token: a new warehouse takes BigQuery's runs back first, one with runs of its own is refused, and so is Google's export", async () => {
    const warehouseFile = join(dataDir, ".landing.duckdb");
    const rbwWith = (warehouse: string, ...args: string[]) =>
      new Promise<{ status: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, "scripts/bin/rbw.js"), "--warehouse", warehouse, ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, RBW_BIGQUERY_ACCESS_TOKEN: TOKEN, BIGQUERY_EMULATOR_HOST: `${server.endpoint}/bigquery/v2` },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("close", (status) => resolve({ status, output }));
      });
    const rbw = (...args: string[]) => rbwWith(warehouseFile, ...args);
    // A new warehouse (a fresh machine) takes back what BigQuery holds, then lands only what is new: nothing.
    const fresh = await rbw("land", "webex", "--data", dataDir, "--target", "bigquery", "--bq-project", PROJECT);
    expect(fresh.status, fresh.output).toBe(0);
    expect(fresh.output).toContain(`replaced ${PROJECT}.raw.ref_customer_mapping:`);
    expect(fresh.output).toMatch(new RegExp(`took back \\d+ rows of ${PROJECT}\\.raw\\.webex_billing_report_line into .*landing\\.duckdb`));
    expect(fresh.output).toMatch(new RegExp(`took back \\d+ rows of ${PROJECT}\\.raw\\.load_manifest`));
    expect(fresh.output).toMatch(/Landed 0 rows, quarantined 0, from \d+ files .*; BigQuery already had every landing run\./);
    expect(fresh.output).not.toContain(TOKEN);
    expect(server.uploads).toEqual([]);
    const restored = await DuckDbWarehouse.open(warehouseFile);
    try {
      // `land webex` took back Webex's rows only.
      const webex = vendors.find((v) => v.sourceSystem === "webex_wholesale")?.rawTables ?? [];
      expect(webex.length).toBeGreaterThan(0);
      for (const table of webex) expect(await rowsOf(restored, `raw.${table.table}`), table.table).toBe(await rowsOf(local, `raw.${table.table}`));
      expect(await rowsOf(restored, "raw.load_manifest")).toBe(await rowsOf(local, "raw.load_manifest", "source_system = 'webex_wholesale'"));
      expect(await restored.relationKind("raw", "aws_billingeventfeed_v1")).toBeUndefined();
    } finally {
      await restored.close();
    }

    // A warehouse with landing runs of its own that BigQuery does not know has diverged: refused before anything changes.
    const other = join(dataDir, ".other.duckdb");
    const own = await rbwWith(other, "land", "webex", "--data", dataDir);
    expect(own.status, own.output).toBe(0);
    const refused = await rbwWith(other, "land", "webex", "--data", dataDir, "--target", "bigquery", "--bq-project", PROJECT);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain(
      "BigQuery's raw.load_manifest holds 1 landing run this warehouse did not land (run-1) of vendors it has landed itself (webex_wholesale): land with the warehouse that landed them (--warehouse)",
    );
    expect(server.uploads).toEqual([]);

    const google = await rbw("land", "gcp", "--data", dataDir, "--target", "bigquery", "--bq-project", PROJECT);
    expect(google.status).not.toBe(0);
    expect(google.output).toContain("Google Cloud's data is read in place on BigQuery");
  }, 60_000);
});
