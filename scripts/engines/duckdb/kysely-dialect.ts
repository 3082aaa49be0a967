import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from "kysely";

/**
 * A Kysely dialect over one `@duckdb/node-api` connection. DuckDB speaks the PostgreSQL flavour of
 * SQL that Kysely's Postgres compiler emits (`"ident"`, `$1` parameters), so only the driver is ours.
 */
export class DuckDbDialect implements Dialect {
  constructor(private readonly connection: DuckDBConnection) {}

  createDriver(): Driver {
    return new DuckDbDriver(this.connection);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class DuckDbDriver implements Driver {
  private readonly wrapped: DuckDbKyselyConnection;

  constructor(connection: DuckDBConnection) {
    this.wrapped = new DuckDbKyselyConnection(connection);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.wrapped;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("BEGIN TRANSACTION"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("COMMIT"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("ROLLBACK"));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

class DuckDbKyselyConnection implements DatabaseConnection {
  constructor(private readonly connection: DuckDBConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiledQuery.parameters.map(toDuckDbValue);
    const reader = await this.connection.runAndReadAll(compiledQuery.sql, params);
    const rows = reader.getRowObjectsJson() as R[];
    const isRead = reader.columnCount > 0 && !/^\s*(insert|update|delete|merge)\b/i.test(compiledQuery.sql);
    if (isRead) return { rows };
    return { rows, numAffectedRows: BigInt(rows.length > 0 ? String(Object.values(rows[0] as object)[0]) : 0) };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries are not supported by the DuckDB dialect");
  }
}

function toDuckDbValue(value: unknown): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return value as DuckDBValue;
}
