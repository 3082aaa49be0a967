import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SampleCustomer, VendorModule } from "../land/vendor-module.ts";
import { VENDORS } from "../land/vendors.ts";
import { DEFAULT_GENERATE_OPTIONS, monthList, type GenerateOptions } from "./options.ts";

/** The fictional reseller's customers; every vendor's generator bills some of them. */
export const SAMPLE_CUSTOMERS: SampleCustomer[] = [
  { id: "hanbit-retail", name: "Hanbit Retail" },
  { id: "seoul-logistics", name: "Seoul Logistics" },
  { id: "mirae-games", name: "Mirae Games" },
  { id: "daehan-fintech", name: "Daehan Fintech" },
];

/** Customers the reseller taxes at another rate than settings.json's (here a zero-rated supply). */
const SAMPLE_TAX_RATES: Record<string, string> = { "daehan-fintech": "0" };

export const SAMPLE_RESELLER = { reporting_currency: "KRW", reseller_name: "Hangang Cloud Partners", customer_tax_rate_pct: "10" };

/** Sample monthly averages into KRW (units of KRW per unit of the currency), cycled over the months. */
const KRW_RATES: Record<string, string[]> = {
  USD: ["1388.15", "1392.40", "1379.85", "1384.60", "1390.05", "1376.30"],
  EUR: ["1512.30", "1519.85", "1507.40", "1511.95", "1523.10", "1502.65"],
};

export interface GeneratedSampleData {
  rows: number;
  files: string[];
  byVendor: { vendor: string; rows: number; files: number }[];
}

/**
 * Writes every vendor's sample data and a complete config/ folder (customers with each vendor's block,
 * FX rates for every currency the data bills in, settings) under dataDir.
 */
export function generateSampleData(dataDir: string, options: GenerateOptions = DEFAULT_GENERATE_OPTIONS, vendors: VendorModule[] = VENDORS): GeneratedSampleData {
  const blocks = new Map<string, Record<string, unknown>>(SAMPLE_CUSTOMERS.map((c) => [c.id, {}]));
  const currencies = new Set<string>();
  const result: GeneratedSampleData = { rows: 0, files: [], byVendor: [] };
  for (const vendor of vendors) {
    if (!vendor.generate) continue;
    const generated = vendor.generate(dataDir, options, SAMPLE_CUSTOMERS);
    for (const [customerId, block] of Object.entries(generated.customers)) {
      const customer = blocks.get(customerId);
      if (!customer) throw new Error(`the ${vendor.id} sample data bills ${customerId}, who is not a sample customer`);
      customer[vendor.id] = block;
    }
    generated.currencies.forEach((c) => currencies.add(c));
    result.rows += generated.rows;
    result.files.push(...generated.files);
    result.byVendor.push({ vendor: vendor.id, rows: generated.rows, files: generated.files.length });
  }
  writeSampleConfig(dataDir, SAMPLE_CUSTOMERS, blocks, currencies, options);
  return result;
}

/**
 * Writes config/: customers.json (each customer with the blocks of the vendors that bill it), FX rates
 * into the reporting currency for every currency billed, per month, and settings.json.
 */
export function writeSampleConfig(dataDir: string, customerList: SampleCustomer[], blocks: Map<string, Record<string, unknown>>, currencies: Set<string>, options: GenerateOptions): void {
  const dir = join(dataDir, "config");
  mkdirSync(dir, { recursive: true });
  const customers = customerList.map((c) => ({
    customer_id: c.id,
    customer_name: c.name,
    ...(SAMPLE_TAX_RATES[c.id] === undefined ? {} : { tax_rate_pct: SAMPLE_TAX_RATES[c.id] }),
    ...blocks.get(c.id),
  }));
  const rates = [...currencies]
    .filter((c) => c !== SAMPLE_RESELLER.reporting_currency)
    .sort()
    .flatMap((from) =>
      monthList(options.firstMonth, options.months).map(({ year, month }, i) => {
        const cycle = KRW_RATES[from];
        if (!cycle) throw new Error(`no sample FX rate from ${from} to KRW`);
        return { from, to: "KRW", month: `${year}-${String(month).padStart(2, "0")}`, rate: cycle[i % cycle.length], source: "Bank of Korea monthly average (sample)" };
      }),
    );
  writeFileSync(join(dir, "customers.json"), `${JSON.stringify({ customers }, null, 2)}\n`);
  writeFileSync(join(dir, "fx_rates.json"), `${JSON.stringify({ rates }, null, 2)}\n`);
  writeFileSync(join(dir, "settings.json"), `${JSON.stringify(SAMPLE_RESELLER, null, 2)}\n`);
}
