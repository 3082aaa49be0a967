import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
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

  describe("through DuckDB's own readers", () => {
    // 38 significant digits: 29 before the point and 9 after, what BigQuery NUMERIC holds.
    const WIDE = "12345678901234567890123456789.123456789";
    const WIDE_NEGATIVE = "-98765432109876543210987654321.987654321";

    it("reads clean files with DuckDB, money to the last of 38 digits when written as JSON strings", async () => {
      writeFileSync(join(exportDir, "a.json.gz"), gzipSync(`${line({ cost: WIDE })}\n${line({ credits: [{ type: "PROMOTION", amount: WIDE_NEGATIVE }] })}\n`));
      writeFileSync(join(exportDir, "b.json"), `${line({ cost: 0.1, currency_conversion_rate: 1385.2 })}\n`);
      const results = await land();
      expect(results.map((r) => [r.file.split("/").at(-1), r.readBy, r.rowsLanded])).toEqual([
        ["a.json.gz", "duckdb", 2],
        ["b.json", "duckdb", 1],
      ]);
      expect((await rawRows()).map((r) => [r.cost, r.credit, r.line])).toEqual([
        [`${WIDE}`, "-0.049382716", "1"],
        ["1.234567891", WIDE_NEGATIVE, "2"],
        ["0.100000000", "-0.049382716", "1"],
      ]);
    });

    it("leaves a file with a bare number too long for a double to the validator, which keeps every digit", async () => {
      writeFileSync(join(exportDir, "a.json"), `${line().replace('"cost":"1.234567891"', `"cost":${WIDE}`)}\n`);
      writeFileSync(join(exportDir, "b.json"), `${line().replace('"cost":"1.234567891"', `"cost":${WIDE_NEGATIVE}`)}\n`);
      const results = await land();
      expect(results.map((r) => r.readBy)).toEqual(["validator", "validator"]);
      expect((await rawRows()).map((r) => r.cost)).toEqual([WIDE, WIDE_NEGATIVE]);
    });

    it("leaves to the validator what DuckDB would read differently: a number in a text field, an object for text, more than 9 decimals, a list given as one object", async () => {
      const files: Record<string, string> = {
        "1_number_as_text.json": line({ customer_name: 100000000000.5 }),
        "2_object_as_text.json": line({ cost_type: { nested: "x" } }),
        "3_long_decimals.json": line({ customer_cost: "1.1234567891" }),
        "4_bare_long_decimals.json": line().replace('"cost":"1.234567891"', '"cost":1.1234567891'),
        "5_single_credit.json": line({ credits: { type: "PROMOTION", amount: "-1" } }),
        "6_spaced_decimal.json": line({ cost: ".5" }),
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(join(exportDir, name), `${text}\n`);
      const results = await land();
      expect(results.map((r) => [r.file.split("/").at(-1), r.readBy, r.rowsLanded, r.rowsQuarantined])).toEqual([
        ["1_number_as_text.json", "validator", 1, 0],
        ["2_object_as_text.json", "validator", 0, 1],
        ["3_long_decimals.json", "validator", 0, 1],
        ["4_bare_long_decimals.json", "validator", 0, 1],
        ["5_single_credit.json", "validator", 1, 0],
        ["6_spaced_decimal.json", "validator", 0, 1],
      ]);
      const [asText] = await warehouse.query<{ name: string }>(`SELECT customer_name AS name FROM raw.reseller_billing_detailed_export_v1 WHERE _source_file LIKE '%1_number_as_text.json'`);
      expect(asText.name).toBe("100000000000.5");
    });

    it("lands the generated sample export the same whichever reader reads it", async () => {
      const { generateGcpExport } = await import("../../scripts/generate/gcp.ts");
      generateGcpExport(dataDir, { firstMonth: "2026-08", months: 1, linesPerDay: 2, seed: 7 }, []);
      const viaDuckDb = await land();
      expect(viaDuckDb.every((r) => r.readBy === "duckdb")).toBe(true);
      const other = await DuckDbWarehouse.open(":memory:");
      const withoutEngine = { ...gcpVendor, rawTables: gcpVendor.rawTables.map((t) => ({ ...t, engine: undefined })) };
      try {
        const viaValidator = await landVendor(other, withoutEngine, { runId: "test-run", dataDir, projectDir: REPO_ROOT });
        expect(viaValidator.every((r) => r.readBy === "validator")).toBe(true);
        const columns = "* EXCLUDE (_loaded_at)";
        const dump = async (w: DuckDbWarehouse) =>
          (await w.query<{ row: string }>(`SELECT to_json(r)::VARCHAR AS row FROM (SELECT ${columns} FROM raw.reseller_billing_detailed_export_v1) AS r ORDER BY _source_file, _source_line`)).map((r) => r.row);
        const [a, b] = [await dump(warehouse), await dump(other)];
        expect(a.length).toBeGreaterThan(100);
        expect(a).toEqual(b);
      } finally {
        await other.close();
      }
    });

    it("lands Parquet with the raw table's column types through read_parquet", async () => {
      // The raw table's own rows, written as Parquet, have exactly its column types.
      writeFileSync(join(exportDir, "rows.json"), `${line({ cost: WIDE })}\n${line()}\n`);
      await land();
      rmSync(join(exportDir, "rows.json"));
      await warehouse.exec(
        `COPY (SELECT * EXCLUDE (_extra, _source_file, _source_line, _run_id, _loaded_at) FROM raw.reseller_billing_detailed_export_v1) TO '${join(exportDir, "typed.parquet")}' (FORMAT parquet)`,
      );
      const results = await land();
      const parquet = results.find((r) => r.file.endsWith("typed.parquet"));
      expect(parquet).toMatchObject({ status: "landed", readBy: "duckdb", rowsLanded: 2 });
      const costs = await warehouse.query<{ cost: string; line: string }>(
        `SELECT cost::VARCHAR AS cost, _source_line::VARCHAR AS line FROM raw.reseller_billing_detailed_export_v1 WHERE _source_file LIKE '%typed.parquet' ORDER BY _source_line`,
      );
      expect(costs).toEqual([
        { cost: WIDE, line: "1" },
        { cost: "1.234567891", line: "2" },
      ]);
    });

    it("recognises a file it landed by path, size and modification time without reading it again", async () => {
      const file = join(exportDir, "a.json");
      const delivered = new Date("2026-10-02T03:00:00Z");
      writeFileSync(file, `${line()}\n${line({ cost: "{bad" })}\n`);
      utimesSync(file, delivered, delivered);
      await land();
      // Same size and time, different bytes: taken for the file already landed, not hashed again.
      writeFileSync(file, `${line()}\n${line({ cost: "{bag" })}\n`);
      utimesSync(file, delivered, delivered);
      expect((await land()).map((r) => r.status)).toEqual(["already landed"]);
      // A new time: hashed, and landed as the new content it is.
      const touched = new Date(delivered.getTime() + 60_000);
      utimesSync(file, touched, touched);
      expect((await land()).map((r) => [r.status, r.rowsLanded, r.rowsQuarantined])).toEqual([["landed", 1, 1]]);
    });
  });
});
