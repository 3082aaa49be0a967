import { describe, expect, it } from "vitest";
import { formatMoney, formatPercent, roundDecimal } from "../../scripts/report/money.ts";

describe("money formatting without floats", () => {
  it("rounds decimal text half away from zero", () => {
    expect(roundDecimal("2.345000000", 2)).toBe("2.35");
    expect(roundDecimal("-2.345", 2)).toBe("-2.35");
    expect(roundDecimal("999.995", 2)).toBe("1000.00");
    expect(roundDecimal("0.4", 0)).toBe("0");
    expect(roundDecimal("-0.4", 0)).toBe("0");
    expect(roundDecimal("12345678901234567890.5", 0)).toBe("12345678901234567891");
  });

  it("shows KRW without decimals and USD with cents", () => {
    expect(formatMoney("1234567.500000000", "KRW")).toBe("₩1,234,568");
    expect(formatMoney("-1234.565", "USD")).toBe("-$1,234.57");
    expect(formatMoney("10", "EUR")).toBe("EUR 10.00");
    expect(formatMoney(null, "USD")).toBe("—");
    expect(formatPercent("13.149")).toBe("13.1%");
  });
});
