import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { Kysely, sql } from "kysely";
import { DuckDbDialect } from "./kysely-dialect.ts";
import type { WarehouseDatabase } from "../../contracts/warehouse-tables.ts";

export type Row = Record<string, unknown>;

export const DEFAULT_WAREHOUSE_PATH = ".rbw/warehouse.duckdb";

/** Raised when DuckDB rejects a statement; carries the statement so a user can see what ran. */
export class WarehouseQueryError extends Error {
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(message);
    this.name = "WarehouseQueryError";
  }
}

/** The warehouse file is open in another process (DuckDB allows one writer per file). */
export class WarehouseLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WarehouseLockedError";
  }
}

/**
 * One embedded DuckDB warehouse file. BigQuery datasets map to DuckDB schemas, the session time zone is
 * pinned to UTC and every value is read back in its JSON form (DECIMAL as an exact string).
 */
export class DuckDbWarehouse {
  readonly db: Kysely<WarehouseDatabase>;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {
    this.db = new Kysely<WarehouseDatabase>({ dialect: new DuckDbDialect(connection) });
  }

  static async open(path: string = DEFAULT_WAREHOUSE_PATH, options: { readOnly?: boolean } = {}): Promise<DuckDbWarehouse> {
    if (options.readOnly && !existsSync(path)) throw new Error(`There is no warehouse at ${path} yet: run "rbw run" or "rbw demo" first.`);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: "READ_ONLY" } : undefined);
    } catch (error) {
      const message = (error as Error).message;
      const holder = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
      if (holder) {
        throw new WarehouseLockedError(`The warehouse ${path} is in use by another process (${holder[1]}, PID ${holder[2]}). Wait for it to finish, or use --warehouse for another file.`);
      }
      throw error;
    }
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    // RBW_MEMORY_LIMIT caps DuckDB's memory (e.g. 2GB); above it DuckDB spills to disk beside the warehouse.
    const limit = process.env.RBW_MEMORY_LIMIT;
    if (limit) {
      if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(limit)) throw new Error(`RBW_MEMORY_LIMIT=${limit} is not a size such as 2GB or 512MiB`);
      await connection.run(`SET memory_limit = '${limit}'`);
    }
    return new DuckDbWarehouse(path, instance, connection);
  }

  /** Opens the warehouse for the duration of `work` and always closes it. */
  static async using<T>(path: string, work: (warehouse: DuckDbWarehouse) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
    const warehouse = await DuckDbWarehouse.open(path, options);
    try {
      return await work(warehouse);
    } finally {
      await warehouse.close();
    }
  }

  /** Runs one or more statements; returns the rows changed by the last one when DuckDB reports it. */
  async exec(sql: string, params?: DuckDBValue[]): Promise<number> {
    try {
      const result = await this.connection.run(sql, params);
      return Number(result.rowsChanged ?? 0);
    } catch (error) {
      throw new WarehouseQueryError((error as Error).message, sql);
    }
  }

  async query<T extends Row = Row>(sql: string, params?: DuckDBValue[]): Promise<T[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as T[];
    } catch (error) {
      throw new WarehouseQueryError((error as Error).message, sql);
    }
  }

  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.exec("BEGIN TRANSACTION");
    try {
      const result = await work();
      await this.exec("COMMIT");
      return result;
    } catch (error) {
      await this.exec("ROLLBACK");
      throw error;
    }
  }

  async countRows(schema: string, name: string): Promise<number> {
    const row = await this.db
      .selectFrom(sql.table(`${schema}.${name}`).as("t"))
      .select(sql<string>`CAST(COUNT(*) AS VARCHAR)`.as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async firstRows(schema: string, name: string, limit: number): Promise<Row[]> {
    return this.db.selectFrom(sql.table(`${schema}.${name}`).as("t")).selectAll().limit(limit).execute() as Promise<Row[]>;
  }

  /** Streams the first column of a query's rows as text, a chunk at a time. */
  async *streamText(sql: string, params?: DuckDBValue[]): AsyncGenerator<string[]> {
    let result;
    try {
      result = await this.connection.stream(sql, params);
    } catch (error) {
      throw new WarehouseQueryError((error as Error).message, sql);
    }
    for await (const rows of result.yieldRowsJson()) yield rows.map((row) => String(row[0]));
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  }

  async relationKind(schema: string, name: string): Promise<"table" | "view" | undefined> {
    const rows = await this.db
      .selectFrom("information_schema.tables")
      .select("table_type")
      .where("table_schema", "=", schema)
      .where("table_name", "=", name)
      .execute();
    if (rows.length === 0) return undefined;
    return rows[0].table_type === "VIEW" ? "view" : "table";
  }

  async columns(schema: string, name: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("information_schema.columns")
      .select("column_name")
      .where("table_schema", "=", schema)
      .where("table_name", "=", name)
      .orderBy("ordinal_position")
      .execute();
    return rows.map((row) => row.column_name);
  }

  async queryColumns(sql: string): Promise<string[] | undefined> {
    try {
      const rows = await this.query<{ column_name: string }>(`DESCRIBE ${sql}`);
      return rows.map((row) => row.column_name);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal: the text in single quotes, quotes in it doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
