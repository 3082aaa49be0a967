/** The billing month after a YYYY-MM month, as YYYY-MM. */
export function nextMonth(month: string): string {
  const [year, mm] = month.split("-").map(Number);
  return mm === 12 ? `${year + 1}-01` : `${year}-${String(mm + 1).padStart(2, "0")}`;
}
