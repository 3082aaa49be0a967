import type { TableAction } from "../../runner/compiled-graph.ts";
import type { GraphAction } from "../../runner/graph.ts";
import { ScriptScope, translateQuery } from "../../runner/translate.ts";
import { qualified, quoteIdent } from "./engine.ts";

/** What the planner needs to know about the warehouse as it is now. */
export interface CatalogState {
  relationKind(schema: string, name: string): Promise<"table" | "view" | undefined>;
  columns(schema: string, name: string): Promise<string[]>;
  /** The columns a query returns, or undefined when it cannot be described before its pre-operations run. */
  queryColumns?(sql: string): Promise<string[] | undefined>;
}

export interface PlanOptions {
  fullRefresh?: boolean;
  /** The run id the graph was compiled with: its SQL's translations are kept across runs. */
  runId?: string;
}

export interface ActionPlan {
  /** Statements in execution order, already in DuckDB SQL. */
  statements: string[];
  /** How the action writes: a full build, an incremental MERGE / INSERT, or no table write. */
  mode: "create" | "merge" | "insert" | "operation" | "assertion";
  /** For assertions: the view whose rows are the failures. */
  failingRows?: { schema: string; name: string };
  /** Why an incremental table is rebuilt although the run is not a full refresh. */
  note?: string;
}

/** How the columns of an incremental table's full query differ from the table's ("+added, -removed"), if they do. */
async function changedColumns(def: TableAction, catalog: CatalogState, schema: string, name: string, runId?: string): Promise<string | undefined> {
  if (!catalog.queryColumns) return undefined;
  // The pre-operations' DECLAREs are read (not run) so the query's script variables resolve.
  const scope = new ScriptScope(runId);
  scope.scripts(def.preOps);
  const produced = await catalog.queryColumns(scope.query(def.query));
  if (!produced) return undefined;
  const held = await catalog.columns(schema, name);
  const added = produced.filter((c) => !held.includes(c));
  const removed = held.filter((c) => !produced.includes(c));
  return added.length + removed.length === 0 ? undefined : [...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`)].join(", ");
}

/**
 * Plans one action as DuckDB statements, mirroring what `dataform run` issues on BigQuery
 * (cli/api/dbadapters/execution_sql.ts): CREATE OR REPLACE for tables and views, MERGE on the unique
 * key or INSERT for incremental tables, and a view per assertion in the assertion schema.
 */
export async function planAction(action: GraphAction, catalog: CatalogState, options: PlanOptions = {}): Promise<ActionPlan> {
  const { schema, name } = action.target;
  const target = qualified(schema, name);
  const createSchema = `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`;
  const scope = new ScriptScope(options.runId);

  if (action.kind === "operation") {
    return { mode: "operation", statements: [createSchema, ...scope.scripts(action.def.queries)] };
  }

  if (action.kind === "assertion") {
    const query = translateQuery(action.def.query, options.runId);
    return {
      mode: "assertion",
      statements: [createSchema, `CREATE OR REPLACE VIEW ${target} AS ${query}`],
      failingRows: { schema, name },
    };
  }

  const existing = await catalog.relationKind(schema, name);
  const dropOtherKind = (wanted: "table" | "view") =>
    existing && existing !== wanted ? [`DROP ${existing.toUpperCase()} ${target}`] : [];

  // A full build: pre-operations, the relation replaced by its query, post-operations.
  const create = (kind: "table" | "view"): string[] => {
    const pre = scope.scripts(action.def.preOps);
    return [
      createSchema,
      ...pre,
      ...dropOtherKind(kind),
      `CREATE OR REPLACE ${kind.toUpperCase()} ${target} AS ${scope.query(action.def.query)}`,
      ...scope.scripts(action.def.postOps),
    ];
  };

  if (action.kind === "view") return { mode: "create", statements: create("view") };

  if (action.kind === "incremental") refuseUnsupportedIncrementalOptions(action.def);

  let writeIncrementally =
    action.kind === "incremental" && existing === "table" && (!options.fullRefresh || action.def.protected);
  // An incremental table whose query now returns other columns (a model changed) is rebuilt: appending
  // would drop the new columns or fail on the missing ones, and its history needs them too.
  const changed = writeIncrementally && !action.def.protected ? await changedColumns(action.def, catalog, schema, name, options.runId) : undefined;
  if (changed) writeIncrementally = false;

  if (!writeIncrementally) {
    return { mode: "create", statements: create("table"), ...(changed ? { note: `rebuilt in full: its columns changed (${changed})` } : {}) };
  }

  const pre = scope.scripts(action.def.incrementalPreOps);
  const query = scope.query(action.def.incrementalQuery ?? action.def.query);
  const columns = (await catalog.columns(schema, name)).map(quoteIdent);
  const post = scope.scripts(action.def.incrementalPostOps);
  const uniqueKey = action.def.uniqueKey;

  if (uniqueKey.length === 0) {
    const list = columns.join(", ");
    return {
      mode: "insert",
      statements: [...pre, `INSERT INTO ${target} (${list}) SELECT ${list} FROM (${query}) AS insertions`, ...post],
    };
  }

  const on = uniqueKey.map((k) => `DATAFORM_DEST.${quoteIdent(k)} = DATAFORM_SOURCE.${quoteIdent(k)}`);
  const partitionFilter = action.def.bigquery?.updatePartitionFilter;
  if (partitionFilter) on.push(translatePartitionFilter(partitionFilter));
  const merge = [
    `MERGE INTO ${target} AS DATAFORM_DEST`,
    `USING (${query}) AS DATAFORM_SOURCE`,
    `ON ${on.join(" AND ")}`,
    `WHEN MATCHED THEN UPDATE SET ${columns.map((c) => `${c} = DATAFORM_SOURCE.${c}`).join(", ")}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((c) => `DATAFORM_SOURCE.${c}`).join(", ")})`,
  ].join("\n");
  return { mode: "merge", statements: [...pre, merge, ...post] };
}

/** Options whose BigQuery behaviour this runner does not reproduce are refused, not ignored. */
function refuseUnsupportedIncrementalOptions(def: TableAction): void {
  if (def.incrementalStrategy && !["INCREMENTAL_STRATEGY_UNSPECIFIED", "MERGE"].includes(def.incrementalStrategy)) {
    throw new Error(`incrementalStrategy ${def.incrementalStrategy} is not supported by the DuckDB runner (${def.fileName}); use uniqueKey (MERGE) or no key (INSERT).`);
  }
  if (def.onSchemaChange && def.onSchemaChange !== "IGNORE") {
    throw new Error(`onSchemaChange ${def.onSchemaChange} is not supported by the DuckDB runner (${def.fileName}); run with --full-refresh after a schema change.`);
  }
}

/** Dataform prefixes `updatePartitionFilter` with `DATAFORM_DEST.`; translate it as a WHERE clause. */
function translatePartitionFilter(filter: string): string {
  const probe = translateQuery(`SELECT 1 FROM t AS DATAFORM_DEST WHERE DATAFORM_DEST.${filter}`);
  const where = probe.search(/\bWHERE\b/i);
  return `(${probe.slice(where + "WHERE".length).trim()})`;
}
