import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GabiaPartnerBillSchema, GabiaUserBillSchema } from "../../scripts/clients/gabia.ts";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { dataWithGabia } from "../helpers/gabia-data.ts";
import { REPO_ROOT } from "../helpers/project.ts";

/**
 * The readings of Gabia's guide where it is silent or ambiguous, each on a line of a December 2026 bill
 * (a 31-day month) whose amounts can be checked by hand: a started hour counts whole, MSSQL on fewer than
 * 4 vCores pays one 4-vCore pack, 30 license days of a 31-day month are 30 x 1/30, NAS used part of the
 * month is hourly on the tiers, NAS snapshots have no printed price, traffic crosses the 5 TB tier, a spec
 * the price table does not print is not rated, and a charge above the supply price shows as a difference.
 */

const MONTH = "2026-12";
const WHOLE = { start: "2026-12-01 00:00:00", end: "2026-12-31 23:59:59" };

const user = {
  partner_id: "biz_hangang",
  user_id: "edge_lab",
  year: "2026",
  month: "12",
  total_charge: 1015125,
  charge_summary: {
    svr_total_charge: 161922,
    vol_total_charge: 0,
    nas_total_charge: 453,
    nas_snap_total_charge: 500,
    ip_total_charge: 0,
    lb_total_charge: 0,
    snap_total_charge: 2000,
    img_total_charge: 0,
    traffic_total_charge: 490250,
    license_total_charge: 360000,
  },
  charge_detail: {
    servers: [
      { svr_id: "vm_e1", type: "basic", storage_type: "hdd", cpu: 1, memory: 1, root_storage: 50, start: "2026-12-03 10:00:00", end: "2026-12-03 12:30:00", charge: 72 },
      { svr_id: "vm_e2", type: "basic", storage_type: "ssd", cpu: 2, memory: 4, root_storage: 50, ...WHOLE, charge: 52150 },
      { svr_id: "vm_e3", type: "basic", storage_type: "hdd", cpu: 3, memory: 4, root_storage: 50, ...WHOLE, charge: 60000 },
      { svr_id: "vm_e4", type: "basic", storage_type: "hdd", cpu: 2, memory: 4, root_storage: 50, start: "2026-12-02 00:00:00", end: "2026-12-31 23:59:59", charge: 49700 },
    ],
    nas: [{ nas_id: "nas_e1", type: "hdd", version: "1", size: 0.25, start: "2026-12-10 00:00:00", end: "2026-12-11 00:00:00", charge: 453 }],
    nas_snapshots: [{ snap_id: "nsnap_e1", nas_id: "nas_e1", date: "2026-12-10 12:00:00", charge: 500 }],
    snapshots: [{ snap_id: "snap_e1", svr_id: "vm_e2", date: "2026-12-05 03:00:00", charge: 2000 }],
    traffic: [
      { type: "svr", cloud_id: "vm_e1", use_traffic_domestic: 1000000000001, use_traffic_foreign: 0, charge: 0 },
      { type: "svr", cloud_id: "vm_e2", use_traffic_domestic: 6000000000000, use_traffic_foreign: 50500000000, charge: 490250 },
    ],
    license: [
      { img_name: "mssql-2019-std-windows-2019", svr_id: "vm_e2", ...WHOLE, charge: 330000 },
      { img_name: "windows-2019-std-64bit", svr_id: "vm_e4", start: "2026-12-02 00:00:00", end: "2026-12-31 23:59:59", charge: 30000 },
    ],
  },
};

const partner = {
  partner_id: "biz_hangang",
  year: "2026",
  month: "12",
  bill_id: "202701-charge0000999C",
  payment_status: "0",
  sum_of_charge: 1015125,
  unpaid_charge: 0,
  total_charge: 1015125,
  charge_summary: user.charge_summary,
  users: ["edge_lab"],
};

describe("Gabia rating rules where the guide leaves a reading to choose", () => {
  let data: ReturnType<typeof dataWithGabia>;
  let warehouse: DuckDbWarehouse;
  let check: Record<string, Record<string, string | null>>;

  beforeAll(async () => {
    data = dataWithGabia({ withFinal: false });
    const folder = join(data.dir, "gabia/bills", MONTH);
    mkdirSync(join(folder, "users"), { recursive: true });
    writeFileSync(join(folder, "partner.json"), JSON.stringify(GabiaPartnerBillSchema.parse(partner), null, 2));
    writeFileSync(join(folder, "users/edge_lab.json"), JSON.stringify(GabiaUserBillSchema.parse(user), null, 2));
    writeFileSync(join(folder, "fetched.json"), JSON.stringify({ month: MONTH, provisional: false, fetched_at: "2027-01-01T00:30:00.000Z", endpoint: `/v1/bills/${MONTH}` }));
    warehouse = await DuckDbWarehouse.open(":memory:");
    const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir: data.dir });
    expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
    const rows = await warehouse.query<Record<string, string | null>>(
      `SELECT resource_kind || '/' || resource_id AS line, rule,
         CAST(gabia_charge AS BIGINT)::VARCHAR AS charge, CAST(supply_amount AS BIGINT)::VARCHAR AS supply,
         CAST(list_amount AS BIGINT)::VARCHAR AS list, CAST(difference AS BIGINT)::VARCHAR AS difference,
         (supply_amount = FLOOR(supply_amount) AND list_amount = FLOOR(list_amount)) AS whole_won
       FROM marts.gabia_rating_check WHERE billing_period = DATE '2026-12-01'`,
    );
    check = Object.fromEntries(rows.map(({ line, ...rest }) => [line as string, rest]));
  });
  afterAll(async () => {
    await warehouse?.close();
    data?.cleanup();
  });

  it("counts a started hour as a whole hour and cuts below 1 won", () => {
    // 10:00 to 12:30 = 2.5 h -> 3 h. Supply 3 x 24.2 = 72.6 -> 72; list 3 x 34.5 = 103.5 -> 103.
    expect(check["servers/vm_e1"]).toEqual({ rule: "hourly", charge: "72", supply: "72", list: "103", difference: "0", whole_won: true });
  });

  it("charges a server not up on the 1st by the hour, capped at the monthly price", () => {
    // Dec 2 00:00 to Dec 31 23:59:59 = 720 h (not from the 1st). 720 x 87.9 = 63,288 > 49,700; 720 x 125.5 = 90,360 > 71,000.
    expect(check["servers/vm_e4"]).toEqual({ rule: "hourly_capped", charge: "49700", supply: "49700", list: "71000", difference: "0", whole_won: true });
  });

  it("rates MSSQL per started 4 vCores, one pack for a 2-vCore server, monthly when used every day", () => {
    expect(check["license/vm_e2"]).toEqual({ rule: "license_monthly", charge: "330000", supply: "330000", list: "330000", difference: "0", whole_won: true });
  });

  it("charges a license used 30 days of a 31-day month 30 x monthly / 30", () => {
    // Dec 2 to Dec 31 = 30 calendar days: 30 x 30,000 / 30 = 30,000.
    expect(check["license/vm_e4"]).toEqual({ rule: "license_daily", charge: "30000", supply: "30000", list: "30000", difference: "0", whole_won: true });
  });

  it("rates NAS used part of the month by the hour on the cumulative tiers", () => {
    // 0.25 TB = 250 GB = 3 started units of 100 GB, 24 h. Supply 3 x 6.3 x 24 = 453.6 -> 453; list 3 x 9 x 24 = 648.
    expect(check["nas/nas_e1"]).toEqual({ rule: "nas_tiered_hourly", charge: "453", supply: "453", list: "648", difference: "0", whole_won: true });
  });

  it("shows a NAS snapshot charge in full as the difference: the guide prints no NAS snapshot price", () => {
    expect(check["nas_snapshots/nsnap_e1"]).toEqual({ rule: "nas_snapshot_no_price", charge: "500", supply: "0", list: "0", difference: "500", whole_won: true });
  });

  it("shows a charge above the supply price as a difference, never adjusting it", () => {
    // One snapshot: 1,400 supply, 2,000 list; Gabia charged 2,000.
    expect(check["snapshots/snap_e1"]).toEqual({ rule: "per_count", charge: "2000", supply: "1400", list: "2000", difference: "600", whole_won: true });
  });

  it("prices traffic above the allowance on the tier of the month's usage each GB falls in", () => {
    // Domestic 6,000 GB: (5,000 - 1,000) x 100 + (6,000 - 5,000) x 90 = 490,000; overseas 50.5 GB: 0.5 x 500 = 250.
    expect(check["traffic/vm_e2"]).toEqual({ rule: "traffic_tiered", charge: "490250", supply: "490250", list: "490250", difference: "0", whole_won: true });
    // 1 byte over the 1 TB allowance: 10^-9 GB x 100 = 0.0000001 -> 0.
    expect(check["traffic/vm_e1"]).toEqual({ rule: "traffic_tiered", charge: "0", supply: "0", list: "0", difference: "0", whole_won: true });
  });

  it("does not rate a spec the price table does not print, and bills the customer Gabia's charge for it", async () => {
    expect(check["servers/vm_e3"]).toEqual({ rule: "no_price", charge: "60000", supply: null, list: null, difference: null, whole_won: null });
    const [line] = await warehouse.query<{ cost: string; price: string; customer_id: string }>(
      `SELECT billed_cost::VARCHAR AS cost, customer_billed_cost::VARCHAR AS price, customer_id FROM core.fct_billing_line WHERE source_line_id = 'gabia:2026-12:edge_lab:servers:3'`,
    );
    expect(line).toEqual({ cost: "60000.000000000", price: "60000.000000000", customer_id: "unassigned" });
  });

  it("bills an unclaimed user's lines to 'unassigned' and reconciles the bill", async () => {
    // Customer prices: 103 + 74,500 + 60,000 (no_price: Gabia's charge) + 71,000 + 330,000 + 30,000 + 648 + 500
    // (NAS snapshot: Gabia's charge) + 2,000 + 490,250 + 0 = 1,059,001; cost = the bill's 1,015,125.
    const [totals] = await warehouse.query<{ cost: string; price: string }>(
      `SELECT SUM(cost)::VARCHAR AS cost, SUM(customer_price)::VARCHAR AS price FROM marts.margin_monthly
       WHERE provider_name = 'Gabia' AND billing_period = DATE '2026-12-01' AND customer_id = 'unassigned'`,
    );
    expect(totals).toEqual({ cost: "1015125.000000000", price: "1059001.000000000" });
    const recon = await warehouse.query<{ reconciliation: string; status: string; vendor_total: string }>(
      `SELECT reconciliation, status, vendor_total::VARCHAR AS vendor_total FROM marts.invoice_reconciliation
       WHERE source_system = 'gabia' AND billing_period = DATE '2026-12-01' ORDER BY reconciliation DESC`,
    );
    expect(recon).toEqual([
      { reconciliation: "vendor_invoice", status: "match", vendor_total: "1015125.000000000" },
      { reconciliation: "gabia_user_bill", status: "match", vendor_total: "1015125.000000000" },
    ]);
  });
});
