import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../scripts/config/config.ts";
import { GCP_EXPORT_DIR } from "../../scripts/land/gcp-layout.ts";
import { micros as sampleMicros } from "../../scripts/generate/gcp.ts";
import { generateGcpScaleExport, micros, planGcpScale } from "../../scripts/generate/gcp-scale.ts";
import { generateScaleData, parseScale, scaleCustomers, type ScaleProfile } from "../../scripts/generate/scale.ts";

const work = mkdtempSync(join(tmpdir(), "rbw-scale-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spec = { rows: 6_000, skusPerCustomer: 6, firstMonth: "2026-08", months: 3, seed: 20261122 };
const customers = scaleCustomers(24);
const toMicros = (text: unknown) => {
  const [int, frac = ""] = String(text).replace("-", "").split(".");
  const value = Number(int) * 1_000_000 + Number(frac.padEnd(6, "0"));
  return String(text).startsWith("-") ? -value : value;
};
const readExport = (dir: string) =>
  readdirSync(join(dir, GCP_EXPORT_DIR))
    .sort()
    .map((name) => ({ name, lines: readFileSync(join(dir, GCP_EXPORT_DIR, name), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, any>) }));

describe("rbw generate --scale: the Google export", () => {
  const dir = join(work, "gcp");
  let files: ReturnType<typeof readExport> = [];

  it("writes exactly the rows asked for, one file per export day, every line one export_time", async () => {
    const result = await generateGcpScaleExport(dir, spec, customers, { workers: 0 });
    files = readExport(dir);
    expect(result.rows).toBe(6_000);
    expect(files.reduce((s, f) => s + f.lines.length, 0)).toBe(6_000);
    expect(files.length).toBe(planGcpScale(spec, customers).exportDays.length);
    for (const f of files) expect(new Set(f.lines.map((l) => l.export_time)).size).toBe(1);
    expect(files[0].name).toBe("reseller_billing_detailed_export_v1_20260802.json");
    // Usage of the last two days of a month is exported in the next month.
    const sept1 = files.find((f) => f.name.endsWith("20260901.json"));
    expect(new Set(sept1?.lines.map((l) => l.invoice.month))).toEqual(new Set(["202608"]));
  });

  it("bills like the sample export: credits with RESELLER_MARGIN, taxes of 10 % of the net, adjustments, both rounding spellings, duplicates", () => {
    const lines = files.flatMap((f) => f.lines);
    const regular = lines.filter((l) => l.cost_type === "regular");
    expect(regular.every((l) => l.service.description === "Google Workspace" || l.credits[0]?.id === "promo-2026" || l.credits.some((c: { type: string }) => c.type === "RESELLER_MARGIN"))).toBe(true);
    expect(new Set(lines.map((l) => l.cost_type))).toEqual(new Set(["regular", "tax", "adjustment", "rounding error", "rounding_error"]));
    expect(lines.filter((l) => l.cost_type === "tax")).toHaveLength(customers.length * 3);
    // The tax is 10 % of the month's net regular cost (cost + credits) of the customer, in micro-units.
    const customer = regular[0].customer_name as string;
    const net = regular
      .filter((l) => l.customer_name === customer && l.invoice.month === "202609" && l.credits[0]?.id !== "promo-2026")
      .reduce((s, l) => s + toMicros(l.cost) + l.credits.reduce((c: number, x: { amount: unknown }) => c + toMicros(x.amount), 0), 0);
    const tax = lines.find((l) => l.cost_type === "tax" && l.customer_name === customer && l.invoice.month === "202609");
    expect(toMicros(tax?.cost)).toBe(Math.round(net * 0.1));
    const promo = regular.filter((l) => l.credits[0]?.id === "promo-2026").map((l) => JSON.stringify(l));
    expect(promo.length).toBeGreaterThan(0);
    expect(promo[0]).toBe(promo[1]);
  });

  it("is the same whatever the number of worker threads", async () => {
    const threaded = join(work, "gcp-threads");
    await generateGcpScaleExport(threaded, spec, customers, { workers: 2 });
    for (const name of readdirSync(join(dir, GCP_EXPORT_DIR))) {
      expect(readFileSync(join(threaded, GCP_EXPORT_DIR, name), "utf8")).toBe(readFileSync(join(dir, GCP_EXPORT_DIR, name), "utf8"));
    }
  }, 20_000);

  it("writes amounts as gcp.ts does", () => {
    for (const v of [0, 1, -1, 10, 999_999, 1_000_000, -1_234_500, 25_840_000, 3_000_774_193_200, 12_345_678_901_234]) expect(micros(v)).toBe(sampleMicros(v));
  });
});

describe("rbw generate --scale: every vendor and config", () => {
  it("puts every customer in customers.json with the blocks of the vendors that bill it, valid for landing", async () => {
    const dir = join(work, "all");
    const profile: ScaleProfile = { name: "S", gcpRows: 4_000, customers: 30, skusPerCustomer: 6, gabiaCustomers: 12, webexCustomers: 8, awsCustomers: 7 };
    const result = await generateScaleData(dir, profile, { workers: 0 });
    expect(result.byVendor.map((v) => v.vendor)).toEqual(["gcp", "gabia", "webex", "aws"]);
    expect(result.byVendor[0].rows).toBe(4_000);
    const config = JSON.parse(readFileSync(join(dir, "config/customers.json"), "utf8")) as { customers: Record<string, any>[] };
    expect(config.customers).toHaveLength(30);
    expect(config.customers.every((c) => c.gcp && (c.gcp.customer_names.length === 1) !== (c.gcp.customer_correlation_ids.length === 1))).toBe(true);
    expect(config.customers.filter((c) => c.gabia)).toHaveLength(12);
    expect(config.customers.filter((c) => c.webex)).toHaveLength(8);
    expect(config.customers.filter((c) => c.aws)).toHaveLength(7);
    const awsIds = config.customers.flatMap((c) => c.aws?.account_ids ?? []);
    expect(awsIds.every((id: string) => /^\d{12}$/.test(id))).toBe(true);
    const gabiaUsers = config.customers.flatMap((c) => c.gabia?.user_ids ?? []);
    expect(new Set(gabiaUsers).size).toBe(gabiaUsers.length);
    // The config validates as landing reads it.
    expect(() => loadConfig(dir)).not.toThrow();
    expect(() => parseScale("X")).toThrow(/S, M or L/);
  }, 20_000);
});
