import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Kysely, sql } from "kysely";
import type { Command } from "commander";
import { addGraphRunOptions, parseVars, print, summaryLine, type GlobalOptions, type GraphRunCliOptions } from "./common.ts";
import { ACCESS_TOKEN_ENV, bigQueryClient } from "../clients/bigquery.ts";
import { UsageError } from "../clients/errors.ts";
import { loadConfig } from "../config/config.ts";
import { loadSourceSchemas } from "../contracts/source-schema.ts";
import type { WarehouseDatabase } from "../contracts/warehouse-tables.ts";
import { BigQueryDialect } from "../engines/bigquery/kysely-dialect.ts";
import { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { landConfigToBigQuery } from "../land/bigquery-config.ts";
import { openBigQueryLanding } from "../land/bigquery-raw.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../generate/options.ts";
import { exportFocus, exportFocusFromBigQuery, type FocusExportFormat, type FocusView } from "../export/focus-export.ts";
import { generateSampleData } from "../generate/sample-data.ts";
import { generateScaleData, parseScale, SCALES } from "../generate/scale.ts";
import { ensureLandingTables, type FileLandingResult } from "../land/landing.ts";
import type { FromApiOptions } from "../land/vendor-module.ts";
import { vendorById, VENDORS } from "../land/vendors.ts";
import { describeChange, landData, runPipeline } from "../pipeline.ts";
import { duckDbReportSource, loadMarginReport, ReportError, type MarginReport } from "../report/margin-report.ts";
import { formatMoney, formatPercent } from "../report/money.ts";
import { renderCsv, renderHtml, renderJson, type ReportFormat, type ReportLanguage } from "../report/render.ts";
import { translateQuery } from "../runner/translate.ts";
import { formatActionLine, rowsAsCsv, rowsAsTable } from "./format.ts";

export const DEMO_WAREHOUSE_PATH = ".rbw/demo.duckdb";
const SAMPLE_MARKER = ".rbw-sample-data";

function writeSampleData(dataDir: string, opts: { months: string; linesPerDay: string }) {
  const months = Number(opts.months);
  const linesPerDay = Number(opts.linesPerDay);
  if (!Number.isInteger(months) || months < 1 || months > 36) throw new Error(`--months must be a whole number from 1 to 36, got "${opts.months}"`);
  if (!Number.isInteger(linesPerDay) || linesPerDay < 1) throw new Error(`--lines-per-day must be a whole number of at least 1, got "${opts.linesPerDay}"`);
  const options = { ...DEFAULT_GENERATE_OPTIONS, months, linesPerDay };
  // Sample data replaces only sample data: a folder with anything else in it is left alone.
  const marker = join(dataDir, SAMPLE_MARKER);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !existsSync(marker)) {
    throw new Error(`${resolve(dataDir)} already holds data that rbw did not generate; give --data an empty or new folder.`);
  }
  for (const vendor of VENDORS) rmSync(join(dataDir, vendor.id), { recursive: true, force: true });
  const generated = generateSampleData(dataDir, options);
  writeFileSync(marker, "Sample data written by `rbw generate`; rbw may replace this folder's contents.\n");
  return { rows: generated.rows, files: generated.files.map((f) => resolve(f)), byVendor: generated.byVendor };
}

/** "2327 Google Cloud rows in 91 files, ..." */
function describeGenerated(generated: ReturnType<typeof writeSampleData>): string {
  return generated.byVendor.map((v) => `${v.rows} ${vendorById(v.vendor).providerName} rows in ${v.files} files`).join(", ");
}

/**
 * Landing progress: a line for every file with quarantined rows (they need a look), and a running
 * count every 10 files so long landings show they are moving.
 */
function landingProgress(say: (text: string) => void): (f: FileLandingResult) => void {
  let files = 0;
  let rows = 0;
  let skipped = 0;
  return (f) => {
    files++;
    rows += f.rowsLanded;
    if (f.status === "already landed") skipped++;
    if (f.rowsQuarantined > 0) say(`  ${f.file}: ${f.rowsLanded} rows landed, ${f.rowsQuarantined} quarantined (rbw quarantine --file ${f.file})`);
    if (files % 10 === 0) say(`  ${files} files read: ${rows.toLocaleString("en-US")} rows landed${skipped ? `, ${skipped} files landed before` : ""}`);
  };
}

function writeReport(report: MarginReport, format: ReportFormat, lang: ReportLanguage, out: string): string {
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  const body = format === "csv" ? renderCsv(report) : format === "json" ? renderJson(report) : renderHtml(report, lang);
  writeFileSync(path, body);
  return path;
}

async function latestMonth(warehouse: DuckDbWarehouse): Promise<string | undefined> {
  const row = await warehouse.db.selectFrom("marts.margin_monthly").select(sql<string | null>`MAX(billing_period)`.as("latest")).executeTakeFirst();
  return row?.latest?.slice(0, 7);
}

/** Writes the month's report as HTML, CSV and JSON into `dir`; returns the paths. */
async function writeAllReports(warehouse: DuckDbWarehouse, month: string, dir: string, lang: ReportLanguage) {
  const report = await loadMarginReport(duckDbReportSource(warehouse), month);
  const paths = (["html", "csv", "json"] as const).map((format) => writeReport(report, format, lang, join(dir, `margin_${month}${lang === "ko" ? "_ko" : ""}.${format}`)));
  return { report, paths };
}

function marginSummary(report: MarginReport): string {
  const cur = report.reportingCurrency;
  const lines = [
    `Margin ${report.month} (${cur}): customer price ${formatMoney(report.totals.customerPrice, cur)}, cost ${formatMoney(report.totals.cost, cur)}, margin ${formatMoney(report.totals.margin, cur)} (${formatPercent(report.totals.marginPct)})`,
  ];
  for (const c of report.byCustomer) {
    lines.push(`  ${c.label.padEnd(20)} ${formatMoney(c.margin, cur).padStart(16)}  ${formatPercent(c.marginPct).padStart(7)}`);
  }
  const mismatches = report.reconciliation.filter((r) => r.status !== "match");
  lines.push(
    mismatches.length === 0
      ? `Invoice reconciliation: all ${report.reconciliation.length} vendor totals match the warehouse to the last digit.`
      : `Invoice reconciliation: ${mismatches.length} MISMATCH(ES): see marts.invoice_reconciliation.`,
  );
  return lines.join("\n");
}

interface PipelineCliOptions extends GraphRunCliOptions {
  data: string;
  reportMonth?: string;
  reportDir: string;
  lang: ReportLanguage;
}

async function runPipelineCommand(global: GlobalOptions, opts: PipelineCliOptions, heading?: string): Promise<void> {
  const say = (text: string) => {
    if (!global.json) process.stdout.write(`${text}\n`);
  };
  await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
    if (heading) say(heading);
    say(`Landing ${resolve(opts.data)} into ${global.warehouse}`);
    const result = await runPipeline(
      warehouse,
      {
        projectDir: global.project,
        dataDir: resolve(opts.data),
        vars: parseVars(opts.vars ?? []),
        graphOptions: { fullRefresh: opts.fullRefresh, actions: opts.actions, tags: opts.tags, includeDependencies: opts.includeDeps, includeDependents: opts.includeDependents, includeTests: opts.tests !== false },
      },
      {
        onFile: landingProgress(say),
        onAction: (r, i, n) => say(formatActionLine(r, i, n)),
        onMappingChanged: () => say("config/customers.json or a price book changed since the last build: re-mapping history (full refresh of core.fct_billing_line)."),
        onLateRows: (n, sources) => {
          if (n > 0) say(`${n} landed rows of ${sources.join(", ")} are older than their export_time checkpoint in core.fct_billing_line: rebuilding it (full refresh).`);
        },
        onLinesChanged: (changes) => changes.forEach((c) => say(`Replaced lines: ${describeChange(c)}`)),
      },
    );
    const newFiles = result.land.files.filter((f) => f.status === "landed").length;
    say(`Landed ${result.land.rowsLanded} rows (${result.land.rowsQuarantined} quarantined) from ${newFiles} new files; ${result.land.files.length - newFiles} files were landed before.`);
    say(summaryLine(result.run));
    let reports: { paths: string[]; report: MarginReport } | undefined;
    if (result.land.files.length === 0) say(`No vendor files under ${resolve(opts.data)}; the layout is:\n${dataLayout()}`);
    const month = result.run.ok ? (opts.reportMonth ?? (await latestMonth(warehouse))) : undefined;
    if (result.run.ok && !month) {
      say("No margin data yet: no report was written.");
    } else if (result.run.ok && month) {
      reports = await writeAllReports(warehouse, month, opts.reportDir, opts.lang);
      say(marginSummary(reports.report));
      say(`Reports: ${reports.paths.join(", ")}`);
      say(`Warehouse: ${resolve(global.warehouse)} (schemas raw, staging, intermediate, core, marts, assertions, ops)`);
    } else {
      say("The run failed: no report was written. Fix the failures above and run again; landed data is kept.");
      process.exitCode = 1;
    }
    if (global.json) print(global, "", { land: result.land, run: result.run, reports: reports?.paths ?? [], margin: reports?.report.totals });
  });
}

function addReportOptions(command: Command): Command {
  return command
    .option("--report-month <YYYY-MM>", "billing period to report (default: the latest in the warehouse)")
    .option("--report-dir <dir>", "where the margin reports are written", "reports")
    .option("--lang <en|ko>", "report language (ko: Korean labels, KRW without decimals)", "en");
}

/** What `--from-api` needs per vendor, for --help. */
function apiUsage(): string {
  return VENDORS.filter((v) => v.api).map((v) => `  rbw land ${v.id} --from-api ${v.api?.usage}`).join("\n");
}

/** The data folder's layout, one line per vendor, for --help and messages. */
function dataLayout(): string {
  return ["  config/customers.json, fx_rates.json, settings.json", ...VENDORS.map((v) => `  ${v.layout}   (${v.providerName})`)].join("\n");
}

export function registerPipelineCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command("land")
    .description(
      "Validate config/ and land every vendor's files under --data into the raw schema (re-landing a file adds nothing); " +
        `with a vendor (${VENDORS.map((v) => v.id).join(", ")}), only that vendor's files. ` +
        "With --target bigquery, replace the raw.ref_* config tables in BigQuery, land the files into the local warehouse (--warehouse keeps the manifest " +
        "and quarantine), and load every landing run BigQuery does not have yet into its raw tables (the Google export is read in place there); " +
        `credentials come from ${ACCESS_TOKEN_ENV} or Google's Application Default Credentials.`,
    )
    .argument("[vendor]", `land only this vendor's files: ${VENDORS.map((v) => v.id).join(", ")}`)
    .requiredOption("-d, --data <dir>", "data directory, laid out as:\n" + dataLayout())
    .option("--target <duckdb|bigquery>", "where to land", "duckdb")
    .option("--bq-project <id>", "BigQuery project of the warehouse (with --target bigquery)")
    .option("--bq-dataset <name>", "BigQuery dataset of the raw tables", "raw")
    .option("--bq-location <location>", "BigQuery location, e.g. asia-northeast3")
    .option("--from-api", `fetch the vendor's data through its API into --data first, then land it:\n${apiUsage()}`)
    .option("--month <YYYY-MM>", "with --from-api: the closed billing month (Gabia)")
    .option("--now", "with --from-api: the current month's provisional bill, replaced by the final bill later (Gabia)")
    .option("--start <YYYY-MM-DD>", "with --from-api: first day of the billing period (Webex)")
    .option("--end <YYYY-MM-DD>", "with --from-api: last day of the billing period (Webex)")
    .option("--sub-partner-org <id>", "with --from-api: the sub-partner's org id (Webex)")
    .option("--poll-seconds <n>", "with --from-api: seconds between two polls of a report or query being generated", (v) => Number(v))
    .option("--s3-bucket <bucket>", "with --from-api: the S3 bucket AWS delivers the seller data feeds to (AWS Marketplace)")
    .option("--s3-prefix <folder>", "with --from-api: the folder of the feeds in that bucket")
    .option("--athena-database <name>", "with --from-api: the Athena database with tables over the feeds (AWS Marketplace)")
    .option("--athena-workgroup <name>", "with --from-api: the Athena workgroup")
    .option("--athena-output <s3-url>", "with --from-api: where Athena writes query results, if the workgroup does not say")
    .action(async (vendorId: string | undefined, opts: { data: string; target: string; bqProject?: string; bqDataset: string; bqLocation?: string; fromApi?: boolean } & FromApiOptions) => {
      const global = globals();
      const only = vendorId ? [vendorById(vendorId)] : undefined;
      if (opts.fromApi) {
        const vendor = only?.[0];
        if (!vendor?.api) throw new UsageError(`--from-api needs a vendor with an API: ${VENDORS.filter((v) => v.api).map((v) => v.id).join(", ")}.`);
        const message = await vendor.api.fetch(resolve(opts.data), opts, (text) => {
          if (!global.json) process.stdout.write(`  ${text}\n`);
        });
        if (!global.json) process.stdout.write(`${message}\n`);
      }
      const onFile = landingProgress((text) => {
        if (!global.json) process.stdout.write(`${text}\n`);
      });
      if (opts.target === "bigquery") {
        if (!opts.bqProject) throw new UsageError("--target bigquery needs --bq-project");
        const pushed = (only ?? VENDORS).filter((v) => !v.readInPlaceOnBigQuery);
        if (only && pushed.length === 0) {
          throw new UsageError(`${only[0].providerName}'s data is read in place on BigQuery (Dataform vars gcp_export_project and gcp_export_dataset): there is nothing to land.`);
        }
        const config = loadConfig(resolve(opts.data));
        const schemas = loadSourceSchemas(global.project);
        const client = bigQueryClient({ projectId: opts.bqProject, location: opts.bqLocation });
        const tables: { table: string; rows: number }[] = [];
        await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
          await ensureLandingTables(warehouse);
          // Before landing anything: BigQuery must hold only runs this warehouse landed (a new warehouse takes them back first).
          const bigQuery = await openBigQueryLanding(client, warehouse, {
            projectId: opts.bqProject as string,
            dataset: opts.bqDataset,
            vendors: pushed.map((v) => ({ sourceSystem: v.sourceSystem, rawTables: v.rawTables.map((t) => schemas.get(t.table)).filter((t) => t !== undefined) })),
            onTable: (r) => {
              if (!global.json) process.stdout.write(`  loaded ${r.table}: ${r.rows} rows of landing run ${r.run}\n`);
            },
            onRestore: (table, rows) => {
              if (!global.json) process.stdout.write(`  took back ${rows} rows of ${table} into ${global.warehouse}\n`);
            },
          });
          await landConfigToBigQuery(client, opts.bqProject as string, opts.bqDataset, config, schemas, (table, rows) => {
            tables.push({ table, rows });
            if (!global.json) process.stdout.write(`  replaced ${table}: ${rows} rows\n`);
          });
          const land = await landData(warehouse, global.project, resolve(opts.data), randomUUID(), { onFile }, VENDORS, pushed);
          const push = await bigQuery.push();
          const rows = push.tables.filter((t) => !t.table.endsWith(".load_manifest") && !t.table.endsWith(".quarantine")).reduce((sum, t) => sum + t.rows, 0);
          print(
            global,
            `Config landed in BigQuery (${tables.length} tables). Landed ${land.rowsLanded} rows, quarantined ${land.rowsQuarantined}, from ${land.files.length} files (${global.warehouse} keeps the manifest); ` +
              `${push.runs.length === 0 ? "BigQuery already had every landing run." : `loaded ${rows} rows of ${push.runs.length} landing run${push.runs.length === 1 ? "" : "s"} into BigQuery.`}`,
            { config: tables, land, push },
          );
        });
        return;
      }
      if (opts.target !== "duckdb") throw new Error(`--target must be duckdb or bigquery, got "${opts.target}"`);
      await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
        const summary = await landData(warehouse, global.project, resolve(opts.data), randomUUID(), { onFile }, VENDORS, only);
        print(global, `Landed ${summary.rowsLanded} rows, quarantined ${summary.rowsQuarantined}, from ${summary.files.length} files.`, summary);
      });
    });

  addReportOptions(
    addGraphRunOptions(
      program
        .command("run")
        .description("The scheduled job: land --data, run the graph on DuckDB (models, assertions, unit tests) and write the margin report.")
        .requiredOption("-d, --data <dir>", "data directory (see `rbw land --help`)"),
    ),
  ).action(async (opts: PipelineCliOptions) => runPipelineCommand(globals(), opts));

  program
    .command("generate")
    .description(
      `Write the deterministic sample data (every vendor's files: ${VENDORS.map((v) => v.providerName).join(", ")}; and a complete config/ folder) without running anything. ` +
        "With --scale, write data of every vendor at a size for load and performance work instead.",
    )
    .option("-d, --data <dir>", "where the sample data is written", ".rbw/demo-data")
    .option("--months <n>", "invoice months to generate", String(DEFAULT_GENERATE_OPTIONS.months))
    .option("--lines-per-day <n>", "usage lines per customer, service and day (scales the data)", String(DEFAULT_GENERATE_OPTIONS.linesPerDay))
    .option(
      "--scale <S|M|L>",
      "write scale data instead of the sample (sizes below): every vendor in its real format, 3 invoice months (92 days from 2026-08-01); " +
        "not with --months or --lines-per-day",
    )
    .option("--workers <n>", "with --scale: threads writing the Google export days (0: the main thread)", "2")
    .addHelpText(
      "after",
      "\nScale data (--scale):\n" +
        Object.values(SCALES)
          .map(
            (p) =>
              `  ${p.name}  Google export ${p.gcpRows.toLocaleString("en-US")} rows, ${p.customers} customers with ${p.skusPerCustomer} SKUs each (about ${Math.round(p.gcpRows / 500_000)} GB of NDJSON);\n` +
              `     Gabia ${p.gabiaCustomers}, Webex ${p.webexCustomers}, AWS Marketplace ${p.awsCustomers} customers (thousands of rows each)`,
          )
          .join("\n") +
        "\nThe Google export is written one NDJSON file per export day as it is generated, on --workers threads, so\n" +
        "memory stays flat; progress goes to stderr (not with --json). Every customer is in config/customers.json\n" +
        "with each vendor's block. M takes about 2 minutes on 2 cores; check the disk space first.",
    )
    .action(async (opts: { data: string; months: string; linesPerDay: string; scale?: string; workers: string }, command: Command) => {
      const global = globals();
      if (opts.scale !== undefined) {
        const profile = parseScale(opts.scale);
        for (const option of ["months", "linesPerDay"]) {
          if (command.getOptionValueSource(option) === "cli") throw new UsageError(`--scale sets the size of the data: leave out --${option === "months" ? "months" : "lines-per-day"}.`);
        }
        const workers = Number(opts.workers);
        if (!Number.isInteger(workers) || workers < 0 || workers > 16) throw new UsageError(`--workers must be a whole number from 0 to 16, got "${opts.workers}"`);
        const marker = join(opts.data, SAMPLE_MARKER);
        if (existsSync(opts.data) && readdirSync(opts.data).length > 0 && !existsSync(marker)) {
          throw new Error(`${resolve(opts.data)} already holds data that rbw did not generate; give --data an empty or new folder.`);
        }
        mkdirSync(opts.data, { recursive: true });
        writeFileSync(marker, "Sample data written by `rbw generate`; rbw may replace this folder's contents.\n");
        const generated = await generateScaleData(opts.data, profile, {
          workers,
          onProgress: (p) => {
            if (!global.json) process.stderr.write(`  ${p.message}\n`);
          },
        });
        const summary = generated.byVendor.map((v) => `${v.rows.toLocaleString("en-US")} ${vendorById(v.vendor).providerName} rows in ${v.files} files`).join(", ");
        print(
          global,
          `Generated scale ${profile.name}: ${summary}, ${generated.customers} customers in config/ under ${resolve(opts.data)} (${generated.seconds.toFixed(1)} s)`,
          { ...generated, files: generated.files.map((f) => resolve(f)) },
        );
        return;
      }
      const generated = writeSampleData(opts.data, opts);
      print(global, `Generated ${describeGenerated(generated)} and config/ under ${resolve(opts.data)}`, generated);
    });

  addReportOptions(
    program
      .command("demo")
      .description("Generate realistic, deterministic data of every vendor and a config, then run the whole job on it (what `npm start` runs).")
      .option("-d, --data <dir>", "where the sample data is written", ".rbw/demo-data")
      .option("--months <n>", "invoice months to generate", String(DEFAULT_GENERATE_OPTIONS.months))
      .option("--lines-per-day <n>", "usage lines per customer, service and day (scales the data)", String(DEFAULT_GENERATE_OPTIONS.linesPerDay)),
  ).action(async (opts: PipelineCliOptions & { months: string; linesPerDay: string }) => {
    const global = globals();
    // The demo builds its own warehouse from scratch, so it never mixes with real data.
    if (program.getOptionValueSource("warehouse") === "default") global.warehouse = DEMO_WAREHOUSE_PATH;
    for (const file of [global.warehouse, `${global.warehouse}.wal`]) rmSync(file, { force: true });
    const generated = writeSampleData(opts.data, opts);
    await runPipelineCommand(global, opts, global.json ? undefined : `Generated ${describeGenerated(generated)} under ${resolve(opts.data)}`);
  });

  program
    .command("quarantine")
    .description("List rows that could not be landed, with their file, row number, field and reason (raw.quarantine).")
    .option("--file <path>", "only rows of this file (as printed by land)")
    .option("--limit <n>", "at most this many rows", "50")
    .action(async (opts: { file?: string; limit: string }) => {
      const global = globals();
      await DuckDbWarehouse.using(global.warehouse, async (warehouse) => {
        if ((await warehouse.relationKind("raw", "quarantine")) !== "table") {
          print(global, "Nothing has been landed yet.", []);
          return;
        }
        let query = warehouse.db
          .selectFrom("raw.quarantine")
          .select(["file_path", "row_number", "field", "reason", "raw_record", "quarantined_at"])
          .orderBy("quarantined_at", "desc")
          .orderBy("file_path")
          .orderBy("row_number")
          .limit(Number(opts.limit));
        if (opts.file) query = query.where("file_path", "=", opts.file);
        const rows = await query.execute();
        const lines = rows.map((r) => `${r.file_path}:${r.row_number}  ${r.field ?? "(row)"}  ${r.reason}`);
        print(global, lines.join("\n") || "No quarantined rows.", rows);
      });
    });

  program
    .command("sql")
    .description(
      "Query the warehouse, read-only. DuckDB SQL by default; with --bigquery, BigQuery SQL (backticked names,\n" +
        "NUMERIC, UNNEST, ...) is translated exactly as the graph runner translates the models.",
    )
    .argument("<query>", 'e.g. "SELECT customer_id, SUM(margin) FROM marts.margin_monthly GROUP BY 1"')
    .option("--bigquery", "the query is BigQuery SQL")
    .option("-f, --format <table|csv|json>", "output format", "table")
    .action(async (query: string, opts: { bigquery?: boolean; format: string }) => {
      const global = globals();
      if (!["table", "csv", "json"].includes(opts.format)) throw new Error(`--format must be table, csv or json, got "${opts.format}"`);
      const statement = opts.bigquery ? translateQuery(query) : query;
      await DuckDbWarehouse.using(
        global.warehouse,
        async (warehouse) => {
          const rows = await warehouse.query(statement);
          const format = global.json ? "json" : opts.format;
          process.stdout.write(`${format === "json" ? JSON.stringify(rows, null, 2) : format === "csv" ? rowsAsCsv(rows) : rowsAsTable(rows)}\n`);
        },
        { readOnly: true },
      );
    });

  program
    .command("export")
    .description("Export warehouse data in a standard format for other tools.")
    .command("focus")
    .description(
      "Write one billing period of a FOCUS dataset as a file a FinOps tool or a customer loads: upstream (FOCUS 1.2, what the vendors invoice the reseller), " +
        "customer (FOCUS 1.2, what the reseller invoices its customers) or contract-commitment (FOCUS 1.3, the customers' contract commitments in force " +
        "during the month); --customer keeps one customer's rows only.",
    )
    .requiredOption("--view <upstream|customer|contract-commitment>", "which FOCUS dataset")
    .requiredOption("-m, --month <YYYY-MM>", "billing period")
    .option("--customer <id>", "only this customer's rows (customers.json customer_id)")
    .option("-f, --format <parquet|csv>", "Parquet (FOCUS column types) or CSV (RFC 4180, ISO 8601 UTC date/times)", "parquet")
    .requiredOption("-o, --out <path>", "output file")
    .option("--engine <duckdb|bigquery>", "read the FOCUS views from the DuckDB warehouse or from BigQuery", "duckdb")
    .option("--bq-project <id>", "BigQuery project holding the marts (with --engine bigquery)")
    .option("--bq-location <location>", "BigQuery location, e.g. asia-northeast3")
    .action(async (opts: { view: FocusView; month: string; customer?: string; format: FocusExportFormat; out: string; engine: string; bqProject?: string; bqLocation?: string }) => {
      const global = globals();
      const done = (result: Awaited<ReturnType<typeof exportFocus>>) => print(global, `Wrote ${result.rows} rows of ${result.view} (${result.columns} columns) to ${result.path}`, result);
      if (opts.engine === "bigquery") {
        if (!opts.bqProject) throw new UsageError("--engine bigquery needs --bq-project");
        done(await exportFocusFromBigQuery(bigQueryClient({ projectId: opts.bqProject, location: opts.bqLocation }), opts));
        return;
      }
      if (opts.engine !== "duckdb") throw new UsageError(`--engine must be duckdb or bigquery, got "${opts.engine}"`);
      await DuckDbWarehouse.using(global.warehouse, async (warehouse) => done(await exportFocus(warehouse, opts)), { readOnly: true });
    });

  const report = program.command("report").description("Reports read from the marts.");
  report
    .command("margin")
    .description("Margin by customer, service and month for one billing period, from the DuckDB warehouse or from BigQuery.")
    .requiredOption("-m, --month <YYYY-MM>", "billing period")
    .option("-f, --format <html|csv|json>", "output format", "html")
    .option("-o, --out <path>", "output file (default: reports/margin_<month>.<format>)")
    .option("--lang <en|ko>", "labels in English or Korean (KRW shown without decimals)", "en")
    .option("--engine <duckdb|bigquery>", "read the marts from the DuckDB warehouse or from BigQuery", "duckdb")
    .option("--bq-project <id>", "BigQuery project holding the marts (with --engine bigquery)")
    .option("--bq-location <location>", "BigQuery location, e.g. asia-northeast3")
    .action(async (opts: { month: string; format: string; out?: string; lang: string; engine: string; bqProject?: string; bqLocation?: string }) => {
      const global = globals();
      if (!["html", "csv", "json"].includes(opts.format)) throw new ReportError(`--format must be html, csv or json, got "${opts.format}"`);
      if (!["en", "ko"].includes(opts.lang)) throw new ReportError(`--lang must be en or ko, got "${opts.lang}"`);
      const write = (data: MarginReport) => {
        const path = writeReport(data, opts.format as ReportFormat, opts.lang as ReportLanguage, opts.out ?? join("reports", `margin_${opts.month}.${opts.format}`));
        print(global, `${marginSummary(data)}\nWrote ${path}`, { path, totals: data.totals });
      };
      if (opts.engine === "bigquery") {
        if (!opts.bqProject) throw new ReportError("--engine bigquery needs --bq-project");
        const db = new Kysely<WarehouseDatabase>({ dialect: new BigQueryDialect(bigQueryClient({ projectId: opts.bqProject, location: opts.bqLocation })) });
        write(await loadMarginReport({ db }, opts.month));
        return;
      }
      if (opts.engine !== "duckdb") throw new ReportError(`--engine must be duckdb or bigquery, got "${opts.engine}"`);
      await DuckDbWarehouse.using(global.warehouse, async (warehouse) => write(await loadMarginReport(duckDbReportSource(warehouse), opts.month)), { readOnly: true });
    });
}
