// Sources: Google's reseller billing export is read in place on BigQuery (project and dataset from
// vars); locally `rbw land` loads extracts of it into raw.reseller_billing_detailed_export_v1.
// Column documentation comes from the same schema files that landing and `rbw check` use.
const exportSchema = require("../../includes/schemas/reseller_billing_detailed_export_v1.json");

function columnDocs(fields) {
  return Object.fromEntries(fields.map((f) => [f.name, f.fields ? { description: f.description || f.name, columns: columnDocs(f.fields) } : (f.description || f.name)]));
}

declare({
  database: dataform.projectConfig.vars.gcp_export_project,
  schema: dataform.projectConfig.vars.gcp_export_dataset,
  name: "reseller_billing_detailed_export_v1",
  description: "Google Cloud Channel Services reseller billing export (append-only, partitioned by export_time, clustered by payer_billing_account_id).",
  columns: columnDocs(exportSchema),
});

for (const [name, description] of [
  ["ref_customer_mapping", "Reseller customer mapping from config/customers.json: vendor ids -> customer."],
  ["ref_fx_rate", "Monthly FX rates from config/fx_rates.json."],
  ["ref_settings", "Warehouse settings from config/settings.json (reporting currency, reseller name)."],
]) {
  declare({
    schema: "raw",
    name,
    description,
    columns: columnDocs(require(`../../includes/schemas/${name}.json`)),
  });
}
