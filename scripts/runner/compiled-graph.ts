import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { FileCache } from "./file-cache.ts";

/**
 * The parts of `dataform compile --json` (the CompiledGraph proto as JSON) that the runner reads.
 * Protobuf JSON omits empty fields, so every array and flag defaults here.
 */
const target = z.object({
  database: z.string().optional(),
  schema: z.string().default(""),
  name: z.string(),
});
export type Target = z.infer<typeof target>;

const strings = z.array(z.string()).default([]);

const columnDescriptor = z.object({
  path: z.array(z.string()).default([]),
  description: z.string().optional(),
});

const actionDescriptor = z
  .object({
    description: z.string().optional(),
    columns: z.array(columnDescriptor).default([]),
  })
  .optional();

const tableAction = z.object({
  target,
  fileName: z.string().default(""),
  enumType: z.enum(["TABLE", "VIEW", "INCREMENTAL"]).optional(),
  type: z.string().optional(),
  query: z.string().default(""),
  incrementalQuery: z.string().optional(),
  preOps: strings,
  postOps: strings,
  incrementalPreOps: strings,
  incrementalPostOps: strings,
  uniqueKey: strings,
  incrementalStrategy: z.string().optional(),
  onSchemaChange: z.string().optional(),
  dependencyTargets: z.array(target).default([]),
  tags: strings,
  disabled: z.boolean().default(false),
  protected: z.boolean().default(false),
  materialized: z.boolean().default(false),
  bigquery: z
    .object({
      partitionBy: z.string().optional(),
      clusterBy: strings,
      updatePartitionFilter: z.string().optional(),
      requirePartitionFilter: z.boolean().optional(),
      partitionExpirationDays: z.number().optional(),
    })
    .optional(),
  actionDescriptor,
});

const operationAction = z.object({
  target,
  fileName: z.string().default(""),
  queries: strings,
  hasOutput: z.boolean().default(false),
  dependencyTargets: z.array(target).default([]),
  tags: strings,
  disabled: z.boolean().default(false),
});

const assertionAction = z.object({
  target,
  fileName: z.string().default(""),
  query: z.string().default(""),
  dependencyTargets: z.array(target).default([]),
  tags: strings,
  disabled: z.boolean().default(false),
  parentAction: target.optional(),
  actionDescriptor,
});

const declarationAction = z.object({
  target,
  fileName: z.string().default(""),
  actionDescriptor,
});

const testAction = z.object({
  name: z.string(),
  fileName: z.string().default(""),
  testQuery: z.string().optional(),
  expectedOutputQuery: z.string().optional(),
  tags: strings,
  disabled: z.boolean().default(false),
});

const compilationError = z.object({
  fileName: z.string().optional(),
  message: z.string(),
  actionName: z.string().optional(),
});

export const compiledGraphSchema = z.object({
  tables: z.array(tableAction).default([]),
  operations: z.array(operationAction).default([]),
  assertions: z.array(assertionAction).default([]),
  declarations: z.array(declarationAction).default([]),
  tests: z.array(testAction).default([]),
  projectConfig: z
    .object({
      defaultDatabase: z.string().optional(),
      defaultSchema: z.string().optional(),
      assertionSchema: z.string().optional(),
      vars: z.record(z.string(), z.string()).default({}),
    })
    .default({ vars: {} }),
  graphErrors: z
    .object({ compilationErrors: z.array(compilationError).default([]) })
    .default({ compilationErrors: [] }),
  dataformCoreVersion: z.string().optional(),
});

export type CompiledGraph = z.infer<typeof compiledGraphSchema>;
export type TableAction = z.infer<typeof tableAction>;
export type OperationAction = z.infer<typeof operationAction>;
export type AssertionAction = z.infer<typeof assertionAction>;
export type DeclarationAction = z.infer<typeof declarationAction>;
export type TestAction = z.infer<typeof testAction>;

export class CompilationError extends Error {
  constructor(
    message: string,
    readonly errors: { fileName?: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "CompilationError";
  }
}

export interface CompileOptions {
  projectDir: string;
  vars?: Record<string, string>;
}

/**
 * Runs the pinned `@dataform/cli` offline and returns the validated compiled graph.
 *
 * Compiling takes a few seconds (a Node process loads the project's JavaScript), so a graph is kept
 * by the project's content (its sources, see `cacheKey`), the installed `@dataform/core` and the vars. The run id
 * changes every run and is only ever quoted into SQL, so a graph is compiled with a placeholder and the
 * run id is filled in; a run id with characters other than letters, digits and `._:-` is compiled
 * directly. Kept graphs live in memory and in `.rbw/cache/compile/` of the project; a project that
 * cannot be written to is compiled every time.
 */
export async function compileProject(options: CompileOptions): Promise<CompiledGraph> {
  const projectDir = resolve(options.projectDir);
  if (!existsSync(resolve(projectDir, "node_modules/@dataform/core"))) {
    throw new CompilationError(
      `${projectDir} has no node_modules/@dataform/core: run "npm ci" in the project first.`,
    );
  }
  const vars = { ...(options.vars ?? {}) };
  for (const [key, value] of Object.entries(vars)) {
    if (/[,=]/.test(value)) throw new CompilationError(`Dataform var ${key} may not contain "," or "=": ${value}`);
  }
  const runId = vars.run_id;
  if (runId !== undefined && !SAFE_RUN_ID.test(runId)) return parseGraph(await runCompile(projectDir, vars));
  if (runId !== undefined) vars.run_id = RUN_ID_PLACEHOLDER;
  const key = cacheKey(projectDir, vars);
  const cache = new FileCache(join(projectDir, ".rbw", "cache", "compile"), KEPT_GRAPHS);
  const kept = compiledGraphs.get(key) ?? cache.read(key);
  const text = kept ?? (await runCompile(projectDir, vars));
  // Parsed before it is kept: a graph with compilation errors throws here and is compiled again next time.
  const graph = parseGraph(runId === undefined ? text : text.replaceAll(RUN_ID_PLACEHOLDER, runId));
  if (kept === undefined) cache.write(key, text);
  compiledGraphs.set(key, text);
  return graph;
}

/** Stands for the run id in SQL kept across runs (compiled graphs, translations). */
export const RUN_ID_PLACEHOLDER = "rbw-run-id-3f9c1e7a5b2d4c60";
/** A run id that may be swapped for the placeholder in SQL text: it is quoted into SQL unchanged. */
export const SAFE_RUN_ID = /^[A-Za-z0-9._:-]+$/;
const SOURCE_FILE = /\.(sqlx|sql|js|cjs|mjs|json|ya?ml|ipynb)$/;
const compiledGraphs = new Map<string, string>();

/**
 * The project's sources as Dataform reads them: `definitions/`, `includes/`, the project settings, and
 * every top-level directory a source `require`s from (`assertions/`, ...), by content.
 */
function cacheKey(projectDir: string, vars: Record<string, string>): string {
  const hash = createHash("sha256");
  const core = JSON.parse(readFileSync(join(projectDir, "node_modules/@dataform/core/package.json"), "utf8")) as { version?: string };
  hash.update(`core ${core.version}\nvars ${JSON.stringify(Object.entries(vars).sort())}\n`);
  const roots = ["definitions", "includes", "workflow_settings.yaml", "dataform.json", "package.json"];
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path) || !existsSync(path)) return;
    seen.add(path);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!name.startsWith(".") && name !== "node_modules") visit(join(path, name));
      return;
    }
    if (!SOURCE_FILE.test(path)) return;
    const content = readFileSync(path);
    hash.update(`${relative(projectDir, path)}\0${content.length}\0`);
    hash.update(content);
    for (const match of content.toString("utf8").matchAll(REQUIRE_PATH)) {
      const top = relative(projectDir, resolve(path, "..", match[1])).split(/[\\/]/)[0];
      if (top && top !== ".." && !roots.includes(top)) roots.push(top);
    }
  };
  for (let i = 0; i < roots.length; i++) visit(join(projectDir, roots[i]));
  return hash.digest("hex").slice(0, 32);
}

const REQUIRE_PATH = /require\(\s*["'`](\.\.?\/[^"'`$]*)/g;
const KEPT_GRAPHS = 20;

async function runCompile(projectDir: string, vars: Record<string, string>): Promise<string> {
  const args = [dataformCliPath(), "compile", projectDir, "--json"];
  const entries = Object.entries(vars);
  if (entries.length > 0) args.push(`--vars=${entries.map(([k, v]) => `${k}=${v}`).join(",")}`);
  const { stdout, stderr } = await runNode(args, projectDir);
  try {
    JSON.parse(stdout);
  } catch {
    throw new CompilationError(`dataform compile printed no graph.\n${stderr.trim() || stdout.trim()}`);
  }
  return stdout;
}

function parseGraph(text: string): CompiledGraph {
  const graph = compiledGraphSchema.parse(JSON.parse(text));
  const errors = graph.graphErrors.compilationErrors;
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.fileName ?? "(project)"}: ${e.message}`);
    throw new CompilationError(`Dataform compilation failed:\n${lines.join("\n")}`, errors);
  }
  return graph;
}

function dataformCliPath(): string {
  const require = createRequire(import.meta.url);
  return resolve(require.resolve("@dataform/cli/package.json"), "..", "bundle.js");
}

function runNode(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", () =>
      resolvePromise({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}
