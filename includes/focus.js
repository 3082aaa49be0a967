// FOCUS 1.2 presentation helpers for marts.focus_upstream and marts.focus_customer: how the conformed
// billing line's vendor spellings (units, service ids, region ids) are shown in FOCUS's own vocabulary.
// Every mapping falls back to the value as the vendor gives it, so a vendor added later still shows up,
// and the FOCUS conformance test names what is left to map.

const quote = (value) => `'${String(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** SQL CASE over a column: mapped value, else the fallback expression. */
function lookupSql(column, mapping, fallback) {
  const cases = Object.entries(mapping).map(([from, to]) => `WHEN ${quote(from)} THEN ${quote(to)}`);
  return cases.length === 0 ? fallback : `CASE ${column} ${cases.join(" ")} ELSE ${fallback} END`;
}

// Vendor unit spellings -> FOCUS UnitFormat: data sizes abbreviated (B, GiB, TiB), time units from
// FOCUS's list (Second, Hour, Month, ...), count nouns capitalised, "<unit>-<time units>" for a quantity
// over time. Keys are compared in lower case.
const UNITS = {
  // Google Cloud usage.unit / usage.pricing_unit
  "seconds": "Seconds",
  "second": "Seconds",
  "hour": "Hours",
  "hours": "Hours",
  "month": "Months",
  "day": "Days",
  "bytes": "B",
  "byte": "B",
  "byte-seconds": "B-Seconds",
  "gibibyte": "GiB",
  "gibibytes": "GiB",
  "gibibyte hour": "GiB-Hours",
  "gibibyte month": "GiB-Months",
  "gibibyte-months": "GiB-Months",
  "tebibyte": "TiB",
  "tebibytes": "TiB",
  "mebibyte": "MiB",
  "kibibyte": "KiB",
  "gb-months": "GB-Months",
  "100 gb-months": "100 GB-Months",
  "count": "Count",
  "requests": "Requests",
  "request": "Requests",
  "1000 requests": "1000 Requests",
  // Webex licences are billed per day of use (int_webex__billing_lines)
  "licence-days": "Licence-Days",
};

/** SQL: a vendor unit column as a FOCUS unit (NULL stays NULL; an unmapped unit is shown as given). */
function unitSql(column) {
  return lookupSql(`LOWER(${column})`, UNITS, column);
}

// Service display names where the vendor's service_name is an identifier (Webex SERVICE_NAME).
const SERVICE_NAMES = {
  WEBEX_CALLING: "Webex Calling",
  WEBEX_SUITE: "Webex Suite",
  WEBEX_MEETINGS: "Webex Meetings",
  COMMON_AREA_CALLING: "Webex Calling Common Area",
};

/**
 * SQL: a billing-currency amount of the billing line in its pricing currency (pricing_currency_rate is
 * billing-currency units per pricing-currency unit), divided exactly to 9 decimals where they differ.
 */
function inPricingCurrencySql(column) {
  return `CASE WHEN pricing_currency_rate = 1 THEN ${column} ELSE CAST(${column} / pricing_currency_rate AS NUMERIC) END`;
}

/**
 * SQL condition: a billing line (alias `line`, `cost` its customer price) draws on a customer's contract
 * commitment (alias `commitment`, a row of intermediate.int_contract_commitments): a charge a customer is
 * billed under the commitment (same vendor, resource, customer and currency), taxes and lines the customer
 * pays nothing for aside. FOCUS 1.3 ContractApplied in marts.focus_customer, and what
 * marts.focus_contract_commitment sums as drawn.
 */
function drawsOnCommitmentSql(line, commitment, cost) {
  return [
    `${commitment}.source_system = ${line}.source_system`,
    `${commitment}.resource_id = ${line}.resource_id`,
    `${commitment}.customer_id = ${line}.customer_id`,
    `${commitment}.billing_currency = ${line}.billing_currency`,
    `${line}.customer_id != 'unassigned'`,
    `${line}.charge_category != 'Tax'`,
    `${cost} != 0`,
  ].join("\n    AND ");
}

/** SQL: FOCUS ServiceName from the billing line's service_name. */
function serviceNameSql(column) {
  return lookupSql(column, SERVICE_NAMES, column);
}

// FOCUS ServiceSubcategory per service, with its parent ServiceCategory (FOCUS allows each subcategory
// under one category only). A service not listed, or listed under another category than the line's, is
// "Other (<category>)", which FOCUS defines for every category.
const SERVICE_SUBCATEGORIES = {
  "Compute Engine": ["Compute", "Virtual Machines"],
  "Kubernetes Engine": ["Compute", "Containers"],
  "Cloud Run": ["Compute", "Serverless Compute"],
  "Cloud Storage": ["Storage", "Object Storage"],
  "Filestore": ["Storage", "File Storage"],
  "BigQuery": ["Analytics", "Analytics Platforms"],
  "Looker": ["Analytics", "Business Intelligence"],
  "Cloud SQL": ["Databases", "Relational Databases"],
  "Cloud Spanner": ["Databases", "Relational Databases"],
  "Firestore": ["Databases", "NoSQL Databases"],
  "Networking": ["Networking", "Network Infrastructure"],
  "Cloud CDN": ["Networking", "Content Delivery"],
  "Vertex AI": ["AI and Machine Learning", "AI Platforms"],
  "Cloud Logging": ["Management and Governance", "Observability"],
  "Cloud Monitoring": ["Management and Governance", "Observability"],
  "Google Workspace": ["Business Applications", "Productivity and Collaboration"],
  "WEBEX_CALLING": ["Business Applications", "Productivity and Collaboration"],
  "WEBEX_SUITE": ["Business Applications", "Productivity and Collaboration"],
  "WEBEX_MEETINGS": ["Business Applications", "Productivity and Collaboration"],
  "COMMON_AREA_CALLING": ["Business Applications", "Productivity and Collaboration"],
};

/** SQL: FOCUS ServiceSubcategory from the line's service_name and FOCUS service_category. */
function serviceSubcategorySql(serviceColumn, categoryColumn) {
  const cases = Object.entries(SERVICE_SUBCATEGORIES).map(
    ([service, [category, subcategory]]) => `WHEN ${serviceColumn} = ${quote(service)} AND ${categoryColumn} = ${quote(category)} THEN ${quote(subcategory)}`,
  );
  return `CASE ${cases.join(" ")} ELSE CONCAT('Other (', ${categoryColumn}, ')') END`;
}

// Region display names (Google Cloud locations).
const REGION_NAMES = {
  "asia-northeast1": "Tokyo",
  "asia-northeast2": "Osaka",
  "asia-northeast3": "Seoul",
  "asia-southeast1": "Singapore",
  "asia-east1": "Taiwan",
  "us-central1": "Iowa",
  "us-east1": "South Carolina",
  "us-west1": "Oregon",
  "europe-west1": "Belgium",
  "europe-west3": "Frankfurt",
  "global": "Global",
};

/** SQL: FOCUS RegionName (NULL exactly when the region id is NULL). */
function regionNameSql(column) {
  return `CASE WHEN ${column} IS NULL THEN NULL ELSE ${lookupSql(column, REGION_NAMES, column)} END`;
}

// What kind of resource a line's resource id names, per service; other services fall back to the
// service's name.
const RESOURCE_TYPES = {
  "Compute Engine": "Virtual Machine",
  "Kubernetes Engine": "Cluster",
  "Cloud Run": "Service",
  "Cloud Storage": "Bucket",
  "BigQuery": "Dataset",
  "Cloud SQL": "Database Instance",
  "Networking": "Network",
  "WEBEX_CALLING": "User",
  "WEBEX_SUITE": "User",
  "WEBEX_MEETINGS": "User",
  "COMMON_AREA_CALLING": "Workspace",
};

/** SQL: FOCUS ResourceType (NULL exactly when the resource id is NULL). */
function resourceTypeSql(resourceColumn, serviceColumn) {
  return `CASE WHEN ${resourceColumn} IS NULL THEN NULL ELSE ${lookupSql(serviceColumn, RESOURCE_TYPES, serviceColumn)} END`;
}

// What a vendor's sub-account is (FOCUS SubAccountType); vendors not listed show "Sub Account".
const SUB_ACCOUNT_TYPES = {
  gcp_channel: "Billing Sub-Account",
  webex_wholesale: "Customer Organization",
};

/** SQL: FOCUS SubAccountType (NULL exactly when the sub-account id is NULL). */
function subAccountTypeSql(subAccountColumn, sourceColumn) {
  return `CASE WHEN ${subAccountColumn} IS NULL THEN NULL ELSE ${lookupSql(sourceColumn, SUB_ACCOUNT_TYPES, "'Sub Account'")} END`;
}

module.exports = {
  UNITS,
  SERVICE_NAMES,
  SERVICE_SUBCATEGORIES,
  REGION_NAMES,
  unitSql,
  serviceNameSql,
  serviceSubcategorySql,
  regionNameSql,
  resourceTypeSql,
  subAccountTypeSql,
  inPricingCurrencySql,
  drawsOnCommitmentSql,
};
