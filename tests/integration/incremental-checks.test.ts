import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../scripts/generate/options.ts";
import { generateSampleData } from "../../scripts/generate/sample-data.ts";
import { GCP_EXPORT_DIR, gcpVendor } from "../../scripts/land/gcp.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { REPO_ROOT } from "../helpers/project.ts";

// The Google staging table computes a line's hash and number once, when the row is first built, the
// per-row checks of a daily run look at the lines the run added (includes/checks.js), and the models built
// per billing period rebuild only the periods the run changed (includes/run_changes.js).
describe("incremental Google staging and run-scoped checks", () => {
  let dataDir: string;
  let warehouse: DuckDbWarehouse;
  const run = (extra: Parameters<typeof runPipeline>[1] extends infer O ? Partial<O> : never = {}) =>
    runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir, ...extra });
  const ids = async () =>
    (await warehouse.query<{ id: string }>("SELECT source_line_id || '@' || CAST(export_time AS VARCHAR) AS id FROM core.fct_billing_line WHERE source_system = 'gcp_channel' ORDER BY 1")).map((r) => r.id);
  // A mart rebuilt per changed billing period holds what its query gives over all history.
  const sameAsAllHistory = async (mart: string, view: string) => {
    for (const [a, b] of [[mart, view], [view, mart]]) {
      const extra = await warehouse.query(`SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}`);
      expect(extra, `${a} rows not in ${b}`).toEqual([]);
    }
    expect(await warehouse.query(`SELECT COUNT(*)::VARCHAR AS n FROM ${mart}`)).not.toEqual([{ n: "0" }]);
  };
  const martsAreCurrent = async () => {
    await sameAsAllHistory("marts.margin_monthly", "intermediate.int_margin_monthly");
    await sameAsAllHistory("marts.customer_invoice", "intermediate.int_customer_invoice");
  };
  const failed = (result: Awaited<ReturnType<typeof run>>) => result.run.results.filter((r) => r.status !== "success").map((r) => r.name);
  // What a daily run leaves in the models rebuilt per changed billing period (and in the dimensions built
  // from int_billing_line_keys), to compare with a full rebuild of the same data.
  const PERIOD_SCOPED = [
    "intermediate.int_billing_line_keys",
    "core.dim_account",
    "core.dim_currency",
    "core.dim_date",
    "core.dim_provider",
    "core.dim_service",
    "core.dim_sku",
    "marts.invoice_reconciliation",
    "marts.margin_monthly",
    "marts.customer_invoice",
    "marts.margin_summary",
  ];
  const snapshot = async () => {
    for (const model of PERIOD_SCOPED) await warehouse.exec(`CREATE OR REPLACE TEMP TABLE "daily ${model}" AS SELECT * FROM ${model}`);
  };
  const sameAsSnapshot = async () => {
    for (const model of PERIOD_SCOPED) {
      for (const [a, b] of [[`"daily ${model}"`, model], [model, `"daily ${model}"`]]) {
        expect(await warehouse.query(`SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}`), `${a} rows not in ${b}`).toEqual([]);
      }
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-incremental-checks-"));
    generateSampleData(dataDir, DEFAULT_GENERATE_OPTIONS, [gcpVendor]);
    warehouse = await DuckDbWarehouse.open(":memory:");
    const first = await run();
    expect(failed(first)).toEqual([]);
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("numbers identical rows landed later after the ones already held, with the ids a full rebuild gives", async () => {
    const exportDir = join(dataDir, GCP_EXPORT_DIR);
    const latest = readdirSync(exportDir).sort().at(-1) as string;
    const raw = readFileSync(join(exportDir, latest));
    const line = (latest.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8").split("\n")[0];
    const groups = async () =>
      new Map(
        (await warehouse.query<{ k: string; n: string; top: string }>(
          "SELECT CAST(export_time AS VARCHAR) || line_hash AS k, COUNT(*)::VARCHAR AS n, MAX(line_number)::VARCHAR AS top FROM staging.stg_gcp__billing_export GROUP BY 1",
        )).map((r) => [r.k, r]),
      );
    const before = await groups();
    // Two more copies of a row already held, in a file of their own (the same export_time: not late).
    writeFileSync(join(exportDir, "reseller_billing_detailed_export_v1_zz_copies.json"), `${line}\n${line}\n`);
    const daily = await run();
    expect(failed(daily)).toEqual([]);
    expect(daily.lateRows).toBe(0);
    expect(daily.run.results.find((r) => r.name === "staging.stg_gcp__billing_export")).toMatchObject({ mode: "insert", rowsWritten: 2 });
    const after = await groups();
    const grown = [...after.values()].filter((g) => g.n !== before.get(g.k)?.n);
    expect(grown).toHaveLength(1);
    const held = Number(before.get(grown[0].k)?.n ?? 0);
    expect(grown[0]).toMatchObject({ n: String(held + 2), top: String(held + 2) });
    const hash = grown[0].k.slice(-64);
    const numbers = await warehouse.query<{ id: string }>(`SELECT source_line_id AS id FROM core.fct_billing_line WHERE source_line_id LIKE '${hash}-%' ORDER BY 1`);
    expect(numbers.map((r) => r.id)).toEqual(Array.from({ length: held + 2 }, (_, i) => `${hash}-${i + 1}`).sort());
    expect(daily.run.results.find((r) => r.name === "marts.margin_monthly")?.mode).toBe("insert");
    await martsAreCurrent();
    // The period-scoped models rebuilt the one period the run changed, not all history.
    const [{ periods }] = await warehouse.query<{ periods: string }>("SELECT COUNT(DISTINCT billing_period)::VARCHAR AS periods FROM intermediate.int_billing_line_keys");
    expect(Number(periods)).toBeGreaterThan(1);
    for (const model of ["intermediate.int_billing_line_keys", "marts.invoice_reconciliation"]) {
      const result = daily.run.results.find((r) => r.name === model);
      const [{ n }] = await warehouse.query<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM ${model}`);
      expect(result?.mode, model).toBe("insert");
      expect(result?.rowsWritten, model).toBeGreaterThan(0);
      expect(result?.rowsWritten, model).toBeLessThan(Number(n));
    }
    await snapshot();

    const incrementalIds = await ids();
    const rebuilt = await run({ graphOptions: { fullRefresh: true } });
    expect(failed(rebuilt)).toEqual([]);
    expect(rebuilt.run.results.find((r) => r.name === "staging.stg_gcp__billing_export")?.mode).toBe("create");
    expect(await ids()).toEqual(incrementalIds);
    await martsAreCurrent();
    await sameAsSnapshot();
  });

  it("rebuilds the margin of the months whose FX rate changed, and only on a change", async () => {
    const file = join(dataDir, "config/fx_rates.json");
    const fx = JSON.parse(readFileSync(file, "utf8")) as { rates: { from: string; to: string; month: string; rate: string }[] };
    const usd = fx.rates.find((r) => r.from === "USD");
    if (!usd) throw new Error("fixture changed");
    usd.rate = `${usd.rate}1`;
    writeFileSync(file, JSON.stringify(fx));
    const result = await run();
    expect(failed(result)).toEqual([]);
    expect(result.run.results.find((r) => r.name === "marts.margin_monthly")).toMatchObject({ mode: "insert" });
    const [{ rate }] = await warehouse.query<{ rate: string }>(`SELECT DISTINCT fx_rate::VARCHAR AS rate FROM marts.margin_monthly WHERE currency = 'USD' AND billing_period = DATE '${usd.month}-01'`);
    expect(Number(rate)).toBe(Number(usd.rate));
    await martsAreCurrent();
    const again = await run();
    expect(again.run.results.find((r) => r.name === "marts.margin_monthly")).toMatchObject({ mode: "insert", rowsWritten: 0 });
  });

  it("keeps the staging incremental when only the customer mapping changed, and rebuilds the fact", async () => {
    const idsBefore = await ids();
    const file = join(dataDir, "config/customers.json");
    const customers = JSON.parse(readFileSync(file, "utf8")) as { customers: { customer_id: string; customer_name: string }[] };
    customers.customers[0].customer_name = `${customers.customers[0].customer_name} (renamed)`;
    writeFileSync(file, JSON.stringify(customers));
    const result = await run();
    expect(result.mappingChanged).toBe(true);
    expect(failed(result)).toEqual([]);
    expect(result.run.results.find((r) => r.name === "staging.stg_gcp__billing_export")).toMatchObject({ mode: "insert", rowsWritten: 0 });
    expect(result.run.results.find((r) => r.name === "core.fct_billing_line")?.mode).toBe("create");
    expect(await ids()).toEqual(idsBefore);
    await martsAreCurrent();
  });

  it("checks only the run's lines on a daily run, and all history with check_scope all or on a monthly close", async () => {
    const rowConditions = "assertions.core_fct_billing_line_assertions_rowConditions";
    const complete = "assertions.gcp_channel_lines_complete";
    // Spoil one old line (not of the next run) and drop another from the fact: a daily run does not look at them.
    const [oldest, second, third] = await warehouse.query<{ id: string }>("SELECT source_line_id AS id FROM core.fct_billing_line WHERE source_system = 'gcp_channel' ORDER BY export_time, source_line_id LIMIT 3");
    await warehouse.exec(`UPDATE core.fct_billing_line SET margin = margin + 1 WHERE source_line_id = '${oldest.id}'`);
    // A service category FOCUS does not allow (the FOCUS views show the fact's as it is).
    await warehouse.exec(`UPDATE core.fct_billing_line SET service_category = 'Cloud Compute' WHERE source_line_id = '${third.id}'`);
    await warehouse.exec(`DELETE FROM core.fct_billing_line WHERE source_line_id = '${second.id}'`);

    // The totals are compared again for the periods a run changes: none here. The missing line's amount
    // shows when all history is compared.
    const daily = await run();
    expect(failed(daily)).toEqual([]);

    const all = await run({ vars: { check_scope: "all" } });
    expect(failed(all)).toEqual(expect.arrayContaining([rowConditions, complete, "assertions.invoice_reconciles"]));
    expect(all.run.results.find((r) => r.name === rowConditions)?.failingRows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ failing_row_condition: "margin = customer_billed_cost - billed_cost", source_line_id: oldest.id }),
        expect.objectContaining({ failing_row_condition: expect.stringMatching(/^service_category IN \('AI and Machine Learning'/), source_line_id: third.id, service_category: "Cloud Compute" }),
      ]),
    );
    expect(all.run.results.find((r) => r.name === complete)?.failingRows?.[0]).toMatchObject({ source_line_id: second.id, problem: "missing from the fact" });

    const close = await run({ graphOptions: { tags: ["monthly_close"] } });
    expect(failed(close)).toEqual(expect.arrayContaining([rowConditions, complete, "assertions.invoice_reconciles"]));
  });
});
