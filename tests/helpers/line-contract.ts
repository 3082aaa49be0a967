import contract from "../../includes/billing_line_contract.json" with { type: "json" };

/** The columns of a vendor's line model: the conformed billing line less what the fact stamps itself. */
export const LINE_MODEL = contract.billing_line.filter((c) => !("fact_only" in c));

/** The columns of a vendor's contract commitments model (int_<vendor>__contract_commitments). */
export const CONTRACT_COMMITMENTS = contract.contract_commitments;

/** BigQuery type -> the DuckDB type the runner's translation gives it. */
export const DUCKDB_TYPE: Record<string, string> = {
  STRING: "VARCHAR",
  NUMERIC: "DECIMAL(38,9)",
  TIMESTAMP: "TIMESTAMP WITH TIME ZONE",
  DATE: "DATE",
  INT64: "BIGINT",
  BOOL: "BOOLEAN",
};
