// Shared SQL fragments for the marts. Every billing rule lives in SQL; these helpers keep one spelling
// of a rule that several models use.

/** Exact money type on BigQuery (DECIMAL(38, 9) on DuckDB). */
const MONEY = "NUMERIC";

/** Margin as a percentage of the customer price, 2 decimals; NULL when the price is 0. */
function marginPct(margin, price) {
  return `CAST(ROUND(SAFE_DIVIDE(${margin}, ${price}) * 100, 2) AS NUMERIC)`;
}

module.exports = { MONEY, marginPct };
