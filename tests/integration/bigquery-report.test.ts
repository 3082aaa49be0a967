import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigQueryClient } from "../../scripts/clients/bigquery.ts";
import type { WarehouseDatabase } from "../../scripts/contracts/warehouse-tables.ts";
import { BigQueryDialect } from "../../scripts/engines/bigquery/kysely-dialect.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { exportFocus, exportFocusFromBigQuery } from "../../scripts/export/focus-export.ts";
import { duckDbReportSource, loadMarginReport } from "../../scripts/report/margin-report.ts";
import { translateQuery } from "../../scripts/runner/translate.ts";
import { dataWithAws } from "../helpers/aws-data.ts";
import { FakeBigQuery } from "../helpers/fake-bigquery.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const BIGQUERY_TYPES: [RegExp, string][] = [
  [/^DECIMAL/, "NUMERIC"],
  [/^(VARCHAR|TEXT)/, "STRING"],
  [/^DATE$/, "DATE"],
  [/^(BIGINT|INTEGER|HUGEINT|SMALLINT)/, "INT64"],
  [/^DOUBLE/, "FLOAT64"],
  [/^BOOLEAN/, "BOOL"],
  [/^TIMESTAMP/, "TIMESTAMP"],
];

/** DuckDB's text of a TIMESTAMP WITH TIME ZONE (`2026-10-01 00:00:00.5+09`) as microseconds since the epoch. */
function epochMicros(text: string): string {
  const [, civil, fraction = "", offset] = /^(.*?\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2})?)$/.exec(text) ?? [];
  if (!civil) throw new Error(`not a DuckDB TIMESTAMP WITH TIME ZONE: ${text}`);
  const zone = offset.length === 3 ? `${offset}:00` : offset.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  return (BigInt(Date.parse(`${civil.replace(" ", "T")}${zone}`)) * 1000n + BigInt(fraction.padEnd(6, "0"))).toString();
}

describe("the margin report read from BigQuery", () => {
  let warehouse: DuckDbWarehouse;
  let server: FakeBigQuery;
  // Google's golden month (2026-10) and AWS's golden feeds (2024), Hanbit Retail's account claimed by c3.
  const data = dataWithAws({ c3: ["012345678901"] });

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });
    // BigQuery's side of the conversation: the GoogleSQL it receives runs, translated, on the same marts.
    server = new FakeBigQuery("token", async (query, params) => {
      const reader = await warehouse.connection.runAndReadAll(translateQuery(query), params.map((p) => (p !== null && /^\d+$/.test(p) ? BigInt(p) : p)));
      const types = reader.columnTypes().map((t) => String(t));
      const fields = reader.columnNames().map((name, i) => ({ name, type: BIGQUERY_TYPES.find(([re]) => re.test(types[i]))?.[1] ?? "STRING" }));
      return {
        fields,
        // BigQuery sends a TIMESTAMP as microseconds since the epoch (the client asks for int64 timestamps).
        rows: reader.getRowsJson().map((row) => row.map((v, i) => (v === null ? null : fields[i].type === "TIMESTAMP" ? epochMicros(String(v)) : String(v)))),
      };
    });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await warehouse.close();
    data.cleanup();
  });

  it("sends GoogleSQL with parameters and gives exactly the numbers the DuckDB warehouse gives", async () => {
    const db = new Kysely<WarehouseDatabase>({ dialect: new BigQueryDialect(bigQueryClient({ projectId: "my-warehouse", apiEndpoint: server.endpoint }, { RBW_BIGQUERY_ACCESS_TOKEN: "token" })) });
    const fromBigQuery = await loadMarginReport({ db }, "2026-10");
    const fromDuckDb = await loadMarginReport(duckDbReportSource(warehouse), "2026-10");
    expect(fromBigQuery).toEqual(fromDuckDb);
    expect(fromBigQuery.totals.margin).toBe("-31794.000001400");
    const first = server.requests[0].body;
    expect(first.query).toMatch(/^select \* from `marts`\.`margin_monthly` where `billing_period` = CAST\(\? AS DATE\)/);
    expect(first.parameterMode).toBe("positional");
    expect(JSON.stringify(first.queryParameters)).toContain('"value":"2026-10-01"');
    expect(server.requests.every((r) => !String(r.body.query).includes("DECIMAL(38"))).toBe(true);
  });

  it("reads the customers' contracts in force from BigQuery as from DuckDB", async () => {
    const db = new Kysely<WarehouseDatabase>({ dialect: new BigQueryDialect(bigQueryClient({ projectId: "my-warehouse", apiEndpoint: server.endpoint }, { RBW_BIGQUERY_ACCESS_TOKEN: "token" })) });
    const fromBigQuery = await loadMarginReport({ db }, "2024-01");
    expect(fromBigQuery).toEqual(await loadMarginReport(duckDbReportSource(warehouse), "2024-01"));
    // Hanbit's 12-month public-offer agreement (6,000 USD): January's 500 USD sale less February's 100 USD refund drawn on it.
    expect(fromBigQuery.contracts).toEqual([
      {
        customerId: "c3",
        customerName: "c3",
        contractId: "agmt-hanbit7z2x5c8v1b4n6m9q3w",
        type: "Public offer contract",
        description: expect.any(String),
        start: "2023-12-05",
        end: "2024-12-04",
        currency: "USD",
        committed: "6000.000000000",
        drawn: "400.000000000",
        remaining: "5600.000000000",
      },
    ]);
    expect((await loadMarginReport({ db }, "2026-10")).contracts).toEqual([]);
  });

  it("exports FOCUS files from BigQuery identical to the DuckDB warehouse's", async () => {
    const client = bigQueryClient({ projectId: "my-warehouse", apiEndpoint: server.endpoint }, { RBW_BIGQUERY_ACCESS_TOKEN: "token" });
    const dir = mkdtempSync(join(tmpdir(), "rbw-bq-focus-"));
    try {
      const cases = [
        { view: "customer" as const, month: "2026-10", format: "csv" as const },
        { view: "upstream" as const, month: "2026-10", customer: "c1", format: "parquet" as const },
        { view: "contract-commitment" as const, month: "2024-01", format: "parquet" as const },
      ];
      for (const c of cases) {
        const fromBigQuery = await exportFocusFromBigQuery(client, { ...c, out: join(dir, `bq-${c.view}.${c.format}`) });
        const fromDuckDb = await exportFocus(warehouse, { ...c, out: join(dir, `duckdb-${c.view}.${c.format}`) });
        expect(fromBigQuery.rows, c.view).toBe(fromDuckDb.rows);
        expect(fromBigQuery.rows, c.view).toBeGreaterThan(0);
        if (c.format === "csv") {
          expect(readFileSync(fromBigQuery.path, "utf8"), c.view).toBe(readFileSync(fromDuckDb.path, "utf8"));
        } else {
          const read = async (path: string) => ({
            types: await warehouse.query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`),
            rows: JSON.stringify(await warehouse.query(`SELECT * FROM read_parquet('${path}')`)),
          });
          expect(await read(fromBigQuery.path), c.view).toEqual(await read(fromDuckDb.path));
        }
      }
      const query = server.requests.at(-1)?.body as { query: string; queryParameters: unknown[] };
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, "scripts/bin/rbw.js"), "export", "focus", "--view", "customer", "--month", "2026-10", "--format", "csv", "--out", join(dir, "cli.csv"), "--engine", "bigquery", "--bq-project", "my-warehouse"],
        { cwd: REPO_ROOT, env: { ...process.env, RBW_BIGQUERY_ACCESS_TOKEN: "token", BIGQUERY_EMULATOR_HOST: `${server.endpoint}/bigquery/v2` } },
      );
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      expect(await new Promise((resolve) => child.on("close", resolve)), output).toBe(0);
      expect(output).toMatch(/Wrote \d+ rows of marts\.focus_customer \(\d+ columns\) to .*cli\.csv/);
      expect(readFileSync(join(dir, "cli.csv"), "utf8")).toBe(readFileSync(join(dir, "duckdb-customer.csv"), "utf8"));
      expect(query.query).toBe("SELECT * FROM `marts`.`focus_contract_commitment` WHERE ContractCommitmentPeriodStart < TIMESTAMP(?) AND ContractCommitmentPeriodEnd > TIMESTAMP(?) ORDER BY x_CustomerId, ContractId, ContractCommitmentId");
      expect(JSON.stringify(query.queryParameters)).toContain('"value":"2024-02-01 00:00:00+00"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes the report with `rbw report margin --engine bigquery`", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "rbw-bq-report-")), "margin.csv");
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, "scripts/bin/rbw.js"), "report", "margin", "--month", "2026-10", "--format", "csv", "--out", out, "--engine", "bigquery", "--bq-project", "my-warehouse"],
      { cwd: REPO_ROOT, env: { ...process.env, RBW_BIGQUERY_ACCESS_TOKEN: "token", BIGQUERY_EMULATOR_HOST: `${server.endpoint}/bigquery/v2` } },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    expect(await new Promise((resolve) => child.on("close", resolve))).toBe(0);
    expect(output).toContain("Margin 2026-10 (KRW): customer price ₩178,500, cost ₩210,294, margin -₩31,794");
    expect(readFileSync(out, "utf8")).toContain("2026-10-01,c1,Customer One,Google Cloud,Compute Engine,USD,136.000000001,133.000000000,-3.000000001,-2.260000000,KRW,");
    rmSync(out);
  });
});
