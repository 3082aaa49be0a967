import { z } from "zod";
import { generateGcpExport } from "../generate/gcp.ts";
import { checkInvoiceMonth, INVOICE_MONTH_IS_VALID, normalizeAdjustments } from "./gcp-rules.ts";
import { ndjsonReader, parquetReader } from "./readers.ts";
import type { VendorModule } from "./vendor-module.ts";

import { GCP_EXPORT_DIR, GCP_EXPORT_TABLE } from "./gcp-layout.ts";

export { GCP_EXPORT_DIR, GCP_EXPORT_TABLE };

const gcpCustomerBlock = z
  .object({
    customer_names: z.array(z.string().regex(/^accounts\/[^/]+\/customers\/[^/]+$/, "accounts/{account}/customers/{customer}")).default([]),
    customer_correlation_ids: z.array(z.string().min(1)).default([]),
    billing_account_ids: z.array(z.string().min(1)).default([]),
  })
  .default({ customer_names: [], customer_correlation_ids: [], billing_account_ids: [] });

/**
 * Google Cloud Channel Services: the reseller billing export `reseller_billing_detailed_export_v1`, as
 * `bq extract` writes it (NDJSON, gzipped or not, or Parquet). Google lines are matched to customers on
 * customer_correlation_id, then customer_name, then the sub-account.
 */
export const gcpVendor: VendorModule<z.infer<typeof gcpCustomerBlock>> = {
  id: "gcp",
  sourceSystem: "gcp_channel",
  readInPlaceOnBigQuery: true,
  providerName: "Google Cloud",
  layout: `${GCP_EXPORT_DIR}/*.json[.gz] | *.ndjson[.gz] | *.jsonl[.gz] | *.parquet`,
  rawTables: [
    {
      table: GCP_EXPORT_TABLE,
      dir: GCP_EXPORT_DIR,
      extensions: [".json", ".json.gz", ".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".parquet"],
      reader: (file, { warehouse, requiredFields }) => {
        if (!file.endsWith(".parquet")) return ndjsonReader(file);
        if (!warehouse) throw new Error("Parquet is read through DuckDB: a warehouse is needed");
        return parquetReader(warehouse, requiredFields);
      },
      engine: { valid: INVOICE_MONTH_IS_VALID },
      parallel: (file) => !file.endsWith(".parquet"),
      normalize: normalizeAdjustments,
      check: checkInvoiceMonth,
    },
  ],
  customerBlock: gcpCustomerBlock,
  customerMatches: (block) => [
    ...block.customer_names.map((v) => ({ match_field: "customer_name", match_value: v })),
    ...block.customer_correlation_ids.map((v) => ({ match_field: "customer_correlation_id", match_value: v })),
    ...block.billing_account_ids.map((v) => ({ match_field: "billing_account_id", match_value: v })),
  ],
  appendCheckpoint: { table: GCP_EXPORT_TABLE, exportTimeColumn: "export_time", lookbackVar: "gcp_export_lookback_days" },
  generate: generateGcpExport,
};
