import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGraph } from "../../scripts/check/zetasql-check.ts";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { VENDORS } from "../../scripts/land/vendors.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { compileProject } from "../../scripts/runner/compiled-graph.ts";
import { readRunLog } from "../../scripts/runner/run-graph.ts";
import { acmeVendor } from "../fixtures/test-vendor/acme-vendor.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { DUCKDB_TYPE, LINE_MODEL } from "../helpers/line-contract.ts";

const FIXTURE = join(REPO_ROOT, "tests/fixtures/test-vendor");


/** Differences between a line model's columns (name, type, in order) and the conformed billing line. */
function contractProblems(model: string, columns: { name: string; type: string }[], typeOf: (bigQueryType: string) => string): string[] {
  const problems: string[] = [];
  const names = columns.map((c) => c.name);
  const expected = LINE_MODEL.map((c) => c.name);
  if (names.join(",") !== expected.join(",")) {
    problems.push(`${model}: columns [${names.join(", ")}] differ from the contract [${expected.join(", ")}]`);
  }
  for (const column of LINE_MODEL) {
    const actual = columns.find((c) => c.name === column.name);
    if (actual && actual.type !== typeOf(column.type)) problems.push(`${model}.${column.name}: ${actual.type}, the contract says ${typeOf(column.type)}`);
  }
  return problems;
}

/** A copy of this Dataform project with the test-only vendor Acme added: its folders and one line in includes/vendors.js. */
function projectWithAcme(delivery: "replace_period" | "latest_version"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-acme-project-"));
  for (const entry of ["definitions", "includes", "assertions", "dataform.json", "package.json"]) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  cpSync(join(REPO_ROOT, "node_modules/@dataform/core"), join(dir, "node_modules/@dataform/core"), { recursive: true });
  cpSync(join(FIXTURE, "definitions"), join(dir, "definitions"), { recursive: true });
  cpSync(join(FIXTURE, "includes"), join(dir, "includes"), { recursive: true });
  const vendorsFile = join(dir, "includes/vendors.js");
  const vendors = readFileSync(vendorsFile, "utf8");
  const withAcme = vendors.replace(
    "const VENDORS = [\n",
    `const VENDORS = [\n  { id: "acme", source_system: "acme_cloud", provider_name: "Acme Cloud", delivery: "${delivery}", assertions: [] },\n`,
  );
  if (withAcme === vendors) throw new Error("includes/vendors.js no longer starts its list with `const VENDORS = [`");
  writeFileSync(vendorsFile, withAcme);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Google's golden export plus Acme's provisional statement, with Acme's block in customers.json. */
function dataWithAcme(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-acme-data-"));
  cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), dir, { recursive: true });
  cpSync(join(FIXTURE, "data"), dir, { recursive: true });
  const file = join(dir, "config/customers.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as { customers: Record<string, unknown>[] };
  config.customers[0].acme = { account_ids: ["CUST-A"] };
  config.customers[1].acme = { account_ids: ["CUST-B"] };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("the conformed billing line", () => {
  it("every vendor's line model has the contract's columns and BigQuery types (ZetaSQL)", async () => {
    const graph = await compileProject({ projectDir: REPO_ROOT });
    const result = await checkGraph(graph, loadSourceSchemas(REPO_ROOT));
    expect(result.errors).toEqual([]);
    for (const vendor of VENDORS) {
      const model = `intermediate.int_${vendor.id}__billing_lines`;
      expect(result.outputColumns[model], model).toBeDefined();
      expect(contractProblems(model, result.outputColumns[model], (t) => t)).toEqual([]);
    }
  });

  it("names a line model whose column differs from the contract", () => {
    const columns = LINE_MODEL.map((c) => ({ name: c.name, type: c.name === "billed_cost" ? "FLOAT64" : c.type }));
    expect(contractProblems("intermediate.int_x__billing_lines", columns, (t) => t)).toEqual([
      "intermediate.int_x__billing_lines.billed_cost: FLOAT64, the contract says NUMERIC",
    ]);
    const reordered = [...columns.slice(1), columns[0]];
    expect(contractProblems("intermediate.int_x__billing_lines", reordered, (t) => t)[0]).toMatch(/differ from the contract/);
  });
});

describe.each(["replace_period", "latest_version"] as const)("a test-only vendor added through the vendor list (%s)", (delivery) => {
  let project: ReturnType<typeof projectWithAcme>;
  let data: ReturnType<typeof dataWithAcme>;
  let warehouse: DuckDbWarehouse;
  const run = () => runPipeline(warehouse, { projectDir: project.dir, dataDir: data.dir, vendors: [...VENDORS, acmeVendor] });
  const acmeLines = () =>
    warehouse.query<{ source_line_id: string; customer_id: string; billed_cost: string; customer_billed_cost: string }>(
      `SELECT source_line_id, customer_id, billed_cost::VARCHAR AS billed_cost, customer_billed_cost::VARCHAR AS customer_billed_cost
       FROM core.fct_billing_line WHERE source_system = 'acme_cloud' ORDER BY source_line_id`,
    );

  beforeAll(async () => {
    project = projectWithAcme(delivery);
    data = dataWithAcme();
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterAll(async () => {
    await warehouse.close();
    project.cleanup();
    data.cleanup();
  });

  it("type-checks as BigQuery SQL, the change statements included, with the contract's columns", async () => {
    const graph = await compileProject({ projectDir: project.dir });
    const result = await checkGraph(graph, loadSourceSchemas(project.dir));
    expect(result.errors).toEqual([]);
    expect(contractProblems("int_acme__billing_lines", result.outputColumns["intermediate.int_acme__billing_lines"], (t) => t)).toEqual([]);
  });

  it("flows into the fact, the marts and the reconciliation without any Google file changing", async () => {
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(result.land.files.map((f) => [f.file, f.rowsLanded])).toContainEqual(["acme/statements/2026-10-provisional.csv", 3]);
    expect(await acmeLines()).toEqual([
      { source_line_id: "2026-10-1", customer_id: "c1", billed_cost: "10.000000000", customer_billed_cost: "12.000000000" },
      { source_line_id: "2026-10-2", customer_id: "c2", billed_cost: "5.500000000", customer_billed_cost: "6.000000000" },
      { source_line_id: "2026-10-3", customer_id: "unassigned", billed_cost: "1.000000000", customer_billed_cost: "1.100000000" },
    ]);
    const columns = await warehouse.query<{ name: string; type: string }>(
      "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = 'intermediate' AND table_name = 'int_acme__billing_lines' ORDER BY ordinal_position",
    );
    expect(contractProblems("int_acme__billing_lines", columns, (t) => DUCKDB_TYPE[t])).toEqual([]);
    const margin = await warehouse.query(
      `SELECT customer_id, provider_name, service_name, cost::VARCHAR AS cost, customer_price::VARCHAR AS price, margin::VARCHAR AS margin
       FROM marts.margin_monthly WHERE provider_name = 'Acme Cloud' ORDER BY customer_id, service_name`,
    );
    expect(margin).toEqual([
      { customer_id: "c1", provider_name: "Acme Cloud", service_name: "Compute, general purpose", cost: "10.000000000", price: "12.000000000", margin: "2.000000000" },
      { customer_id: "c2", provider_name: "Acme Cloud", service_name: "Storage", cost: "5.500000000", price: "6.000000000", margin: "0.500000000" },
      { customer_id: "unassigned", provider_name: "Acme Cloud", service_name: "Storage", cost: "1.000000000", price: "1.100000000", margin: "0.100000000" },
    ]);
    const recon = await warehouse.db.selectFrom("marts.invoice_reconciliation").select(["source_system", "reconciliation", "payer_account_id", "vendor_total", "warehouse_total", "status"]).orderBy("source_system").orderBy("reconciliation", "desc").orderBy("scope").execute();
    expect(recon).toEqual([
      { source_system: "acme_cloud", reconciliation: "vendor_invoice", payer_account_id: "ACME-0001", vendor_total: "16.500000000", warehouse_total: "16.500000000", status: "match" },
      { source_system: "gcp_channel", reconciliation: "vendor_invoice", payer_account_id: "0P1P1P-000000-000001", vendor_total: "163.810000001", warehouse_total: "163.810000001", status: "match" },
      { source_system: "gcp_channel", reconciliation: "customer_invoice", payer_account_id: "0P1P1P-000000-000001", vendor_total: "133.000000000", warehouse_total: "133.000000000", status: "match" },
      { source_system: "gcp_channel", reconciliation: "customer_invoice", payer_account_id: "0P1P1P-000000-000001", vendor_total: "-5.500000000", warehouse_total: "-5.500000000", status: "match" },
    ]);
    const providers = await warehouse.query("SELECT provider_name, source_system, delivery FROM core.dim_provider ORDER BY 1");
    expect(providers).toEqual([
      { provider_name: "AWS Marketplace", source_system: "aws_marketplace", delivery: "latest_version" },
      { provider_name: "Acme Cloud", source_system: "acme_cloud", delivery },
      { provider_name: "Gabia", source_system: "gabia", delivery: "replace_period" },
      { provider_name: "Google Cloud", source_system: "gcp_channel", delivery: "append" },
      { provider_name: "Webex", source_system: "webex_wholesale", delivery: "replace_period" },
    ]);
  });

  it("replaces the provisional statement with the final one, records the change and loses nothing", async () => {
    cpSync(join(FIXTURE, "final-2026-10.csv"), join(data.dir, "acme/statements/2026-10-final.csv"));
    const result = await run();
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    expect(await acmeLines()).toEqual([
      { source_line_id: "2026-10-1", customer_id: "c1", billed_cost: "21.000000000", customer_billed_cost: "25.200000000" },
      { source_line_id: "2026-10-2", customer_id: "c1", billed_cost: "11.000000000", customer_billed_cost: "12.000000000" },
    ]);
    expect(result.changes).toHaveLength(1);
    // Three provisional lines removed: replaced by the final statement's two, or superseded line by line.
    expect(result.changes[0]).toEqual(
      delivery === "replace_period"
        ? { source_system: "acme_cloud", billing_period_start: "2026-10-01", change_kind: "period_replaced", previous_export_time: "2026-10-15 00:00:00+00", new_export_time: "2026-11-01 00:00:00+00", lines_removed: "3", lines_delivered: "2", run_id: result.run.runId }
        : { source_system: "acme_cloud", billing_period_start: "2026-10-01", change_kind: "lines_superseded", previous_export_time: "2026-10-15 00:00:00+00", new_export_time: null, lines_removed: "3", lines_delivered: null, run_id: result.run.runId },
    );
    const log = await readRunLog(warehouse, result.run.runId);
    expect(log.filter((l) => l.action_type === result.changes[0].change_kind).map((l) => l.message)).toHaveLength(1);
    const [acme] = await warehouse.db.selectFrom("marts.invoice_reconciliation").select(["vendor_total", "warehouse_total", "status"]).where("source_system", "=", "acme_cloud").execute();
    expect(acme).toEqual({ vendor_total: "32.000000000", warehouse_total: "32.000000000", status: "match" });
    // Google's lines were not touched by Acme's replacement.
    const [google] = await warehouse.db.selectFrom("marts.invoice_reconciliation").select(["warehouse_total"]).where("source_system", "=", "gcp_channel").where("reconciliation", "=", "vendor_invoice").execute();
    expect(google.warehouse_total).toBe("163.810000001");
  });

  it("changes nothing on a second run", async () => {
    const before = await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line ORDER BY source_line_id");
    const result = await run();
    expect(result.run.ok).toBe(true);
    expect(result.changes).toEqual([]);
    expect(result.run.results.find((r) => r.name === "core.fct_billing_line")).toMatchObject({ mode: "insert", rowsWritten: 0 });
    expect(await warehouse.query("SELECT * EXCLUDE (run_id) FROM core.fct_billing_line ORDER BY source_line_id")).toEqual(before);
  });
});
