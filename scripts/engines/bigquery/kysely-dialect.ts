import type { BigQuery } from "@google-cloud/bigquery";
import {
  MysqlAdapter,
  MysqlQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from "kysely";
import { refused } from "../../clients/bigquery.ts";

/**
 * A read-only Kysely dialect over `@google-cloud/bigquery`. BigQuery's GoogleSQL takes backticked
 * identifiers and `?` positional parameters, which is what Kysely's MySQL compiler emits. Values come
 * back the way the DuckDB dialect returns them: NUMERIC and BIGNUMERIC as exact decimal text with at
 * least 9 decimals, DATE and TIMESTAMP as text.
 */
export class BigQueryDialect implements Dialect {
  constructor(private readonly client: BigQuery) {}

  createDriver(): Driver {
    return new BigQueryDriver(this.client);
  }

  createQueryCompiler(): QueryCompiler {
    return new MysqlQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new MysqlAdapter();
  }

  createIntrospector(): DatabaseIntrospector {
    throw new Error("Schema introspection is not available on BigQuery through this dialect.");
  }
}

class BigQueryDriver implements Driver {
  constructor(private readonly client: BigQuery) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new BigQueryConnection(this.client);
  }

  async beginTransaction(): Promise<void> {
    throw new Error("Transactions are not used on BigQuery through this dialect.");
  }

  async commitTransaction(): Promise<void> {}

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

class BigQueryConnection implements DatabaseConnection {
  constructor(private readonly client: BigQuery) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const [rows] = await this.client.query({
        query: compiledQuery.sql,
        params: compiledQuery.parameters as unknown[],
        useLegacySql: false,
        location: this.client.location,
      });
      return { rows: (rows as Record<string, unknown>[]).map((row) => plainRow(row) as R) };
    } catch (error) {
      throw refused("a query", error);
    }
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries are not supported by the BigQuery dialect");
  }
}

/** NUMERIC (big.js), DATE / TIMESTAMP ({ value }) -> exact text, like the DuckDB dialect's JSON values. */
export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === "object") {
    const object = value as { constructor?: { name?: string }; value?: unknown; toFixed?: (dp?: number) => string; c?: number[]; e?: number };
    if (typeof object.toFixed === "function" && object.constructor?.name === "Big") {
      // NUMERIC has 9 decimals, as DuckDB's DECIMAL(38, 9) prints them; more (BIGNUMERIC) are all kept.
      const decimals = Math.max(0, (object.c?.length ?? 0) - (object.e ?? 0) - 1);
      return object.toFixed(Math.max(9, decimals));
    }
    if ("value" in object && typeof object.value === "string") return object.value;
    return plainRow(value as Record<string, unknown>);
  }
  return value;
}

function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, plainValue(value)]));
}
