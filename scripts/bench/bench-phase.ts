/**
 * One phase of the benchmark (scripts/bench/bench.ts), run in its own child process so its peak memory
 * (maxRSS) is the phase's own:
 *
 *   node --import tsx scripts/bench/bench-phase.ts '<json request>'
 *
 * Prints one JSON line with the phase's figures on stdout; progress and errors go to stderr.
 */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { checkGraph } from "../check/zetasql-check.ts";
import { duckDbType, loadSourceSchemas } from "../contracts/source-schema.ts";
import { DuckDbWarehouse, quoteLiteral } from "../engines/duckdb/engine.ts";
import { GCP_EXPORT_TABLE } from "../land/gcp-layout.ts";
import { VENDORS } from "../land/vendors.ts";
import { landData } from "../pipeline.ts";
import { compileProject } from "../runner/compiled-graph.ts";
import { runGraph, type RunSummary } from "../runner/run-graph.ts";
import { translateQuery } from "../runner/translate.ts";

export type PhaseRequest =
  | { phase: "land"; projectDir: string; warehouse: string; dataDir: string; runId: string; vendors?: string[] }
  | { phase: "duckdb-read"; projectDir: string; scratch: string; files: string[]; format: "json" | "parquet" }
  | { phase: "to-parquet"; projectDir: string; files: string[]; outDir: string }
  | { phase: "build"; projectDir: string; warehouse: string }
  | { phase: "incremental"; projectDir: string; warehouse: string; month: string; runId: string }
  | { phase: "check"; projectDir: string };


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

/** The raw Google table's own columns with their DuckDB types (as landing creates them), for read_json. */
function gcpColumns(projectDir: string): string {
  const schema = loadSourceSchemas(projectDir).get(GCP_EXPORT_TABLE);
  if (!schema) throw new Error(`no schema for ${GCP_EXPORT_TABLE}`);
  return `{${schema.fields.map((f) => `${quoteLiteral(f.name)}: ${quoteLiteral(duckDbType(f))}`).join(", ")}}`;
}

const readJson = (projectDir: string, files: string[]) =>
  `read_json([${files.map(quoteLiteral).join(", ")}], format = 'newline_delimited', columns = ${gcpColumns(projectDir)})`;

// Each graph run gets its own run id, as `rbw run` gives it (the landing's): a daily run's run-scoped work
// (the periods it changed, the lines it checks) is then this run's only. A full refresh checks all
// history (check_scope "all"), as the pipeline compiles it.
const compileFor = (projectDir: string, runId: string, fullRefresh: boolean) =>
  compileProject({ projectDir, vars: { ...(fullRefresh ? { check_scope: "all" } : {}), run_id: runId } });

const failures = (summary: RunSummary) =>
  summary.results.filter((r) => r.status !== "success").map((r) => `${r.name}: ${r.status}${r.message ? ` (${r.message.slice(0, 200)})` : ""}`);

/** The run's slowest actions, slowest first: where its time goes. */
const slowest = (summary: RunSummary, n = 8) =>
  [...summary.results].sort((a, b) => b.seconds - a.seconds).slice(0, n).map((r) => ({ name: r.name, seconds: r.seconds }));

const MART_QUERY = (month: string) => `SELECT customer_id, SUM(cost) AS cost, SUM(customer_price) AS price, SUM(margin) AS margin
FROM marts.margin_monthly WHERE billing_period = DATE '${month}-01' GROUP BY customer_id`;

// The same question asked of the raw export: Google's documented partner and customer cost queries
// per customer for one invoice month (tax lines left out, as in the mart).
const RAW_QUERY = (month: string) =>
  translateQuery(`SELECT
  customer_name,
  SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS cost,
  SUM(IF(cost_type = 'regular', IFNULL(customer_cost, 0) + IFNULL((SELECT SUM(c.customer_amount) FROM UNNEST(credits) AS c), 0), 0)) AS price
FROM \`raw.reseller_billing_detailed_export_v1\`
WHERE invoice.month = '${month.replace("-", "")}' AND cost_type != 'tax'
GROUP BY customer_name`);

async function run(request: PhaseRequest): Promise<Record<string, unknown>> {
  switch (request.phase) {
    case "land": {
      const only = request.vendors?.map((id) => VENDORS.find((v) => v.id === id)).filter((v) => v !== undefined);
      return DuckDbWarehouse.using(request.warehouse, async (warehouse) => {
        const land = await timed(() => landData(warehouse, request.projectDir, request.dataDir, request.runId, {}, VENDORS, only));
        return { seconds: land.seconds, rowsLanded: land.value.rowsLanded, rowsQuarantined: land.value.rowsQuarantined, files: land.value.files.length };
      });
    }
    case "duckdb-read": {
      // The floor of landing: DuckDB alone reading the same files into a table of the raw types.
      const source = request.format === "json" ? readJson(request.projectDir, request.files) : `read_parquet([${request.files.map(quoteLiteral).join(", ")}])`;
      return DuckDbWarehouse.using(request.scratch, async (warehouse) => {
        const read = await timed(() => warehouse.exec(`CREATE TABLE copy_of_export AS SELECT * FROM ${source}`));
        const rows = Number((await warehouse.query<{ n: string }>("SELECT COUNT(*)::VARCHAR AS n FROM copy_of_export"))[0].n);
        return { seconds: read.seconds, rows };
      });
    }
    case "to-parquet": {
      mkdirSync(request.outDir, { recursive: true });
      return DuckDbWarehouse.using(":memory:", async (warehouse) => {
        const out: string[] = [];
        const convert = await timed(async () => {
          for (const file of request.files) {
            const target = join(request.outDir, `${basename(file).replace(/\.(json|ndjson|jsonl)(\.gz)?$/, "")}.parquet`);
            await warehouse.exec(`COPY (SELECT * FROM ${readJson(request.projectDir, [file])}) TO ${quoteLiteral(target)} (FORMAT parquet)`);
            out.push(target);
          }
        });
        return { seconds: convert.seconds, files: out };
      });
    }
    case "build": {
      return DuckDbWarehouse.using(request.warehouse, async (warehouse) => {
        const graph = await compileFor(request.projectDir, "bench-full", true);
        // The all-column scan floor: one query reading and hashing every column of the raw Google table once.
        const scanQuery = `SELECT SUM(hash(COLUMNS(*))) FROM raw.${GCP_EXPORT_TABLE}`;
        const columns = (await warehouse.columns("raw", GCP_EXPORT_TABLE)).length;
        const scan = await bestOf(3, () => warehouse.query(scanQuery));
        const full = await timed(() => runGraph(warehouse, graph, { fullRefresh: true, includeTests: false, runId: "bench-full" }));
        const rawRows = Number((await warehouse.query<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM raw.${GCP_EXPORT_TABLE}`))[0].n);
        return { seconds: full.seconds, ok: full.value.ok, failures: failures(full.value), actions: full.value.results.length, scanSeconds: scan, scanColumns: columns, rawRows };
      });
    }
    case "incremental": {
      return DuckDbWarehouse.using(request.warehouse, async (warehouse) => {
        // The daily run has the id the new export days were landed with; the rebuild one of its own.
        const daily = await compileFor(request.projectDir, request.runId, false);
        const rebuild = await compileFor(request.projectDir, "bench-rebuild", true);
        const incremental = await timed(() => runGraph(warehouse, daily, { includeTests: false, runId: request.runId }));
        const fullAgain = await timed(() => runGraph(warehouse, rebuild, { fullRefresh: true, includeTests: false, runId: "bench-rebuild" }));
        const mart = await bestOf(5, () => warehouse.query(MART_QUERY(request.month)));
        const raw = await bestOf(5, () => warehouse.query(RAW_QUERY(request.month)));
        const one = async (query: string) => Number((await warehouse.query<{ n: string }>(query))[0].n);
        return {
          incrementalSeconds: incremental.seconds,
          incrementalOk: incremental.value.ok,
          incrementalSlowest: slowest(incremental.value),
          fullAgainSlowest: slowest(fullAgain.value),
          fullAgainSeconds: fullAgain.seconds,
          ok: incremental.value.ok && fullAgain.value.ok,
          failures: [...failures(incremental.value), ...failures(fullAgain.value)],
          martSeconds: mart,
          rawSeconds: raw,
          factRows: await one("SELECT COUNT(*)::VARCHAR AS n FROM core.fct_billing_line"),
          quarantined: await one("SELECT COUNT(*)::VARCHAR AS n FROM raw.quarantine"),
          reconciliationRows: await one("SELECT COUNT(*)::VARCHAR AS n FROM marts.invoice_reconciliation"),
          reconciliationMismatches: await one("SELECT COUNT(*)::VARCHAR AS n FROM marts.invoice_reconciliation WHERE status <> 'match'"),
          unassignedGcpLines: await one("SELECT COUNT(*)::VARCHAR AS n FROM core.fct_billing_line WHERE source_system = 'gcp_channel' AND customer_id = 'unassigned'"),
        };
      });
    }
    case "check": {
      const compile = await timed(() => compileProject({ projectDir: request.projectDir, vars: {} }));
      const check = await timed(() => checkGraph(compile.value, loadSourceSchemas(request.projectDir)));
      return { compileSeconds: compile.seconds, checkSeconds: check.seconds, errors: check.value.errors.length };
    }
  }
}

const request = JSON.parse(process.argv[2] ?? "{}") as PhaseRequest;
try {
  const result = await run(request);
  process.stdout.write(`${JSON.stringify({ ...result, rssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
} catch (error) {
  process.stderr.write(`bench phase ${request.phase} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
