import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvReader, jsonDocumentReader, SourceFormatError, type Reader, type SourceRecord } from "../../scripts/land/readers.ts";

async function readAll(reader: Reader, file: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const batch of reader.read(file, "the/file")) out.push(...batch);
  return out;
}

describe("format readers", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "rbw-readers-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads RFC 4180 CSV as text, numbering records by the line they start on, and keeps bad records for the quarantine", async () => {
    const file = join(dir, "feed.csv");
    writeFileSync(file, '\uFEFFid,name,amount\n1,"Seoul, 중구",1.50\n2,"He said ""hi""",2\n3,"line\nbreak",3\n4,bad"quote,4\n5,too,many,fields\n6,Müller,0012\n');
    const records = await readAll(csvReader(), file);
    expect(records.map((r) => [r.line, r.record ?? r.problem?.reason.split(":")[0]])).toEqual([
      [2, { id: "1", name: "Seoul, 중구", amount: "1.50" }],
      [3, { id: "2", name: 'He said "hi"', amount: "2" }],
      [4, { id: "3", name: "line\nbreak", amount: "3" }],
      [6, "not a valid CSV record"],
      [7, "not a valid CSV record"],
      [8, { id: "6", name: "Müller", amount: "0012" }],
    ]);
    expect(records.find((r) => r.line === 7)?.raw).toBe("5,too,many,fields");
  });

  it("picks records out of a saved API response, keeping every number's exact digits", async () => {
    const file = join(dir, "bill.json");
    writeFileSync(file, '{"charge_detail": {"servers": [{"svr_id": "s1", "charge": 12345678901234567.123456789}, {"svr_id": "s2", "charge": 0.1}]}}');
    const reader = jsonDocumentReader((doc) =>
      ((doc as { charge_detail: { servers: Record<string, unknown>[] } }).charge_detail.servers).map((record, i) => ({ at: `charge_detail.servers[${i}]`, record })),
    );
    const records = await readAll(reader, file);
    expect(records.map((r) => [r.line, r.record])).toEqual([
      [1, { svr_id: "s1", charge: "12345678901234567.123456789" }],
      [2, { svr_id: "s2", charge: "0.1" }],
    ]);
    expect(JSON.parse(records[0].raw)).toMatchObject({ at: "charge_detail.servers[0]" });
  });

  it("names the file when a JSON document cannot be read at all", async () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, '{"charge_detail": ');
    const reader = jsonDocumentReader(() => []);
    await expect(readAll(reader, file)).rejects.toThrow(SourceFormatError);
    await expect(readAll(reader, file)).rejects.toThrow(/^the\/file: cannot be read as JSON/);
  });
});
