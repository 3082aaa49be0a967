import { sql, type Kysely } from "kysely";
import type { WarehouseDatabase } from "../contracts/warehouse-tables.ts";
import type { DuckDbWarehouse } from "../engines/duckdb/engine.ts";

export interface MarginBreakdown {
  key: string;
  label: string;
  cost: string;
  customerPrice: string;
  margin: string;
  marginPct: string | null;
}

export interface MarginRow {
  customerId: string;
  customerName: string;
  providerName: string;
  serviceName: string;
  currency: string;
  cost: string;
  customerPrice: string;
  margin: string;
  marginPct: string | null;
  costReporting: string | null;
  customerPriceReporting: string | null;
  marginReporting: string | null;
}

export interface MarginReport {
  month: string;
  resellerName: string;
  reportingCurrency: string;
  totals: { cost: string; customerPrice: string; margin: string; marginPct: string | null };
  byCustomer: MarginBreakdown[];
  byService: MarginBreakdown[];
  trend: (MarginBreakdown & { month: string })[];
  rows: MarginRow[];
  reconciliation: { payerAccountId: string; currency: string; vendorTotal: string; warehouseTotal: string; difference: string; status: string }[];
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportError";
  }
}

/** Where the marts are read from: the exact money type differs in spelling between the engines. */
export interface ReportSource {
  db: Kysely<WarehouseDatabase>;
  /** `DECIMAL(38, 9)` on DuckDB, `NUMERIC` on BigQuery. */
  moneyType: "DECIMAL(38, 9)" | "NUMERIC";
}

export function duckDbReportSource(warehouse: DuckDbWarehouse): ReportSource {
  return { db: warehouse.db, moneyType: "DECIMAL(38, 9)" };
}

/** `2026-10-01` (a DATE as text, from either engine) -> `2026-10`. */
const monthOf = (date: string) => date.slice(0, 7);

/** Reads one month's margin from the marts (user input reaches SQL only as parameters). */
export async function loadMarginReport(source: ReportSource, month: string): Promise<MarginReport> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new ReportError(`--month must be YYYY-MM, got "${month}"`);
  const period = `${month}-01`;
  const { db } = source;
  const money = sql.raw(source.moneyType);
  const sumText = (column: string) => sql<string>`CAST(COALESCE(SUM(${sql.ref(column)}), 0) AS ${money})`;
  const pctText = sql<string | null>`CAST(ROUND(SUM(margin_reporting) / NULLIF(SUM(customer_price_reporting), 0) * 100, 2) AS ${money})`;
  const monthRows = db.selectFrom("marts.margin_monthly").where("billing_period", "=", sql<string>`CAST(${period} AS DATE)`);

  const rows = await monthRows.selectAll().orderBy("margin_reporting", "desc").execute();
  if (rows.length === 0) {
    const months = await db.selectFrom("marts.margin_monthly").select("billing_period").distinct().orderBy("billing_period").execute();
    throw new ReportError(`No margin data for ${month}. Months in the warehouse: ${months.map((m) => monthOf(m.billing_period)).join(", ") || "none (run rbw run first)"}.`);
  }
  const breakdown = async (key: "customer_id" | "service_name", label: "customer_name" | "service_name") =>
    (
      await monthRows
        .select([sql.ref<string>(key).as("key"), sql<string>`MIN(${sql.ref(label)})`.as("label"), sumText("cost_reporting").as("cost"), sumText("customer_price_reporting").as("customer_price"), sumText("margin_reporting").as("margin"), pctText.as("pct")])
        .groupBy(key)
        .orderBy("margin", "desc")
        .execute()
    ).map((r) => ({ key: r.key, label: r.label, cost: r.cost, customerPrice: r.customer_price, margin: r.margin, marginPct: r.pct }));

  const totalsRow = await monthRows
    .select([sumText("cost_reporting").as("cost"), sumText("customer_price_reporting").as("customer_price"), sumText("margin_reporting").as("margin"), pctText.as("pct")])
    .executeTakeFirstOrThrow();
  const trendRows = await db
    .selectFrom("marts.margin_monthly")
    .select(["billing_period", sumText("cost_reporting").as("cost"), sumText("customer_price_reporting").as("customer_price"), sumText("margin_reporting").as("margin"), pctText.as("pct")])
    .where("billing_period", "<=", sql<string>`CAST(${period} AS DATE)`)
    .groupBy("billing_period")
    .orderBy("billing_period", "desc")
    .limit(12)
    .execute();
  const settings = await db.selectFrom("raw.ref_settings").select(["setting", "value"]).execute();
  const setting = (name: string) => settings.find((s) => s.setting === name)?.value ?? "";
  const reconciliation = await db
    .selectFrom("marts.invoice_reconciliation")
    .select(["payer_account_id", "currency", "vendor_total", "warehouse_total", "difference", "status"])
    .where("billing_period", "=", sql<string>`CAST(${period} AS DATE)`)
    .orderBy("payer_account_id")
    .execute();

  return {
    month,
    resellerName: setting("reseller_name"),
    reportingCurrency: rows[0].reporting_currency,
    totals: { cost: totalsRow.cost, customerPrice: totalsRow.customer_price, margin: totalsRow.margin, marginPct: totalsRow.pct },
    byCustomer: await breakdown("customer_id", "customer_name"),
    byService: await breakdown("service_name", "service_name"),
    trend: trendRows.reverse().map((r) => {
      const m = monthOf(r.billing_period);
      return { key: m, label: m, month: m, cost: r.cost, customerPrice: r.customer_price, margin: r.margin, marginPct: r.pct };
    }),
    rows: rows.map((r) => ({
      customerId: r.customer_id,
      customerName: r.customer_name,
      providerName: r.provider_name,
      serviceName: r.service_name,
      currency: r.currency,
      cost: r.cost,
      customerPrice: r.customer_price,
      margin: r.margin,
      marginPct: r.margin_pct,
      costReporting: r.cost_reporting,
      customerPriceReporting: r.customer_price_reporting,
      marginReporting: r.margin_reporting,
    })),
    reconciliation: reconciliation.map((r) => ({
      payerAccountId: r.payer_account_id,
      currency: r.currency,
      vendorTotal: r.vendor_total,
      warehouseTotal: r.warehouse_total,
      difference: r.difference,
      status: r.status,
    })),
  };
}
