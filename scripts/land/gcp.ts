import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadSourceSchemas } from "../contracts/source-schema.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { landFiles, listFiles, type FileLandingResult, type LandingContext, type LandingTarget } from "./landing.ts";
import { vendorRules } from "./vendor-rules.ts";

export const GCP_EXPORT_TABLE = "reseller_billing_detailed_export_v1";
export const GCP_EXPORT_DIR = join("gcp", GCP_EXPORT_TABLE);
const EXTENSIONS = [".json", ".json.gz", ".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".parquet"];

export function gcpLandingTarget(projectDir: string): LandingTarget {
  const schema = loadSourceSchemas(projectDir).get(GCP_EXPORT_TABLE);
  if (!schema) throw new Error(`includes/schemas/${GCP_EXPORT_TABLE}.json is missing`);
  return { sourceSystem: "gcp_channel", table: GCP_EXPORT_TABLE, fields: schema.fields, ...vendorRules("gcp_channel") };
}

/** Lands every Google export extract (`bq extract` NDJSON, gzipped or not, or Parquet) under DATA/gcp/. */
export async function landGcpExport(warehouse: DuckDbWarehouse, projectDir: string, dataDir: string, context: Omit<LandingContext, "dataDir">): Promise<FileLandingResult[]> {
  const dir = join(dataDir, GCP_EXPORT_DIR);
  // With no extracts yet the raw table is still created (empty), so the graph runs on what there is.
  const files = existsSync(dir) ? listFiles(dir, EXTENSIONS) : [];
  return landFiles(warehouse, gcpLandingTarget(projectDir), files, { ...context, dataDir });
}
