import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * A folder of cached texts, one file per key, written atomically (a partial file is renamed into place)
 * and pruned to the newest `keep` files. A folder that cannot be read or written is no cache: the
 * caller computes the text again.
 */
export class FileCache {
  constructor(
    readonly dir: string,
    private readonly keep: number,
  ) {}

  /** A key for any text: the first 32 hex digits of its SHA-256. */
  static key(...parts: string[]): string {
    const hash = createHash("sha256");
    for (const part of parts) hash.update(part).update("\0");
    return hash.digest("hex").slice(0, 32);
  }

  read(key: string): string | undefined {
    try {
      return readFileSync(join(this.dir, `${key}.json`), "utf8");
    } catch {
      return undefined;
    }
  }

  write(key: string, text: string): void {
    const file = join(this.dir, `${key}.json`);
    try {
      mkdirSync(dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, text);
      renameSync(partial, file);
      const kept = readdirSync(this.dir).filter((name) => name.endsWith(".json"));
      if (kept.length <= this.keep) return;
      const byAge = kept.map((name) => ({ path: join(this.dir, name), mtime: statSync(join(this.dir, name)).mtimeMs })).sort((a, b) => b.mtime - a.mtime);
      for (const old of byAge.slice(this.keep)) rmSync(old.path, { force: true });
    } catch {
      // A cache that cannot be written is skipped.
    }
  }
}
