import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RUN_ID_PLACEHOLDER } from "../../scripts/runner/compiled-graph.ts";
import { FileCache } from "../../scripts/runner/file-cache.ts";
import { translateBigQueryToDuckDb, translationCacheDir } from "../../scripts/runner/translate.ts";

describe("file cache of compiled graphs and translations", () => {
  const dirs: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), "rbw-file-cache-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads back what it wrote, keeps the newest files only, and is no cache where it cannot write", () => {
    const cache = new FileCache(join(folder(), "kept"), 2);
    expect(cache.read("a")).toBeUndefined();
    for (const [i, key] of ["a", "b", "c"].entries()) {
      cache.write(key, `text ${key}`);
      const stamp = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      utimesSync(join(cache.dir, `${key}.json`), stamp, stamp);
    }
    cache.write("d", "text d");
    expect(readdirSync(cache.dir).sort()).toEqual(["c.json", "d.json"]);
    expect(cache.read("d")).toBe("text d");
    expect(FileCache.key("x", "y")).not.toBe(FileCache.key("xy"));

    // A folder that cannot be made (a file stands in its path) caches nothing and throws nothing.
    const blocked = new FileCache(join(cache.dir, "d.json", "sub"), 2);
    blocked.write("a", "text");
    expect(blocked.read("a")).toBeUndefined();
  });

  it("keeps a translation on disk by its SQL, for the next process", () => {
    const dir = translationCacheDir();
    expect(dir).toBeDefined();
    const sql = `SELECT CAST(cost / ${process.pid} AS NUMERIC) AS unit_cost_${Date.now()} FROM \`p.raw.t\``;
    const statements = translateBigQueryToDuckDb(sql);
    const file = join(dir as string, `${FileCache.key(sql)}.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(statements);
    rmSync(file);
  });

  it("keeps a model's translation across runs: the run id quoted into it is translated as a placeholder", () => {
    const model = (runId: string) => `SELECT '${runId}' AS run_id, CAST(cost / 3 AS NUMERIC) AS third_${process.pid} FROM \`p.core.fct\` WHERE run_id = '${runId}'`;
    const first = translateBigQueryToDuckDb(model("run-a"), "run-a");
    const second = translateBigQueryToDuckDb(model("run-b"), "run-b");
    expect(second).toEqual(first.map((s) => s.replaceAll("run-a", "run-b")));
    expect(second.join()).not.toContain("run-a");
    const kept = join(translationCacheDir() as string, `${FileCache.key(model(RUN_ID_PLACEHOLDER))}.json`);
    expect(existsSync(kept)).toBe(true);
    rmSync(kept);
  });
});
