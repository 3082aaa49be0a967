/**
 * Exact decimal text arithmetic for presentation: rounding and grouping without ever going through a
 * float. Amounts arrive from the warehouse as DECIMAL text ("-1234.500000000").
 */

/** Rounds decimal text half away from zero to `places` decimals. */
export function roundDecimal(text: string, places: number): string {
  const negative = text.trim().startsWith("-");
  const [intRaw, fracRaw = ""] = text.trim().replace(/^[+-]/, "").split(".");
  const frac = fracRaw.padEnd(places + 1, "0");
  let digits = (intRaw.replace(/^0+(?=\d)/, "") || "0") + frac.slice(0, places);
  if (Number(frac[places]) >= 5) {
    const chars = digits.split("");
    let i = chars.length - 1;
    while (i >= 0) {
      if (chars[i] === "9") {
        chars[i] = "0";
        i--;
      } else {
        chars[i] = String(Number(chars[i]) + 1);
        break;
      }
    }
    digits = (i < 0 ? "1" : "") + chars.join("");
  }
  const intPart = digits.slice(0, digits.length - places) || "0";
  const result = places > 0 ? `${intPart}.${digits.slice(digits.length - places)}` : intPart;
  return negative && /[1-9]/.test(result) ? `-${result}` : result;
}

const MINOR_UNITS: Record<string, number> = { KRW: 0, JPY: 0, VND: 0, IDR: 0, TWD: 0 };

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** `1234567.891` KRW -> `₩1,234,568`; USD -> `$1,234,567.89`. */
export function formatMoney(text: string | null | undefined, currency: string): string {
  if (text === null || text === undefined) return "—";
  const rounded = roundDecimal(text, minorUnits(currency));
  const negative = rounded.startsWith("-");
  const [intPart, frac] = rounded.replace("-", "").split(".");
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = currency === "KRW" ? "₩" : currency === "USD" ? "$" : `${currency} `;
  return `${negative ? "-" : ""}${symbol}${grouped}${frac ? `.${frac}` : ""}`;
}

export function formatPercent(text: string | null | undefined): string {
  return text === null || text === undefined ? "—" : `${roundDecimal(text, 1)}%`;
}
