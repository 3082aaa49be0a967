import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";

/**
 * The warehouse's Gabia price table (definitions/reference/gabia_price_table.js) is built from
 * definitions/reference/gabia_price_table.json, because Dataform cannot read a CSV while compiling. The
 * reviewed source is includes/reference/gabia_price_table.csv: the JSON must be its rows, column for column.
 * After editing the CSV, regenerate the JSON with
 *   node -e 'const {parse}=require("csv-parse/sync");const fs=require("fs");const rows=parse(fs.readFileSync("includes/reference/gabia_price_table.csv","utf8"),{columns:true,skip_empty_lines:true});fs.writeFileSync("definitions/reference/gabia_price_table.json","[\n"+rows.map(r=>"  "+JSON.stringify(r)).join(",\n")+"\n]\n")'
 */

const REPO_ROOT = resolve(import.meta.dirname, "../..");

describe("the Gabia price table in the warehouse", () => {
  it("has exactly the rows of includes/reference/gabia_price_table.csv", () => {
    const csv = parse(readFileSync(join(REPO_ROOT, "includes/reference/gabia_price_table.csv"), "utf8"), { columns: true, skip_empty_lines: true });
    const json = JSON.parse(readFileSync(join(REPO_ROOT, "definitions/reference/gabia_price_table.json"), "utf8"));
    expect(json).toEqual(csv);
    expect(json).toHaveLength(191);
  });
});
