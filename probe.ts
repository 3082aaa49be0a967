import { DuckDbWarehouse } from "./scripts/engines/duckdb/engine.ts";
import { runGraph } from "./scripts/runner/run-graph.ts";
import { compiledGraphSchema } from "./scripts/runner/compiled-graph.ts";
import { readFileSync } from "node:fs";
const g = compiledGraphSchema.parse(JSON.parse(readFileSync("/tmp/probe/fx.json", "utf8")));
const w = await DuckDbWarehouse.open(":memory:");
await w.exec(`CREATE SCHEMA raw; CREATE TABLE raw.events (event_id VARCHAR, customer_id VARCHAR, event_type VARCHAR, amount VARCHAR, event_ts TIMESTAMP)`);
const s = await runGraph(w, g, { actions: ["stg_events"], dryRun: false });
console.log(JSON.stringify(s.results, null, 1));
