/**
 * Benchmark: measures, in one run on one machine, the ratios that matter for the warehouse.
 *
 *   npm run bench                                  # the sample data, --lines-per-day 40 --months 3
 *   npm run bench -- [--lines-per-day N] [--months N]
 *   npm run bench -- --scale S|M|L                 # `rbw generate --scale` data (S: 1M Google rows)
 *   npm run bench -- ... --keep                    # keep the work folder (printed) instead of deleting it
 *   npm run bench -- ... --no-parquet              # leave out the Parquet landing (its conversion alone takes minutes at M)
 *
 * Prints: landing rows/s of the Google export as NDJSON and as Parquet against DuckDB reading the same
 * files alone; the full build against an all-column scan of the raw export; an incremental build (the
 * last export days held back, then landed) against a full rebuild; the mart query against the same
 * question asked of the raw export; `rbw check`'s time; peak memory of landing and of building; temp disk
 * used while landing. Each build has its own run id, as `rbw run` gives it; the incremental build and the
 * rebuild also print their slowest actions. Generation and every measured phase run in child processes
 * (bench-phase.ts), so each phase's peak RSS is its own; the parent polls the disk while they run.
 */
import { spawn } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GCP_EXPORT_DIR } from "../land/gcp-layout.ts";
import { parseScale } from "../generate/scale.ts";
import type { PhaseRequest } from "./bench-phase.ts";

const { values } = parseArgs({
  options: {
    "lines-per-day": { type: "string", default: "40" },
    months: { type: "string", default: "3" },
    scale: { type: "string" },
    keep: { type: "boolean", default: false },
    "no-parquet": { type: "boolean", default: false },
  },
});

const projectDir = process.cwd();
const work = mkdtempSync(join(tmpdir(), "rbw-bench-"));
const dataDir = join(work, "data");
const parquetDataDir = join(work, "data-parquet");
const heldDir = join(work, "held-back");
/** The children's os.tmpdir(): landing's staging dirs (rbw-land-*) are measured here, apart from anyone else's. */
const childTmp = join(work, "tmp");
const warehouse = join(work, "bench.duckdb");
const parquetWarehouse = join(work, "bench-parquet.duckdb");
const PHASE = join(projectDir, "scripts/bench/bench-phase.ts");

type PhaseResult = Record<string, unknown> & { rssMiB: number; wallSeconds: number };

/** Bytes under a path (a file or a folder, recursively); 0 when it does not exist (files come and go while polled). */
function sizeOf(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(path);
  } catch {
    return 0;
  }
  for (const entry of entries) total += sizeOf(join(path, entry));
  return total;
}

interface DiskPeak {
  /** The landing's staging dirs (rbw-land-*). */
  staging: number;
  /** Everything in the landing's tmpdir (staging dirs and any other temp file). */
  tmp: number;
  /** The DuckDB file with its .wal and .tmp. */
  warehouse: number;
  /** Staging dirs and DuckDB files together (at the same moment). */
  total: number;
}

/** Polls every 200 ms: the landing's staging dirs (rbw-land-* in the children's tmpdir) and the DuckDB file with its .wal and .tmp. */
function watchDisk(db: string): { stop: () => DiskPeak } {
  const peak: DiskPeak = { staging: 0, tmp: 0, warehouse: 0, total: 0 };
  const poll = () => {
    let staging = 0;
    let tmp = 0;
    try {
      for (const entry of readdirSync(childTmp)) {
        // tsx's compile cache lives in the tmpdir too; it is not the landing's.
        if (entry.startsWith("tsx-")) continue;
        const size = sizeOf(join(childTmp, entry));
        tmp += size;
        if (entry.startsWith("rbw-land-")) staging += size;
      }
    } catch {
      // the folder is being changed
    }
    const files = sizeOf(db) + sizeOf(`${db}.wal`) + sizeOf(`${db}.tmp`);
    peak.staging = Math.max(peak.staging, staging);
    peak.tmp = Math.max(peak.tmp, tmp);
    peak.warehouse = Math.max(peak.warehouse, files);
    peak.total = Math.max(peak.total, staging + files);
  };
  const timer = setInterval(poll, 200);
  poll();
  return {
    stop: () => {
      clearInterval(timer);
      poll();
      return peak;
    },
  };
}

/** Runs a child process; resolves with its stdout. Its stderr (progress, errors) goes to ours. */
function child(args: string[], stdout: "pipe" | "stderr"): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: projectDir, env: { ...process.env, TMPDIR: childTmp }, stdio: ["ignore", stdout === "pipe" ? "pipe" : 2, "inherit"] });
    let out = "";
    proc.stdout?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    proc.on("error", reject);
    proc.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.slice(-3).join(" ").slice(0, 300)}: exited with ${code}`))));
  });
}

async function phase(request: PhaseRequest): Promise<PhaseResult> {
  const start = performance.now();
  const out = await child(["--import", "tsx", PHASE, JSON.stringify(request)], "pipe");
  const lines = out.trim().split("\n");
  return { ...(JSON.parse(lines[lines.length - 1]) as PhaseResult), wallSeconds: (performance.now() - start) / 1000 };
}

const n = (value: unknown) => Number(value);
const int = (value: number) => Math.round(value).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const line = (label: string, value: string) => console.log(`${label.padEnd(70)} ${value}`);
const seconds = (s: unknown) => `${n(s).toFixed(2)} s`;
const ms = (s: unknown) => `${(n(s) * 1000).toFixed(2)} ms`;

async function main(): Promise<void> {
  mkdirSync(childTmp, { recursive: true });
  const profile = values.scale !== undefined ? parseScale(values.scale) : undefined;
  const months = profile ? 3 : Number(values.months);
  const linesPerDay = Number(values["lines-per-day"]);
  const reportMonth = months >= 2 ? "2026-09" : "2026-08";

  // 1. Generate (a child process: the sample generator, or the scale generator on its worker threads).
  const generateArgs = profile ? ["--scale", profile.name] : ["--months", String(months), "--lines-per-day", String(linesPerDay)];
  const generateStart = performance.now();
  await child([join(projectDir, "scripts/bin/rbw.js"), "generate", "--data", dataDir, ...generateArgs], "stderr");
  const generateSeconds = (performance.now() - generateStart) / 1000;

  // Hold back the last export day (and the month-close lines exported after it): the incremental case.
  const exportDir = join(dataDir, GCP_EXPORT_DIR);
  const heldBack = readdirSync(exportDir).sort().slice(-2);
  mkdirSync(heldDir, { recursive: true });
  for (const name of heldBack) renameSync(join(exportDir, name), join(heldDir, name));
  const exportFiles = readdirSync(exportDir).sort().map((f) => join(exportDir, f));
  const ndjsonBytes = exportFiles.reduce((s, f) => s + sizeOf(f), 0);

  // 2. The same export files as Parquet (DuckDB COPY, not timed), in a second data folder with the same config.
  const withParquet = !values["no-parquet"];
  const parquetExportDir = join(parquetDataDir, GCP_EXPORT_DIR);
  let parquetFiles: string[] = [];
  let parquet: PhaseResult | undefined;
  if (withParquet) {
    cpSync(join(dataDir, "config"), join(parquetDataDir, "config"), { recursive: true });
    process.stderr.write(`bench: converting ${exportFiles.length} export files to Parquet\n`);
    parquet = await phase({ phase: "to-parquet", projectDir, files: exportFiles, outDir: parquetExportDir });
    parquetFiles = parquet.files as string[];
  }
  const parquetBytes = parquetFiles.reduce((s, f) => s + sizeOf(f), 0);

  // 3. Landing the Google export: rbw's landing (landData) vs DuckDB alone reading the same files.
  process.stderr.write(`bench: landing ${exportFiles.length} NDJSON files (${mib(ndjsonBytes)})\n`);
  let watch = watchDisk(warehouse);
  const landJson = await phase({ phase: "land", projectDir, warehouse, dataDir, runId: "bench-land", vendors: ["gcp"] });
  const diskJson = watch.stop();
  const readJsonScratch = join(work, "read-json.duckdb");
  const readJson = await phase({ phase: "duckdb-read", projectDir, scratch: readJsonScratch, files: exportFiles, format: "json" });
  rmSync(readJsonScratch, { force: true });
  rmSync(`${readJsonScratch}.wal`, { force: true });

  let landParquet: PhaseResult | undefined;
  let readParquet: PhaseResult | undefined;
  let diskParquet: DiskPeak | undefined;
  if (withParquet) {
    process.stderr.write(`bench: landing ${parquetFiles.length} Parquet files (${mib(parquetBytes)})\n`);
    watch = watchDisk(parquetWarehouse);
    landParquet = await phase({ phase: "land", projectDir, warehouse: parquetWarehouse, dataDir: parquetDataDir, runId: "bench-land-parquet", vendors: ["gcp"] });
    diskParquet = watch.stop();
    rmSync(parquetWarehouse, { force: true });
    rmSync(`${parquetWarehouse}.wal`, { force: true });
    const readParquetScratch = join(work, "read-parquet.duckdb");
    readParquet = await phase({ phase: "duckdb-read", projectDir, scratch: readParquetScratch, files: parquetFiles, format: "parquet" });
    rmSync(readParquetScratch, { force: true });
    rmSync(parquetDataDir, { recursive: true, force: true });
  }

  // The other vendors, into the same warehouse.
  const landRest = await phase({ phase: "land", projectDir, warehouse, dataDir, runId: "bench-land-rest", vendors: ["gabia", "webex", "aws"] });

  // 4. Full build vs the all-column scan floor.
  process.stderr.write("bench: full build\n");
  const build = await phase({ phase: "build", projectDir, warehouse });
  if (!build.ok) throw new Error(`the full build failed:\n${(build.failures as string[]).join("\n")}`);

  // 5. The held-back export days arrive: land them, then the incremental build vs a full rebuild, and the queries.
  for (const name of heldBack) renameSync(join(heldDir, name), join(exportDir, name));
  const landNew = await phase({ phase: "land", projectDir, warehouse, dataDir, runId: "bench-new-day" });
  process.stderr.write("bench: incremental build, full rebuild, queries\n");
  const incremental = await phase({ phase: "incremental", projectDir, warehouse, month: reportMonth, runId: "bench-new-day" });
  if (!incremental.ok) throw new Error(`a build failed:\n${(incremental.failures as string[]).join("\n")}`);

  // 6. rbw check.
  const check = await phase({ phase: "check", projectDir });

  const gcpRows = n(landJson.rowsLanded) + n(landNew.rowsLanded);
  const description = profile
    ? `scale ${profile.name}: ${profile.customers} customers, ${profile.skusPerCustomer} SKUs each, 3 months`
    : `${months} months, ${linesPerDay} lines per customer/service/day`;
  console.log(`Benchmark: ${int(gcpRows)} Google export rows (${description}), ${int(n(incremental.factRows))} fact rows`);
  line(`generate every vendor (child process${profile ? ", 2 worker threads" : ""})`, `${seconds(generateSeconds)} (Google export ${int(gcpRows / generateSeconds)} rows/s, start-up included)`);
  console.log(`Landing the Google export (${int(n(landJson.rowsLanded))} rows in ${exportFiles.length} files; rbw = landData, gcp only)`);
  line(`  NDJSON (${mib(ndjsonBytes)}): rbw landing`, `${seconds(landJson.seconds)} (${int(n(landJson.rowsLanded) / n(landJson.seconds))} rows/s)`);
  line("  NDJSON: DuckDB read_json alone (CREATE TABLE AS, raw types)", `${seconds(readJson.seconds)} (${int(n(readJson.rows) / n(readJson.seconds))} rows/s)`);
  line("  ratio rbw / DuckDB (NDJSON)", `${(n(landJson.seconds) / n(readJson.seconds)).toFixed(1)}x`);
  if (parquet && landParquet && readParquet) {
    line(`  Parquet (${mib(parquetBytes)}, converted in ${n(parquet.seconds).toFixed(1)} s): rbw landing`, `${seconds(landParquet.seconds)} (${int(n(landParquet.rowsLanded) / n(landParquet.seconds))} rows/s)`);
    line("  Parquet: DuckDB read_parquet alone (CREATE TABLE AS)", `${seconds(readParquet.seconds)} (${int(n(readParquet.rows) / n(readParquet.seconds))} rows/s)`);
    line("  ratio rbw / DuckDB (Parquet)", `${(n(landParquet.seconds) / n(readParquet.seconds)).toFixed(1)}x`);
  } else line("  Parquet", "not measured (--no-parquet)");
  line(`land the other vendors (Gabia, Webex, AWS: ${int(n(landRest.rowsLanded))} rows)`, seconds(landRest.seconds));
  console.log("Build");
  line(`  all-column scan floor (SUM(hash(COLUMNS(*))), ${build.scanColumns} columns, best of 3)`, ms(build.scanSeconds));
  line(`  full build (${build.actions} actions and assertions)`, seconds(build.seconds));
  line("  ratio full build / scan floor", `${(n(build.seconds) / n(build.scanSeconds)).toFixed(1)}x`);
  line(`  incremental build (${heldBack.length} new export files, ${int(n(landNew.rowsLanded))} rows)`, seconds(incremental.incrementalSeconds));
  line("  full rebuild of the same data", seconds(incremental.fullAgainSeconds));
  line("  ratio incremental / full rebuild", (n(incremental.incrementalSeconds) / n(incremental.fullAgainSeconds)).toFixed(2));
  const slowest = (label: string, actions: unknown) => {
    console.log(`  slowest actions of the ${label}`);
    for (const action of actions as { name: string; seconds: number }[]) line(`    ${action.name}`, seconds(action.seconds));
  };
  slowest("incremental build", incremental.incrementalSlowest);
  slowest("full rebuild", incremental.fullAgainSlowest);
  console.log("Queries");
  line(`  mart query (margin by customer, ${reportMonth})`, ms(incremental.martSeconds));
  line("  same question on the raw export", ms(incremental.rawSeconds));
  line("  ratio mart / raw", (n(incremental.martSeconds) / n(incremental.rawSeconds)).toFixed(3));
  line(`rbw check (compile ${n(check.compileSeconds).toFixed(2)} s + ZetaSQL ${n(check.checkSeconds).toFixed(2)} s, ${check.errors} errors)`, seconds(n(check.compileSeconds) + n(check.checkSeconds)));
  console.log("Peak memory (maxRSS of each phase's own child process)");
  line("  landing the Google NDJSON", `${n(landJson.rssMiB).toFixed(0)} MiB`);
  if (landParquet) line("  landing the Google Parquet", `${n(landParquet.rssMiB).toFixed(0)} MiB`);
  line("  full build (with the scan floor)", `${n(build.rssMiB).toFixed(0)} MiB`);
  line("  incremental build, full rebuild, queries", `${n(incremental.rssMiB).toFixed(0)} MiB`);
  line("  DuckDB read_json alone / read_parquet alone", `${n(readJson.rssMiB).toFixed(0)} / ${readParquet ? n(readParquet.rssMiB).toFixed(0) : "-"} MiB`);
  console.log("Temp disk while landing (peaks, polled every 200 ms)");
  console.log("  (staging dirs rbw-land-* / all of the landing's tmpdir / DuckDB file+.wal+.tmp / staging + DuckDB at once)");
  line("  NDJSON", `${mib(diskJson.staging)} / ${mib(diskJson.tmp)} / ${mib(diskJson.warehouse)} / ${mib(diskJson.total)}`);
  if (diskParquet) line("  Parquet", `${mib(diskParquet.staging)} / ${mib(diskParquet.tmp)} / ${mib(diskParquet.warehouse)} / ${mib(diskParquet.total)}`);
  console.log("Checks");
  line("  quarantined rows", String(incremental.quarantined));
  line("  invoice reconciliation rows not matching", `${incremental.reconciliationMismatches} of ${incremental.reconciliationRows}`);
  line("  Google lines mapped to no customer ('unassigned': the reseller's own)", int(n(incremental.unassignedGcpLines)));
  line("  builds (full, incremental, rebuild)", incremental.ok && build.ok ? "ok, every assertion passed" : "FAILED");
}

try {
  await main();
} finally {
  if (values.keep) process.stderr.write(`bench: work folder kept: ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

