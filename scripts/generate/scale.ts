import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SampleCustomer, VendorModule } from "../land/vendor-module.ts";
import { VENDORS } from "../land/vendors.ts";
import { generateGcpScaleExport, type GcpScaleProgress, type ScaleCustomer } from "./gcp-scale.ts";
import { DEFAULT_GENERATE_OPTIONS, type GenerateOptions } from "./options.ts";
import { writeSampleConfig } from "./sample-data.ts";

/**
 * `rbw generate --scale S|M|L`: every vendor's data in its real format at a size for load and
 * performance work. The Google export is the big one (streamed, one NDJSON file per export day, on worker
 * threads); Gabia, Webex and AWS Marketplace scale the way their deliveries do (more end users, seats,
 * buyers), to tens of thousands of rows at most. Every customer is in config/customers.json with each
 * vendor's block, so every line maps to a customer.
 */

export type ScaleName = "S" | "M" | "L";

export interface ScaleProfile {
  name: ScaleName;
  /** Google export rows over the months (exactly). */
  gcpRows: number;
  /** Google customers (every scaled customer buys Google Cloud). */
  customers: number;
  skusPerCustomer: number;
  /** Customers billed by Gabia (two end users each, most of them), Webex (seats) and AWS Marketplace (buyers). */
  gabiaCustomers: number;
  webexCustomers: number;
  awsCustomers: number;
}

export const SCALES: Record<ScaleName, ScaleProfile> = {
  S: { name: "S", gcpRows: 1_000_000, customers: 200, skusPerCustomer: 25, gabiaCustomers: 60, webexCustomers: 40, awsCustomers: 30 },
  M: { name: "M", gcpRows: 10_000_000, customers: 1000, skusPerCustomer: 35, gabiaCustomers: 250, webexCustomers: 150, awsCustomers: 100 },
  L: { name: "L", gcpRows: 30_000_000, customers: 2000, skusPerCustomer: 45, gabiaCustomers: 500, webexCustomers: 300, awsCustomers: 200 },
};

/** The scale data covers three invoice months (about 90 days: 2026-08-01 to 2026-10-31). */
export const SCALE_OPTIONS: GenerateOptions = { ...DEFAULT_GENERATE_OPTIONS, months: 3, linesPerDay: 1, scaled: true };

export function parseScale(value: string): ScaleProfile {
  const profile = SCALES[value.toUpperCase() as ScaleName];
  if (!profile) throw new Error(`--scale must be S, M or L, got "${value}"`);
  return profile;
}

const PREFIXES = ["Hanbit", "Seoul", "Mirae", "Daehan", "Hangang", "Saebyeok", "Pureun", "Nuri", "Areum", "Bitna", "Gaon", "Haneul", "Jinju", "Busan", "Incheon", "Songdo", "Pangyo", "Jeju", "Gangnam", "Yeouido"];
const INDUSTRIES = ["Retail", "Logistics", "Games", "Fintech", "Media", "Health", "Mobility", "Foods", "Education", "Insurance", "Energy", "Robotics", "Travel", "Fashion", "Telecom", "Biotech", "Securities", "Shipping", "Studios", "Labs", "Commerce", "Pharma", "Motors", "Chemicals", "Construction"];

/** Deterministic customers: "Hanbit Retail", "Seoul Retail", ..., then "Hanbit Retail 2", ... */
export function scaleCustomers(count: number): ScaleCustomer[] {
  return Array.from({ length: count }, (_, i) => {
    const prefix = PREFIXES[i % PREFIXES.length];
    const industry = INDUSTRIES[Math.floor(i / PREFIXES.length) % INDUSTRIES.length];
    const round = Math.floor(i / (PREFIXES.length * INDUSTRIES.length));
    const name = `${prefix} ${industry}${round > 0 ? ` ${round + 1}` : ""}`;
    return { id: `${prefix}-${industry}${round > 0 ? `-${round + 1}` : ""}`.toLowerCase(), name, crmId: `CRM-${20001 + i}` };
  });
}

export interface ScaleProgress {
  vendor: string;
  message: string;
}

export interface GeneratedScaleData {
  scale: ScaleName;
  rows: number;
  files: string[];
  byVendor: { vendor: string; rows: number; files: number; bytes?: number }[];
  customers: number;
  seconds: number;
}

/**
 * Writes the scale data of every vendor and config/ under dataDir. The Google export is written on
 * `workers` threads (default 2; 0 writes it on this thread); onProgress hears about every 10 % of its days.
 */
export async function generateScaleData(
  dataDir: string,
  profile: ScaleProfile,
  options: { workers?: number; onProgress?: (p: ScaleProgress) => void; vendors?: VendorModule[]; gcpRows?: number } = {},
): Promise<GeneratedScaleData> {
  const started = performance.now();
  const vendors = options.vendors ?? VENDORS;
  const customers = scaleCustomers(profile.customers);
  const sample: SampleCustomer[] = customers.map((c) => ({ id: c.id, name: c.name }));
  const blocks = new Map<string, Record<string, unknown>>(customers.map((c) => [c.id, {}]));
  const currencies = new Set<string>();
  const result: GeneratedScaleData = { scale: profile.name, rows: 0, files: [], byVendor: [], customers: customers.length, seconds: 0 };
  const addBlocks = (vendor: string, generated: Record<string, unknown>) => {
    for (const [customerId, block] of Object.entries(generated)) {
      const customer = blocks.get(customerId);
      if (!customer) throw new Error(`the ${vendor} scale data bills ${customerId}, who is not a scale customer`);
      customer[vendor] = block;
    }
  };
  // Each vendor bills a slice of the customers, overlapping the others' (a customer buys from several vendors).
  const slices: Record<string, ScaleCustomer[]> = {
    gabia: customers.slice(0, profile.gabiaCustomers),
    webex: customers.slice(Math.floor(profile.customers / 4), Math.floor(profile.customers / 4) + profile.webexCustomers),
    aws: customers.slice(Math.floor(profile.customers / 2), Math.floor(profile.customers / 2) + profile.awsCustomers),
  };
  for (const vendor of vendors) {
    for (const table of vendor.rawTables) rmSync(join(dataDir, table.dir.split("/")[0]), { recursive: true, force: true });
    if (vendor.id === "gcp") {
      const say = (p: GcpScaleProgress) => {
        // Every 10 % of the export days.
        if (Math.floor((p.done * 10) / p.total) > Math.floor(((p.done - 1) * 10) / p.total) || p.done === p.total) {
          const seconds = (performance.now() - started) / 1000;
          options.onProgress?.({
            vendor: "gcp",
            message: `Google Cloud: ${p.done}/${p.total} export days, ${p.rows.toLocaleString("en-US")} rows, ${(p.bytes / 2 ** 30).toFixed(2)} GiB, ${seconds.toFixed(1)} s`,
          });
        }
      };
      const spec = { rows: options.gcpRows ?? profile.gcpRows, skusPerCustomer: profile.skusPerCustomer, firstMonth: SCALE_OPTIONS.firstMonth, months: SCALE_OPTIONS.months, seed: SCALE_OPTIONS.seed };
      const generated = await generateGcpScaleExport(dataDir, spec, customers, { workers: options.workers, onProgress: say });
      addBlocks("gcp", generated.customers);
      generated.currencies.forEach((c) => currencies.add(c));
      result.rows += generated.rows;
      result.files.push(...generated.files);
      result.byVendor.push({ vendor: "gcp", rows: generated.rows, files: generated.files.length, bytes: generated.bytes });
      continue;
    }
    if (!vendor.generate) continue;
    const billed = (slices[vendor.id] ?? customers).map((c) => ({ id: c.id, name: c.name, crmId: c.crmId }));
    const generated = vendor.generate(dataDir, SCALE_OPTIONS, billed);
    addBlocks(vendor.id, generated.customers);
    generated.currencies.forEach((c) => currencies.add(c));
    result.rows += generated.rows;
    result.files.push(...generated.files);
    result.byVendor.push({ vendor: vendor.id, rows: generated.rows, files: generated.files.length });
    options.onProgress?.({ vendor: vendor.id, message: `${vendor.providerName}: ${generated.rows.toLocaleString("en-US")} rows in ${generated.files.length} files` });
  }
  writeSampleConfig(dataDir, sample, blocks, currencies, SCALE_OPTIONS);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
