import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./project.ts";

/**
 * Runs the CLI in a child process without blocking this process's event loop, so a fake vendor API
 * started by the test can answer it. `env` is added to the test's environment.
 */
export function rbwAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "scripts/bin/rbw.js"), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
