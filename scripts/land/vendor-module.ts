import type { z } from "zod";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import type { GenerateOptions } from "../generate/options.ts";
import type { Reader } from "./readers.ts";
import type { VendorRules } from "./stage.ts";

/** A raw table a vendor lands files into: `raw.<table>`, its schema in includes/schemas/<vendor>/<table>.json. */
export interface RawTableSpec extends VendorRules {
  table: string;
  /** Folder of the table's files, relative to the data folder (`gcp/reseller_billing_detailed_export_v1`). */
  dir: string;
  /** File name endings the folder's files have. */
  extensions: string[];
  /** The reader for one file (by its name); Parquet needs the warehouse (DuckDB reads it). */
  reader: (file: string, context: { warehouse?: DuckDbWarehouse; requiredFields: string[] }) => Reader;
  /** Whether the reader can run on a worker thread (it needs nothing from the main thread). */
  parallel?: (file: string) => boolean;
}

/** One customer-id key of a vendor's block in config/customers.json, and the ids it lists. */
export interface CustomerMatch {
  match_field: string;
  match_value: string;
}

/** A fictional reseller customer of the sample data, shared by every vendor's generator. */
export interface SampleCustomer {
  id: string;
  name: string;
}

export interface SampleData {
  /** Rows (or records) written. */
  rows: number;
  files: string[];
  /** The vendor's block of config/customers.json for each sample customer it bills. */
  customers: Record<string, unknown>;
  /** Currencies the sample data bills in (the config generator writes FX rates for them). */
  currencies: string[];
}

/**
 * A vendor, as the TypeScript side knows it: its source system (as in includes/vendors.js), its raw
 * tables and how their files are read, its block of config/customers.json, and its sample data.
 */
export interface VendorModule<Block = unknown> {
  /** Vendor id, as in includes/vendors.js (`gcp`). */
  id: string;
  sourceSystem: string;
  providerName: string;
  /** The delivery layout under the data folder, for --help and messages. */
  layout: string;
  rawTables: RawTableSpec[];
  /** The vendor's block in config/customers.json (`"gcp": {...}`), validated and defaulted by zod. */
  customerBlock: z.ZodType<Block>;
  /** The customer-mapping rows (raw.ref_customer_mapping) a customer's block yields. */
  customerMatches(block: Block): CustomerMatch[];
  /**
   * For append-only sources: the raw table and its export-time column, so a run can tell when files older
   * than the fact's checkpoint were landed late (they need a rebuild to be taken in); the lookback in days
   * is the Dataform var named `lookbackVar`.
   */
  appendCheckpoint?: { table: string; exportTimeColumn: string; lookbackVar: string };
  /** Writes the vendor's realistic sample data under dataDir for the sample customers. */
  generate?(dataDir: string, options: GenerateOptions, customers: SampleCustomer[]): SampleData;
}
