import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { rbwAsync as rbw } from "../helpers/rbw-cli.ts";


describe("rbw command line", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "rbw-cli-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("explains itself in --help", async () => {
    const help = await rbw(["--help"]);
    expect(help.status).toBe(0);
    for (const command of ["compile", "check", "build", "test", "runs", "land", "run", "demo", "report"]) expect(help.stdout).toContain(command);
    expect((await rbw(["run", "--help"])).stdout).toContain("--full-refresh");
  });

  it("type-checks the project's own graph with ZetaSQL", async () => {
    const check = await rbw(["check", "--json"]);
    expect(check.status).toBe(0);
    const result = JSON.parse(check.stdout) as { errors: unknown[]; actionsChecked: number };
    expect(result.errors).toEqual([]);
    expect(result.actionsChecked).toBeGreaterThan(30);
  });

  it("runs the project's Dataform unit tests on DuckDB", async () => {
    const test = await rbw(["test", "--json"]);
    expect(test.status).toBe(0);
    const summary = JSON.parse(test.stdout) as { ok: boolean; results: { name: string; status: string }[] };
    expect(summary.ok).toBe(true);
    expect(summary.results.map((r) => [r.name, r.status])).toEqual([
      ["margin_monthly_converts_to_the_reporting_currency_and_leaves_tax_out", "success"],
      ["customer_invoice_keeps_tax_apart", "success"],
    ]);
  });

  it("fails check on a broken model, naming the action and file", async () => {
    const project = join(work, "broken-project");
    for (const dir of ["definitions", "includes", "assertions"]) cpSync(join(REPO_ROOT, dir), join(project, dir), { recursive: true });
    for (const file of ["dataform.json", "package.json"]) cpSync(join(REPO_ROOT, file), join(project, file));
    cpSync(join(REPO_ROOT, "node_modules/@dataform/core"), join(project, "node_modules/@dataform/core"), { recursive: true });
    const model = join(project, "definitions/marts/margin_summary.sqlx");
    writeFileSync(model, readFileSync(model, "utf8").replace("IFNULL(SUM(cost_reporting), 0)", "IFNULL(SUM(cost_reportng), 0)"));
    const check = await rbw(["check", "--project", project]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("marts.margin_summary (definitions/marts/margin_summary.sqlx): Unrecognized name: cost_reportng");
  });

  it("runs the whole job from a data directory and exits 0, then reports in Korean", async () => {
    const warehouse = join(work, "wh.duckdb");
    const reports = join(work, "reports");
    const run = await rbw(["--warehouse", warehouse, "run", "--data", join(REPO_ROOT, "tests/fixtures/gcp-golden"), "--report-dir", reports]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Invoice reconciliation: all 3 vendor totals match the warehouse to the last digit.");
    expect(readFileSync(join(reports, "margin_2026-10.csv"), "utf8")).toContain("c1,Customer One");
    const report = await rbw(["--warehouse", warehouse, "report", "margin", "--month", "2026-10", "--lang", "ko", "--out", join(reports, "ko.html")]);
    expect(report.status).toBe(0);
    expect(readFileSync(join(reports, "ko.html"), "utf8")).toContain("고객별 마진");
  });

  it("lands a bad row into quarantine and lists it with file, row, field and reason", async () => {
    const data = join(work, "bad-data");
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), data, { recursive: true });
    const extract = join(data, "gcp/reseller_billing_detailed_export_v1/reseller_billing_detailed_export_v1_20261101.json");
    const lines = readFileSync(extract, "utf8").trim().split("\n");
    lines.push(lines[0].replace('"cost": "100.00"', '"cost": "one hundred"'));
    writeFileSync(extract, `${lines.join("\n")}\n`);
    const warehouse = join(work, "bad.duckdb");
    const land = await rbw(["--warehouse", warehouse, "land", "--data", data]);
    expect(land.status).toBe(0);
    expect(land.stdout).toContain("reseller_billing_detailed_export_v1_20261101.json: 7 rows landed, 1 quarantined (rbw quarantine --file ");
    const quarantine = await rbw(["--warehouse", warehouse, "quarantine"]);
    expect(quarantine.stdout.trim()).toBe(
      'gcp/reseller_billing_detailed_export_v1/reseller_billing_detailed_export_v1_20261101.json:8  cost  cost: "one hundred" is not a NUMERIC (at most 29 integer and 9 decimal digits)',
    );
  });

  it("answers analysts' SQL read-only, in DuckDB SQL or in BigQuery SQL", async () => {
    const warehouse = join(work, "wh.duckdb");
    const duck = await rbw(["--warehouse", warehouse, "sql", "SELECT customer_id, amount FROM marts.customer_invoice ORDER BY 1"]);
    expect(duck.status).toBe(0);
    expect(duck.stdout).toBe(
      ["customer_id         amount", "-----------  -------------", "c1           133.000000000", "c2            -5.500000000", "(2 rows)", ""].join("\n"),
    );
    const bq = await rbw([
      "--warehouse", warehouse, "sql", "--bigquery", "--format", "csv",
      "SELECT invoice.month AS m, SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS total FROM `p.raw.reseller_billing_detailed_export_v1` GROUP BY 1",
    ]);
    expect(bq.stdout).toBe("m,total\n202610,163.810000001\n");
    const write = await rbw(["--warehouse", warehouse, "sql", "DELETE FROM core.fct_billing_line"]);
    expect(write.status).toBe(1);
    expect(write.stderr).toMatch(/read-only/i);
  });

  it("fails the run with exit code 1, naming the failed assertion, its file and failing rows, and writes no report", async () => {
    const data = join(work, "no-fx");
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), data, { recursive: true });
    writeFileSync(join(data, "config/fx_rates.json"), JSON.stringify({ rates: [] }));
    const reports = join(work, "no-fx-reports");
    const run = await rbw(["--warehouse", join(work, "no-fx.duckdb"), "run", "--data", data, "--report-dir", reports]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("assertion   assertions.fx_rates_complete  FAILED");
    expect(run.stdout).toContain("      file: assertions/fx_rates_complete.sqlx");
    expect(run.stdout).toContain("      first 1 of 1 failing row:");
    expect(run.stdout).toContain('{"billing_period":"2026-10-01","currency":"USD","reporting_currency":"KRW","rows_without_rate":"4"}');
    expect(run.stdout).toContain("The run failed: no report was written.");
    expect(existsSync(reports)).toBe(false);
  });

  it("generates sample data only into an empty folder or over earlier sample data", async () => {
    const sample = join(work, "sample");
    expect((await rbw(["generate", "--data", sample, "--months", "1"])).status).toBe(0);
    expect((await rbw(["generate", "--data", sample, "--months", "1"])).status).toBe(0);
    const real = join(work, "real-data");
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), real, { recursive: true });
    const refused = await rbw(["generate", "--data", real]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("already holds data that rbw did not generate");
    expect(existsSync(join(real, "gcp/reseller_billing_detailed_export_v1/reseller_billing_detailed_export_v1_20261101.json"))).toBe(true);
  });

  it("runs on a data folder with config but no extracts yet, and says so", async () => {
    const data = join(work, "config-only");
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden/config"), join(data, "config"), { recursive: true });
    const run = await rbw(["--warehouse", join(work, "config-only.duckdb"), "run", "--data", data]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("No vendor files under ");
    expect(run.stdout).toContain("No margin data yet: no report was written.");
  });

  it("gives a clear error for a missing config and exits 1", async () => {
    const run = await rbw(["--warehouse", join(work, "x.duckdb"), "land", "--data", work]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^rbw: ConfigError: .*config\/customers\.json: is missing/);
  });

  it("says which process holds a warehouse that is in use", async () => {
    const file = join(work, "locked.duckdb");
    await DuckDbWarehouse.using(file, async () => {
      const runs = await rbw(["--warehouse", file, "runs"]);
      expect(runs.status).toBe(1);
      expect(runs.stderr).toMatch(/^rbw: WarehouseLockedError: The warehouse .*locked\.duckdb is in use by another process \(.*, PID \d+\)/);
    });
  });
});
