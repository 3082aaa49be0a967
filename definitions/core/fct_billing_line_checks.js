// core.fct_billing_line's key, non-null and row-condition checks, written out instead of the config's
// `assertions` so that a daily run checks only the lines it added (includes/checks.js); the names and
// failing rows are those Dataform generates for uniqueKey and rowConditions (nonNull included).
const UNIQUE_KEY = ["source_line_id"];
const NON_NULL = ["source_system", "source_line_id", "export_time", "provider_name", "payer_account_id", "billing_period_start", "billing_period_end", "billed_cost", "customer_billed_cost", "customer_id", "billing_currency", "charge_category", "service_name", "service_category"];
const ROW_CONDITIONS = [
  "charge_category IN ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')",
  "charge_class IS NULL OR charge_class = 'Correction'",
  // FOCUS 1.2 ServiceCategory values (marts.focus_upstream and focus_customer show the column as it is).
  "service_category IN ('AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases', 'Developer Tools', 'Multicloud', 'Identity', 'Integration', 'Internet of Things', 'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking', 'Security', 'Storage', 'Web', 'Other')",
  "margin = customer_billed_cost - billed_cost",
  "billing_period_end > billing_period_start",
  ...NON_NULL.map((column) => `${column} IS NOT NULL`),
];

if (UNIQUE_KEY.length !== 1) throw new Error("fct_billing_line_checks.js: the scoped key check is written for a one-column key");
const quote = (text) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

assert("core_fct_billing_line_assertions_uniqueKey_0", {
  description: `core.fct_billing_line holds each ${UNIQUE_KEY.join(", ")} once (a daily run checks the keys of the lines it added against all lines).`,
  tags: ["daily", "monthly_close"],
}).query((ctx) => `
SELECT
  *
FROM (
  SELECT
    ${UNIQUE_KEY.join(", ")},
    COUNT(1) AS index_row_count
  FROM ${ctx.ref("fct_billing_line")}${checks.checksAll() ? "" : `
  WHERE ${UNIQUE_KEY[0]} IN (SELECT ${UNIQUE_KEY[0]} FROM ${ctx.ref("fct_billing_line")} WHERE ${checks.factRowsInScope()})`}
  GROUP BY ${UNIQUE_KEY.join(", ")}
  ) AS data
WHERE index_row_count > 1
`);

assert("core_fct_billing_line_assertions_rowConditions", {
  description: "Every core.fct_billing_line row meets the row conditions and has its mandatory columns (a daily run checks the lines it added).",
  tags: ["daily", "monthly_close"],
}).query((ctx) => ROW_CONDITIONS.map((condition) => `
SELECT
  ${quote(condition)} AS failing_row_condition,
  *
FROM ${ctx.ref("fct_billing_line")}
WHERE NOT (${condition}) AND ${checks.factRowsInScope()}`).join("\nUNION ALL"));
