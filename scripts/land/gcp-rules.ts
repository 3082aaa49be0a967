// Google Cloud Channel Services export: rules beyond the schema's types, applied while landing.

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

/** checkInvoiceMonth in SQL, for DuckDB's readers (normalizeAdjustments only touches records with a field outside the schema). */
export const INVOICE_MONTH_IS_VALID = "regexp_full_match(src.invoice.month, '[0-9]{4}(0[1-9]|1[0-2])')";

/** invoice.month is the billing period of every Google line: it must be a real YYYYMM month. */
export function checkInvoiceMonth(record: Record<string, unknown>): { field: string; reason: string } | undefined {
  const month = (record.invoice as { month?: unknown } | null)?.month;
  if (typeof month === "string" && /^\d{4}(0[1-9]|1[0-2])$/.test(month)) return undefined;
  return { field: "invoice.month", reason: `invoice.month: ${JSON.stringify(month)} is not a YYYYMM month` };
}
