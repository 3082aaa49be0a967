import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileProject, type CompiledGraph } from "../../scripts/runner/compiled-graph.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

/**
 * Copies a fixture Dataform project to a temporary folder with its own copy of @dataform/core
 * (the Dataform CLI only loads core from inside the project root).
 */
export function copyFixtureProject(fixture: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rbw-${fixture}-`));
  cpSync(join(REPO_ROOT, "tests/fixtures", fixture), dir, { recursive: true });
  cpSync(join(REPO_ROOT, "node_modules/@dataform/core"), join(dir, "node_modules/@dataform/core"), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function compileFixture(dir: string, vars: Record<string, string> = {}): Promise<CompiledGraph> {
  return compileProject({ projectDir: dir, vars });
}
