import type { CheckResult } from "../check/zetasql-check.ts";
import type { ActionResult } from "../runner/run-graph.ts";

const STATUS_MARK: Record<ActionResult["status"], string> = { success: "ok", failed: "FAILED", skipped: "skipped" };

/** One progress line per action: `[ 3/21] table      core.fct_billing_line  ok  1,234 rows  0.41s`. */
export function formatActionLine(result: ActionResult, index: number, total: number): string {
  const width = String(total).length;
  const rows = result.rowsWritten === undefined || result.kind === "assertion" ? "" : `  ${result.rowsWritten.toLocaleString("en-US")} rows`;
  const mode = result.mode && result.mode !== "create" && result.mode !== "assertion" ? ` (${result.mode})` : "";
  const head = `[${String(index).padStart(width)}/${total}] ${result.kind.padEnd(11)} ${result.name}${mode}`;
  const line = `${head}  ${STATUS_MARK[result.status]}${rows}  ${result.seconds.toFixed(2)}s`;
  if (result.status === "success") return result.message ? `${line}  (${result.message})` : line;
  return [line, ...formatFailure(result)].join("\n");
}

export function formatFailure(result: ActionResult): string[] {
  const lines = [`      file: ${result.fileName || "(unknown)"}`];
  if (result.message) lines.push(`      ${result.message}`);
  if (result.failingRows && result.failingRows.length > 0) {
    const shown = result.failingRows.length;
    const total = result.failingRowCount ?? shown;
    lines.push(`      first ${shown} of ${total} failing row${total === 1 ? "" : "s"}:`);
    for (const row of result.failingRows) lines.push(`        ${JSON.stringify(row)}`);
  }
  return lines;
}

export function formatDryRun(result: ActionResult): string {
  return [`-- ${result.kind} ${result.name} (${result.fileName})`, ...(result.statements ?? []).map((s) => `${s};`), ""].join("\n");
}

export function formatCheckResult(result: CheckResult): string {
  if (result.errors.length === 0) {
    return `ZetaSQL: ${result.actionsChecked} actions, ${result.statementsChecked} statements type-check as BigQuery SQL.`;
  }
  const lines = [`ZetaSQL found ${result.errors.length} error${result.errors.length === 1 ? "" : "s"}:`];
  for (const error of result.errors) lines.push(`  ${error.action} (${error.fileName}): ${error.message}`);
  return lines.join("\n");
}

const cellText = (value: unknown) => (value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));

/** Query rows as an aligned text table (numbers right-aligned). */
export function rowsAsTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => cellText(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((_, i) => cells.every((r) => r[i] === "" || /^-?\d+(\.\d+)?$/.test(r[i])));
  const line = (values: string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`].join("\n");
}

export function rowsAsCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(","), ...rows.map((row) => columns.map((c) => quote(cellText(row[c]))).join(","))].join("\n");
}
