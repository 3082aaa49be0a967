import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { duckDbReportSource, loadMarginReport, ReportError, type MarginReport } from "../../scripts/report/margin-report.ts";
import { renderCsv, renderHtml } from "../../scripts/report/render.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Loads a page in headless Chromium and returns the DOM after its scripts ran (without blocking the test worker). */
async function renderedDom(file: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "rbw-chromium-"));
  try {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--dump-dom", `file://${file}`],
      { encoding: "utf8", timeout: 60_000 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe("margin report", () => {
  let warehouse: DuckDbWarehouse;
  let report: MarginReport;
  let outDir: string;

  beforeAll(async () => {
    warehouse = await DuckDbWarehouse.open(":memory:");
    await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: join(REPO_ROOT, "tests/fixtures/gcp-golden") });
    report = await loadMarginReport(duckDbReportSource(warehouse), "2026-10");
    outDir = mkdtempSync(join(tmpdir(), "rbw-report-"));
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it("totals the month in the reporting currency, exactly", () => {
    // cost 136.000000001 - 5 + 19.2 + 0.01 = 150.210000001 USD, price 133 - 5.5 = 127.5 USD, at 1400 KRW
    expect(report.reportingCurrency).toBe("KRW");
    expect(report.totals).toEqual({ cost: "210294.000001400", customerPrice: "178500.000000000", margin: "-31794.000001400", marginPct: "-17.810000000" });
    expect(report.byCustomer.map((c) => [c.key, c.margin])).toEqual([
      ["c2", "-700.000000000"],
      ["c1", "-4200.000001400"],
      ["unassigned", "-26894.000000000"],
    ]);
  });

  it("refuses a malformed month and names the months it has", async () => {
    await expect(loadMarginReport(duckDbReportSource(warehouse), "2026-13")).rejects.toThrow(ReportError);
    await expect(loadMarginReport(duckDbReportSource(warehouse), "2025-01")).rejects.toThrow("Months in the warehouse: 2026-10");
  });

  it("writes CSV with exact decimals", () => {
    const lines = renderCsv(report).trim().split("\n");
    expect(lines[0]).toBe("billing_period,customer_id,customer_name,provider_name,service_name,currency,cost,customer_price,margin,margin_pct,reporting_currency,cost_reporting,customer_price_reporting,margin_reporting");
    expect(lines).toContain("2026-10-01,c2,Customer Two,Google Cloud,Compute Engine,USD,-5.000000000,-5.500000000,-0.500000000,9.090000000,KRW,-7000.000000000,-7700.000000000,-700.000000000");
    expect(lines).toHaveLength(5);
  });

  it("labels the HTML in Korean and shows KRW without decimals", () => {
    const html = renderHtml(report, "ko");
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain("마진 보고서");
    expect(html).toContain('<b id="kpi-margin">-₩31,794</b>');
    expect(html).toContain('<b id="kpi-revenue">₩178,500</b>');
  });

  it("draws its charts in a real browser (headless Chromium)", async () => {
    const file = join(outDir, "margin.html");
    writeFileSync(file, renderHtml(report, "en"));
    const dom = await renderedDom(file);
    expect(dom).toMatch(/<svg id="chart-customer"[^>]*data-drawn="3"/);
    expect(dom).toMatch(/<svg id="chart-service"[^>]*data-drawn="3"/);
    expect(dom).toMatch(/<svg id="chart-trend"[^>]*data-drawn="1"/);
    expect(dom.match(/<rect class="bar"/g)?.length).toBe(3 + 3 + 3);
  });
});
