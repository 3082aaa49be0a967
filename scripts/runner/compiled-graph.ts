import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { z } from "zod";

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

/** Runs the pinned `@dataform/cli` offline and returns the validated compiled graph. */
export async function compileProject(options: CompileOptions): Promise<CompiledGraph> {
  const projectDir = resolve(options.projectDir);
  if (!existsSync(resolve(projectDir, "node_modules/@dataform/core"))) {
    throw new CompilationError(
      `${projectDir} has no node_modules/@dataform/core: run "npm ci" in the project first.`,
    );
  }
  const args = [dataformCliPath(), "compile", projectDir, "--json"];
  const vars = Object.entries(options.vars ?? {});
  for (const [key, value] of vars) {
    if (/[,=]/.test(value)) throw new CompilationError(`Dataform var ${key} may not contain "," or "=": ${value}`);
  }
  if (vars.length > 0) args.push(`--vars=${vars.map(([k, v]) => `${k}=${v}`).join(",")}`);

  const { stdout, stderr } = await runNode(args, projectDir);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new CompilationError(`dataform compile printed no graph.\n${stderr.trim() || stdout.trim()}`);
  }
  const graph = compiledGraphSchema.parse(parsed);
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
