import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { GCP_EXPORT_DIR } from "../land/gcp-layout.ts";
import type { SampleCustomer, SampleData } from "../land/vendor-module.ts";
import { DEFAULT_GENERATE_OPTIONS, type GenerateOptions, monthList, mulberry32 } from "./options.ts";

/**
 * A deterministic, realistic Google Cloud Channel Services export for a reseller: two payer accounts
 * (USD and KRW), several customers and services, credits of every type (RESELLER_MARGIN included), taxes,
 * an adjustment, rounding lines in both spellings, exact duplicate lines and a late export of the
 * previous invoice month. Amounts are generated in integer micro-units so every total is exact.
 */

/** Micro-units (1e-6) to exact decimal text. */
export function micros(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const int = Math.floor(abs / 1_000_000);
  const frac = String(abs % 1_000_000).padStart(6, "0").replace(/0+$/, "");
  return `${sign}${int}${frac ? `.${frac}` : ""}`;
}

export const RESELLER_ACCOUNT = "accounts/C01rsllr";

export interface Payer {
  id: string;
  currency: string;
  /** Local currency units per USD (Google's currency_conversion_rate). */
  usdRate: number;
  /** Scales USD-sized amounts into the billing currency. */
  scale: number;
  roundingSpelling: string;
}

/** The reseller's payer accounts (billing currencies) of the sample export. */
export const PAYERS: Payer[] = [
  { id: "01A2B3-C4D5E6-F7A8B9", currency: "USD", usdRate: 1, scale: 1, roundingSpelling: "rounding error" },
  { id: "0B1C2D-3E4F5A-6B7C8D", currency: "KRW", usdRate: 1385.2, scale: 1385, roundingSpelling: "rounding_error" },
];

interface Customer {
  id: string;
  name: string;
  googleCustomer: string;
  correlationId: string | null;
  subAccount: string;
  payer: Payer;
  /** Customer price as a share of cost, in percent (repricing config). */
  pricePercent: number;
  creditType: string;
}

const CUSTOMERS: Customer[] = [
  { id: "hanbit-retail", name: "Hanbit Retail", googleCustomer: `${RESELLER_ACCOUNT}/customers/S8k2Lq`, correlationId: "CRM-1001", subAccount: "01F1A1-000001-AAAA01", payer: PAYERS[0], pricePercent: 112, creditType: "COMMITTED_USAGE_DISCOUNT" },
  { id: "seoul-logistics", name: "Seoul Logistics", googleCustomer: `${RESELLER_ACCOUNT}/customers/T3m9Pw`, correlationId: null, subAccount: "01F1A1-000002-AAAA02", payer: PAYERS[0], pricePercent: 108, creditType: "PROMOTION" },
  { id: "mirae-games", name: "Mirae Games", googleCustomer: `${RESELLER_ACCOUNT}/customers/U7v4Xz`, correlationId: "CRM-1003", subAccount: "0B1C2D-000003-BBBB03", payer: PAYERS[1], pricePercent: 115, creditType: "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE" },
  { id: "daehan-fintech", name: "Daehan Fintech", googleCustomer: `${RESELLER_ACCOUNT}/customers/V1n6Rt`, correlationId: "CRM-1004", subAccount: "0B1C2D-000004-BBBB04", payer: PAYERS[1], pricePercent: 110, creditType: "SUBSCRIPTION_BENEFIT" },
];

/** A Google SKU as the generators bill it. */
export interface SkuBase {
  serviceId: string;
  service: string;
  skuId: string;
  sku: string;
  unit: string;
  pricingUnit: string;
  /** Typical daily cost in USD micro-units. */
  dailyMicros: number;
  /** Price per pricing unit in USD micro-units. */
  unitPriceMicros: number;
}

interface Sku extends SkuBase {
  region: string | null;
  workspace?: boolean;
}

const SKUS: Sku[] = [
  { serviceId: "6F81-5844-456A", service: "Compute Engine", skuId: "CF4E-A0C7-E3BF", sku: "E2 Instance Core running in Seoul", unit: "seconds", pricingUnit: "hour", dailyMicros: 38_000_000, unitPriceMicros: 31_000, region: "asia-northeast3" },
  { serviceId: "95FF-2EF5-5EA1", service: "Cloud Storage", skuId: "E5F0-6A5D-7BAD", sku: "Standard Storage Seoul", unit: "byte-seconds", pricingUnit: "gibibyte month", dailyMicros: 6_500_000, unitPriceMicros: 23_000, region: "asia-northeast3" },
  { serviceId: "24E6-581D-38E5", service: "BigQuery", skuId: "3362-E469-6BEF", sku: "Analysis", unit: "bytes", pricingUnit: "tebibyte", dailyMicros: 12_000_000, unitPriceMicros: 6_250_000, region: "asia-northeast3" },
  { serviceId: "9662-B51E-5089", service: "Cloud SQL", skuId: "D9DA-9A54-5B5B", sku: "Cloud SQL for PostgreSQL: Zonal - vCPU in Seoul", unit: "seconds", pricingUnit: "hour", dailyMicros: 21_000_000, unitPriceMicros: 41_300, region: "asia-northeast3" },
  { serviceId: "E505-1604-58F8", service: "Networking", skuId: "9DE9-9092-B3BC", sku: "Network Internet Data Transfer Out from Seoul", unit: "bytes", pricingUnit: "gibibyte", dailyMicros: 4_200_000, unitPriceMicros: 120_000, region: "asia-northeast3" },
  { serviceId: "1D3E-8A61-A4F7", service: "Google Workspace", skuId: "1010020028", sku: "Google Workspace Business Standard", unit: "count", pricingUnit: "count", dailyMicros: 9_600_000, unitPriceMicros: 400_000, region: null, workspace: true },
];

type Json = Record<string, unknown>;

/** The fields every export line of a payer (and customer, when it has one) starts with, in Google's order. */
export function exportLineBase(
  payer: { id: string; currency: string; usdRate: number },
  customer: { subAccount: string; googleCustomer: string; correlationId: string | null; id: string; pricePercent: number } | null,
  invoiceMonth: string,
  costType: string,
): Record<string, unknown> {
  return {
    billing_account_id: customer?.subAccount ?? `${payer.id.slice(0, 6)}-RESELL-INTERNAL`,
    payer_billing_account_id: payer.id,
    invoice: { month: invoiceMonth },
    cost_type: costType,
    currency: payer.currency,
    currency_conversion_rate: payer.usdRate,
    customer_name: customer?.googleCustomer ?? null,
    customer_correlation_id: customer?.correlationId ?? null,
    entitlement_name: customer ? `${customer.googleCustomer}/entitlements/E-${customer.id}` : null,
    customer_repricing_config_name: customer ? `${customer.googleCustomer}/customerRepricingConfigs/RC-${customer.pricePercent}` : null,
    seller_name: "Google",
    transaction_type: "GOOGLE",
    credits: [],
    labels: [],
    system_labels: [],
    tags: [],
    adjustmentsInfo: [],
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A resource's name and its unique, API-qualified global name. */
function resourceOf(service: string, owner: string, projectId: string): { name: string; global_name: string } {
  const slug = service.toLowerCase().replace(/ /g, "-");
  return { name: `${slug}-${owner}`, global_name: `//${slug.replace(/-/g, "")}.googleapis.com/projects/${projectId}/resources/${slug}-${owner}` };
}
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

function bqTimestamp(date: Date, iso: boolean): string {
  const text = date.toISOString();
  return iso ? text : `${text.slice(0, 10)} ${text.slice(11, 19)}.${text.slice(20, 23)}000 UTC`;
}

/**
 * Writes DIR/gcp/reseller_billing_detailed_export_v1/*.json[.gz] (one file per export day) for the sample
 * customers Google bills, and returns their `gcp` blocks of config/customers.json.
 */
export function generateGcpExport(dataDir: string, options: GenerateOptions = DEFAULT_GENERATE_OPTIONS, sampleCustomers: SampleCustomer[] = []): SampleData {
  const known = new Set(sampleCustomers.map((c) => c.id));
  const billed = sampleCustomers.length > 0 ? CUSTOMERS.filter((c) => known.has(c.id)) : CUSTOMERS;
  const random = mulberry32(options.seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const byExportDay = new Map<string, Json[]>();
  const add = (exportDay: Date, row: Json) => {
    const key = isoDay(exportDay);
    const rows = byExportDay.get(key);
    if (rows) rows.push(row);
    else byExportDay.set(key, [row]);
  };
  const months = monthList(options.firstMonth, options.months);

  const base = exportLineBase;

  for (const [monthIndex, { year, month }] of months.entries()) {
    const invoiceMonth = `${year}${pad(month)}`;
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const regularCost = new Map<string, number>();
    for (let day = 1; day <= days; day++) {
      const usageDay = new Date(Date.UTC(year, month - 1, day));
      // Most usage is exported the next day; the last two days of a month arrive in the next month's
      // first days (a late export for the closed invoice month).
      const exportDay = new Date(usageDay.getTime() + (day >= days - 1 ? 2 : 1) * 86_400_000);
      const owners: (Customer | null)[] = [...billed, null];
      for (const customer of owners) {
        const payer = customer?.payer ?? PAYERS[day % 2];
        for (const sku of SKUS) {
          if (sku.workspace && !customer) continue;
          // The reseller's own projects: a little storage, billed to nobody.
          if (!customer && sku.service !== "Cloud Storage") continue;
          for (let line = 0; line < options.linesPerDay; line++) {
            const hour = between(0, 23);
            const start = new Date(usageDay.getTime() + hour * 3_600_000);
            const share = customer ? 100 : 25;
            const usdCost = Math.round((sku.dailyMicros * between(60, 140) * share) / 10_000 / options.linesPerDay);
            const cost = usdCost * payer.scale;
            const quantityMicros = Math.round((usdCost / sku.unitPriceMicros) * 1_000_000);
            const customerCost = customer ? Math.round((cost * customer.pricePercent) / 100) : null;
            const credits: Json[] = [];
            const credit = (type: string, name: string, amount: number, customerAmount: number) =>
              credits.push({ id: `${type.toLowerCase()}-${sku.skuId}`, full_name: null, type, name, amount: micros(amount), channel_partner_amount: null, customer_amount: micros(customerAmount) });
            if (!sku.workspace) credit("RESELLER_MARGIN", "Reseller Margin", -Math.round(cost * 0.04), 0);
            if (sku.service === "Compute Engine" && day % 3 === 0) credit("SUSTAINED_USAGE_DISCOUNT", "Sustained Usage Discount", -Math.round(cost * 0.2), -Math.round((customerCost ?? 0) * 0.2));
            if (sku.service === "Cloud Storage" && day <= 5) credit("FREE_TIER", "Free tier", -Math.round(cost * 0.5), -Math.round((customerCost ?? 0) * 0.5));
            if (customer && sku.service === "Compute Engine" && day % 7 === 0) {
              credit(customer.creditType, customer.creditType.replace(/_/g, " ").toLowerCase(), -Math.round(cost * 0.15), -Math.round((customerCost ?? 0) * 0.15));
            }
            if (customer && sku.service === "BigQuery" && day === 15) credit("DISCOUNT", "Spending based discount", -Math.round(cost * 0.05), -Math.round((customerCost ?? 0) * 0.05));
            const net = cost + credits.reduce((s, c) => s + Math.round(Number(c.amount) * 1_000_000), 0);
            const key = `${payer.id}|${customer?.id ?? "-"}`;
            regularCost.set(key, (regularCost.get(key) ?? 0) + net);
            add(exportDay, {
              ...base(payer, customer, invoiceMonth, "regular"),
              service: { id: sku.serviceId, description: sku.service },
              sku: { id: sku.skuId, description: sku.sku },
              usage_start_time: start,
              usage_end_time: new Date(start.getTime() + (sku.workspace ? 86_400_000 : 3_600_000)),
              project: sku.workspace
                ? null
                : { number: String(100000000000 + (customer ? CUSTOMERS.indexOf(customer) : 9)), id: `${customer?.id ?? "reseller-ops"}-prod`, name: `${customer?.name ?? "Reseller Ops"} Production`, labels: [{ key: "env", value: "prod" }], ancestry_numbers: "/1234567/" },
              labels: sku.workspace ? [] : [{ key: "team", value: customer ? "platform" : "ops" }],
              system_labels: sku.workspace
                ? [
                    { key: "workspace.googleapis.com/domain_name", value: `${customer?.id}.example.kr` },
                    { key: "workspace.googleapis.com/usage_type", value: "COMMITMENT_MONTHLY_ITEM" },
                  ]
                : [{ key: "compute.googleapis.com/machine_spec", value: "e2-standard-4" }],
              location: sku.region ? { location: sku.region, country: "KR", region: sku.region, zone: `${sku.region}-a` } : null,
              resource: sku.workspace ? null : resourceOf(sku.service, customer?.id ?? "ops", `${customer?.id ?? "reseller-ops"}-prod`),
              // An organisation's resource tag, inherited by the customer's Compute Engine resources.
              tags: customer && sku.service === "Compute Engine" ? [{ key: "cost-center", value: `cc-${customer.id}`, inherited: true, namespace: "1234567" }] : [],
              cost: micros(cost),
              cost_at_list: micros(Math.round(cost * 1.05)),
              customer_cost: customerCost === null ? null : micros(customerCost),
              usage: { amount: micros(quantityMicros * 3600), unit: sku.unit, amount_in_pricing_units: micros(quantityMicros), pricing_unit: sku.pricingUnit },
              price: { effective_price: micros(sku.unitPriceMicros * payer.scale), tier_start_amount: "0", unit: sku.unit, pricing_unit_quantity: "1", list_price: micros(Math.round(sku.unitPriceMicros * payer.scale * 1.05)), effective_price_default: null, list_price_consumption_model: null },
              consumption_model: sku.workspace ? null : { id: "D2C2-7D2D-2B39", description: "Default" },
              credits,
            });
          }
        }
      }
      // Discount credits applied to separate zero-cost lines: identical rows that are both real.
      if (day === 10) {
        const customer = billed[0];
        const dup = {
          ...base(customer.payer, customer, invoiceMonth, "regular"),
          service: { id: SKUS[0].serviceId, description: SKUS[0].service },
          sku: { id: SKUS[0].skuId, description: SKUS[0].sku },
          usage_start_time: new Date(usageDay.getTime() + 5 * 3_600_000),
          usage_end_time: new Date(usageDay.getTime() + 6 * 3_600_000),
          cost: "0",
          customer_cost: "0",
          credits: [{ id: "promo-2026", full_name: null, type: "PROMOTION", name: "Partner promotion", amount: "-1.25", channel_partner_amount: null, customer_amount: "-1.25" }],
        };
        add(exportDay, dup);
        add(exportDay, { ...dup });
      }
    }

    // Month close: tax per customer, one adjustment and a rounding line per payer, exported on the 3rd.
    const closeDay = new Date(Date.UTC(year, month, 3));
    for (const customer of billed) {
      const net = regularCost.get(`${customer.payer.id}|${customer.id}`) ?? 0;
      add(closeDay, {
        ...base(customer.payer, customer, invoiceMonth, "tax"),
        service: { id: "TAX", description: "Tax" },
        sku: { id: "TAX-KR-VAT", description: "Korea VAT" },
        usage_start_time: new Date(Date.UTC(year, month - 1, 1)),
        usage_end_time: new Date(Date.UTC(year, month, 1)),
        cost: micros(Math.round(net * 0.1)),
        customer_cost: null,
        usage: { amount: "1", unit: "count", amount_in_pricing_units: "1", pricing_unit: "count" },
      });
    }
    const corrected = billed[1] ?? billed[0];
    add(closeDay, {
      ...base(corrected.payer, corrected, invoiceMonth, "adjustment"),
      service: { id: SKUS[3].serviceId, description: SKUS[3].service },
      sku: { id: SKUS[3].skuId, description: SKUS[3].sku },
      // Corrects usage of the previous, already invoiced month (or this month's, for the first month).
      usage_start_time: new Date(Date.UTC(year, month - (monthIndex === 0 ? 1 : 2), 12)),
      usage_end_time: new Date(Date.UTC(year, month - (monthIndex === 0 ? 1 : 2), 13)),
      cost: micros(-between(1_000_000, 3_000_000)),
      customer_cost: null,
      adjustmentsInfo: [{ adjustment_id: `ADJ-${invoiceMonth}-001`, adjustment_description: "Cloud SQL usage over-reported", adjustment_type: "USAGE_CORRECTION", adjustment_mode: "PARTIAL_CORRECTION" }],
    });
    for (const payer of PAYERS) {
      add(closeDay, {
        ...base(payer, null, invoiceMonth, payer.roundingSpelling),
        service: { id: "ROUNDING", description: "Rounding" },
        sku: { id: "ROUNDING", description: "Invoice rounding" },
        cost: micros(between(-9, 9) * 1000),
        customer_cost: null,
      });
    }
  }

  const dir = join(dataDir, GCP_EXPORT_DIR);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let rows = 0;
  const days = [...byExportDay.keys()].sort();
  days.forEach((day, dayIndex) => {
    const exportBase = new Date(`${day}T03:00:00Z`);
    // Extracts vary the way `bq extract` output varies: ISO timestamps and numbers written as JSON numbers
    // in some files, gzip in most.
    const iso = dayIndex % 5 === 0;
    const plainNumbers = dayIndex % 4 === 1;
    // One export is one append: every line in it carries the same export_time.
    const lines = (byExportDay.get(day) ?? []).map((row) => {
      const out: Json = { ...row, export_time: bqTimestamp(exportBase, iso) };
      for (const key of ["usage_start_time", "usage_end_time"]) {
        if (out[key] instanceof Date) out[key] = bqTimestamp(out[key] as Date, iso);
      }
      const text = JSON.stringify(out);
      return plainNumbers ? text.replace(/"(cost|customer_cost|amount|customer_amount)":"(-?\d+(?:\.\d+)?)"/g, '"$1":$2') : text;
    });
    rows += lines.length;
    const body = `${lines.join("\n")}\n`;
    const name = `reseller_billing_detailed_export_v1_${day.replace(/-/g, "")}`;
    const file = dayIndex % 6 === 3 ? join(dir, `${name}.json`) : join(dir, `${name}.json.gz`);
    writeFileSync(file, dayIndex % 6 === 3 ? body : gzipSync(body));
    files.push(file);
  });
  const customers = Object.fromEntries(
    billed.map((c) => [
      c.id,
      {
        customer_names: c.correlationId ? [] : [c.googleCustomer],
        customer_correlation_ids: c.correlationId ? [c.correlationId] : [],
        billing_account_ids: [],
      },
    ]),
  );
  return { files, rows, customers, currencies: PAYERS.map((p) => p.currency) };
}
