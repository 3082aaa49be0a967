import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../scripts/clients/errors.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { exportFocus } from "../../scripts/export/focus-export.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { REPO_ROOT } from "../helpers/project.ts";

describe("rbw export focus", () => {
  let warehouse: DuckDbWarehouse;
  let out: string;

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    out = mkdtempSync(join(tmpdir(), "rbw-focus-export-"));
    const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: join(REPO_ROOT, "tests/fixtures/gcp-golden") });
    expect(result.run.ok).toBe(true);
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(out, { recursive: true, force: true });
  });

  it("writes Parquet with the view's types and every row of the month", async () => {
    const path = join(out, "upstream.parquet");
    const result = await exportFocus(warehouse, { view: "upstream", month: "2026-10", format: "parquet", out: path });
    const [view] = await warehouse.query<Record<string, string>>(
      `SELECT COUNT(*)::VARCHAR AS n, SUM("BilledCost")::VARCHAR AS billed FROM marts.focus_upstream WHERE "BillingPeriodStart" = TIMESTAMPTZ '2026-10-01 00:00:00+00'`,
    );
    const [file] = await warehouse.query<Record<string, string>>(`SELECT COUNT(*)::VARCHAR AS n, SUM("BilledCost")::VARCHAR AS billed FROM read_parquet($1)`, [path]);
    expect(file).toEqual(view);
    expect(Number(view.n)).toBe(result.rows);
    expect(view.billed).toBe("163.810000001");
    const types = Object.fromEntries(
      (await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet($1)`, [path])).map((c) => [c.column_name, c.column_type]),
    );
    expect(types).toMatchObject({ BilledCost: "DECIMAL(38,9)", BillingPeriodStart: "TIMESTAMP WITH TIME ZONE", BillingCurrency: "VARCHAR" });
  });

  it("writes CSV with ISO 8601 UTC date/times and only the customer asked for", async () => {
    const path = join(out, "c1.csv");
    const result = await exportFocus(warehouse, { view: "customer", month: "2026-10", customer: "c1", format: "csv", out: path });
    const rows = parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(result.rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.BillingAccountId))).toEqual(new Set(["c1"]));
    expect(new Set(rows.map((r) => r.BillingPeriodStart))).toEqual(new Set(["2026-10-01T00:00:00Z"]));
    const [view] = await warehouse.query<{ n: string }>(
      `SELECT COUNT(*)::VARCHAR AS n FROM marts.focus_customer WHERE "BillingAccountId" = 'c1' AND "BillingPeriodStart" = TIMESTAMPTZ '2026-10-01 00:00:00+00'`,
    );
    expect(String(rows.length)).toBe(view.n);
  });

  it("refuses a month that is not YYYY-MM and a view that does not exist", async () => {
    await expect(exportFocus(warehouse, { view: "customer", month: "2026-13", format: "csv", out: join(out, "x.csv") })).rejects.toThrow(UsageError);
    await expect(exportFocus(warehouse, { view: "vendor" as "customer", month: "2026-10", format: "csv", out: join(out, "x.csv") })).rejects.toThrow(/--view must be upstream, customer, contract-commitment/);
  });
});
