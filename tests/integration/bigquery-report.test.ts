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
      return {
        fields: reader.columnNames().map((name, i) => ({ name, type: BIGQUERY_TYPES.find(([re]) => re.test(types[i]))?.[1] ?? "STRING" })),
        rows: reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v)))),
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
