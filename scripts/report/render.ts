import type { MarginReport } from "./margin-report.ts";
import { formatMoney, formatPercent, roundDecimal } from "./money.ts";

export type ReportLanguage = "en" | "ko";
export type ReportFormat = "html" | "csv" | "json";

const LABELS = {
  en: {
    title: "Margin report",
    month: "Billing period",
    revenue: "Customer price",
    cost: "Cost",
    margin: "Margin",
    marginPct: "Margin %",
    byCustomer: "Margin by customer",
    byService: "Margin by service",
    trend: "Monthly trend",
    details: "Detail (native currency and reporting currency)",
    customer: "Customer",
    provider: "Provider",
    service: "Service",
    currency: "Currency",
    reconciliation: "Invoice reconciliation",
    payer: "Payer account",
    vendorTotal: "Vendor total",
    warehouseTotal: "Warehouse total",
    difference: "Difference",
    status: "Status",
    reportingIn: "Amounts in",
    generated: "Generated",
    contracts: "Customer contracts in force",
    contract: "Contract",
    term: "Term",
    committed: "Committed",
    drawn: "Drawn to date",
    remaining: "Remaining",
  },
  ko: {
    title: "마진 보고서",
    month: "청구 기간",
    revenue: "고객 청구액",
    cost: "원가",
    margin: "마진",
    marginPct: "마진율",
    byCustomer: "고객별 마진",
    byService: "서비스별 마진",
    trend: "월별 추이",
    details: "상세 (청구 통화 및 보고 통화)",
    customer: "고객",
    provider: "공급사",
    service: "서비스",
    currency: "통화",
    reconciliation: "청구서 대사",
    payer: "지급 계정",
    vendorTotal: "공급사 합계",
    warehouseTotal: "웨어하우스 합계",
    difference: "차이",
    status: "상태",
    reportingIn: "보고 통화",
    generated: "생성 시각",
    contracts: "유효한 고객 계약",
    contract: "계약",
    term: "계약 기간",
    committed: "약정 금액",
    drawn: "누적 사용액",
    remaining: "잔여 금액",
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function csvCell(value: string | null): string {
  if (value === null) return "";
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV row per margin_monthly row of the month, amounts as exact decimals. */
export function renderCsv(report: MarginReport): string {
  const header = ["billing_period", "customer_id", "customer_name", "provider_name", "service_name", "currency", "cost", "customer_price", "margin", "margin_pct", "reporting_currency", "cost_reporting", "customer_price_reporting", "margin_reporting"];
  const lines = report.rows.map((r) =>
    [`${report.month}-01`, r.customerId, r.customerName, r.providerName, r.serviceName, r.currency, r.cost, r.customerPrice, r.margin, r.marginPct, report.reportingCurrency, r.costReporting, r.customerPriceReporting, r.marginReporting]
      .map(csvCell)
      .join(","),
  );
  return `${[header.join(","), ...lines].join("\n")}\n`;
}

export function renderJson(report: MarginReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** One self-contained HTML file: charts are drawn in the page by an inline script, no network needed. */
export function renderHtml(report: MarginReport, lang: ReportLanguage, generatedAt = new Date()): string {
  const t = LABELS[lang];
  const cur = report.reportingCurrency;
  const money = (v: string | null) => escapeHtml(formatMoney(v, cur));
  const chartData = {
    currency: cur,
    byCustomer: report.byCustomer.map((b) => ({ label: b.label, value: Number(b.margin) })),
    byService: report.byService.map((b) => ({ label: b.label, value: Number(b.margin) })),
    trend: report.trend.map((b) => ({ label: b.month, revenue: Number(b.customerPrice), cost: Number(b.cost), margin: Number(b.margin) })),
    labels: { revenue: t.revenue, cost: t.cost, margin: t.margin },
  };
  const detailRows = report.rows
    .map(
      (r) => `<tr><td>${escapeHtml(r.customerName)}</td><td>${escapeHtml(r.providerName)}</td><td>${escapeHtml(r.serviceName)}</td><td>${r.currency}</td>` +
        `<td class="num">${escapeHtml(formatMoney(r.cost, r.currency))}</td><td class="num">${escapeHtml(formatMoney(r.customerPrice, r.currency))}</td>` +
        `<td class="num">${escapeHtml(formatMoney(r.margin, r.currency))}</td><td class="num">${formatPercent(r.marginPct)}</td>` +
        `<td class="num">${money(r.customerPriceReporting)}</td><td class="num">${money(r.marginReporting)}</td></tr>`,
    )
    .join("\n");
  const reconRows = report.reconciliation
    .map(
      (r) => `<tr><td>${escapeHtml(r.reconciliation === "vendor_invoice" ? r.payerAccountId : `${r.payerAccountId} · ${r.reconciliation}${r.scope ? ` · ${r.scope}` : ""}`)}</td><td>${r.currency}</td><td class="num">${escapeHtml(formatMoney(r.vendorTotal, r.currency))}</td>` +
        `<td class="num">${escapeHtml(formatMoney(r.warehouseTotal, r.currency))}</td><td class="num">${escapeHtml(roundDecimal(r.difference, 6))}</td><td class="${r.status}">${r.status}</td></tr>`,
    )
    .join("\n");
  const contractRows = report.contracts
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.customerName)}</td><td>${escapeHtml(c.type)}${c.description ? ` · ${escapeHtml(c.description)}` : ""}<br><small>${escapeHtml(c.contractId)}</small></td>` +
        `<td>${c.start} – ${c.end}</td><td>${escapeHtml(c.currency ?? "")}</td>` +
        `<td class="num">${c.committed === null ? "" : escapeHtml(formatMoney(c.committed, c.currency ?? ""))}</td><td class="num">${escapeHtml(formatMoney(c.drawn, c.currency ?? ""))}</td>` +
        `<td class="num">${c.remaining === null ? "" : escapeHtml(formatMoney(c.remaining, c.currency ?? ""))}</td></tr>`,
    )
    .join("\n");
  const contractsSection =
    report.contracts.length === 0
      ? ""
      : `<h2>${t.contracts}</h2>
<table id="contracts"><thead><tr><th>${t.customer}</th><th>${t.contract}</th><th>${t.term}</th><th>${t.currency}</th><th>${t.committed}</th><th>${t.drawn}</th><th>${t.remaining}</th></tr></thead>
<tbody>
${contractRows}
</tbody></table>
`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(t.title)} ${report.month} — ${escapeHtml(report.resellerName)}</title>
<style>
  body { font-family: system-ui, "Noto Sans KR", sans-serif; margin: 24px; color: #1f2937; }
  h1 { margin-bottom: 4px; } .sub { color: #6b7280; margin-top: 0; }
  .kpis { display: flex; gap: 16px; margin: 16px 0; } .kpi { border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 16px; min-width: 180px; }
  .kpi b { display: block; font-size: 1.4em; } .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
  figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 8px; } svg { width: 100%; height: auto; background: #fafafa; }
  table { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 0.9em; } th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; } .match { color: #047857; } .mismatch { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<h1>${escapeHtml(t.title)} · ${report.month}</h1>
<p class="sub">${escapeHtml(report.resellerName)} · ${t.reportingIn} ${cur} · ${t.generated} ${generatedAt.toISOString().slice(0, 16).replace("T", " ")} UTC</p>
<div class="kpis">
  <div class="kpi">${t.revenue}<b id="kpi-revenue">${money(report.totals.customerPrice)}</b></div>
  <div class="kpi">${t.cost}<b id="kpi-cost">${money(report.totals.cost)}</b></div>
  <div class="kpi">${t.margin}<b id="kpi-margin">${money(report.totals.margin)}</b></div>
  <div class="kpi">${t.marginPct}<b id="kpi-margin-pct">${formatPercent(report.totals.marginPct)}</b></div>
</div>
<div class="charts">
  <figure><figcaption>${t.byCustomer}</figcaption><svg id="chart-customer" viewBox="0 0 520 260" role="img" aria-label="${t.byCustomer}"></svg></figure>
  <figure><figcaption>${t.byService}</figcaption><svg id="chart-service" viewBox="0 0 520 260" role="img" aria-label="${t.byService}"></svg></figure>
  <figure style="grid-column: span 2"><figcaption>${t.trend}</figcaption><svg id="chart-trend" viewBox="0 0 1060 260" role="img" aria-label="${t.trend}"></svg></figure>
</div>
<h2>${t.details}</h2>
<table id="detail"><thead><tr><th>${t.customer}</th><th>${t.provider}</th><th>${t.service}</th><th>${t.currency}</th><th>${t.cost}</th><th>${t.revenue}</th><th>${t.margin}</th><th>${t.marginPct}</th><th>${t.revenue} (${cur})</th><th>${t.margin} (${cur})</th></tr></thead>
<tbody>
${detailRows}
</tbody></table>
<h2>${t.reconciliation}</h2>
<table id="reconciliation"><thead><tr><th>${t.payer}</th><th>${t.currency}</th><th>${t.vendorTotal}</th><th>${t.warehouseTotal}</th><th>${t.difference}</th><th>${t.status}</th></tr></thead>
<tbody>
${reconRows}
</tbody></table>
${contractsSection}<script id="chart-data" type="application/json">${JSON.stringify(chartData).replace(/</g, "\\u003c")}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var fmt = new Intl.NumberFormat("${lang === "ko" ? "ko-KR" : "en-US"}", { maximumFractionDigits: data.currency === "KRW" ? 0 : 2 });
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function hbars(svg, items) {
    var max = Math.max.apply(null, items.map(function (d) { return Math.abs(d.value); }).concat([1]));
    var rowHeight = Math.min(36, 240 / Math.max(items.length, 1));
    items.forEach(function (d, i) {
      var width = Math.abs(d.value) / max * 300;
      var y = 10 + i * rowHeight;
      svg.appendChild(el("text", { x: 4, y: y + rowHeight * 0.6, "font-size": 12 }, d.label));
      svg.appendChild(el("rect", { class: "bar", x: 150, y: y, width: Math.max(width, 1), height: rowHeight * 0.7, fill: d.value < 0 ? "#dc2626" : "#2563eb", "data-value": d.value }));
      svg.appendChild(el("text", { x: 155 + width, y: y + rowHeight * 0.6, "font-size": 11 }, fmt.format(d.value)));
    });
    svg.setAttribute("data-drawn", String(items.length));
  }
  function trend(svg, items) {
    var max = Math.max.apply(null, items.map(function (d) { return Math.max(d.revenue, d.cost, Math.abs(d.margin)); }).concat([1]));
    var slot = 1000 / Math.max(items.length, 1);
    var series = [["revenue", "#2563eb"], ["cost", "#9ca3af"], ["margin", "#059669"]];
    items.forEach(function (d, i) {
      var x = 40 + i * slot;
      series.forEach(function (s, j) {
        var value = d[s[0]];
        var h = Math.abs(value) / max * 190;
        var color = s[0] === "margin" && value < 0 ? "#dc2626" : s[1];
        svg.appendChild(el("rect", { class: "bar", x: x + j * slot * 0.27, y: 220 - h, width: slot * 0.25, height: Math.max(h, 1), fill: color, "data-value": value }));
      });
      svg.appendChild(el("text", { x: x, y: 240, "font-size": 12 }, d.label + "  " + fmt.format(d.margin)));
    });
    series.forEach(function (s, i) {
      svg.appendChild(el("rect", { x: 40 + i * 160, y: 2, width: 12, height: 12, fill: s[1] }));
      svg.appendChild(el("text", { x: 58 + i * 160, y: 13, "font-size": 12 }, data.labels[s[0]]));
    });
    svg.setAttribute("data-drawn", String(items.length));
  }
  hbars(document.getElementById("chart-customer"), data.byCustomer);
  hbars(document.getElementById("chart-service"), data.byService);
  trend(document.getElementById("chart-trend"), data.trend);
})();
</script>
</body>
</html>
`;
}
