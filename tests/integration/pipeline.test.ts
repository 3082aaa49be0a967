import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../scripts/generate/options.ts";
import { generateSampleData } from "../../scripts/generate/sample-data.ts";
import { gcpVendor } from "../../scripts/land/gcp.ts";
import { GCP_EXPORT_DIR } from "../../scripts/land/gcp.ts";
import { quoteJsonNumbers, toNumericText } from "../../scripts/land/record-validator.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const SCALE = 10n ** 9n;

/** Exact decimal text -> integer nano-units. */
function nanos(text: string): bigint {
  const exact = toNumericText(text) as string;
  const negative = exact.startsWith("-");
  const [int, frac = ""] = exact.replace("-", "").split(".");
  const value = BigInt(int) * SCALE + BigInt(frac.padEnd(9, "0"));
  return negative ? -value : value;
}

const text9 = (value: bigint) => {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? "-" : ""}${abs / SCALE}.${String(abs % SCALE).padStart(9, "0")}`;
};

type ExportRow = { payer_billing_account_id: string; invoice: { month: string }; currency: string; cost: string; credits?: { amount: string }[] };

/** Google's invoice total per payer x month x currency, computed from the extract files themselves. */
function vendorTotalsFromFiles(dir: string): Map<string, string> {
  const totals = new Map<string, bigint>();
  for (const file of readdirSync(dir)) {
    const raw = readFileSync(join(dir, file));
    const body = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
    for (const line of body.split("\n").filter(Boolean)) {
      const row = JSON.parse(quoteJsonNumbers(line)) as ExportRow;
      const key = `${row.payer_billing_account_id}|${row.invoice.month.slice(0, 4)}-${row.invoice.month.slice(4)}-01|${row.currency}`;
      const credits = (row.credits ?? []).reduce((s, c) => s + nanos(c.amount), 0n);
      totals.set(key, (totals.get(key) ?? 0n) + nanos(row.cost) + credits);
    }
  }
  return new Map([...totals].map(([k, v]) => [k, text9(v)]));
}

describe("the Google pipeline on DuckDB", () => {
  let dataDir: string;
  let exportDir: string;
  let parked: string;
  let warehouse: DuckDbWarehouse;
  const files = () => readdirSync(exportDir).sort();
  const count = async (relation: string) => Number((await warehouse.query<{ n: string }>(`SELECT COUNT(*)::VARCHAR AS n FROM ${relation}`))[0].n);
  const run = () => runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-pipeline-"));
    parked = mkdtempSync(join(tmpdir(), "rbw-parked-"));
    // Google's sample data only: this file is about the Google source (each vendor has its own tests).
    generateSampleData(dataDir, DEFAULT_GENERATE_OPTIONS, [gcpVendor]);
    exportDir = join(dataDir, GCP_EXPORT_DIR);
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(parked, { recursive: true, force: true });
  });

  it("builds the star schema and reconciles every payer and month with the export to the last digit", async () => {
    const all = files();
    // Hold back the last export day and one from the middle for the incremental and late-file cases.
    for (const name of [all[all.length - 1], all[40]]) renameSync(join(exportDir, name), join(parked, name));
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(result.land.rowsQuarantined).toBe(0);
    expect(await count("core.fct_billing_line")).toBe(await count("raw.reseller_billing_detailed_export_v1"));

    const expected = vendorTotalsFromFiles(exportDir);
    const recon = await warehouse.db.selectFrom("marts.invoice_reconciliation").selectAll().where("reconciliation", "=", "vendor_invoice").execute();
    expect(recon.length).toBe(expected.size);
    for (const row of recon) {
      expect(row.status).toBe("match");
      expect(row.difference).toBe("0.000000000");
      expect(row.warehouse_total).toBe(expected.get(`${row.payer_account_id}|${row.billing_period}|${row.currency}`));
      expect(row.vendor_total).toBe(row.warehouse_total);
    }
  });

  it("generates every Google credit type, taxes, an adjustment and a late export", async () => {
    const types = await warehouse.query<{ type: string }>(
      "SELECT DISTINCT c.type FROM raw.reseller_billing_detailed_export_v1, UNNEST(credits) AS t(c) ORDER BY 1",
    );
    expect(types.map((t) => t.type)).toEqual([
      "COMMITTED_USAGE_DISCOUNT",
      "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
      "DISCOUNT",
      "FREE_TIER",
      "PROMOTION",
      "RESELLER_MARGIN",
      "SUBSCRIPTION_BENEFIT",
      "SUSTAINED_USAGE_DISCOUNT",
    ]);
    const [late] = await warehouse.query<{ n: string }>(
      "SELECT COUNT(*)::VARCHAR AS n FROM core.fct_billing_line WHERE (vendor_attributes->>'$.cost_type') = 'regular' AND strftime(export_time, '%Y%m') > (vendor_attributes->>'$.invoice_month')",
    );
    expect(Number(late.n)).toBeGreaterThan(0);
  });

  it("keeps exact duplicate lines, which are real charges", async () => {
    const [dups] = await warehouse.query<{ n: string }>(
      `SELECT COUNT(*)::VARCHAR AS n FROM core.fct_billing_line WHERE contracted_cost = 0 AND credits_amount = -1.25`,
    );
    expect(Number(dups.n)).toBeGreaterThanOrEqual(4);
  });

  it("records the landing and every action of a run in the run log, and stamps appended lines with the run", async () => {
    const result = await run();
    const log = await warehouse.db.selectFrom("ops.run_log").select(["action", "action_type", "status", "rows_written", "message"]).where("run_id", "=", result.run.runId).execute();
    expect(log[0]).toEqual({ action: "land", action_type: "land", status: "success", rows_written: "0", message: `0 new files, ${result.land.files.length} landed before, 0 rows quarantined` });
    expect(log.filter((l) => l.action_type !== "land")).toHaveLength(result.run.results.length);
    const stamped = await warehouse.query<{ run_id: string }>("SELECT DISTINCT run_id FROM core.fct_billing_line");
    expect(stamped).toHaveLength(1);
    expect(stamped[0].run_id).not.toBe("manual");
  });

  it("changes nothing on a second run with no new data", async () => {
    const before = await warehouse.query("SELECT * FROM marts.margin_monthly ORDER BY ALL");
    const factBefore = await count("core.fct_billing_line");
    const result = await run();
    expect(result.run.ok).toBe(true);
    expect(result.land.files.every((f) => f.status === "already landed")).toBe(true);
    const fact = result.run.results.find((r) => r.name === "core.fct_billing_line");
    expect(fact).toMatchObject({ mode: "insert", rowsWritten: 0 });
    expect(await count("core.fct_billing_line")).toBe(factBefore);
    expect(await warehouse.query("SELECT * FROM marts.margin_monthly ORDER BY ALL")).toEqual(before);
  });

  it("appends only the new day's rows when a new export day arrives", async () => {
    const lastDay = readdirSync(parked).sort().at(-1) as string;
    const factBefore = await count("core.fct_billing_line");
    renameSync(join(parked, lastDay), join(exportDir, lastDay));
    const result = await run();
    expect(result.run.ok).toBe(true);
    expect(result.lateRows).toBe(0);
    const [landed] = result.land.files.filter((f) => f.status === "landed");
    expect(landed.file).toBe(`${GCP_EXPORT_DIR}/${lastDay}`);
    const fact = result.run.results.find((r) => r.name === "core.fct_billing_line");
    expect(fact).toMatchObject({ mode: "insert", rowsWritten: landed.rowsLanded });
    expect(await count("core.fct_billing_line")).toBe(factBefore + landed.rowsLanded);
  });

  it("rebuilds the fact when an older export file is landed late, so no row is lost", async () => {
    const [late] = readdirSync(parked);
    renameSync(join(parked, late), join(exportDir, late));
    const result = await run();
    expect(result.lateRows).toBeGreaterThan(0);
    expect(result.run.results.find((r) => r.name === "core.fct_billing_line")?.mode).toBe("create");
    expect(result.run.ok).toBe(true);
    expect(await count("core.fct_billing_line")).toBe(await count("raw.reseller_billing_detailed_export_v1"));
    const mismatches = await warehouse.db.selectFrom("marts.invoice_reconciliation").select("status").where("status", "!=", "match").execute();
    expect(mismatches).toEqual([]);
  });

  it("maps customers from config and sends unclaimed costs to the unassigned customer", async () => {
    const rows = await warehouse.query<{ customer_id: string; customer_mapping: string }>(
      "SELECT DISTINCT customer_id, customer_mapping FROM core.fct_billing_line ORDER BY 1, 2",
    );
    expect(rows).toEqual([
      { customer_id: "daehan-fintech", customer_mapping: "correlation_id" },
      { customer_id: "hanbit-retail", customer_mapping: "correlation_id" },
      { customer_id: "mirae-games", customer_mapping: "correlation_id" },
      { customer_id: "seoul-logistics", customer_mapping: "customer_name" },
      { customer_id: "unassigned", customer_mapping: "no_customer" },
    ]);
  });

  it("gives tax, adjustment and rounding lines cost but no customer price, with both rounding spellings", async () => {
    const rows = await warehouse.query<{ cost_type: string; charge_category: string; price: string }>(
      `SELECT (vendor_attributes->>'$.cost_type') AS cost_type, charge_category, SUM(customer_billed_cost)::VARCHAR AS price FROM core.fct_billing_line
       WHERE (vendor_attributes->>'$.cost_type') != 'regular' GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { cost_type: "adjustment", charge_category: "Adjustment", price: "0.000000000" },
      { cost_type: "rounding_error", charge_category: "Adjustment", price: "0.000000000" },
      { cost_type: "tax", charge_category: "Tax", price: "0.000000000" },
    ]);
    const [{ n }] = await warehouse.query<{ n: string }>("SELECT COUNT(DISTINCT cost_type)::VARCHAR AS n FROM raw.reseller_billing_detailed_export_v1 WHERE cost_type LIKE 'rounding%'");
    expect(n).toBe("2");
  });

  it("marks only corrections of an already invoiced month as FOCUS ChargeClass Correction (all files landed)", async () => {
    const rows = await warehouse.query<{ invoice_month: string; charge_class: string | null }>(
      "SELECT (vendor_attributes->>'$.invoice_month') AS invoice_month, charge_class FROM core.fct_billing_line WHERE (vendor_attributes->>'$.cost_type') = 'adjustment' ORDER BY 1",
    );
    expect(rows).toEqual([
      { invoice_month: "202608", charge_class: null },
      { invoice_month: "202609", charge_class: "Correction" },
      { invoice_month: "202610", charge_class: "Correction" },
    ]);
  });

  it("re-maps history when config/customers.json changes, and only then", async () => {
    const file = join(dataDir, "config/customers.json");
    const customers = JSON.parse(readFileSync(file, "utf8")) as { customers: { customer_id: string; customer_name: string }[] };
    const seoul = customers.customers.find((c) => c.customer_id === "seoul-logistics");
    if (!seoul) throw new Error("fixture changed");
    seoul.customer_id = "seoul-logistics-kr";
    writeFileSync(file, JSON.stringify(customers));
    const changed = await run();
    expect(changed.mappingChanged).toBe(true);
    expect(changed.run.results.find((r) => r.name === "core.fct_billing_line")?.mode).toBe("create");
    const ids = await warehouse.query<{ customer_id: string }>("SELECT DISTINCT customer_id FROM core.fct_billing_line WHERE customer_id LIKE 'seoul%'");
    expect(ids).toEqual([{ customer_id: "seoul-logistics-kr" }]);
    const again = await run();
    expect(again.mappingChanged).toBe(false);
    expect(again.run.results.find((r) => r.name === "core.fct_billing_line")?.mode).toBe("insert");
  });
});
