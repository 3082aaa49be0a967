import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { GabiaPartnerBillSchema, GabiaUserBillSchema } from "../clients/gabia.ts";
import type { SampleCustomer, SampleData } from "../land/vendor-module.ts";
import { DEFAULT_GENERATE_OPTIONS, monthList, mulberry32, type GenerateOptions } from "./options.ts";

/**
 * Gabia g-Cloud sample bills: for every month, the partner bill and one user bill per end user, saved as
 * the Bills API client saves them (`gabia/bills/YYYY-MM/{partner.json,users/<user_id>.json,fetched.json}`)
 * and valid against its zod schemas. Gabia's charges are the supply-price rating of each line (so the
 * rating check shows no difference), in KRW. End users belong to the sample customers; one trial user
 * belongs to none (it lands as 'unassigned').
 */

const PRICE_TABLE = resolve(import.meta.dirname, "../../includes/reference/gabia_price_table.csv");
const PARTNER_ID = "hangang_cp";

interface PriceRow {
  item: string;
  server_type: string;
  storage_type: string;
  spec: string;
  unit: string;
  tier_from: string;
  tier_to: string;
  supply_price_krw: string;
}

/** A price in tenths of a won (every printed price has at most one decimal). */
const tenths = (price: string): number => Math.round(Number(price) * 10);

interface Rates {
  price(item: string, unit: string, key?: { server_type?: string; storage_type?: string; spec?: string }): number;
  tiers(item: string, unit: string): { from: number; to: number | null; price: number }[];
}

function loadRates(): Rates {
  const rows: PriceRow[] = parse(readFileSync(PRICE_TABLE, "utf8"), { columns: true, skip_empty_lines: true });
  return {
    price(item, unit, key = {}) {
      const row = rows.find(
        (r) =>
          r.item === item &&
          r.unit === unit &&
          r.server_type === (key.server_type ?? "") &&
          r.storage_type === (key.storage_type ?? "") &&
          r.spec === (key.spec ?? ""),
      );
      if (!row) throw new Error(`includes/reference/gabia_price_table.csv has no ${unit} price for ${item} ${JSON.stringify(key)}`);
      return tenths(row.supply_price_krw);
    },
    tiers(item, unit) {
      return rows
        .filter((r) => r.item === item && r.unit === unit)
        .map((r) => ({ from: Number(r.tier_from), to: r.tier_to === "" ? null : Number(r.tier_to), price: tenths(r.supply_price_krw) }));
    },
  };
}

/** Whole won from tenths of a won, cut below 1 won. */
const won = (tenthsOfWon: number): number => Math.floor(tenthsOfWon / 10);

const pad = (n: number) => String(n).padStart(2, "0");

interface Period {
  year: number;
  month: number;
  days: number;
  first: string;
  last: string;
}

function period(year: number, month: number): Period {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { year, month, days, first: `${year}-${pad(month)}-01 00:00:00`, last: `${year}-${pad(month)}-${pad(days)} 23:59:59` };
}

/** A time in the month: day (1-based) and hour. */
const at = (p: Period, day: number, hour: number) => `${p.year}-${pad(p.month)}-${pad(day)} ${pad(hour)}:00:00`;

interface Usage {
  whole: boolean;
  start: string;
  end: string;
  hours: number;
  days: number;
}

/** The whole month, or from `fromDay` 00:00 for `hours` hours (within the month). */
function usage(p: Period, whole: boolean, fromDay: number, hours: number): Usage {
  if (whole) return { whole, start: p.first, end: p.last, hours: p.days * 24, days: p.days };
  const endDay = fromDay + Math.floor(hours / 24);
  const endHour = hours % 24;
  const days = endDay - fromDay + (endHour > 0 ? 1 : 0);
  return { whole, start: at(p, fromDay, 0), end: at(p, endDay, endHour), hours, days };
}

/** Hourly-priced resources: the monthly price for the whole month, else hours x hourly, capped at the monthly. */
const hourlyCapped = (u: Usage, units: number, monthly: number, hourly: number) => won(u.whole ? units * monthly : Math.min(units * u.hours * hourly, units * monthly));

const SERVER_SPECS = [
  { type: "basic", storage_type: "hdd", cpu: 2, memory: 4, root: 50 },
  { type: "basic", storage_type: "ssd", cpu: 2, memory: 4, root: 50 },
  { type: "basic", storage_type: "hdd", cpu: 4, memory: 8, root: 50 },
  { type: "premium", storage_type: "ssd", cpu: 4, memory: 32, root: 50 },
  { type: "ssd", storage_type: "ssd", cpu: 2, memory: 4, root: 120 },
];

/**
 * The sample end users: two per customer for the first customers, and a trial user nobody claims. Scaled:
 * every customer, user ids numbered so they never collide (Gabia user ids are 3-16 word characters).
 */
function endUsers(customers: SampleCustomer[], scaled = false): { userId: string; customer?: SampleCustomer }[] {
  const users: { userId: string; customer?: SampleCustomer }[] = [];
  if (scaled) {
    customers.forEach((customer, i) => {
      const stem = `${customer.id.replace(/[^a-z0-9]/g, "").slice(0, 6) || "cust"}${String(i + 1).padStart(4, "0")}`;
      users.push({ userId: `${stem}_web`, customer });
      if (i % 3 !== 1) users.push({ userId: `${stem}_dev`, customer });
    });
    users.push({ userId: "trial_user01" });
    return users;
  }
  customers.slice(0, 3).forEach((customer, i) => {
    const stem = customer.id.split("-")[0].replace(/[^a-z0-9]/g, "").slice(0, 10) || `cust${i}`;
    users.push({ userId: `${stem}_web`, customer });
    if (i !== 1) users.push({ userId: `${stem}_dev`, customer });
  });
  users.push({ userId: "trial_user01" });
  return users;
}

export function generateGabiaBills(dataDir: string, options: GenerateOptions = DEFAULT_GENERATE_OPTIONS, customers: SampleCustomer[] = []): SampleData {
  const rates = loadRates();
  const random = mulberry32(options.seed + 7);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const users = endUsers(customers, options.scaled);
  // Resource ids: the user's number and the month, separated when scaled (user 1 in November is not user 11 in January).
  const rid = (userIndex: number, month: number) => (options.scaled ? `${userIndex + 1}m${month}` : `${userIndex + 1}${month}`);
  const files: string[] = [];
  let rows = 0;

  for (const { year, month } of monthList(options.firstMonth, options.months)) {
    const p = period(year, month);
    const billMonth = `${year}-${pad(month)}`;
    const folder = join(dataDir, "gabia", "bills", billMonth);
    mkdirSync(join(folder, "users"), { recursive: true });
    const summaryKeys = ["svr", "vol", "nas", "nas_snap", "ip", "lb", "snap", "img", "traffic", "license"] as const;
    const partnerSummary = Object.fromEntries(summaryKeys.map((k) => [`${k}_total_charge`, 0])) as Record<string, number>;
    let partnerTotal = 0;

    users.forEach(({ userId }, userIndex) => {
      const detail: Record<string, Record<string, unknown>[]> = {
        servers: [],
        volumes: [],
        nas: [],
        nas_snapshots: [],
        ips: [],
        loadbalancers: [],
        snapshots: [],
        images: [],
        images_storage: [],
        traffic: [],
        license: [],
      };
      const summary = Object.fromEntries(summaryKeys.map((k) => [`${k}_total_charge`, 0])) as Record<string, number>;
      const add = (kind: string, summaryKey: (typeof summaryKeys)[number], line: Record<string, unknown>) => {
        detail[kind].push(line);
        summary[`${summaryKey}_total_charge`] += line.charge as number;
        rows++;
      };
      const serverCount = userId === "trial_user01" ? 1 : 1 + Math.floor(random() * 3);
      for (let s = 1; s <= serverCount; s++) {
        const spec = pick(SERVER_SPECS);
        const specText = `${spec.cpu}vCore/${spec.memory}GB/${spec.root}GB`;
        const key = { server_type: spec.type, storage_type: spec.storage_type, spec: specText };
        const whole = userId !== "trial_user01" && chance(0.7);
        const u = usage(p, whole, 1 + Math.floor(random() * 10), 24 + Math.floor(random() * 400));
        const svrId = `vm_${rid(userIndex, month)}${options.scaled ? "s" : ""}${s}${String(year).slice(2)}`;
        const windows = chance(0.25);
        add("servers", "svr", {
          svr_id: svrId,
          name: `${userId}-server-${s}`,
          type: spec.type,
          storage_type: spec.storage_type,
          os: windows ? "Windows" : "Linux",
          cpu: spec.cpu,
          memory: spec.memory,
          root_storage: spec.root,
          start: u.start,
          end: u.end,
          charge: hourlyCapped(u, 1, rates.price("server", "month", key), rates.price("server", "hour", key)),
        });
        if (windows) {
          const monthly = rates.price("windows", "month");
          add("license", "license", {
            img_id: "img_win2019",
            img_name: "windows-2019-std-64bit",
            svr_id: svrId,
            svr_name: `${userId}-server-${s}`,
            start: u.start,
            end: u.end,
            charge: u.days >= p.days ? won(monthly) : Math.floor((u.days * monthly) / 10 / 30),
          });
        }
        // Traffic, bytes: mostly within the 1 TB domestic / 50 GB overseas allowance, sometimes above it.
        const domesticGb = chance(0.3) ? 1000 + Math.floor(random() * 3000) : Math.floor(random() * 900);
        const overseasGb = chance(0.2) ? 50 + Math.floor(random() * 200) : Math.floor(random() * 45);
        const traffic = (gb: number, item: string, free: number) =>
          won(rates.tiers(item, "GB").reduce((sum, t) => sum + Math.max(0, Math.min(gb, t.to ?? gb) - Math.max(t.from, free)) * t.price, 0));
        add("traffic", "traffic", {
          type: "svr",
          cloud_id: svrId,
          start: u.start,
          end: u.end,
          use_traffic: (domesticGb + overseasGb) * 1e9,
          use_traffic_domestic: domesticGb * 1e9,
          use_traffic_foreign: overseasGb * 1e9,
          charge: traffic(domesticGb, "domestic", 1000) + traffic(overseasGb, "overseas", 50),
        });
        if (chance(0.4)) {
          add("snapshots", "snap", { snap_id: `snap_${svrId}`, name: `${userId}-backup-${s}`, svr_id: svrId, date: at(p, 10 + s, 3), charge: won(rates.price("server_snapshot", "count")) });
        }
      }
      if (userId !== "trial_user01") {
        const storage = pick(["hdd", "ssd"]);
        const size = storage === "hdd" ? 50 * (1 + Math.floor(random() * 4)) : 10 * (1 + Math.floor(random() * 10));
        const units = storage === "hdd" ? size / 50 : size / 10;
        const u = usage(p, chance(0.8), 5, 24 * (1 + Math.floor(random() * 12)));
        add("volumes", "vol", {
          vol_id: `vol_${rid(userIndex, month)}`,
          name: `${userId}-data`,
          storage_type: storage,
          type: storage,
          size,
          start: u.start,
          end: u.end,
          charge: hourlyCapped(u, units, rates.price("block_storage", "month", { storage_type: storage }), rates.price("block_storage", "hour", { storage_type: storage })),
        });
        add("ips", "ip", {
          ip_id: `pubIp_${rid(userIndex, month)}`,
          ip_addr: `211.${47 + Math.floor(userIndex / 180)}.${70 + (userIndex % 180)}.${10 + month}`,
          start: p.first,
          end: p.last,
          charge: hourlyCapped(usage(p, true, 1, 0), 1, rates.price("public_ip", "month"), rates.price("public_ip", "hour")),
        });
      }
      if (userIndex % 2 === 0 && userId !== "trial_user01") {
        const lbId = `lbg_${rid(userIndex, month)}`;
        add("loadbalancers", "lb", { lb_id: lbId, name: `${userId}-lb`, start: p.first, end: p.last, charge: won(rates.price("load_balancer", "month")) });
        add("traffic", "traffic", {
          type: "lb",
          cloud_id: lbId,
          start: p.first,
          end: p.last,
          use_traffic: 420e9,
          use_traffic_domestic: 400e9,
          use_traffic_foreign: 20e9,
          charge: 0,
        });
      }
      if (userIndex % 3 === 0 && userId !== "trial_user01") {
        // NAS all month in 100 GB units on cumulative tiers.
        const sizeTb = pick([1.5, 3, 6.2]);
        const units = Math.ceil(Math.round(sizeTb * 1000) / 100);
        const monthly = rates.tiers("nas_tier", "month").reduce((sum, t) => sum + Math.max(0, Math.min(units, t.to ?? units) - t.from) * t.price, 0);
        add("nas", "nas", { nas_id: `nas_${rid(userIndex, month)}`, name: `${userId}-share`, type: "hdd", version: "1", size: sizeTb, start: p.first, end: p.last, charge: won(monthly) });
      }
      if (options.scaled ? userIndex % 10 === 1 : userIndex === 1) {
        const imgId = `img_${rid(userIndex, month)}`;
        add("images", "img", { img_id: imgId, name: `${userId}-image`, img_os: "Linux", img_os_type: "rocky", date: at(p, 3, 0), charge: won(rates.price("server_image", "count")) });
        add("images_storage", "img", {
          img_id: imgId,
          name: `${userId}-image`,
          img_os: "Linux",
          img_os_type: "rocky",
          size: 20,
          start: at(p, 3, 0),
          end: at(p, p.days, 0),
          charge: hourlyCapped(usage(p, false, 3, (p.days - 3) * 24), 2, rates.price("image_storage", "month"), rates.price("image_storage", "hour")),
        });
      }

      const total = Object.values(summary).reduce((a, b) => a + b, 0);
      const bill = GabiaUserBillSchema.parse({
        partner_id: PARTNER_ID,
        user_id: userId,
        year: String(year),
        month: pad(month),
        total_charge: total,
        charge_summary: summary,
        charge_detail: detail,
      });
      const file = join(folder, "users", `${userId}.json`);
      writeFileSync(file, `${JSON.stringify(bill, null, 2)}\n`);
      files.push(file);
      for (const k of Object.keys(summary)) partnerSummary[k] += summary[k];
      partnerTotal += total;
    });

    const next = month === 12 ? `${year + 1}-01` : `${year}-${pad(month + 1)}`;
    const partner = GabiaPartnerBillSchema.parse({
      partner_id: PARTNER_ID,
      year: String(year),
      month: pad(month),
      bill_id: `${next.replace("-", "")}-charge${String(year).slice(2)}${pad(month)}0001C`,
      service_start: p.first,
      service_end: p.last,
      payment_status: "0",
      sum_of_charge: partnerTotal,
      unpaid_charge: 0,
      total_charge: partnerTotal,
      charge_summary: partnerSummary,
      users: users.map((u) => u.userId),
    });
    const partnerFile = join(folder, "partner.json");
    writeFileSync(partnerFile, `${JSON.stringify(partner, null, 2)}\n`);
    // Fetched on the 1st of the next month, 09:30 Korea time.
    const fetched = { month: billMonth, provisional: false, fetched_at: `${next}-01T00:30:00.000Z`, endpoint: `/v1/bills/${billMonth}` };
    const fetchedFile = join(folder, "fetched.json");
    writeFileSync(fetchedFile, `${JSON.stringify(fetched, null, 2)}\n`);
    files.push(partnerFile, fetchedFile);
  }

  const blocks: Record<string, { user_ids: string[] }> = {};
  for (const { userId, customer } of users) {
    if (!customer) continue;
    (blocks[customer.id] ??= { user_ids: [] }).user_ids.push(userId);
  }
  return { rows, files, customers: blocks, currencies: ["KRW"] };
}
