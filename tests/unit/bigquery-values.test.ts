import { createRequire } from "node:module";
import { BigQuery } from "@google-cloud/bigquery";
import { describe, expect, it } from "vitest";
import { plainValue } from "../../scripts/engines/bigquery/kysely-dialect.ts";

// The BigQuery client returns NUMERIC and BIGNUMERIC as big.js values: use the very class it uses.
const clientRequire = createRequire(createRequire(import.meta.url).resolve("@google-cloud/bigquery"));
const Big = clientRequire("big.js") as new (value: string) => unknown;
const numeric = (value: string) => new Big(value);

describe("BigQuery values as the warehouse's exact text", () => {
  it("prints NUMERIC with 9 decimals like DuckDB's DECIMAL(38, 9) and keeps every BIGNUMERIC digit", () => {
    expect(plainValue(numeric("190400.0000014"))).toBe("190400.000001400");
    expect(plainValue(numeric("-7000"))).toBe("-7000.000000000");
    expect(plainValue(numeric("0.00000000000000000001"))).toBe("0.00000000000000000001");
  });

  it("reads DATE and TIMESTAMP wrappers, nested records and NULL", () => {
    expect(plainValue(BigQuery.date("2026-10-01"))).toBe("2026-10-01");
    expect(plainValue({ a: numeric("1"), b: [BigQuery.date("2026-10-01")], c: null })).toEqual({ a: "1.000000000", b: ["2026-10-01"], c: null });
  });
});
