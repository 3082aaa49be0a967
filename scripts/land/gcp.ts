import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadSourceSchemas } from "../contracts/source-schema.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";
import { landFiles, listFiles, type FileLandingResult, type LandingContext, type LandingTarget } from "./landing.ts";

export const GCP_EXPORT_TABLE = "reseller_billing_detailed_export_v1";
export const GCP_EXPORT_DIR = join("gcp", GCP_EXPORT_TABLE);
const EXTENSIONS = [".json", ".json.gz", ".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".parquet"];

/**
 * The Cloud Billing export spells the adjustments struct `adjustment_info` (id, description, type, mode);
 * the Channel Services export spells it `adjustmentsInfo` (adjustment_id, ...). Accept both.
 */
export function normalizeAdjustments(record: Record<string, unknown>): Record<string, unknown> {
  if (!("adjustment_info" in record) || "adjustmentsInfo" in record) return record;
  const { adjustment_info: info, ...rest } = record;
  const list = Array.isArray(info) ? info : info ? [info] : [];
  return {
    ...rest,
    adjustmentsInfo: list.map((a: Record<string, unknown>) => ({
      adjustment_id: a.id ?? null,
      adjustment_description: a.description ?? null,
      adjustment_type: a.type ?? null,
      adjustment_mode: a.mode ?? null,
    })),
  };
}

/** invoice.month is the billing period of every Google line: it must be a real YYYYMM month. */
export function checkInvoiceMonth(record: Record<string, unknown>): { field: string; reason: string } | undefined {
  const month = (record.invoice as { month?: unknown } | null)?.month;
  if (typeof month === "string" && /^\d{4}(0[1-9]|1[0-2])$/.test(month)) return undefined;
  return { field: "invoice.month", reason: `invoice.month: ${JSON.stringify(month)} is not a YYYYMM month` };
}

export function gcpLandingTarget(projectDir: string): LandingTarget {
  const schema = loadSourceSchemas(projectDir).get(GCP_EXPORT_TABLE);
  if (!schema) throw new Error(`includes/schemas/${GCP_EXPORT_TABLE}.json is missing`);
  return { sourceSystem: "gcp_channel", table: GCP_EXPORT_TABLE, fields: schema.fields, normalize: normalizeAdjustments, check: checkInvoiceMonth };
}

/** Lands every Google export extract (`bq extract` NDJSON, gzipped or not, or Parquet) under DATA/gcp/. */
export async function landGcpExport(warehouse: DuckDbWarehouse, projectDir: string, dataDir: string, context: Omit<LandingContext, "dataDir">): Promise<FileLandingResult[]> {
  const dir = join(dataDir, GCP_EXPORT_DIR);
  if (!existsSync(dir)) return [];
  return landFiles(warehouse, gcpLandingTarget(projectDir), listFiles(dir, EXTENSIONS), { ...context, dataDir });
}
