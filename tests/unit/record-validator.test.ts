import { describe, expect, it } from "vitest";
import { quoteJsonNumbers, recordValidator, toNumericText, toTimestampText } from "../../scripts/land/record-validator.ts";

describe("exact parsing of export values", () => {
  it("keeps every digit of JSON numbers by reading them as text", () => {
    expect(JSON.parse(quoteJsonNumbers('{"a":0.1,"b":-12345678901234567890.123456789,"c":"7","d":[1e3,true,null]}'))).toEqual({
      a: "0.1",
      b: "-12345678901234567890.123456789",
      c: "7",
      d: ["1e3", true, null],
    });
  });

  it("canonicalises NUMERIC text and refuses what BigQuery NUMERIC cannot hold", () => {
    expect(toNumericText("001.2300")).toBe("1.23");
    expect(toNumericText("-0.000000001")).toBe("-0.000000001");
    expect(toNumericText("1e3")).toBe("1000");
    expect(toNumericText("1.5E-3")).toBe("0.0015");
    expect(toNumericText("-0")).toBe("0");
    expect(toNumericText("0.0000000001")).toBeUndefined();
    expect(toNumericText("1".repeat(30))).toBeUndefined();
    expect(toNumericText("abc")).toBeUndefined();
  });

  it("reads bq extract and ISO-8601 timestamps as UTC", () => {
    expect(toTimestampText("2026-10-01 10:00:00 UTC")).toBe("2026-10-01T10:00:00.000000Z");
    expect(toTimestampText("2026-10-01 10:00:00.123456 UTC")).toBe("2026-10-01T10:00:00.123456Z");
    expect(toTimestampText("2026-10-01T10:00:00Z")).toBe("2026-10-01T10:00:00.000000Z");
    expect(toTimestampText("2026-10-01T19:00:00+09:00")).toBe("2026-10-01T10:00:00.000000Z");
    expect(toTimestampText("2026-10-01 19:00:00+0900")).toBe("2026-10-01T10:00:00.000000Z");
    expect(toTimestampText("2026-10-01 10:00:00.5+00")).toBe("2026-10-01T10:00:00.500000Z");
    expect(toTimestampText("10/01/2026")).toBeUndefined();
  });

  it("validates nested and repeated records and names the failing field path", () => {
    const validator = recordValidator([
      { name: "cost", type: "NUMERIC", mode: "REQUIRED" },
      { name: "credits", type: "RECORD", mode: "REPEATED", fields: [{ name: "amount", type: "NUMERIC" }] },
    ]);
    expect(validator.parse({ cost: "1", credits: null, extra: "kept" })).toEqual({ cost: "1", credits: [], extra: "kept" });
    expect(validator.parse({ cost: "1", credits: { amount: "-2" } })).toEqual({ cost: "1", credits: [{ amount: "-2" }] });
    const failed = validator.safeParse({ cost: "1", credits: [{ amount: "x" }] });
    expect(failed.success).toBe(false);
    expect(failed.error?.issues[0].path).toEqual(["credits", 0, "amount"]);
  });
});
