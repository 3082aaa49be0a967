/**
 * Table types for the queries TypeScript runs through Kysely. DECIMAL and TIMESTAMP values come back
 * from DuckDB as exact strings, so money is typed `string` here and never becomes a float.
 */

export interface InformationSchemaTables {
  table_schema: string;
  table_name: string;
  table_type: string;
}

export interface InformationSchemaColumns {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  ordinal_position: number;
}

export interface RunLogTable {
  run_id: string;
  action: string;
  action_type: string;
  status: "success" | "failed" | "skipped";
  rows_written: number | null;
  seconds: string;
  started_at: string;
  message: string | null;
}

export interface LoadManifestTable {
  source_system: string;
  source_object: string;
  file_path: string;
  checksum: string;
  rows_landed: number;
  rows_quarantined: number;
  loaded_at: string;
  run_id: string;
}

export interface QuarantineTable {
  source_system: string;
  source_object: string;
  file_path: string;
  row_number: number;
  field: string | null;
  reason: string;
  raw_record: string;
  run_id: string;
  quarantined_at: string;
}

export interface MarginMonthlyTable {
  billing_period: string;
  customer_id: string;
  customer_name: string;
  provider_name: string;
  service_name: string;
  currency: string;
  cost: string;
  customer_price: string;
  margin: string;
  margin_pct: string | null;
  reseller_margin_credits: string;
  line_count: string;
  reporting_currency: string;
  fx_rate: string | null;
  fx_rate_source: string | null;
  cost_reporting: string | null;
  customer_price_reporting: string | null;
  margin_reporting: string | null;
}

export interface InvoiceReconciliationTable {
  source_system: string;
  payer_account_id: string;
  billing_period: string;
  currency: string;
  vendor_total: string;
  warehouse_total: string;
  difference: string;
  status: "match" | "mismatch";
}

export interface CustomerInvoiceTable {
  billing_period: string;
  customer_id: string;
  customer_name: string;
  currency: string;
  provider_name: string;
  amount: string;
  tax_amount: string;
}

export interface RefCustomerMappingTable {
  customer_id: string;
  customer_name: string;
  source_system: string;
  match_field: string;
  match_value: string;
}

export interface RefFxRateTable {
  from_currency: string;
  to_currency: string;
  rate_month: string;
  rate: string;
  rate_source: string;
}

export interface RefSettingsTable {
  setting: string;
  value: string;
}

export interface CustomerMappingStateTable {
  fingerprint: string;
  built_at: string;
}

export interface WarehouseDatabase {
  "ops.customer_mapping_state": CustomerMappingStateTable;
  "raw.ref_customer_mapping": RefCustomerMappingTable;
  "raw.ref_fx_rate": RefFxRateTable;
  "raw.ref_settings": RefSettingsTable;
  "information_schema.tables": InformationSchemaTables;
  "information_schema.columns": InformationSchemaColumns;
  "ops.run_log": RunLogTable;
  "raw.load_manifest": LoadManifestTable;
  "raw.quarantine": QuarantineTable;
  "marts.margin_monthly": MarginMonthlyTable;
  "marts.invoice_reconciliation": InvoiceReconciliationTable;
  "marts.customer_invoice": CustomerInvoiceTable;
}
