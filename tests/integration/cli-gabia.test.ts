import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { FakeGabiaApi, goldenGabiaMonth, provisionalGabiaMonth } from "../helpers/fake-gabia-api.ts";
import { REPO_ROOT } from "../helpers/project.ts";
import { rbwAsync as rbw } from "../helpers/rbw-cli.ts";

const PARTNER_ID = "biz_hangang";
const SECRET = "c2VjcmV0LW9mLXRoZS1oYW5nYW5nLXBhcnRuZXItY2xp";

/** Every file under dir, as text. */
function texts(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? texts(path) : [readFileSync(path, "utf8")];
  });
}

describe("rbw land gabia --from-api", () => {
  const golden = goldenGabiaMonth();
  const api = new FakeGabiaApi(PARTNER_ID, SECRET, { "2026-10": golden }, provisionalGabiaMonth(golden, "2026", "11"));
  let data: string;
  let warehouseFile: string;
  const env = () => ({ GABIA_PARTNER_ID: PARTNER_ID, GABIA_SECRET: SECRET, GABIA_API_URL: api.endpoint });

  beforeAll(async () => {
    await api.start();
    data = mkdtempSync(join(tmpdir(), "rbw-gabia-cli-"));
    cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden/config"), join(data, "config"), { recursive: true });
    warehouseFile = join(data, "warehouse.duckdb");
  });
  afterAll(async () => {
    await api.stop();
    rmSync(data, { recursive: true, force: true });
  });

  it("fetches a closed month's partner and user bills, saves them and lands them, never showing the secret", async () => {
    const result = await rbw(["--warehouse", warehouseFile, "land", "gabia", "--from-api", "--month", "2026-10", "--data", data], env());
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Saved Gabia's final bill of 2026-10: the partner bill and 3 user bills.");
    expect(result.stdout).toMatch(/Landed [1-9]\d* rows, quarantined 0, from 3 files\./);
    expect(result.stdout).not.toContain(SECRET);
    for (const text of texts(join(data, "gabia"))) expect(text).not.toContain(SECRET);
    const warehouse = await DuckDbWarehouse.open(warehouseFile);
    try {
      const tables = await warehouse.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' AND table_name LIKE 'gabia%'`);
      expect(tables.length).toBeGreaterThan(0);
      for (const { table_name } of tables) {
        const [{ n }] = await warehouse.query<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM raw.${table_name} AS t WHERE CAST(to_json(t) AS VARCHAR) LIKE $1`, [`%${SECRET}%`]);
        expect(n, table_name).toBe(0);
      }
    } finally {
      await warehouse.close();
    }
  });

  it("lands the month to date as provisional with --now", async () => {
    const result = await rbw(["--warehouse", warehouseFile, "land", "gabia", "--from-api", "--now", "--data", data], env());
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Saved Gabia's provisional (month to date) bill of 2026-11");
  });

  it("refuses a month that is not closed, saving nothing, and says a bad secret failed authentication", async () => {
    const open = await rbw(["--warehouse", warehouseFile, "land", "gabia", "--from-api", "--month", "2026-12", "--data", data], env());
    expect(open.status).toBe(1);
    expect(open.stderr).toContain("2026-12");
    const bad = await rbw(["--warehouse", warehouseFile, "land", "gabia", "--from-api", "--month", "2026-10", "--data", data], { ...env(), GABIA_SECRET: "wrong-secret-0042" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/authentication failed/i);
    expect(bad.stderr + bad.stdout).not.toContain("wrong-secret-0042");
  });
});
