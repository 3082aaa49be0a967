import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { GCP_EXPORT_DIR } from "../land/gcp-layout.ts";
import { exportLineBase, PAYERS as SAMPLE_PAYERS, RESELLER_ACCOUNT, type Payer, type SkuBase } from "./gcp.ts";
import { monthList, mulberry32 } from "./options.ts";

/**
 * The Google Cloud Channel Services export at scale (`rbw generate --scale`): the same format and rules
 * as the sample export of gcp.ts (amounts in exact micro-units, credits of every type with
 * RESELLER_MARGIN, taxes at month close, an adjustment, rounding lines in both spellings, exact duplicate
 * lines, the last two days of a month exported in the next month, ISO timestamps and JSON numbers in some
 * files), for many customers, payers, services and SKUs. Memory stays flat: one NDJSON file per export
 * day is written as it is generated, through a write stream with backpressure, each JSON line built as a
 * string. Export days are generated on worker threads; every usage day has its own PRNG seed, so the
 * files are the same whatever the number of workers.
 */

export interface GcpScaleSpec {
  /** Rows of the whole export (usage lines plus month-close lines), exactly. */
  rows: number;
  /** Usage SKUs per customer (a customer's SKU mix; Compute Engine and Cloud Storage always). */
  skusPerCustomer: number;
  firstMonth: string;
  months: number;
  seed: number;
}

/** A reseller customer of the scaled data (shared by every vendor). */
export interface ScaleCustomer {
  id: string;
  name: string;
  /** The reseller's CRM id (Google's customer_correlation_id, Webex's external id). */
  crmId: string;
}

/** The sample export's payers and a second USD payer. */
const PAYERS: Payer[] = [...SAMPLE_PAYERS, { id: "01D4E5-F6A7B8-C9D0E1", currency: "USD", usdRate: 1, scale: 1, roundingSpelling: "rounding error" }];

/** The currencies the scaled Google export bills in. */
export const GCP_SCALE_CURRENCIES = [...new Set(PAYERS.map((p) => p.currency))];

type Kind = "compute" | "storage" | "bigquery" | "workspace" | "other";

interface Sku extends SkuBase {
  kind: Kind;
  global: boolean;
  slug: string;
}

const hashHex = (text: string, length: number) => createHash("sha1").update(text).digest("hex").slice(0, length).toUpperCase();
const skuCode = (text: string) => {
  const h = hashHex(text, 12);
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}`;
};

/** [service, SKU, usage unit, pricing unit, typical daily cost in USD, unit price in USD, kind]. */
const CATALOG: [string, string, string, string, number, number, Kind][] = [
  ["Compute Engine", "E2 Instance Core running in Seoul", "seconds", "hour", 38, 0.031, "compute"],
  ["Compute Engine", "E2 Instance Ram running in Seoul", "byte-seconds", "gibibyte hour", 21, 0.0042, "compute"],
  ["Compute Engine", "N2 Instance Core running in Seoul", "seconds", "hour", 52, 0.0425, "compute"],
  ["Compute Engine", "N2 Instance Ram running in Seoul", "byte-seconds", "gibibyte hour", 28, 0.0057, "compute"],
  ["Compute Engine", "C3 Instance Core running in Seoul", "seconds", "hour", 44, 0.0453, "compute"],
  ["Compute Engine", "Nvidia Tesla T4 GPU running in Seoul", "seconds", "hour", 61, 0.42, "compute"],
  ["Compute Engine", "SSD backed PD Capacity in Seoul", "byte-seconds", "gibibyte month", 9, 0.221, "compute"],
  ["Compute Engine", "Storage PD Capacity in Seoul", "byte-seconds", "gibibyte month", 4, 0.052, "compute"],
  ["Compute Engine", "Balanced PD Capacity in Seoul", "byte-seconds", "gibibyte month", 6, 0.13, "compute"],
  ["Compute Engine", "Storage Image", "byte-seconds", "gibibyte month", 1.2, 0.085, "compute"],
  ["Compute Engine", "Snapshot Storage in Seoul", "byte-seconds", "gibibyte month", 2.4, 0.034, "compute"],
  ["Cloud Storage", "Standard Storage Seoul", "byte-seconds", "gibibyte month", 6.5, 0.023, "storage"],
  ["Cloud Storage", "Nearline Storage Seoul", "byte-seconds", "gibibyte month", 2.1, 0.016, "storage"],
  ["Cloud Storage", "Coldline Storage Seoul", "byte-seconds", "gibibyte month", 1.1, 0.007, "storage"],
  ["Cloud Storage", "Archive Storage Seoul", "byte-seconds", "gibibyte month", 0.6, 0.0025, "storage"],
  ["Cloud Storage", "Standard Storage Class A Operations", "requests", "count", 1.8, 0.000005, "storage"],
  ["Cloud Storage", "Standard Storage Class B Operations", "requests", "count", 0.9, 0.0000004, "storage"],
  ["BigQuery", "Analysis", "bytes", "tebibyte", 12, 6.25, "bigquery"],
  ["BigQuery", "Active Logical Storage", "byte-seconds", "gibibyte month", 3.2, 0.023, "bigquery"],
  ["BigQuery", "Long Term Logical Storage", "byte-seconds", "gibibyte month", 1.4, 0.016, "bigquery"],
  ["BigQuery", "Streaming Insert", "bytes", "gibibyte", 2.2, 0.05, "bigquery"],
  ["BigQuery", "Enterprise Edition Slots", "slot-seconds", "slot hour", 26, 0.06, "bigquery"],
  ["Cloud SQL", "Cloud SQL for PostgreSQL: Zonal - vCPU in Seoul", "seconds", "hour", 21, 0.0413, "other"],
  ["Cloud SQL", "Cloud SQL for PostgreSQL: Zonal - RAM in Seoul", "byte-seconds", "gibibyte hour", 9, 0.007, "other"],
  ["Cloud SQL", "Cloud SQL for MySQL: Regional - vCPU in Seoul", "seconds", "hour", 24, 0.0826, "other"],
  ["Cloud SQL", "Cloud SQL: Storage SSD in Seoul", "byte-seconds", "gibibyte month", 3.5, 0.222, "other"],
  ["Kubernetes Engine", "Autopilot Pod mCPU Requests (asia-northeast3)", "seconds", "hour", 18, 0.0573, "other"],
  ["Kubernetes Engine", "Autopilot Pod Memory Requests (asia-northeast3)", "byte-seconds", "gibibyte hour", 7, 0.0063, "other"],
  ["Kubernetes Engine", "Regional Kubernetes Clusters", "seconds", "hour", 2.4, 0.1, "other"],
  ["Cloud Run", "CPU Allocation Time (tier 1)", "seconds", "vCPU-second", 4.8, 0.000024, "other"],
  ["Cloud Run", "Memory Allocation Time (tier 1)", "byte-seconds", "gibibyte-second", 1.1, 0.0000025, "other"],
  ["Cloud Run", "Requests", "requests", "count", 0.7, 0.0000004, "other"],
  ["Cloud Run Functions", "CPU Time", "seconds", "GHz-second", 1.3, 0.00001, "other"],
  ["Networking", "Network Internet Data Transfer Out from Seoul", "bytes", "gibibyte", 4.2, 0.12, "other"],
  ["Networking", "Network Inter Region Data Transfer Out from Seoul to Tokyo", "bytes", "gibibyte", 1.9, 0.05, "other"],
  ["Networking", "Cloud Load Balancer Forwarding Rule Minimum Service Charge in Seoul", "seconds", "hour", 0.6, 0.025, "other"],
  ["Networking", "Cloud NAT Gateway Uptime", "seconds", "hour", 1.1, 0.045, "other"],
  ["Networking", "Networking Cloud CDN Cache Egress Asia Pacific", "bytes", "gibibyte", 2.7, 0.09, "other"],
  ["Cloud Logging", "Log Storage cost", "bytes", "gibibyte", 1.6, 0.5, "other"],
  ["Cloud Monitoring", "Metric Volume", "bytes", "mebibyte", 0.9, 0.258, "other"],
  ["Cloud Pub/Sub", "Message Delivery Basic", "bytes", "tebibyte", 1.5, 40, "other"],
  ["Dataflow", "Dataflow Streaming vCPU Time Seoul", "seconds", "hour", 8.4, 0.069, "other"],
  ["Memorystore for Redis", "Redis Capacity Standard M1 Seoul", "byte-seconds", "gibibyte hour", 5.5, 0.066, "other"],
  ["Cloud Spanner", "Spanner Processing Units Seoul", "seconds", "hour", 31, 1.17, "other"],
  ["Cloud Firestore", "Cloud Firestore Read Ops", "requests", "count", 0.8, 0.00000036, "other"],
  ["Vertex AI", "Gemini 2.5 Flash Input Tokens", "count", "count", 7.5, 0.0000003, "other"],
  ["Vertex AI", "Online Prediction n1-standard-4", "seconds", "hour", 6.2, 0.219, "other"],
  ["Artifact Registry", "Artifact Registry Storage", "byte-seconds", "gibibyte month", 0.4, 0.1, "other"],
  ["Secret Manager", "Secret version replica storage", "seconds", "month", 0.1, 0.06, "other"],
  ["Cloud DNS", "ManagedZone", "count", "month", 0.2, 0.2, "other"],
  ["Cloud Armor", "Protected Resource Policy Charge", "count", "month", 0.5, 1, "other"],
  ["Filestore", "Filestore Basic HDD Capacity Seoul", "byte-seconds", "gibibyte month", 3.3, 0.2, "other"],
  ["Cloud Bigtable", "Bigtable Node Seoul", "seconds", "hour", 16, 0.715, "other"],
  ["Dataproc", "Dataproc vCPU Time", "seconds", "hour", 2.3, 0.01, "other"],
  ["Cloud Build", "Build time e2-standard-2", "seconds", "minute", 0.9, 0.006, "other"],
  ["Google Workspace", "Google Workspace Business Standard", "count", "count", 9.6, 0.4, "workspace"],
  ["Google Workspace", "Google Workspace Business Plus", "count", "count", 14.4, 0.6, "workspace"],
  ["Google Workspace", "Google Workspace Enterprise Standard", "count", "count", 22, 0.9, "workspace"],
];

const SKUS: Sku[] = CATALOG.map(([service, sku, unit, pricingUnit, dailyUsd, unitUsd, kind]) => ({
  serviceId: service === "Compute Engine" ? "6F81-5844-456A" : service === "Cloud Storage" ? "95FF-2EF5-5EA1" : service === "BigQuery" ? "24E6-581D-38E5" : skuCode(`service:${service}`),
  service,
  skuId: kind === "workspace" ? String(1010020000 + Math.round(unitUsd * 100)) : skuCode(`sku:${service}:${sku}`),
  sku,
  unit,
  pricingUnit,
  dailyMicros: Math.round(dailyUsd * 1_000_000),
  unitPriceMicros: Math.max(1, Math.round(unitUsd * 1_000_000)),
  kind,
  global: kind === "workspace",
  slug: service.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
}));

const REGIONS = [
  { region: "asia-northeast3", country: "KR" },
  { region: "asia-northeast3", country: "KR" },
  { region: "asia-northeast3", country: "KR" },
  { region: "asia-northeast1", country: "JP" },
  { region: "us-central1", country: "US" },
  { region: "europe-west3", country: "DE" },
];

const CREDIT_TYPES = ["COMMITTED_USAGE_DISCOUNT", "PROMOTION", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "SUBSCRIPTION_BENEFIT"];
const ENVS = ["prod", "staging", "dev"];

interface GcpCustomer {
  index: number;
  id: string;
  payer: Payer;
  googleCustomer: string;
  correlationId: string | null;
  subAccount: string;
  pricePercent: number;
  /** Spend relative to the catalog's typical daily cost, percent. */
  sizePercent: number;
  creditType: string;
  creditName: string;
  skus: Sku[];
  /** Static JSON parts of this customer's usage lines. */
  head: string;
  names: string;
  projects: string[];
  location: string;
}

interface UsageDay {
  date: number;
  day: number;
  monthIndex: number;
  invoiceMonth: string;
  exportDay: string;
  rows: number;
}

interface ExportDay {
  key: string;
  usageDays: number[];
  /** The invoice month (index) whose close lines this export carries. */
  closeMonth?: number;
}

export interface GcpScalePlan {
  spec: GcpScaleSpec;
  customers: GcpCustomer[];
  usageDays: UsageDay[];
  exportDays: ExportDay[];
  months: { year: number; month: number; invoiceMonth: string }[];
}

const pad = (n: number) => String(n).padStart(2, "0");
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY = 86_400_000;

function bqTimestamp(ms: number, iso: boolean): string {
  const text = new Date(ms).toISOString();
  return iso ? text : `${text.slice(0, 10)} ${text.slice(11, 19)}.${text.slice(20, 23)}000 UTC`;
}

const json = JSON.stringify;

const FRACTIONS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** Micro-units (1e-6) to exact decimal text: what gcp.ts's micros() writes, without regular expressions. */
export function micros(value: number): string {
  if (value === 0) return "0";
  const sign = value < 0 ? "-" : "";
  const abs = value < 0 ? -value : value;
  const int = Math.floor(abs / 1_000_000);
  const frac = abs % 1_000_000;
  if (frac === 0) return `${sign}${int}`;
  const high = Math.floor(frac / 1000);
  const low = frac % 1000;
  let text = low === 0 ? FRACTIONS[high] : FRACTIONS[high] + FRACTIONS[low];
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (end < text.length) text = text.slice(0, end);
  return `${sign}${int}.${text}`;
}

/** Customers who get two identical zero-cost promotion lines on the 10th. */
const hasDuplicates = (c: GcpCustomer) => c.index % 50 === 0;
/** Customers with a usage correction at month close. */
const hasAdjustment = (c: GcpCustomer) => c.index % 40 === 1;

/** Everything about the export that does not depend on the rows: customers, SKU mixes, days, files. */
export function planGcpScale(spec: GcpScaleSpec, customers: ScaleCustomer[]): GcpScalePlan {
  const random = mulberry32(spec.seed ^ 0x5ca1e);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const byKind = (kind: Kind) => SKUS.filter((s) => s.kind === kind);
  const gcpCustomers: GcpCustomer[] = customers.map((c, index) => {
    const payer = PAYERS[[0, 0, 1, 1, 2][index % 5]];
    const googleCustomer = `${RESELLER_ACCOUNT}/customers/${createHash("sha1").update(`customer:${c.id}`).digest("base64url").replace(/[-_]/g, "x").slice(0, 6)}`;
    const correlationId = index % 3 === 1 ? null : c.crmId;
    const subAccount = `${payer.id.slice(0, 6)}-${String(index + 1).padStart(6, "0")}-${hashHex(`sub:${c.id}`, 6)}`;
    const pricePercent = between(103, 125);
    const sizePercent = [30, 60, 100, 100, 150, 250, 400][between(0, 6)];
    const creditType = CREDIT_TYPES[index % CREDIT_TYPES.length];
    // Every customer runs Compute Engine and Cloud Storage; the rest of the mix is drawn from the catalog.
    const mix = new Set<Sku>([byKind("compute")[0], byKind("storage")[0]]);
    const others = SKUS.filter((s) => s.kind !== "workspace" && !mix.has(s));
    while (mix.size < Math.min(spec.skusPerCustomer, others.length + 2)) mix.add(others[between(0, others.length - 1)]);
    if (index % 3 === 0) mix.add(byKind("workspace")[index % byKind("workspace").length]);
    const skus = SKUS.filter((s) => mix.has(s));
    const place = REGIONS[between(0, REGIONS.length - 1)];
    const projects = ENVS.slice(0, 1 + (index % 3)).map(
      (env, p) =>
        `{"number":"${100000000000 + index * 10 + p}","id":${json(`${c.id}-${env}`)},"name":${json(`${c.name} ${env === "prod" ? "Production" : env === "staging" ? "Staging" : "Development"}`)},"labels":[{"key":"env","value":"${env}"}],"ancestry_numbers":"/1234567/"}`,
    );
    const names =
      `"currency":"${payer.currency}","currency_conversion_rate":${payer.usdRate},"customer_name":${json(googleCustomer)},"customer_correlation_id":${json(correlationId)},` +
      `"entitlement_name":${json(`${googleCustomer}/entitlements/E-${c.id}`)},"customer_repricing_config_name":${json(`${googleCustomer}/customerRepricingConfigs/RC-${pricePercent}`)},` +
      `"seller_name":"Google","transaction_type":"GOOGLE","credits":[`;
    return {
      index,
      id: c.id,
      payer,
      googleCustomer,
      correlationId,
      subAccount,
      pricePercent,
      sizePercent,
      creditType,
      creditName: creditType.replace(/_/g, " ").toLowerCase(),
      skus,
      head: `{"billing_account_id":"${subAccount}","payer_billing_account_id":"${payer.id}","invoice":{"month":"`,
      names,
      projects,
      location: `{"location":"${place.region}","country":"${place.country}","region":"${place.region}","zone":"${place.region}-a"}`,
    };
  });

  const months = monthList(spec.firstMonth, spec.months).map(({ year, month }) => ({ year, month, invoiceMonth: `${year}${pad(month)}` }));
  const usageDays: UsageDay[] = [];
  const closeDays = new Map<string, number>();
  for (const [monthIndex, { year, month, invoiceMonth }] of months.entries()) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    for (let day = 1; day <= days; day++) {
      const date = Date.UTC(year, month - 1, day);
      // Most usage is exported the next day; the last two days of a month arrive in the next month's first days.
      usageDays.push({ date, day, monthIndex, invoiceMonth, exportDay: isoDay(date + (day >= days - 1 ? 2 : 1) * DAY), rows: 0 });
    }
    closeDays.set(isoDay(Date.UTC(year, month, 3)), monthIndex);
  }

  // Rows: the month-close lines are fixed; the usage lines make up the rest, spread evenly over the days.
  const perMonthClose = gcpCustomers.length + gcpCustomers.filter(hasAdjustment).length + PAYERS.length;
  const duplicates = 2 * gcpCustomers.filter(hasDuplicates).length * months.length;
  const usageRows = spec.rows - perMonthClose * months.length - duplicates;
  if (usageRows < usageDays.length * 10) throw new Error(`${spec.rows} rows are too few for ${gcpCustomers.length} customers over ${usageDays.length} days`);
  usageDays.forEach((u, d) => {
    u.rows = Math.floor((usageRows * (d + 1)) / usageDays.length) - Math.floor((usageRows * d) / usageDays.length);
  });

  const exportDays = new Map<string, ExportDay>();
  const exportDay = (key: string) => {
    let e = exportDays.get(key);
    if (!e) exportDays.set(key, (e = { key, usageDays: [] }));
    return e;
  };
  usageDays.forEach((u, d) => exportDay(u.exportDay).usageDays.push(d));
  for (const [key, monthIndex] of closeDays) exportDay(key).closeMonth = monthIndex;
  return { spec, customers: gcpCustomers, usageDays, exportDays: [...exportDays.values()].sort((a, b) => a.key.localeCompare(b.key)), months };
}

/** Net regular cost (cost + credits, micro-units) per customer index, of one invoice month. */
export type MonthSums = Record<string, number[]>;

export interface ExportDayResult {
  file: string;
  rows: number;
  bytes: number;
  /** Net regular cost per invoice month (index) and customer: the taxes at month close need it. */
  sums: [number, number, number][];
}

/** A line assembled in chunks and written through the stream with backpressure. */
class ChunkWriter {
  private chunk = "";
  bytes = 0;
  private readonly stream;
  constructor(file: string) {
    this.stream = createWriteStream(file, { highWaterMark: 1 << 22 });
  }
  /** Adds a line; returns a promise (to await) only when a full chunk was handed to the stream. */
  add(line: string): Promise<void> | undefined {
    this.chunk += line;
    return this.chunk.length >= 1 << 20 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (!this.chunk) return;
    const buffer = Buffer.from(this.chunk);
    this.chunk = "";
    this.bytes += buffer.length;
    if (!this.stream.write(buffer)) await once(this.stream, "drain");
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
  }
}

/**
 * Writes one export day's file: the usage of the days exported that day and, on the 3rd, the closed
 * month's taxes, adjustments and rounding lines (closeSums: the month's net regular cost per customer).
 */
export async function writeGcpExportDay(plan: GcpScalePlan, dataDir: string, exportIndex: number, closeSums?: number[]): Promise<ExportDayResult> {
  const e = plan.exportDays[exportIndex];
  const dir = join(dataDir, GCP_EXPORT_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `reseller_billing_detailed_export_v1_${e.key.replace(/-/g, "")}.json`);
  // Extracts vary the way `bq extract` output varies: ISO timestamps and numbers written as JSON numbers in some files.
  const iso = exportIndex % 5 === 0;
  const plain = exportIndex % 4 === 1;
  const q = plain ? "" : '"';
  const exportTime = bqTimestamp(Date.parse(`${e.key}T03:00:00Z`), iso);
  const tail = `,"export_time":"${exportTime}"}\n`;
  const out = new ChunkWriter(file);
  const sums = new Map<string, number>();
  let rows = 0;
  // Rare lines are built as objects, the way gcp.ts builds every line.
  const objectLine = (row: Record<string, unknown>) => {
    const text = JSON.stringify({ ...row, export_time: exportTime });
    return `${plain ? text.replace(/"(cost|customer_cost|amount|customer_amount)":"(-?\d+(?:\.\d+)?)"/g, '"$1":$2') : text}\n`;
  };
  const base = (c: GcpCustomer | null, payer: Payer, invoiceMonth: string, costType: string) => exportLineBase(payer, c, invoiceMonth, costType);

  for (const d of e.usageDays) {
    const u = plan.usageDays[d];
    const random = mulberry32((plan.spec.seed + Math.imul(d + 1, 0x9e3779b1)) >>> 0);
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const hours = Array.from({ length: 48 }, (_, h) => bqTimestamp(u.date + h * 3_600_000, iso));
    // The reseller's own projects: a little storage, billed to nobody, on one payer a day.
    const opsPayer = PAYERS[u.day % PAYERS.length];
    const storage = SKUS.filter((s) => s.kind === "storage").slice(0, 2);
    const pairs = plan.customers.reduce((n, c) => n + c.skus.length, 0) + storage.length;
    const base_ = Math.floor(u.rows / pairs);
    const extra = u.rows - base_ * pairs;
    const offset = (d * 7919) % pairs;
    let pair = 0;
    const linesOf = () => base_ + ((pair++ - offset + pairs) % pairs < extra ? 1 : 0);

    const usageLine = async (c: GcpCustomer | null, payer: Payer, sku: Sku, lines: number, projectIndex: number) => {
      if (lines === 0) return;
      // The line's static parts, once per customer and SKU.
      const workspace = sku.kind === "workspace";
      const owner = c?.id ?? "ops";
      const head = c
        ? `${c.head}${u.invoiceMonth}"},"cost_type":"regular",${c.names}`
        : `{"billing_account_id":"${payer.id.slice(0, 6)}-RESELL-INTERNAL","payer_billing_account_id":"${payer.id}","invoice":{"month":"${u.invoiceMonth}"},"cost_type":"regular","currency":"${payer.currency}","currency_conversion_rate":${payer.usdRate},"customer_name":null,"customer_correlation_id":null,"entitlement_name":null,"customer_repricing_config_name":null,"seller_name":"Google","transaction_type":"GOOGLE","credits":[`;
      const labels = workspace ? "[]" : `[{"key":"team","value":"${c ? "platform" : "ops"}"}]`;
      const systemLabels = workspace
        ? `[{"key":"workspace.googleapis.com/domain_name","value":"${owner}.example.kr"},{"key":"workspace.googleapis.com/usage_type","value":"COMMITMENT_MONTHLY_ITEM"}]`
        : `[{"key":"compute.googleapis.com/machine_spec","value":"e2-standard-4"}]`;
      const project = workspace ? "null" : c ? c.projects[projectIndex % c.projects.length] : `{"number":"100000000009","id":"reseller-ops-prod","name":"Reseller Ops Production","labels":[{"key":"env","value":"prod"}],"ancestry_numbers":"/1234567/"}`;
      const location = sku.global ? "null" : c ? c.location : `{"location":"asia-northeast3","country":"KR","region":"asia-northeast3","zone":"asia-northeast3-a"}`;
      const resource = workspace ? "null" : `{"name":"${sku.slug}-${owner}","global_name":null}`;
      const effective = sku.unitPriceMicros * payer.scale;
      const middle = `],"labels":${labels},"system_labels":${systemLabels},"tags":[],"adjustmentsInfo":[],"service":{"id":"${sku.serviceId}","description":${json(sku.service)}},"sku":{"id":"${sku.skuId}","description":${json(sku.sku)}},"usage_start_time":"`;
      const place = `","project":${project},"location":${location},"resource":${resource},"cost":${q}`;
      const usageUnit = `${q},"unit":"${sku.unit}","amount_in_pricing_units":"`;
      const priceTail =
        `","pricing_unit":"${sku.pricingUnit}"},"price":{"effective_price":"${micros(effective)}","tier_start_amount":"0","unit":"${sku.unit}","pricing_unit_quantity":"1","list_price":"${micros(Math.round(effective * 1.05))}","effective_price_default":null,"list_price_consumption_model":null},` +
        `"consumption_model":${workspace ? "null" : '{"id":"D2C2-7D2D-2B39","description":"Default"}'}${tail}`;
      const creditId = `-${sku.skuId}","full_name":null,"type":"`;
      const sumKey = c ? `${u.monthIndex}:${c.index}` : "";
      let credits = "";
      let creditSum = 0;
      const credit = (type: string, name: string, amount: number, customerAmount: number) => {
        creditSum += amount;
        credits += `${credits ? "," : ""}{"id":"${type.toLowerCase()}${creditId}${type}","name":"${name}","amount":${q}${micros(amount)}${q},"channel_partner_amount":null,"customer_amount":${q}${micros(customerAmount)}${q}}`;
      };
      for (let line = 0; line < lines; line++) {
        const hour = between(0, 23);
        const share = c ? c.sizePercent : 25;
        const usdCost = Math.round((sku.dailyMicros * between(60, 140) * share) / 10_000 / lines);
        const cost = usdCost * payer.scale;
        const quantityMicros = Math.round((usdCost / sku.unitPriceMicros) * 1_000_000);
        const customerCost = c ? Math.round((cost * c.pricePercent) / 100) : null;
        credits = "";
        creditSum = 0;
        if (!workspace) credit("RESELLER_MARGIN", "Reseller Margin", -Math.round(cost * 0.04), 0);
        if (sku.kind === "compute" && u.day % 3 === 0) credit("SUSTAINED_USAGE_DISCOUNT", "Sustained Usage Discount", -Math.round(cost * 0.2), -Math.round((customerCost ?? 0) * 0.2));
        if (sku.kind === "storage" && u.day <= 5) credit("FREE_TIER", "Free tier", -Math.round(cost * 0.5), -Math.round((customerCost ?? 0) * 0.5));
        if (c && sku.kind === "compute" && u.day % 7 === 0) credit(c.creditType, c.creditName, -Math.round(cost * 0.15), -Math.round((customerCost ?? 0) * 0.15));
        if (c && sku.kind === "bigquery" && u.day === 15) credit("DISCOUNT", "Spending based discount", -Math.round(cost * 0.05), -Math.round((customerCost ?? 0) * 0.05));
        if (c) sums.set(sumKey, (sums.get(sumKey) ?? 0) + cost + creditSum);
        rows++;
        const flushing = out.add(
          `${head}${credits}${middle}${hours[hour]}","usage_end_time":"${hours[hour + (workspace ? 24 : 1)]}${place}${micros(cost)}${q},"cost_at_list":"${micros(Math.round(cost * 1.05))}","customer_cost":${customerCost === null ? "null" : `${q}${micros(customerCost)}${q}`},` +
            `"usage":{"amount":${q}${micros(quantityMicros * 3600)}${usageUnit}${micros(quantityMicros)}${priceTail}`,
        );
        if (flushing) await flushing;
      }
    };

    for (const c of plan.customers) {
      for (const [s, sku] of c.skus.entries()) await usageLine(c, c.payer, sku, linesOf(), s);
    }
    for (const sku of storage) await usageLine(null, opsPayer, sku, linesOf(), 0);

    // Discount credits applied to separate zero-cost lines: identical rows that are both real.
    if (u.day === 10) {
      const compute = SKUS[0];
      for (const c of plan.customers.filter(hasDuplicates)) {
        const dup = objectLine({
          ...base(c, c.payer, u.invoiceMonth, "regular"),
          service: { id: compute.serviceId, description: compute.service },
          sku: { id: compute.skuId, description: compute.sku },
          usage_start_time: hours[5],
          usage_end_time: hours[6],
          cost: "0",
          customer_cost: "0",
          credits: [{ id: "promo-2026", full_name: null, type: "PROMOTION", name: "Partner promotion", amount: "-1.25", channel_partner_amount: null, customer_amount: "-1.25" }],
        });
        await out.add(dup);
        await out.add(dup);
        rows += 2;
      }
    }
  }

  // Month close: tax per customer, adjustments and a rounding line per payer, exported on the 3rd.
  if (e.closeMonth !== undefined) {
    if (!closeSums) throw new Error(`export day ${e.key} closes a month: the month's sums are needed`);
    const monthIndex = e.closeMonth;
    const { year, month, invoiceMonth } = plan.months[monthIndex];
    const random = mulberry32((plan.spec.seed ^ Math.imul(monthIndex + 1, 0x85ebca6b)) >>> 0);
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const ts = (ms: number) => bqTimestamp(ms, iso);
    for (const c of plan.customers) {
      rows++;
      await out.add(
        objectLine({
          ...base(c, c.payer, invoiceMonth, "tax"),
          service: { id: "TAX", description: "Tax" },
          sku: { id: "TAX-KR-VAT", description: "Korea VAT" },
          usage_start_time: ts(Date.UTC(year, month - 1, 1)),
          usage_end_time: ts(Date.UTC(year, month, 1)),
          cost: micros(Math.round((closeSums[c.index] ?? 0) * 0.1)),
          customer_cost: null,
          usage: { amount: "1", unit: "count", amount_in_pricing_units: "1", pricing_unit: "count" },
        }),
      );
    }
    const corrected = SKUS.find((s) => s.service === "Cloud SQL") as Sku;
    for (const c of plan.customers.filter(hasAdjustment)) {
      rows++;
      await out.add(
        objectLine({
          ...base(c, c.payer, invoiceMonth, "adjustment"),
          service: { id: corrected.serviceId, description: corrected.service },
          sku: { id: corrected.skuId, description: corrected.sku },
          // Corrects usage of the previous, already invoiced month (or this month's, for the first month).
          usage_start_time: ts(Date.UTC(year, month - (monthIndex === 0 ? 1 : 2), 12)),
          usage_end_time: ts(Date.UTC(year, month - (monthIndex === 0 ? 1 : 2), 13)),
          cost: micros(-between(1_000_000, 3_000_000) * c.payer.scale),
          customer_cost: null,
          adjustmentsInfo: [{ adjustment_id: `ADJ-${invoiceMonth}-${String(c.index).padStart(4, "0")}`, adjustment_description: "Cloud SQL usage over-reported", adjustment_type: "USAGE_CORRECTION", adjustment_mode: "PARTIAL_CORRECTION" }],
        }),
      );
    }
    for (const payer of PAYERS) {
      rows++;
      await out.add(
        objectLine({
          ...base(null, payer, invoiceMonth, payer.roundingSpelling),
          service: { id: "ROUNDING", description: "Rounding" },
          sku: { id: "ROUNDING", description: "Invoice rounding" },
          cost: micros(between(-9, 9) * 1000),
          customer_cost: null,
        }),
      );
    }
  }
  await out.close();
  return { file, rows, bytes: out.bytes, sums: [...sums.entries()].map(([k, v]) => [...(k.split(":").map(Number) as [number, number]), v]) };
}

export interface GcpScaleProgress {
  done: number;
  total: number;
  rows: number;
  bytes: number;
}

export interface GcpScaleResult {
  files: string[];
  rows: number;
  bytes: number;
  /** The customers' `gcp` blocks of config/customers.json. */
  customers: Record<string, { customer_names: string[]; customer_correlation_ids: string[]; billing_account_ids: string[] }>;
  currencies: string[];
}

type WorkerRequest = { dataDir: string; spec: GcpScaleSpec; customers: ScaleCustomer[]; exportIndex: number; closeSums?: number[] };
type WorkerReply = { ok: true; result: ExportDayResult } | { ok: false; error: string };

/** A pool of generator threads (scripts/generate/gcp-scale-worker.js), or the calling thread when size is 0. */
class DayPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./gcp-scale-worker.js", import.meta.url));
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }
  get size() {
    return this.workers.length;
  }
  async run(request: WorkerRequest, plan: GcpScalePlan): Promise<ExportDayResult> {
    if (this.workers.length === 0) return writeGcpExportDay(plan, request.dataDir, request.exportIndex, request.closeSums);
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await new Promise<ExportDayResult>((resolve, reject) => {
        const onMessage = (reply: WorkerReply) => {
          worker.off("error", onError);
          if (reply.ok) resolve(reply.result);
          else reject(new Error(reply.error));
        };
        const onError = (error: Error) => {
          worker.off("message", onMessage);
          reject(error);
        };
        worker.once("message", onMessage);
        worker.once("error", onError);
        worker.postMessage(request);
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }
  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Writes DIR/gcp/reseller_billing_detailed_export_v1/reseller_billing_detailed_export_v1_YYYYMMDD.json,
 * one NDJSON file per export day, on `workers` threads (0: on this thread).
 */
export async function generateGcpScaleExport(
  dataDir: string,
  spec: GcpScaleSpec,
  customers: ScaleCustomer[],
  options: { workers?: number; onProgress?: (p: GcpScaleProgress) => void } = {},
): Promise<GcpScaleResult> {
  const plan = planGcpScale(spec, customers);
  const pool = new DayPool(options.workers ?? 2);
  const total = plan.exportDays.length;
  const sums = plan.months.map(() => new Array<number>(customers.length).fill(0));
  const results: ExportDayResult[] = new Array(total);
  let done = 0;
  let rows = 0;
  let bytes = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const run = (exportIndex: number, closeSums?: number[]) => {
    const task = pool
      .run({ dataDir, spec, customers, exportIndex, closeSums }, plan)
      .then((result) => {
        results[exportIndex] = result;
        for (const [m, c, v] of result.sums) sums[m][c] += v;
        done++;
        rows += result.rows;
        bytes += result.bytes;
        options.onProgress?.({ done, total, rows, bytes });
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  try {
    for (const [exportIndex, e] of plan.exportDays.entries()) {
      // A month-close export needs the month's sums: every earlier export day must be written first.
      if (e.closeMonth !== undefined) await Promise.all(inFlight);
      while (inFlight.size >= Math.max(1, pool.size)) await Promise.race(inFlight);
      if (failure) break;
      run(exportIndex, e.closeMonth !== undefined ? sums[e.closeMonth] : undefined);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  } finally {
    await pool.close();
  }
  return {
    files: results.map((r) => r.file),
    rows,
    bytes,
    customers: Object.fromEntries(
      plan.customers.map((c) => [
        c.id,
        { customer_names: c.correlationId ? [] : [c.googleCustomer], customer_correlation_ids: c.correlationId ? [c.correlationId] : [], billing_account_ids: [] },
      ]),
    ),
    currencies: GCP_SCALE_CURRENCIES,
  };
}
