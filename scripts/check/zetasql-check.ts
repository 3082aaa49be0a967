import { createServer } from "node:net";
import { execFile, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { LanguageOptions, ZetaSQLClient } from "@fivetrandevelopers/zetasql";
import type { SchemaField, SourceSchema } from "../contracts/source-schema.ts";
import { isRecord } from "../contracts/source-schema.ts";
import type { CompiledGraph, Target } from "../runner/compiled-graph.ts";
import { dependencyOrder, graphActions, targetName, type GraphAction } from "../runner/graph.ts";
import { parseDeclare, replaceScriptVariables, splitStatements } from "../runner/translate.ts";

export { splitStatements };

/** A ZetaSQL TypeProto as sent to / returned by the local server (enums as names or numbers). */
export type ZetaType = {
  typeKind: string | number;
  arrayType?: { elementType: ZetaType } | null;
  structType?: { field: { fieldName: string; fieldType: ZetaType }[] } | null;
};
type ZetaColumn = { name: string; type: ZetaType };
export type ZetaTable = { name: string; column: ZetaColumn[] };

export interface CheckError {
  action: string;
  fileName: string;
  message: string;
  sql: string;
}

export interface CheckResult {
  statementsChecked: number;
  actionsChecked: number;
  errors: CheckError[];
  /** Each table or view's output columns as BigQuery types them (`schema.name` -> [{ name, type }]). */
  outputColumns: Record<string, { name: string; type: string }[]>;
}

/** A resolved column type as BigQuery spells it (STRING, NUMERIC, ...; ARRAY / STRUCT for the rest). */
export function bigQueryTypeName(type: ZetaType): string {
  return BIGQUERY_TYPE_OF.get(String(type.typeKind)) ?? (type.arrayType ? "ARRAY" : type.structType ? "STRUCT" : String(type.typeKind));
}

export class SourceSchemaMissing extends Error {
  constructor(declarations: string[]) {
    super(
      `No schema in includes/schemas/ for the declared source(s): ${declarations.join(", ")}. ` +
        "Add <table>.json in BigQuery's JSON schema format.",
    );
    this.name = "SourceSchemaMissing";
  }
}

/** BigQuery scalar types with their ZetaSQL TypeKind name and number (the server answers with numbers). */
const SCALAR_TYPES: [bigQuery: string, typeKind: string, number: number][] = [
  ["INT64", "TYPE_INT64", 2],
  ["BOOL", "TYPE_BOOL", 5],
  ["FLOAT64", "TYPE_DOUBLE", 7],
  ["STRING", "TYPE_STRING", 8],
  ["BYTES", "TYPE_BYTES", 9],
  ["DATE", "TYPE_DATE", 10],
  ["TIMESTAMP", "TYPE_TIMESTAMP", 19],
  ["TIME", "TYPE_TIME", 20],
  ["DATETIME", "TYPE_DATETIME", 21],
  ["NUMERIC", "TYPE_NUMERIC", 23],
  ["BIGNUMERIC", "TYPE_BIGNUMERIC", 24],
  ["JSON", "TYPE_JSON", 26],
];
/** Legacy names in BigQuery JSON schemas. */
const SCHEMA_ALIASES: Record<string, string> = { INTEGER: "INT64", FLOAT: "FLOAT64", BOOLEAN: "BOOL" };

const TYPE_KIND_OF = new Map(SCALAR_TYPES.map(([name, kind]) => [name, kind]));
const BIGQUERY_TYPE_OF = new Map(SCALAR_TYPES.flatMap(([name, kind, number]) => [[kind, name], [String(number), name]]));

export function zetaType(field: SchemaField): ZetaType {
  const base: ZetaType = isRecord(field)
    ? {
        typeKind: "TYPE_STRUCT",
        structType: { field: (field.fields ?? []).map((f) => ({ fieldName: f.name, fieldType: zetaType(f) })) },
      }
    : { typeKind: TYPE_KIND_OF.get(SCHEMA_ALIASES[field.type] ?? field.type) as string };
  return field.mode === "REPEATED" ? { typeKind: "TYPE_ARRAY", arrayType: { elementType: base } } : base;
}

function scalarTypeName(type: ZetaType, variable: string): string {
  const name = BIGQUERY_TYPE_OF.get(String(type.typeKind));
  if (!name) throw new Error(`script variable ${variable} must have a scalar type`);
  return name;
}

/** Names under which BigQuery SQL compiled by Dataform can refer to a target. */
function catalogNames(target: Target): string[] {
  const names = [`${target.schema}.${target.name}`];
  if (target.database) names.unshift(`${target.database}.${target.schema}.${target.name}`);
  return names;
}

/** Finds the first array under `key` anywhere in a resolved AST proto (JSON form). */
function findList(node: unknown, key: string): unknown[] | undefined {
  if (!node || typeof node !== "object") return undefined;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record[key]) && (record[key] as unknown[]).length > 0) return record[key] as unknown[];
  for (const value of Object.values(record)) {
    const found = findList(value, key);
    if (found) return found;
  }
  return undefined;
}

function stripNulls(type: ZetaType): ZetaType {
  return {
    typeKind: type.typeKind,
    ...(type.arrayType ? { arrayType: { elementType: stripNulls(type.arrayType.elementType) } } : {}),
    ...(type.structType
      ? { structType: { field: type.structType.field.map((f) => ({ fieldName: f.fieldName, fieldType: stripNulls(f.fieldType) })) } }
      : {}),
  };
}

/** Output columns of a resolved query or CREATE TABLE statement. */
function resolvedColumns(resolved: unknown): ZetaColumn[] | undefined {
  const output = findList(resolved, "outputColumnList") as { name: string; column: { type: ZetaType } }[] | undefined;
  if (output) return output.map((c) => ({ name: c.name, type: stripNulls(c.column.type) }));
  const defs = findList(resolved, "columnDefinitionList") as { name: string; type: ZetaType }[] | undefined;
  return defs?.map((c) => ({ name: c.name, type: stripNulls(c.type) }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts the analyzer server shipped in the package, quietly (its banner would spoil `--json`). */
function startZetaSqlServer(port: number): ChildProcess {
  const require = createRequire(import.meta.url);
  const lib = dirname(require.resolve("@fivetrandevelopers/zetasql"));
  const binary = `remote_server${process.arch.startsWith("arm") ? "_arm" : ""}${process.platform === "darwin" ? "" : ".so"}`;
  return execFile(join(lib, "zetasql", binary), ["localhost", String(port)]);
}

/** The DDL `dataform run` issues on BigQuery for a table with partitioning or clustering. */
export function bigQueryCreateTableDdl(action: GraphAction): string | undefined {
  if (action.kind !== "table" && action.kind !== "incremental") return undefined;
  const bq = action.def.bigquery;
  if (!bq?.partitionBy && (bq?.clusterBy ?? []).length === 0) return undefined;
  const t = action.target;
  const name = `\`${[t.database, t.schema, t.name].filter(Boolean).join(".")}\``;
  const partition = bq?.partitionBy ? ` PARTITION BY ${bq.partitionBy}` : "";
  const cluster = (bq?.clusterBy ?? []).length > 0 ? ` CLUSTER BY ${(bq?.clusterBy ?? []).join(", ")}` : "";
  const options = bq?.requirePartitionFilter ? " OPTIONS(require_partition_filter=true)" : "";
  return `CREATE OR REPLACE TABLE ${name}${partition}${cluster}${options} AS ${action.def.query}`;
}

/** One analyzer server for the duration of `work`: `analyze` type-checks a statement as BigQuery SQL. */
export interface ZetaSqlSession {
  analyze(sql: string, context?: { tables?: ZetaTable[]; queryParameters?: { name: string; type: ZetaType }[] }): Promise<unknown>;
}

export async function withZetaSql<T>(work: (session: ZetaSqlSession) => Promise<T>): Promise<T> {
  const port = await freePort();
  const server = startZetaSqlServer(port);
  try {
    ZetaSQLClient.init(port);
    const client = ZetaSQLClient.getInstance();
    if (!(await client.testConnection())) throw new Error(`The ZetaSQL server did not start on port ${port}.`);
    const languageOptions = {
      ...(await new LanguageOptions().enableMaximumLanguageFeatures()).serialize(),
      productMode: "PRODUCT_EXTERNAL",
    };
    return await work({
      analyze: async (sql, context = {}) => {
        const response = await client.analyze({
          sqlStatement: sql,
          simpleCatalog: { name: "warehouse", table: context.tables ?? [], builtinFunctionOptions: { languageOptions } },
          options: {
            languageOptions,
            errorMessageMode: "ERROR_MESSAGE_ONE_LINE",
            defaultTimezone: "UTC",
            queryParameters: context.queryParameters ?? [],
          },
        } as Parameters<typeof client.analyze>[0]);
        return response?.resolvedStatement;
      },
    });
  } finally {
    server.kill("SIGKILL");
  }
}

/**
 * Type-checks every compiled action with Google's ZetaSQL analyzer, in dependency order: sources come
 * from the declared schemas, each action's resolved output columns are registered for the next.
 */
export async function checkGraph(graph: CompiledGraph, schemas: Map<string, SourceSchema>): Promise<CheckResult> {
  const missing = graph.declarations.filter((d) => !schemas.has(d.target.name)).map((d) => targetName(d.target));
  if (missing.length > 0) throw new SourceSchemaMissing(missing);

  return withZetaSql(async (session) => {
    const tables = new Map<string, ZetaTable>();
    const register = (target: Target, columns: ZetaColumn[]) => {
      for (const name of catalogNames(target)) tables.set(name, { name, column: columns });
    };
    for (const declaration of graph.declarations) {
      const schema = schemas.get(declaration.target.name) as SourceSchema;
      register(declaration.target, schema.fields.map((f) => ({ name: f.name, type: zetaType(f) })));
    }

    // Script variables (DECLARE in pre-operations) are visible to the rest of their action: each use is
    // checked as a typed NULL of the variable's resolved type.
    let variables: { name: string; type: string }[] = [];
    const analyze = async (sql: string) => {
      const typed = new Map(variables.map((v) => [v.name, v.type]));
      const statement = replaceScriptVariables(sql, typed.keys(), (name) => `CAST(NULL AS ${typed.get(name)})`);
      return session.analyze(statement, { tables: [...tables.values()] });
    };

    const errors: CheckError[] = [];
    const outputColumns: CheckResult["outputColumns"] = {};
    let statementsChecked = 0;
    let actionsChecked = 0;
    const failed = new Set<string>();

    // Statements of a script; CREATE TABLE statements register their table for what follows.
    const analyzeScript = async (action: GraphAction, script: string) => {
      for (const statement of splitStatements(script)) {
        statementsChecked++;
        const declared = parseDeclare(statement);
        if (declared) {
          const value = declared.type ? `CAST(${declared.expression} AS ${declared.type})` : declared.expression;
          const [column] = resolvedColumns(await analyze(`SELECT ${value} AS value`)) ?? [];
          if (!column) throw new Error(`cannot resolve the type of script variable ${declared.name}`);
          variables = [...variables.filter((v) => v.name !== declared.name), { name: declared.name, type: scalarTypeName(column.type, declared.name) }];
          continue;
        }
        const resolved = await analyze(statement);
        const created = statement.match(/^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`([^`]+)`/i);
        const columns = created ? resolvedColumns(resolved) : undefined;
        if (created && columns) {
          const parts = created[1].split(".");
          register({ database: parts.length === 3 ? parts[0] : undefined, schema: parts.at(-2) ?? "", name: parts.at(-1) ?? "" }, columns);
        }
      }
    };

    for (const action of dependencyOrder(graphActions(graph))) {
      if (action.deps.some((d) => failed.has(d))) {
        failed.add(action.name);
        continue;
      }
      actionsChecked++;
      variables = [];
      let current = "";
      try {
        if (action.kind === "operation") {
          for (const query of action.def.queries) {
            current = query;
            await analyzeScript(action, query);
          }
          continue;
        }
        if (action.kind === "assertion") {
          current = action.def.query;
          statementsChecked++;
          await analyze(current);
          continue;
        }
        for (const op of action.def.preOps) {
          current = op;
          await analyzeScript(action, op);
        }
        current = action.def.query;
        statementsChecked++;
        const columns = resolvedColumns(await analyze(current));
        if (!columns) throw new Error("ZetaSQL returned no output columns for the query");
        register(action.target, columns);
        outputColumns[action.name] = columns.map((c) => ({ name: c.name, type: bigQueryTypeName(c.type) }));
        const ddl = bigQueryCreateTableDdl(action);
        if (ddl) {
          current = ddl;
          statementsChecked++;
          await analyze(ddl);
        }
        for (const op of action.def.postOps) {
          current = op;
          await analyzeScript(action, op);
        }
        if (action.kind === "incremental" && action.def.incrementalQuery) {
          variables = [];
          for (const op of action.def.incrementalPreOps) {
            current = op;
            await analyzeScript(action, op);
          }
          current = action.def.incrementalQuery;
          statementsChecked++;
          await analyze(current);
          for (const op of action.def.incrementalPostOps) {
            current = op;
            await analyzeScript(action, op);
          }
        }
      } catch (error) {
        failed.add(action.name);
        const e = error as { details?: string; message: string };
        errors.push({ action: action.name, fileName: action.def.fileName, message: e.details ?? e.message, sql: current });
      }
    }

    for (const test of graph.tests) {
      for (const query of [test.testQuery, test.expectedOutputQuery]) {
        if (!query) continue;
        statementsChecked++;
        try {
          await analyze(query);
        } catch (error) {
          const e = error as { details?: string; message: string };
          errors.push({ action: `test ${test.name}`, fileName: test.fileName, message: e.details ?? e.message, sql: query });
        }
      }
    }
    return { statementsChecked, actionsChecked, errors, outputColumns };
  });
}
