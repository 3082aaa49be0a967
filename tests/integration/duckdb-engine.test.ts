import { afterEach, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";

describe("the DuckDB warehouse's settings", () => {
  afterEach(() => {
    delete process.env.RBW_MEMORY_LIMIT;
  });

  it("caps DuckDB's memory at RBW_MEMORY_LIMIT and reads instants in UTC", async () => {
    process.env.RBW_MEMORY_LIMIT = "512MiB";
    await DuckDbWarehouse.using(":memory:", async (warehouse) => {
      const [row] = await warehouse.query<{ limit: string; zone: string }>(`SELECT current_setting('memory_limit') AS "limit", current_setting('TimeZone') AS zone`);
      expect(row).toEqual({ limit: "512.0 MiB", zone: "UTC" });
    });
  });

  it("refuses a limit that is not a size, naming the variable", async () => {
    process.env.RBW_MEMORY_LIMIT = "lots";
    await expect(DuckDbWarehouse.open(":memory:")).rejects.toThrow("RBW_MEMORY_LIMIT=lots is not a size such as 2GB or 512MiB");
  });
});
