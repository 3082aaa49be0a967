import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withZetaSql, zetaType } from "../../scripts/check/zetasql-check.ts";
import { bigQueryClient, VendorApiError } from "../../scripts/clients/bigquery.ts";
import { UsageError } from "../../scripts/clients/errors.ts";
import { loadConfig } from "../../scripts/config/config.ts";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import { landConfigToBigQuery, refTableStatements } from "../../scripts/land/bigquery-config.ts";
import { FakeBigQuery } from "../helpers/fake-bigquery.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const TOKEN = "test-access-token-0123456789";
const config = loadConfig(join(REPO_ROOT, "tests/fixtures/gcp-golden"));
const schemas = loadSourceSchemas(REPO_ROOT);

describe("landing config into BigQuery", () => {
  const server = new FakeBigQuery(TOKEN);
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.failures.length = 0;
  });
  const client = () => bigQueryClient({ projectId: "my-warehouse", location: "asia-northeast3", apiEndpoint: server.endpoint }, { RBW_BIGQUERY_ACCESS_TOKEN: TOKEN });

  it("replaces each raw.ref_* table with one parameterised statement, authenticated from the environment", async () => {
    const landed: [string, number][] = [];
    await landConfigToBigQuery(client(), "my-warehouse", "raw", config, schemas, (table, rows) => landed.push([table, rows]));
    expect(landed).toEqual([
      ["my-warehouse.raw.ref_customer_mapping", 2],
      ["my-warehouse.raw.ref_fx_rate", 1],
      ["my-warehouse.raw.ref_settings", 3],
      ["my-warehouse.raw.ref_customer_settings", 0],
      ["my-warehouse.raw.ref_webex_price_book", 0],
    ]);
    expect(server.requests.map((r) => [r.method, r.path, r.authorization])).toEqual(
      Array(5).fill(["POST", "/bigquery/v2/projects/my-warehouse/queries?prettyPrint=false", `Bearer ${TOKEN}`]),
    );
    const fx = server.requests[1].body;
    expect(fx.query).toBe(
      "CREATE OR REPLACE TABLE `my-warehouse.raw.ref_fx_rate` (from_currency STRING NOT NULL, to_currency STRING NOT NULL, rate_month DATE NOT NULL, rate NUMERIC NOT NULL, rate_source STRING NOT NULL) AS SELECT from_currency, to_currency, rate_month, rate, rate_source FROM UNNEST(@rows)",
    );
    expect(fx.useLegacySql).toBe(false);
    expect(fx.location).toBe("asia-northeast3");
    const [rowsParam] = fx.queryParameters as { name: string; parameterType: unknown; parameterValue: { arrayValues: { structValues: Record<string, { value: string }> }[] } }[];
    expect(rowsParam.name).toBe("rows");
    expect(rowsParam.parameterValue.arrayValues[0].structValues).toEqual({
      from_currency: { value: "USD" },
      to_currency: { value: "KRW" },
      rate_month: { value: "2026-10-01" },
      rate: { value: "1400" },
      rate_source: { value: "fixture" },
    });
    expect(JSON.stringify(rowsParam.parameterType)).toContain('"type":"NUMERIC"');
  });

  it("retries a 503 and succeeds", async () => {
    server.failures.push({ status: 503, message: "Backend error", reason: "backendError" });
    await landConfigToBigQuery(client(), "my-warehouse", "raw", config, schemas);
    expect(server.requests).toHaveLength(6);
  });

  it("reports a refused statement with the table and BigQuery's message, never the token", async () => {
    server.failures.push({ status: 403, message: "Access Denied: Dataset my-warehouse:raw: Permission bigquery.tables.create denied", reason: "accessDenied" });
    const error = await landConfigToBigQuery(client(), "my-warehouse", "raw", config, schemas).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorApiError);
    expect((error as Error).message).toBe(
      "BigQuery refused replacing raw.ref_customer_mapping (HTTP 403): Access Denied: Dataset my-warehouse:raw: Permission bigquery.tables.create denied",
    );
    expect(String((error as Error).stack)).not.toContain(TOKEN);
  });

  it("refuses project and dataset names that are not identifiers", () => {
    expect(() => bigQueryClient({ projectId: "x`; DROP" }, {})).toThrow(UsageError);
    expect(() => refTableStatements("my-warehouse", "raw`x", config, schemas)).toThrow('"raw`x" is not a BigQuery dataset name.');
  });

  it("sends statements that type-check as BigQuery SQL with their @rows parameter (ZetaSQL)", async () => {
    const statements = refTableStatements("my-warehouse", "raw", config, schemas);
    await withZetaSql(async (session) => {
      for (const statement of statements) {
        const fields = schemas.get(statement.table)?.fields ?? [];
        const rowType = zetaType({ name: "rows", type: "RECORD", mode: "REPEATED", fields });
        await expect(session.analyze(statement.query, { queryParameters: [{ name: "rows", type: rowType }] })).resolves.toBeTruthy();
      }
      await expect(session.analyze(statements[0].query.replace("customer_id STRING", "customer_id STRNG"))).rejects.toThrow();
    });
  });

  it("lands config with `rbw land --target bigquery`, reading the token from the environment and never printing it", async () => {
    const landing = mkdtempSync(join(tmpdir(), "rbw-bigquery-config-"));
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, "scripts/bin/rbw.js"),
        "--warehouse",
        join(landing, "landing.duckdb"),
        "land",
        "--data",
        join(REPO_ROOT, "tests/fixtures/gcp-golden"),
        "--target",
        "bigquery",
        "--bq-project",
        "my-warehouse",
      ],
      { cwd: REPO_ROOT, env: { ...process.env, RBW_BIGQUERY_ACCESS_TOKEN: TOKEN, BIGQUERY_EMULATOR_HOST: `${server.endpoint}/bigquery/v2` } },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(status).toBe(0);
    expect(output).toContain("replaced my-warehouse.raw.ref_fx_rate: 1 rows");
    expect(output).not.toContain(TOKEN);
    rmSync(landing, { recursive: true, force: true });
    // The five config tables, then the raw tables' DDL: the fixture has Google's export only, which BigQuery reads in place.
    expect(server.requests.filter((r) => String(r.body.query).includes("FROM UNNEST(@rows)"))).toHaveLength(5);
    expect(output).toContain("BigQuery already had every landing run.");
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});
