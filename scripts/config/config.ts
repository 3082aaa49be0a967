import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { loadSourceSchemas } from "../contracts/source-schema.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { rawTableDdl } from "../land/landing.ts";
import { toNumericText } from "../land/record-validator.ts";

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

export const customersConfig = z.object({
  customers: z.array(
    z.object({
      customer_id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _"),
      customer_name: z.string().min(1),
      gcp: z
        .object({
          customer_names: z.array(z.string().regex(/^accounts\/[^/]+\/customers\/[^/]+$/, "accounts/{account}/customers/{customer}")).default([]),
          customer_correlation_ids: z.array(z.string().min(1)).default([]),
          billing_account_ids: z.array(z.string().min(1)).default([]),
        })
        .default({ customer_names: [], customer_correlation_ids: [], billing_account_ids: [] }),
    }),
  ),
});

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
});

export interface WarehouseConfig {
  customers: z.infer<typeof customersConfig>;
  fxRates: z.infer<typeof fxRatesConfig>;
  settings: z.infer<typeof settingsConfig>;
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
    const issue = parsed.error.issues[0];
    throw new ConfigError(file, `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadConfig(dataDir: string): WarehouseConfig {
  const dir = join(dataDir, "config");
  const config = {
    customers: readJson(dir, "customers.json", customersConfig),
    fxRates: readJson(dir, "fx_rates.json", fxRatesConfig),
    settings: readJson(dir, "settings.json", settingsConfig),
  };
  const ids = new Map<string, string>();
  for (const c of config.customers.customers) {
    for (const value of [...c.gcp.customer_names, ...c.gcp.customer_correlation_ids, ...c.gcp.billing_account_ids]) {
      const owner = ids.get(value);
      if (owner && owner !== c.customer_id) {
        throw new ConfigError(join(dir, "customers.json"), `${value} is mapped to both ${owner} and ${c.customer_id}`);
      }
      ids.set(value, c.customer_id);
    }
  }
  return config;
}

export type RefTableName = "ref_customer_mapping" | "ref_fx_rate" | "ref_settings";
export const REF_TABLES: RefTableName[] = ["ref_customer_mapping", "ref_fx_rate", "ref_settings"];

/** The rows of the raw.ref_* tables for a config (the same rows on DuckDB and BigQuery). */
export function configRows(config: WarehouseConfig) {
  const mapping = config.customers.customers.flatMap((c) =>
    [
      ...c.gcp.customer_names.map((v) => ({ match_field: "customer_name", match_value: v })),
      ...c.gcp.customer_correlation_ids.map((v) => ({ match_field: "customer_correlation_id", match_value: v })),
      ...c.gcp.billing_account_ids.map((v) => ({ match_field: "billing_account_id", match_value: v })),
    ].map((m) => ({ customer_id: c.customer_id, customer_name: c.customer_name, source_system: "gcp_channel", ...m })),
  );
  const rates = config.fxRates.rates.map((r) => ({
    from_currency: r.from,
    to_currency: r.to,
    rate_month: `${r.month}-01`,
    rate: toNumericText(r.rate) as string,
    rate_source: r.source,
  }));
  const settings = Object.entries(config.settings).map(([setting, value]) => ({ setting, value: String(value) }));
  return { ref_customer_mapping: mapping, ref_fx_rate: rates, ref_settings: settings };
}

/** Replaces the raw.ref_* tables with the current config so SQL can join it. */
export async function landConfig(warehouse: DuckDbWarehouse, projectDir: string, config: WarehouseConfig): Promise<void> {
  const schemas = loadSourceSchemas(projectDir);
  const rows = configRows(config);
  await warehouse.ensureSchema("raw");
  await warehouse.transaction(async () => {
    for (const table of REF_TABLES) {
      const schema = schemas.get(table);
      if (!schema) throw new Error(`includes/schemas/${table}.json is missing`);
      await warehouse.exec(rawTableDdl(table, schema.fields, false));
      await warehouse.db.deleteFrom(`raw.${table}`).execute();
    }
    if (rows.ref_customer_mapping.length > 0) await warehouse.db.insertInto("raw.ref_customer_mapping").values(rows.ref_customer_mapping).execute();
    if (rows.ref_fx_rate.length > 0) await warehouse.db.insertInto("raw.ref_fx_rate").values(rows.ref_fx_rate).execute();
    await warehouse.db.insertInto("raw.ref_settings").values(rows.ref_settings).execute();
  });
}
