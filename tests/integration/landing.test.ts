import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { GCP_EXPORT_DIR, gcpVendor } from "../../scripts/land/gcp.ts";
import { landVendor, SourceFormatError } from "../../scripts/land/landing.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const line = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    billing_account_id: "01F1A1-000001-AAAA01",
    payer_billing_account_id: "01A2B3-C4D5E6-F7A8B9",
    invoice: { month: "202610" },
    cost_type: "regular",
    service: { id: "6F81-5844-456A", description: "Compute Engine" },
    sku: { id: "CF4E-A0C7-E3BF", description: "E2 Instance Core" },
    usage_start_time: "2026-10-01 10:00:00 UTC",
    usage_end_time: "2026-10-01 11:00:00 UTC",
    cost: "1.234567891",
    currency: "USD",
    currency_conversion_rate: 1,
    credits: [{ type: "RESELLER_MARGIN", name: "Reseller Margin", amount: "-0.049382716", customer_amount: "0" }],
    export_time: "2026-10-02 03:00:00.123456 UTC",
    customer_name: "accounts/C01rsllr/customers/S8k2Lq",
    customer_cost: "1.382716038",
    ...overrides,
  });

describe("landing Google export extracts", () => {
  let dataDir: string;
  let exportDir: string;
  let warehouse: DuckDbWarehouse;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-land-"));
    exportDir = join(dataDir, GCP_EXPORT_DIR);
    mkdirSync(exportDir, { recursive: true });
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterEach(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const land = (workers?: number) => landVendor(warehouse, gcpVendor, { runId: "test-run", dataDir, projectDir: REPO_ROOT, workers });
  const rawRows = () =>
    warehouse.query<Record<string, string>>(
      `SELECT cost::VARCHAR AS cost, credits[1].amount::VARCHAR AS credit, export_time::VARCHAR AS export_time, _extra::VARCHAR AS extra, _source_file AS file, _source_line::VARCHAR AS line
       FROM raw.reseller_billing_detailed_export_v1 ORDER BY _source_file, _source_line`,
    );

  it("lands gzipped NDJSON with numbers as JSON strings or numbers and both timestamp spellings, exactly", async () => {
    writeFileSync(join(exportDir, "a.json.gz"), gzipSync(`${line()}\n${line({ cost: 0.1, export_time: "2026-10-02T03:00:00Z" })}\n`));
    const [result] = await land();
    expect(result).toMatchObject({ file: `${GCP_EXPORT_DIR}/a.json.gz`, status: "landed", rowsLanded: 2, rowsQuarantined: 0 });
    expect(await rawRows()).toEqual([
      { cost: "1.234567891", credit: "-0.049382716", export_time: "2026-10-02 03:00:00.123456+00", extra: null, file: `${GCP_EXPORT_DIR}/a.json.gz`, line: "1" },
      { cost: "0.100000000", credit: "-0.049382716", export_time: "2026-10-02 03:00:00+00", extra: null, file: `${GCP_EXPORT_DIR}/a.json.gz`, line: "2" },
    ]);
  });

  it("keeps unknown extra fields and accepts the Cloud Billing spelling adjustment_info", async () => {
    writeFileSync(
      join(exportDir, "b.json"),
      `${line({ new_google_field: { x: 1 }, adjustment_info: { id: "ADJ-1", description: "fix", type: "USAGE_CORRECTION", mode: "PARTIAL_CORRECTION" }, cost_type: "adjustment" })}\n`,
    );
    await land();
    const [row] = await rawRows();
    expect(JSON.parse(row.extra)).toEqual({ new_google_field: { x: "1" } });
    const [adj] = await warehouse.query(`SELECT adjustmentsInfo[1].adjustment_id AS id, adjustmentsInfo[1].adjustment_type AS type FROM raw.reseller_billing_detailed_export_v1`);
    expect(adj).toEqual({ id: "ADJ-1", type: "USAGE_CORRECTION" });
  });

  it("quarantines bad rows with file, row, field and reason, and lands the good ones", async () => {
    const { cost: _omit, ...withoutCost } = JSON.parse(line()) as Record<string, unknown>;
    writeFileSync(
      join(exportDir, "c.json"),
      [
        line(),
        JSON.stringify(withoutCost),
        "{not json",
        line({ cost: "12.1234567891" }),
        line({ export_time: "yesterday" }),
        line({ invoice: { month: "2026-10" } }),
        line({ invoice: null }),
      ].join("\n"),
    );
    const [result] = await land();
    expect(result).toMatchObject({ rowsLanded: 1, rowsQuarantined: 6 });
    const quarantine = await warehouse.db.selectFrom("raw.quarantine").select(["file_path", "row_number", "field", "reason"]).orderBy("row_number").execute();
    expect(quarantine).toEqual([
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "2", field: "cost", reason: "required field cost is missing" },
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "3", field: null, reason: expect.stringMatching(/^line is not valid JSON/) },
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "4", field: "cost", reason: 'cost: "12.1234567891" is not a NUMERIC (at most 29 integer and 9 decimal digits)' },
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "5", field: "export_time", reason: expect.stringContaining('"yesterday" is not a timestamp') },
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "6", field: "invoice.month", reason: 'invoice.month: "2026-10" is not a YYYYMM month' },
      { file_path: `${GCP_EXPORT_DIR}/c.json`, row_number: "7", field: "invoice", reason: "required field invoice is missing" },
    ]);
    const manifest = await warehouse.db.selectFrom("raw.load_manifest").select(["rows_landed", "rows_quarantined"]).execute();
    expect(manifest).toEqual([{ rows_landed: "1", rows_quarantined: "6" }]);
  });

  it("reads a file that starts with a UTF-8 byte order mark and has CRLF line ends", async () => {
    writeFileSync(join(exportDir, "bom.json"), `\uFEFF${line()}\r\n${line()}\r\n`);
    const [result] = await land();
    expect(result).toMatchObject({ rowsLanded: 2, rowsQuarantined: 0 });
  });

  it("adds nothing when the same files are landed again", async () => {
    writeFileSync(join(exportDir, "a.json.gz"), gzipSync(`${line()}\n`));
    await land();
    const again = await land();
    expect(again.map((r) => r.status)).toEqual(["already landed"]);
    expect(await rawRows()).toHaveLength(1);
  });

  it("fails a corrupt file with its name and keeps the files landed before it", async () => {
    writeFileSync(join(exportDir, "1_good.json"), `${line()}\n`);
    writeFileSync(join(exportDir, "2_broken.json.gz"), Buffer.from("this is not gzip"));
    await expect(land()).rejects.toThrow(SourceFormatError);
    await expect(land()).rejects.toThrow(`${GCP_EXPORT_DIR}/2_broken.json.gz: cannot be read as gzipped NDJSON`);
    expect(await rawRows()).toHaveLength(1);
  });

  it("lands Parquet extracts, quarantines rows missing a required value and names a missing required column", async () => {
    writeFileSync(join(dataDir, "rows.json"), `${line()}\n${line({ payer_billing_account_id: null })}\n`);
    await warehouse.exec(
      `COPY (SELECT * REPLACE (CAST(cost AS DECIMAL(38, 9)) AS cost) FROM read_json('${join(dataDir, "rows.json")}')) TO '${join(exportDir, "d.parquet")}' (FORMAT parquet)`,
    );
    const [result] = await land();
    expect(result).toMatchObject({ status: "landed", rowsLanded: 1, rowsQuarantined: 1 });
    expect((await rawRows())[0]).toMatchObject({ cost: "1.234567891", line: "1" });
    const [q] = await warehouse.db.selectFrom("raw.quarantine").select(["row_number", "field"]).execute();
    expect(q).toEqual({ row_number: "2", field: "payer_billing_account_id" });

    await warehouse.exec(`COPY (SELECT * EXCLUDE (currency) FROM read_json('${join(dataDir, "rows.json")}')) TO '${join(exportDir, "e.parquet")}' (FORMAT parquet)`);
    await expect(land()).rejects.toThrow(`${GCP_EXPORT_DIR}/e.parquet: required field currency is missing from the file`);
  });

  it("validates on worker threads with the same rows, quarantine and errors", async () => {
    writeFileSync(join(exportDir, "1.json.gz"), gzipSync(`${line()}\n${line({ cost: 0.1 })}\n`));
    writeFileSync(join(exportDir, "2.json"), `${line({ invoice: { month: "202613" } })}\n${line()}\n`);
    writeFileSync(join(exportDir, "3.json"), `${line({ export_time: "2026-10-03T00:00:00Z" })}\n`);
    writeFileSync(join(exportDir, "4_broken.json.gz"), Buffer.from("not gzip"));
    await expect(land(2)).rejects.toThrow(`${GCP_EXPORT_DIR}/4_broken.json.gz: cannot be read as gzipped NDJSON`);
    expect(await rawRows()).toHaveLength(4);
    const quarantine = await warehouse.db.selectFrom("raw.quarantine").select(["file_path", "row_number", "field", "reason"]).execute();
    expect(quarantine).toEqual([{ file_path: `${GCP_EXPORT_DIR}/2.json`, row_number: "1", field: "invoice.month", reason: 'invoice.month: "202613" is not a YYYYMM month' }]);
    const manifest = await warehouse.db.selectFrom("raw.load_manifest").select(["file_path", "rows_landed"]).orderBy("file_path").execute();
    expect(manifest.map((m) => [m.file_path.split("/").at(-1), m.rows_landed])).toEqual([
      ["1.json.gz", "2"],
      ["2.json", "1"],
      ["3.json", "1"],
    ]);
  });
});
