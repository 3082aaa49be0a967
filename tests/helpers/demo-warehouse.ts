import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { DEFAULT_GENERATE_OPTIONS } from "../../scripts/generate/options.ts";
import { generateSampleData } from "../../scripts/generate/sample-data.ts";
import { runPipeline } from "../../scripts/pipeline.ts";
import { REPO_ROOT } from "./project.ts";

/** The warehouse `rbw demo` builds: every vendor's sample data and its config, landed and built, every check passing. */
export async function demoWarehouse(): Promise<{ warehouse: DuckDbWarehouse; dataDir: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "rbw-demo-warehouse-"));
  generateSampleData(dataDir, DEFAULT_GENERATE_OPTIONS);
  const warehouse = await DuckDbWarehouse.open(":memory:");
  const result = await runPipeline(warehouse, { projectDir: REPO_ROOT, dataDir });
  expect(result.run.results.filter((r) => r.status !== "success")).toEqual([]);
  return {
    warehouse,
    dataDir,
    close: async () => {
      await warehouse.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
