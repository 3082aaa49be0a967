import type { z } from "zod";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import type { GenerateOptions } from "../generate/options.ts";
import type { EngineLanding } from "./engine-reader.ts";
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
  /**
   * DuckDB's own readers land the table's newline-delimited JSON and Parquet files (see engine-reader.ts);
   * `normalize` must leave a record with only the schema's fields as it is, and `engine.valid` is the SQL
   * form of `check`. Files with anything else go through `reader` and the record validator.
   */
  engine?: EngineLanding;
  /** Whether the reader can run on a worker thread (it needs nothing from the main thread). */
  parallel?: (file: string) => boolean;
  /** Files only ever grow at the end (AWS appends each day to the month's file): a landed file that changed lands only its records past the lines landed or quarantined from it before. */
  appendOnlyFiles?: boolean;
}

/**
 * A vendor's own file in the data folder's config/ (a price book, say): validated by zod when config is
 * read, and replacing `raw.<table>` (schema in includes/schemas/<vendor>/<table>.json) on every run, like
 * the customer mapping. Lines are priced from it, so a change to it rebuilds the fact.
 */
export interface VendorConfigFile<T = unknown> {
  /** File name under config/ (`webex_price_book.json`). */
  file: string;
  table: string;
  schema: z.ZodType<T>;
  /** Whether the file must exist; a missing optional file lands an empty table. */
  required: boolean;
  /** Problems the file has against the customers of customers.json (a price for an unknown customer). */
  check?(parsed: T, customerIds: Set<string>): string | undefined;
  /** The raw table's rows. */
  rows(parsed: T): Record<string, unknown>[];
}

/** The options of `rbw land <vendor> --from-api`; each vendor reads the ones its API needs. */
export interface FromApiOptions {
  /** A closed billing month, YYYY-MM (Gabia). */
  month?: string;
  /** The current, provisional month (Gabia). */
  now?: boolean;
  /** Billing period, YYYY-MM-DD (Webex). */
  start?: string;
  end?: string;
  /** A sub-partner's org id (Webex). */
  subPartnerOrg?: string;
  /** Seconds between two polls of a report or query being generated. */
  pollSeconds?: number;
  /** The S3 bucket (and folder in it) AWS delivers the seller data feeds to (AWS Marketplace). */
  s3Bucket?: string;
  s3Prefix?: string;
  /** The Athena database with tables over the feeds, its workgroup and query result location (AWS Marketplace). */
  athenaDatabase?: string;
  athenaWorkgroup?: string;
  athenaOutput?: string;
}

/** Fetching a vendor's data through its API into the data folder's layout, for `rbw land <vendor> --from-api`. */
export interface VendorApi {
  /** The options and environment variables it needs, for --help. */
  usage: string;
  /** Saves the vendor's files under dataDir; returns a one-line summary. Credentials come from the environment. */
  fetch(dataDir: string, options: FromApiOptions, onProgress: (message: string) => void): Promise<string>;
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
  /** Settings of a customer's block that price its lines (raw.ref_customer_settings), e.g. a markup. */
  customerSettings?(block: Block): { setting: string; value: string }[];
  /** The vendor's own files in config/, beside customers.json. */
  configFiles?: VendorConfigFile[];
  /**
   * On BigQuery the vendor's data is read where the vendor delivers it (Google's billing export, a
   * BigQuery table): `rbw land --target bigquery` lands none of its files.
   */
  readInPlaceOnBigQuery?: boolean;
  /** Fetching through the vendor's API (`rbw land <vendor> --from-api`). */
  api?: VendorApi;
  /**
   * For append-only sources: the raw table and its export-time column, so a run can tell when files older
   * than the fact's checkpoint were landed late (they need a rebuild to be taken in); the lookback in days
   * is the Dataform var named `lookbackVar`.
   */
  appendCheckpoint?: { table: string; exportTimeColumn: string; lookbackVar: string };
  /** Writes the vendor's realistic sample data under dataDir for the sample customers. */
  generate?(dataDir: string, options: GenerateOptions, customers: SampleCustomer[]): SampleData;
}
