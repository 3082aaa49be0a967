// Google's reseller billing export is read in place on BigQuery (project and dataset from vars); locally
// `rbw land` loads extracts of it into raw.reseller_billing_detailed_export_v1. Column documentation comes
// from the same schema file that landing and `rbw check` use.
const exportSchema = require("../../includes/schemas/gcp/reseller_billing_detailed_export_v1.json");

declare({
  database: dataform.projectConfig.vars.gcp_export_project,
  schema: dataform.projectConfig.vars.gcp_export_dataset,
  name: "reseller_billing_detailed_export_v1",
  description: "Google Cloud Channel Services reseller billing export (append-only, partitioned by export_time, clustered by payer_billing_account_id).",
  columns: sources.columnDocs(exportSchema),
});
