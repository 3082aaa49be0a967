import type { ColumnType } from "kysely";

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

/**
 * The warehouse's own bookkeeping tables (run log, load manifest, quarantine), written once: the DuckDB
 * DDL and the Kysely row type both come from the column list.
 */
type SqlType = "VARCHAR" | "BIGINT" | "DECIMAL(18, 3)" | "TIMESTAMPTZ";
interface ColumnSpec {
  type: SqlType;
  nullable?: true;
}
// DuckDB BIGINT values are read back as their decimal text, like DECIMAL, and written from numbers.
type Nullable<C extends ColumnSpec> = C["nullable"] extends true ? null : never;
type TsType<C extends ColumnSpec> = C["type"] extends "BIGINT"
  ? ColumnType<string | Nullable<C>, number | string | Nullable<C>, number | string | Nullable<C>>
  : string | Nullable<C>;
type RowOf<T extends Record<string, ColumnSpec>> = { [K in keyof T]: TsType<T[K]> };

/** `CREATE TABLE IF NOT EXISTS schema.name (...)` for a bookkeeping table. */
export function tableDdl(schema: string, name: string, columns: Record<string, ColumnSpec>): string {
  const list = Object.entries(columns).map(([column, spec]) => `${column} ${spec.type}${spec.nullable ? "" : " NOT NULL"}`);
  return `CREATE TABLE IF NOT EXISTS ${schema}.${name} (${list.join(", ")})`;
}

export const RUN_LOG = {
  run_id: { type: "VARCHAR" },
  action: { type: "VARCHAR" },
  action_type: { type: "VARCHAR" },
  status: { type: "VARCHAR" },
  rows_written: { type: "BIGINT", nullable: true },
  seconds: { type: "DECIMAL(18, 3)" },
  started_at: { type: "TIMESTAMPTZ" },
  message: { type: "VARCHAR", nullable: true },
} as const satisfies Record<string, ColumnSpec>;

export const LOAD_MANIFEST = {
  source_system: { type: "VARCHAR" },
  source_object: { type: "VARCHAR" },
  file_path: { type: "VARCHAR" },
  checksum: { type: "VARCHAR" },
  rows_landed: { type: "BIGINT" },
  rows_quarantined: { type: "BIGINT" },
  loaded_at: { type: "TIMESTAMPTZ" },
  run_id: { type: "VARCHAR" },
  // Size and modification time when landed: a file with the same path, size and time is not read again.
  file_size: { type: "BIGINT", nullable: true },
  file_modified_at: { type: "TIMESTAMPTZ", nullable: true },
} as const satisfies Record<string, ColumnSpec>;

export const QUARANTINE = {
  source_system: { type: "VARCHAR" },
  source_object: { type: "VARCHAR" },
  file_path: { type: "VARCHAR" },
  row_number: { type: "BIGINT" },
  field: { type: "VARCHAR", nullable: true },
  reason: { type: "VARCHAR" },
  raw_record: { type: "VARCHAR" },
  run_id: { type: "VARCHAR" },
  quarantined_at: { type: "TIMESTAMPTZ" },
} as const satisfies Record<string, ColumnSpec>;

export type RunLogTable = Omit<RowOf<typeof RUN_LOG>, "status"> & { status: "success" | "failed" | "skipped" };
export type LoadManifestTable = RowOf<typeof LOAD_MANIFEST>;
export type QuarantineTable = RowOf<typeof QUARANTINE>;

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
  reconciliation: string;
  payer_account_id: string;
  scope: string;
  billing_period: string;
  currency: string;
  vendor_total: string;
  warehouse_total: string;
  difference: string;
  status: "match" | "mismatch";
}

export interface MarginSummaryTable {
  billing_period: string;
  breakdown: "total" | "customer" | "service" | "provider";
  breakdown_key: string;
  label: string;
  reporting_currency: string;
  cost_reporting: string;
  customer_price_reporting: string;
  margin_reporting: string;
  margin_pct: string | null;
  line_count: string;
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

/** marts.focus_contract_commitment (FOCUS 1.3 Contract Commitment dataset), the columns TypeScript reads. */
export interface FocusContractCommitmentTable {
  BillingCurrency: string | null;
  ContractCommitmentCategory: string;
  ContractCommitmentCost: string | null;
  ContractCommitmentDescription: string | null;
  ContractCommitmentId: string;
  ContractCommitmentPeriodEnd: string;
  ContractCommitmentPeriodStart: string;
  ContractCommitmentQuantity: string | null;
  ContractCommitmentType: string;
  ContractCommitmentUnit: string | null;
  ContractId: string;
  x_CustomerId: string;
  x_CustomerName: string;
  x_AppliedCost: string;
  x_RemainingCost: string | null;
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

/** core.billing_line_changes (definitions/core/billing_line_changes.sqlx). */
export interface BillingLineChangesTable {
  source_system: string;
  billing_period_start: string;
  change_kind: "period_replaced" | "lines_superseded";
  previous_export_time: string | null;
  new_export_time: string | null;
  lines_removed: string;
  lines_delivered: string | null;
  run_id: string;
}

export interface WarehouseDatabase {
  "core.billing_line_changes": BillingLineChangesTable;
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
  "marts.margin_summary": MarginSummaryTable;
  "marts.focus_contract_commitment": FocusContractCommitmentTable;
}
