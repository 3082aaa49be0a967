import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { gabiaVendor } from "../../scripts/land/gabia.ts";
import { landVendor } from "../../scripts/land/landing.ts";
import { REPO_ROOT } from "../helpers/project.ts";

/** Landing saved Gabia bills into raw.gabia_partner_bills, raw.gabia_user_bills and raw.gabia_bill_lines. */

const GOLDEN = join(REPO_ROOT, "tests/fixtures/gabia-golden");
const PROVISIONAL = join(GOLDEN, "provisional/gabia/bills/2026-10/provisional-20261020T000000Z");

describe("landing saved Gabia bills", () => {
  let dataDir: string;
  let warehouse: DuckDbWarehouse;
  const land = (runId: string) => landVendor(warehouse, gabiaVendor, { runId, dataDir, projectDir: REPO_ROOT });

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rbw-gabia-landing-"));
    warehouse = await DuckDbWarehouse.open(":memory:");
  });
  afterEach(async () => {
    await warehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lands every charge_detail line with its bill month, delivery and exact numbers, the license by its server", async () => {
    cpSync(join(GOLDEN, "gabia"), join(dataDir, "gabia"), { recursive: true });
    const results = await land("run-1");
    expect(results.map((r) => [r.file, r.rowsLanded, r.rowsQuarantined])).toEqual([
      ["gabia/bills/2026-10/fetched.json", 1, 0],
      ["gabia/bills/2026-10/fetched.json", 3, 0],
      ["gabia/bills/2026-10/fetched.json", 23, 0],
    ]);
    const kinds = await warehouse.query<{ resource_kind: string; n: string }>(
      "SELECT resource_kind, COUNT(*)::VARCHAR AS n FROM raw.gabia_bill_lines GROUP BY 1 ORDER BY 1",
    );
    expect(kinds).toEqual([
      { resource_kind: "images", n: "1" },
      { resource_kind: "images_storage", n: "2" },
      { resource_kind: "ips", n: "2" },
      { resource_kind: "license", n: "1" },
      { resource_kind: "loadbalancers", n: "1" },
      { resource_kind: "nas", n: "2" },
      { resource_kind: "servers", n: "5" },
      { resource_kind: "snapshots", n: "1" },
      { resource_kind: "traffic", n: "6" },
      { resource_kind: "volumes", n: "2" },
    ]);
    const [license] = await warehouse.query(
      `SELECT delivery, bill_month, provisional, fetched_at::VARCHAR AS fetched_at, user_id, resource_id, img_name, start_time, end_time, charge::VARCHAR AS charge
       FROM raw.gabia_bill_lines WHERE resource_kind = 'license'`,
    );
    expect(license).toEqual({
      delivery: "gabia/bills/2026-10",
      bill_month: "2026-10",
      provisional: false,
      fetched_at: "2026-11-01 00:30:00+00",
      user_id: "daon_lab",
      resource_id: "vm_2001",
      img_name: "windows-2019-std-64bit",
      start_time: "2026-10-12 00:00:00",
      end_time: "2026-10-21 04:00:00",
      charge: "10000",
    });
    const nas = await warehouse.query<{ resource_id: string; size: string }>("SELECT resource_id, size::VARCHAR AS size FROM raw.gabia_bill_lines WHERE resource_kind = 'nas' ORDER BY 1");
    expect(nas).toEqual([
      { resource_id: "nas_2001", size: "10.000000000" },
      { resource_id: "nas_2002", size: "1.500000000" },
    ]);
    const [traffic] = await warehouse.query("SELECT resource_id, use_traffic_domestic::VARCHAR AS d, use_traffic_foreign::VARCHAR AS f FROM raw.gabia_bill_lines WHERE resource_kind = 'traffic' AND resource_id = 'vm_1002'");
    expect(traffic).toEqual({ resource_id: "vm_1002", d: "1500000000000", f: "80000000000" });
    const [partner] = await warehouse.query("SELECT partner_id, bill_id, total_charge::VARCHAR AS total, user_count::VARCHAR AS users FROM raw.gabia_partner_bills");
    expect(partner).toEqual({ partner_id: "biz_hangang", bill_id: "202611-charge0000123C", total: "636000", users: "3" });

    // Landing again adds nothing.
    expect((await land("run-2")).every((r) => r.status === "already landed")).toBe(true);
  });

  it("lands every fetch, also when its files are byte for byte those of an earlier fetch", async () => {
    const month = join(dataDir, "gabia/bills/2026-10");
    cpSync(PROVISIONAL, join(month, "provisional-20261020T000000Z"), { recursive: true });
    cpSync(PROVISIONAL, join(month, "provisional-20261021T000000Z"), { recursive: true });
    writeFileSync(
      join(month, "provisional-20261021T000000Z/fetched.json"),
      JSON.stringify({ month: "2026-10", provisional: true, fetched_at: "2026-10-21T00:00:00.000Z", endpoint: "/v1/bills/now" }),
    );
    await land("run-1");
    const users = await warehouse.query("SELECT delivery, provisional, fetched_at::VARCHAR AS fetched_at, user_id FROM raw.gabia_user_bills ORDER BY fetched_at");
    expect(users).toEqual([
      { delivery: "gabia/bills/2026-10/provisional-20261020T000000Z", provisional: true, fetched_at: "2026-10-20 00:00:00+00", user_id: "hanbit_web" },
      { delivery: "gabia/bills/2026-10/provisional-20261021T000000Z", provisional: true, fetched_at: "2026-10-21 00:00:00+00", user_id: "hanbit_web" },
    ]);
  });

  it("lands the month-to-date bill's nassnapshots as nas_snapshots", async () => {
    const folder = join(dataDir, "gabia/bills/2026-10/provisional-20261020T000000Z");
    cpSync(PROVISIONAL, folder, { recursive: true });
    const file = join(folder, "users/hanbit_web.json");
    const bill = JSON.parse(readFileSync(file, "utf8"));
    bill.charge_detail.nassnapshots = [{ snap_id: "nsnap_1", nas_id: "nas_1", date: "2026-10-05 01:00:00", charge: 0 }];
    writeFileSync(file, JSON.stringify(bill));
    await land("run-1");
    const rows = await warehouse.query("SELECT resource_kind, resource_id, nas_id, event_time FROM raw.gabia_bill_lines WHERE resource_kind = 'nas_snapshots'");
    expect(rows).toEqual([{ resource_kind: "nas_snapshots", resource_id: "nsnap_1", nas_id: "nas_1", event_time: "2026-10-05 01:00:00" }]);
  });

  it("lands nothing of a fetch whose user bill is not JSON, naming the file", async () => {
    const folder = join(dataDir, "gabia/bills/2026-10");
    mkdirSync(join(folder, "users"), { recursive: true });
    cpSync(join(GOLDEN, "gabia/bills/2026-10/partner.json"), join(folder, "partner.json"));
    cpSync(join(GOLDEN, "gabia/bills/2026-10/fetched.json"), join(folder, "fetched.json"));
    writeFileSync(join(folder, "users/hanbit_web.json"), "{ not json");
    await expect(land("run-1")).rejects.toThrow("gabia/bills/2026-10/users/hanbit_web.json: cannot be read as JSON");
    const [count] = await warehouse.query<{ n: string }>("SELECT COUNT(*)::VARCHAR AS n FROM raw.gabia_partner_bills");
    expect(count.n).toBe("0");
  });
});
