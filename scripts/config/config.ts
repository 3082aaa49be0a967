import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadSourceSchemas } from "../contracts/source-schema.ts";
import { issueText } from "../contracts/zod-issue.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { rawTableDdl } from "../land/landing.ts";
import { toNumericText } from "../land/record-validator.ts";
import type { VendorModule } from "../land/vendor-module.ts";
import { VENDORS } from "../land/vendors.ts";

/** A config file that is missing or does not match its contract. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "ConfigError";
  }
}

const currency = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as KRW or USD");
const taxRatePct = z
  .string()
  .refine((v) => toNumericText(v) !== undefined && Number(v) >= 0 && Number(v) < 100, "a percentage from 0 to below 100 written as a string, e.g. \"10\"");

/** config/customers.json: each customer with one block per vendor (`"gcp": {...}`, ...) listing its ids there. */
export function customersConfig(vendors: VendorModule[] = VENDORS) {
  return z.object({
    customers: z.array(
      z.object({
        customer_id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _"),
        customer_name: z.string().min(1),
        /** The reseller's tax rate on this customer's charges, where it differs from settings.json's. */
        tax_rate_pct: taxRatePct.optional(),
        ...Object.fromEntries(vendors.map((v) => [v.id, v.customerBlock])),
      }),
    ),
  });
}

export type CustomersConfig = { customers: ({ customer_id: string; customer_name: string; tax_rate_pct?: string } & Record<string, unknown>)[] };

export const fxRatesConfig = z.object({
  rates: z.array(
    z.object({
      from: currency,
      to: currency,
      month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM"),
      rate: z.string().refine((v) => toNumericText(v) !== undefined && Number(v) > 0, "a positive decimal written as a string, e.g. \"1385.20\""),
      source: z.string().min(1),
    }),
  ),
});

export const settingsConfig = z.object({
  reporting_currency: currency,
  reseller_name: z.string().min(1),
  /** The tax the reseller adds to its customers' charges (e.g. Korean VAT, "10"); none when absent. */
  customer_tax_rate_pct: taxRatePct.optional(),
});

export interface WarehouseConfig {
  customers: CustomersConfig;
  fxRates: z.infer<typeof fxRatesConfig>;
  settings: z.infer<typeof settingsConfig>;
  /** The rows of each vendor config file's raw table (`ref_webex_price_book`: [...]). */
  vendorTables: Record<string, Record<string, unknown>[]>;
}

function readJson<T>(dir: string, name: string, schema: z.ZodType<T>): T {
  const file = join(dir, name);
  if (!existsSync(file)) throw new ConfigError(file, "is missing (run `rbw demo` to see a complete example config/ folder)");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(file, `is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(file, issueText(parsed.error.issues[0]));
  }
  return parsed.data;
}

export function loadConfig(dataDir: string, vendors: VendorModule[] = VENDORS): WarehouseConfig {
  const dir = join(dataDir, "config");
  const config: WarehouseConfig = {
    customers: readJson(dir, "customers.json", customersConfig(vendors)) as CustomersConfig,
    fxRates: readJson(dir, "fx_rates.json", fxRatesConfig),
    settings: readJson(dir, "settings.json", settingsConfig),
    vendorTables: {},
  };
  const customerIds = new Set(config.customers.customers.map((c) => c.customer_id));
  for (const vendor of vendors) {
    for (const spec of vendor.configFiles ?? []) {
      const file = join(dir, spec.file);
      if (!existsSync(file) && !spec.required) {
        config.vendorTables[spec.table] = [];
        continue;
      }
      const parsed = readJson(dir, spec.file, spec.schema);
      const problem = spec.check?.(parsed, customerIds);
      if (problem) throw new ConfigError(file, problem);
      config.vendorTables[spec.table] = spec.rows(parsed);
    }
  }
  // A vendor id belongs to one customer: the same id under two customers would bill it twice.
  const owners = new Map<string, string>();
  for (const row of customerMappingRows(config.customers, vendors)) {
    const key = `${row.source_system}|${row.match_field}|${row.match_value}`;
    const owner = owners.get(key);
    if (owner && owner !== row.customer_id) {
      throw new ConfigError(join(dir, "customers.json"), `${row.match_value} is mapped to both ${owner} and ${row.customer_id}`);
    }
    owners.set(key, row.customer_id);
  }
  return config;
}

/** raw.ref_customer_mapping: one row per vendor id a customer's blocks list. */
export function customerMappingRows(customers: CustomersConfig, vendors: VendorModule[] = VENDORS) {
  return customers.customers.flatMap((c) =>
    vendors.flatMap((vendor) =>
      vendor.customerMatches(c[vendor.id]).map((m) => ({ customer_id: c.customer_id, customer_name: c.customer_name, source_system: vendor.sourceSystem, ...m })),
    ),
  );
}

/**
 * The rows of the config tables (raw.ref_* and the vendors' config tables) for a config: the same rows
 * on DuckDB and BigQuery.
 */
export function configRows(config: WarehouseConfig, vendors: VendorModule[] = VENDORS): Record<string, Record<string, unknown>[]> {
  const mapping = customerMappingRows(config.customers, vendors);
  const rates = config.fxRates.rates.map((r) => ({
    from_currency: r.from,
    to_currency: r.to,
    rate_month: `${r.month}-01`,
    rate: toNumericText(r.rate) as string,
    rate_source: r.source,
  }));
  const settings = Object.entries(config.settings).map(([setting, value]) => ({ setting, value: String(value) }));
  const customerSettings = config.customers.customers.flatMap((c) => [
    ...(c.tax_rate_pct === undefined ? [] : [{ customer_id: c.customer_id, source_system: "all", setting: "tax_rate_pct", value: c.tax_rate_pct }]),
    ...vendors.flatMap((vendor) => (vendor.customerSettings?.(c[vendor.id]) ?? []).map((s) => ({ customer_id: c.customer_id, source_system: vendor.sourceSystem, ...s }))),
  ]);
  return { ref_customer_mapping: mapping, ref_fx_rate: rates, ref_settings: settings, ref_customer_settings: customerSettings, ...config.vendorTables };
}

/**
 * Fingerprint of the config the fact's lines and the customers' invoices are stamped with when they are
 * built (the customer mapping, customers' settings, the vendors' price books, the reseller's tax rate):
 * when it changes, history is rebuilt.
 */
export function lineConfigFingerprint(config: WarehouseConfig, vendors: VendorModule[] = VENDORS): string {
  const rows = configRows(config, vendors);
  const stamped = ["ref_customer_mapping", "ref_customer_settings", ...Object.keys(config.vendorTables).sort()].flatMap((table) => rows[table].map((r) => `${table} ${JSON.stringify(r)}`));
  stamped.push(`customer_tax_rate_pct ${config.settings.customer_tax_rate_pct ?? ""}`);
  stamped.sort();
  return createHash("sha256").update(stamped.join("\n")).digest("hex");
}

/** Replaces the config tables with the current config so SQL can join it. */
export async function landConfig(warehouse: DuckDbWarehouse, projectDir: string, config: WarehouseConfig, vendors: VendorModule[] = VENDORS): Promise<void> {
  const schemas = loadSourceSchemas(projectDir);
  const rows = configRows(config, vendors);
  await warehouse.ensureSchema("raw");
  await warehouse.transaction(async () => {
    for (const [table, tableRows] of Object.entries(rows)) {
      const schema = schemas.get(table);
      if (!schema) throw new Error(`the schema of raw.${table} (includes/schemas/**/${table}.json) is missing`);
      await warehouse.exec(rawTableDdl(table, schema.fields, false));
      // Table names come from the schema files (includes/schemas/), not from config.
      const name = `raw.${table}` as "raw.ref_settings";
      await warehouse.db.deleteFrom(name).execute();
      for (let i = 0; i < tableRows.length; i += 500) {
        await warehouse.db.insertInto(name).values(tableRows.slice(i, i + 500) as never).execute();
      }
    }
  });
}
