import { join } from "node:path";

/** Google's export table, and where its extracts sit in the data folder. */
export const GCP_EXPORT_TABLE = "reseller_billing_detailed_export_v1";
export const GCP_EXPORT_DIR = join("gcp", GCP_EXPORT_TABLE);
