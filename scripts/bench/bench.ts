/**
 * Benchmark: measures, in one run on one machine, the ratios that matter for the warehouse.
 *
 *   npm run bench -- [--lines-per-day N] [--months N]
 *
 * Prints: full build vs one scan of the raw data, incremental (one new export day) vs full rebuild,
 * mart query vs the same question asked of the raw export, and peak memory (RSS).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { GCP_EXPORT_DIR } from "../land/gcp.ts";
import { landData } from "../pipeline.ts";
import { compileProject } from "../runner/compiled-graph.ts";
import { runGraph } from "../runner/run-graph.ts";
import { translateQuery } from "../runner/translate.ts";

const { values } = parseArgs({
  options: {
    "lines-per-day": { type: "string", default: "40" },
    months: { type: "string", default: "3" },
  },
});

const projectDir = process.cwd();
const work = mkdtempSync(join(tmpdir(), "rbw-bench-"));
const dataDir = join(work, "data");

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { seconds: (performance.now() - start) / 1000, value };
}

async function bestOf(n: number, work: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, (await timed(work)).seconds);
  return best;
}

const MART_QUERY = `SELECT customer_id, SUM(cost) AS cost, SUM(customer_price) AS price, SUM(margin) AS margin
FROM marts.margin_monthly WHERE billing_period = DATE '2026-09-01' GROUP BY customer_id`;

// The same question asked of the raw export: Google's documented partner and customer cost queries
// per customer for one invoice month (tax lines left out, as in the mart).
const RAW_QUERY = translateQuery(`SELECT
  customer_name,
  SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS cost,
  SUM(IF(cost_type = 'regular', IFNULL(customer_cost, 0) + IFNULL((SELECT SUM(c.customer_amount) FROM UNNEST(credits) AS c), 0), 0)) AS price
FROM \`raw.reseller_billing_detailed_export_v1\`
WHERE invoice.month = '202609' AND cost_type != 'tax'
GROUP BY customer_name`);

async function main(): Promise<void> {
  const options = { linesPerDay: Number(values["lines-per-day"]), months: Number(values.months) };
  // Generate in a child process, so peak memory below measures the warehouse work alone.
  const generated = JSON.parse(
    execFileSync(process.execPath, [join(projectDir, "scripts/bin/rbw.js"), "--json", "generate", "--data", dataDir, "--months", String(options.months), "--lines-per-day", String(options.linesPerDay)], { encoding: "utf8" }),
  ) as { rows: number };
  const exportDir = join(dataDir, GCP_EXPORT_DIR);
  // Hold back the last export day (and the month-close lines exported after it): the incremental case.
  const heldBack = readdirSync(exportDir).sort().slice(-2);
  for (const name of heldBack) renameSync(join(exportDir, name), join(work, name));

  const warehouse = await DuckDbWarehouse.open(join(work, "bench.duckdb"));
  try {
    const land = await timed(() => landData(warehouse, projectDir, dataDir, "bench-land"));
    const rssAfterLanding = process.resourceUsage().maxRSS / 1024;
    const graph = await compileProject({ projectDir, vars: { run_id: "bench" } });
    const scan = await bestOf(3, () => warehouse.query("SELECT COUNT(*), SUM(cost), SUM(usage.amount) FROM raw.reseller_billing_detailed_export_v1"));
    const full = await timed(() => runGraph(warehouse, graph, { fullRefresh: true, includeTests: false }));
    if (!full.value.ok) throw new Error("the full build failed");

    const rssAfterFullBuild = process.resourceUsage().maxRSS / 1024;
    for (const name of heldBack) renameSync(join(work, name), join(exportDir, name));
    const newDay = await landData(warehouse, projectDir, dataDir, "bench-new-day");
    const incremental = await timed(() => runGraph(warehouse, graph, { includeTests: false }));
    const fullAgain = await timed(() => runGraph(warehouse, graph, { fullRefresh: true, includeTests: false }));
    if (!incremental.value.ok || !fullAgain.value.ok) throw new Error("a build failed");

    const mart = await bestOf(5, () => warehouse.query(MART_QUERY));
    const raw = await bestOf(5, () => warehouse.query(RAW_QUERY));
    const factRows = (await warehouse.query<{ n: string }>("SELECT COUNT(*)::VARCHAR AS n FROM core.fct_billing_line"))[0].n;
    const peakMiB = process.resourceUsage().maxRSS / 1024;

    const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);
    console.log(`Benchmark: ${generated.rows} export rows (${options.months} months, ${options.linesPerDay} lines per customer/service/day), ${factRows} fact rows`);
    line("land all extracts (validate + load)", `${land.seconds.toFixed(2)} s (${Math.round(land.value.rowsLanded / land.seconds)} rows/s)`);
    line("one scan of the raw data", `${(scan * 1000).toFixed(1)} ms`);
    line("full build (all actions and assertions)", `${full.seconds.toFixed(2)} s`);
    line(`incremental build (new export days, ${newDay.rowsLanded} rows)`, `${incremental.seconds.toFixed(2)} s`);
    line("full rebuild of the same data", `${fullAgain.seconds.toFixed(2)} s`);
    line("mart query (margin by customer, one month)", `${(mart * 1000).toFixed(2)} ms`);
    line("same question on the raw export", `${(raw * 1000).toFixed(2)} ms`);
    console.log("Ratios");
    line("  full build / one raw scan", `${(full.seconds / scan).toFixed(1)}x`);
    line("  incremental / full rebuild", `${(incremental.seconds / fullAgain.seconds).toFixed(2)}`);
    line("  mart query / raw query", `${(mart / raw).toFixed(3)}`);
    line("peak memory (RSS)", `${peakMiB.toFixed(0)} MiB (after landing ${rssAfterLanding.toFixed(0)} MiB, after full build ${rssAfterFullBuild.toFixed(0)} MiB)`);
  } finally {
    await warehouse.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
