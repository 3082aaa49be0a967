import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { demoWarehouse } from "../helpers/demo-warehouse.ts";

/**
 * Views are evaluated in the reader's session, so a model whose translation depends on DuckDB's
 * `TimeZone` gives a Korean analyst other instants than BigQuery gives. Every relation of the warehouse
 * is read under UTC and under Asia/Seoul and the two readings must be identical.
 */
const SCHEMAS = ["raw", "staging", "intermediate", "core", "marts"];
const INSTANT = "TIMESTAMP WITH TIME ZONE";

type Column = { table_schema: string; table_name: string; column_name: string; data_type: string };

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * An instant is compared as epoch microseconds, because DuckDB writes the same instant differently in
 * each zone; every other value is compared as its text. A STRUCT or LIST holding an instant is text too,
 * written in the session's zone, so such a column fails here even when its instants agree.
 */
const asComparable = (c: Column) =>
  c.data_type === INSTANT ? `CAST(epoch_us(${quote(c.column_name)}) AS VARCHAR)` : `CAST(${quote(c.column_name)} AS VARCHAR)`;

describe("every relation reads the same whatever the reader's time zone", () => {
  let demo: Awaited<ReturnType<typeof demoWarehouse>>;
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    demo = await demoWarehouse();
    warehouse = demo.warehouse;
  });
  afterAll(() => demo.close());

  async function columns(): Promise<Map<string, Column[]>> {
    const rows = await warehouse.query<Column>(
      `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema IN (${SCHEMAS.map((s) => `'${s}'`).join(", ")})
       ORDER BY table_schema, table_name, ordinal_position`,
    );
    const byRelation = new Map<string, Column[]>();
    for (const row of rows) {
      const key = `${quote(row.table_schema)}.${quote(row.table_name)}`;
      byRelation.set(key, [...(byRelation.get(key) ?? []), row]);
    }
    return byRelation;
  }

  /** Every row of every relation as comparable text, sorted so that row order does not matter. */
  async function readAll(timeZone: string, relations: Map<string, Column[]>): Promise<Map<string, Map<string, string[]>>> {
    await warehouse.exec(`SET TimeZone = '${timeZone}'`);
    try {
      const reading = new Map<string, Map<string, string[]>>();
      for (const [relation, cols] of relations) {
        const select = cols.map((c) => `${asComparable(c)} AS ${quote(c.column_name)}`).join(", ");
        const rows = await warehouse.query<Record<string, string | null>>(`SELECT ${select} FROM ${relation}`);
        const byColumn = new Map<string, string[]>();
        for (const c of cols) byColumn.set(c.column_name, rows.map((r) => String(r[c.column_name])).sort());
        reading.set(relation, byColumn);
      }
      return reading;
    } finally {
      await warehouse.exec("SET TimeZone = 'UTC'");
    }
  }

  it("covers views and their TIMESTAMP columns", async () => {
    const relations = await columns();
    const views = await warehouse.query<{ n: string }>(
      `SELECT CAST(COUNT(*) AS VARCHAR) AS n FROM information_schema.tables WHERE table_type = 'VIEW' AND table_schema IN (${SCHEMAS.map((s) => `'${s}'`).join(", ")})`,
    );
    expect(Number(views[0].n)).toBeGreaterThan(0);
    expect([...relations.values()].flat().some((c) => c.data_type === INSTANT)).toBe(true);
  });

  it("reads every column of every relation identically under UTC and Asia/Seoul", async () => {
    const relations = await columns();
    const utc = await readAll("UTC", relations);
    const seoul = await readAll("Asia/Seoul", relations);
    const differences: string[] = [];
    for (const [relation, byColumn] of utc) {
      for (const [column, values] of byColumn) {
        const other = seoul.get(relation)?.get(column) ?? [];
        const at = values.findIndex((v, i) => v !== other[i]);
        if (at !== -1 || values.length !== other.length) {
          differences.push(`${relation}.${quote(column)}: UTC reads ${values[at] ?? "(no row)"}, Asia/Seoul reads ${other[at] ?? "(no row)"}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
