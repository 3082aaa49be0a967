import { sql, type Kysely } from "kysely";
import { nextMonth } from "../config/months.ts";
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
  byProvider: MarginBreakdown[];
  trend: (MarginBreakdown & { month: string })[];
  rows: MarginRow[];
  reconciliation: { reconciliation: string; payerAccountId: string; scope: string; currency: string; vendorTotal: string; warehouseTotal: string; difference: string; status: string }[];
  /** The customers' contract commitments in force during the month (marts.focus_contract_commitment), drawn to date. */
  contracts: ContractCommitment[];
}

export interface ContractCommitment {
  customerId: string;
  customerName: string;
  contractId: string;
  type: string;
  description: string | null;
  /** First and last day of the term (YYYY-MM-DD, UTC). */
  start: string;
  end: string;
  currency: string | null;
  committed: string | null;
  drawn: string;
  remaining: string | null;
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportError";
  }
}

/** Where the marts are read from: the DuckDB warehouse or BigQuery, through the same Kysely queries. */
export interface ReportSource {
  db: Kysely<WarehouseDatabase>;
}

export function duckDbReportSource(warehouse: DuckDbWarehouse): ReportSource {
  return { db: warehouse.db };
}

/** `2026-10-01` (a DATE as text, from either engine) -> `2026-10`. */
const monthOf = (date: string) => date.slice(0, 7);

/** Reads one month's margin from the marts (user input reaches SQL only as parameters). */
export async function loadMarginReport(source: ReportSource, month: string): Promise<MarginReport> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new ReportError(`--month must be YYYY-MM, got "${month}"`);
  const period = `${month}-01`;
  const { db } = source;
  const monthRows = db.selectFrom("marts.margin_monthly").where("billing_period", "=", sql<string>`CAST(${period} AS DATE)`);

  const rows = await monthRows.selectAll().orderBy("margin_reporting", "desc").execute();
  if (rows.length === 0) {
    const months = await db.selectFrom("marts.margin_monthly").select("billing_period").distinct().orderBy("billing_period").execute();
    throw new ReportError(`No margin data for ${month}. Months in the warehouse: ${months.map((m) => monthOf(m.billing_period)).join(", ") || "none (run rbw run first)"}.`);
  }
  // Totals, breakdowns and margin % come from marts.margin_summary: the report adds nothing up itself.
  const summary = await db
    .selectFrom("marts.margin_summary")
    .select(["billing_period", "breakdown", "breakdown_key", "label", "cost_reporting", "customer_price_reporting", "margin_reporting", "margin_pct"])
    .where("billing_period", "<=", sql<string>`CAST(${period} AS DATE)`)
    .orderBy("billing_period", "desc")
    .orderBy("margin_reporting", "desc")
    .execute();
  const asBreakdown = (r: (typeof summary)[number]): MarginBreakdown => ({
    key: r.breakdown_key,
    label: r.label,
    cost: r.cost_reporting,
    customerPrice: r.customer_price_reporting,
    margin: r.margin_reporting,
    marginPct: r.margin_pct,
  });
  const thisMonth = summary.filter((r) => monthOf(r.billing_period) === month);
  const total = thisMonth.find((r) => r.breakdown === "total");
  if (!total) throw new ReportError(`marts.margin_summary has no total for ${month}: rebuild the marts (rbw build).`);
  const trendRows = summary.filter((r) => r.breakdown === "total").slice(0, 12);
  const settings = await db.selectFrom("raw.ref_settings").select(["setting", "value"]).execute();
  const setting = (name: string) => settings.find((s) => s.setting === name)?.value ?? "";
  const reconciliation = await db
    .selectFrom("marts.invoice_reconciliation")
    .select(["source_system", "reconciliation", "payer_account_id", "scope", "currency", "vendor_total", "warehouse_total", "difference", "status"])
    .where("billing_period", "=", sql<string>`CAST(${period} AS DATE)`)
    .orderBy("source_system")
    .orderBy("reconciliation", "desc")
    .orderBy("payer_account_id")
    .orderBy("scope")
    .execute();

  const next = `${nextMonth(month)}-01`;
  const start = sql.ref("ContractCommitmentPeriodStart");
  const end = sql.ref("ContractCommitmentPeriodEnd");
  const contracts = await db
    .selectFrom("marts.focus_contract_commitment")
    .select([
      "x_CustomerId",
      "x_CustomerName",
      "ContractId",
      "ContractCommitmentType",
      "ContractCommitmentDescription",
      "BillingCurrency",
      "ContractCommitmentCost",
      "x_AppliedCost",
      "x_RemainingCost",
      sql<string>`CAST(${start} AS DATE)`.as("start_date"),
      // The term's last day: its end is exclusive.
      sql<string>`CAST(${end} - INTERVAL 1 SECOND AS DATE)`.as("end_date"),
    ])
    .where(sql<boolean>`${start} < CAST(${next} AS TIMESTAMP) AND ${end} > CAST(${period} AS TIMESTAMP)`)
    .orderBy("x_CustomerName")
    .orderBy("ContractId")
    .execute()
    .catch((error: Error) => {
      throw new ReportError(`Could not read marts.focus_contract_commitment (${error.message.split("\n")[0]}): rebuild the marts (rbw build).`);
    });

  return {
    month,
    resellerName: setting("reseller_name"),
    reportingCurrency: rows[0].reporting_currency,
    totals: { cost: total.cost_reporting, customerPrice: total.customer_price_reporting, margin: total.margin_reporting, marginPct: total.margin_pct },
    byCustomer: thisMonth.filter((r) => r.breakdown === "customer").map(asBreakdown),
    byService: thisMonth.filter((r) => r.breakdown === "service").map(asBreakdown),
    byProvider: thisMonth.filter((r) => r.breakdown === "provider").map(asBreakdown),
    trend: trendRows.reverse().map((r) => {
      const m = monthOf(r.billing_period);
      return { ...asBreakdown(r), key: m, label: m, month: m };
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
      reconciliation: r.reconciliation,
      scope: r.scope,
      payerAccountId: r.payer_account_id,
      currency: r.currency,
      vendorTotal: r.vendor_total,
      warehouseTotal: r.warehouse_total,
      difference: r.difference,
      status: r.status,
    })),
    contracts: contracts.map((c) => ({
      customerId: c.x_CustomerId,
      customerName: c.x_CustomerName,
      contractId: c.ContractId,
      type: c.ContractCommitmentType,
      description: c.ContractCommitmentDescription,
      start: c.start_date,
      end: c.end_date,
      currency: c.BillingCurrency,
      committed: c.ContractCommitmentCost,
      drawn: c.x_AppliedCost,
      remaining: c.x_RemainingCost,
    })),
  };
}
