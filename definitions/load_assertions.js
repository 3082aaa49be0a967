// Dataform does not discover the top-level assertions/ folder by itself: pull every check in here, the
// shared ones and each vendor's own (includes/vendors.js), and generate the per-source completeness check.
require("../assertions/invoice_reconciles.sqlx");
require("../assertions/fx_rates_complete.sqlx");

for (const vendor of vendors.VENDORS) {
  for (const name of vendor.assertions || []) require(`../assertions/${name}.sqlx`);

  // Every line of the vendor's line model is in the fact with the same version, and the fact holds no
  // line of the source that the model no longer has: lines in = lines out, whatever the delivery pattern.
  // An append-only source is checked, on a daily run, after the export_time checkpoint the run's fact
  // build started from (includes/checks.js): what it could have added; all history with check_scope "all".
  const scoped = vendor.delivery === "append" && !checks.checksAll();
  // The source's line ids: from its line-id table where it names one (a view over all history is not
  // filtered by the checkpoint before it is computed), else from its line model.
  const lineIds = (ctx) =>
    vendor.line_ids
      ? `SELECT ${vendor.line_ids.source_line_id} AS source_line_id, export_time FROM ${ctx.ref(vendor.line_ids.model)}`
      : `SELECT source_line_id, export_time FROM ${ctx.ref(vendors.billingLinesModel(vendor))}`;
  assert(`${vendor.source_system}_lines_complete`, {
    description: `Every ${vendor.provider_name} billing line (${vendors.billingLinesModel(vendor)}) is in core.fct_billing_line once, at its current version, and the fact holds no other ${vendor.source_system} line.${vendor.delivery === "append" ? " A daily run checks the lines after the export_time checkpoint it started from." : ""}`,
    tags: ["daily", "monthly_close"],
  }).query((ctx) => `
${scoped ? `WITH checkpoint AS (
  SELECT ${checks.appendCheckpoint(ctx.ref("fct_billing_line"), vendor.source_system)} AS export_time
),

expected AS (
  ${lineIds(ctx)}
  WHERE export_time > (SELECT export_time FROM checkpoint)
),

held AS (
  SELECT source_line_id, export_time FROM ${ctx.ref("fct_billing_line")}
  WHERE source_system = '${vendor.source_system}' AND export_time > (SELECT export_time FROM checkpoint)
)` : `WITH expected AS (
  ${lineIds(ctx)}
),

held AS (
  SELECT source_line_id, export_time FROM ${ctx.ref("fct_billing_line")} WHERE source_system = '${vendor.source_system}'
)`}

SELECT
  COALESCE(expected.source_line_id, held.source_line_id) AS source_line_id,
  expected.export_time AS expected_export_time,
  held.export_time AS held_export_time,
  CASE WHEN held.source_line_id IS NULL THEN 'missing from the fact' ELSE 'not a current line of the source' END AS problem
FROM expected
FULL OUTER JOIN held
  ON held.source_line_id = expected.source_line_id
  AND held.export_time = expected.export_time
WHERE expected.source_line_id IS NULL OR held.source_line_id IS NULL`);
}
