import isoMinorUnits from "../../includes/currency_minor_units.json" with { type: "json" };

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

/** ISO 4217 minor units, from the same file that builds core.dim_currency (includes/currency_minor_units.json). */
export function minorUnits(currency: string): number {
  const units: Record<string, number> = isoMinorUnits.minor_units;
  return units[currency] ?? isoMinorUnits.default_minor_units;
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
