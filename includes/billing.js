// Shared SQL fragments for the billing models. Every billing rule lives in SQL; these helpers only
// keep one spelling of a rule that several models use.

/** Google cost_type -> FOCUS ChargeCategory. Both spellings of rounding lines are accepted. */
function gcpChargeCategory(costType) {
  return `CASE ${costType}
    WHEN 'regular' THEN 'Usage'
    WHEN 'tax' THEN 'Tax'
    WHEN 'adjustment' THEN 'Adjustment'
    WHEN 'rounding_error' THEN 'Adjustment'
    ELSE 'Adjustment'
  END`;
}

/** Service name -> FOCUS ServiceCategory (one of the 19 allowed values). */
const SERVICE_CATEGORIES = {
  "Compute Engine": "Compute",
  "Kubernetes Engine": "Compute",
  "Cloud Run": "Compute",
  "Cloud Storage": "Storage",
  "Filestore": "Storage",
  "BigQuery": "Analytics",
  "Looker": "Analytics",
  "Cloud SQL": "Databases",
  "Cloud Spanner": "Databases",
  "Firestore": "Databases",
  "Networking": "Networking",
  "Cloud CDN": "Networking",
  "Vertex AI": "AI and Machine Learning",
  "Cloud Logging": "Management and Governance",
  "Cloud Monitoring": "Management and Governance",
  "Google Workspace": "Business Applications",
  "Tax": "Other",
  "Rounding": "Other",
};

function serviceCategory(serviceName) {
  const cases = Object.entries(SERVICE_CATEGORIES)
    .map(([name, category]) => `WHEN '${name}' THEN '${category}'`)
    .join("\n    ");
  return `CASE ${serviceName}
    ${cases}
    ELSE 'Other'
  END`;
}

/** Exact money type on BigQuery (DECIMAL(38, 9) on DuckDB). */
const MONEY = "NUMERIC";

module.exports = { gcpChargeCategory, serviceCategory, SERVICE_CATEGORIES, MONEY };
