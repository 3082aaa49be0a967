// The vendors whose billing lines make up core.fct_billing_line, one entry each. A vendor brings its
// own SQL folders (definitions/staging/<id>/, definitions/intermediate/<id>/) ending in two models:
//   int_<id>__billing_lines   the conformed billing line (includes/billing_line.js), FOCUS mapping and
//                             the vendor's margin rules applied;
//   int_<id>__invoice_totals  the vendor's own totals, computed as the vendor documents them.
// `delivery` says how the vendor re-delivers data, which decides how the fact takes it in:
//   append          lines are only ever added (Google's export): new lines after the source's export_time
//                   checkpoint are appended;
//   replace_period  a billing period is re-delivered whole (a provisional bill replaced by the final one, a
//                   regenerated report): the period's lines are replaced when a newer delivery arrives;
//   latest_version  records are corrected in place (bi-temporal feeds): the line with the newest export_time
//                   for a source_line_id wins, and lines the vendor deleted leave the fact.
// `assertions` are the vendor's own checks under assertions/ (paths without .sqlx).
// `account_versions: true` for a vendor that delivers its accounts' history: its int_<id>__account_versions
// (the account_versions contract) makes those accounts slowly changing (type 2) in core.dim_account.
// `contract_commitments: true` for a vendor whose customers sign contracts with a committed amount or
// quantity over a term: its int_<id>__contract_commitments (the contract_commitments contract) feeds
// marts.focus_contract_commitment (FOCUS 1.3 Contract Commitment dataset) and the ContractApplied column of
// marts.focus_customer, which links a charge to the commitment it draws on by the line's resource_id.
// `invoices_amounts` is false for a vendor that states quantities only (Webex: the reseller's price book
// prices them): the fact's amounts are then not compared with a vendor invoice total.
// `line_ids` (optional) names a table holding the source's line ids that is cheaper to read than the line
// model, with the SQL of source_line_id over it (Google's incremental staging): the line model and the
// completeness check both take the id from there.
const VENDORS = [
  {
    id: "gcp",
    source_system: "gcp_channel",
    provider_name: "Google Cloud",
    delivery: "append",
    assertions: ["gcp/gcp_rows_complete"],
    line_ids: { model: "stg_gcp__billing_export", source_line_id: "CONCAT(line_hash, '-', CAST(line_number AS STRING))" },
  },
  { id: "gabia", source_system: "gabia", provider_name: "Gabia", delivery: "replace_period", assertions: ["gabia/gabia_user_bills_complete"] },
  { id: "webex", source_system: "webex_wholesale", provider_name: "Webex", delivery: "replace_period", invoices_amounts: false, assertions: ["webex/webex_lines_priced"] },
  { id: "aws", source_system: "aws_marketplace", provider_name: "AWS Marketplace", delivery: "latest_version", account_versions: true, contract_commitments: true, assertions: ["aws_marketplace/aws_billing_events_readable"] },
];

const DELIVERIES = ["append", "replace_period", "latest_version"];

for (const vendor of VENDORS) {
  if (!/^[a-z][a-z0-9]*$/.test(vendor.id)) throw new Error(`includes/vendors.js: vendor id "${vendor.id}" must be lower-case letters and digits`);
  if (!DELIVERIES.includes(vendor.delivery)) throw new Error(`includes/vendors.js: vendor ${vendor.id} has delivery "${vendor.delivery}"; expected one of ${DELIVERIES.join(", ")}`);
}

const billingLinesModel = (vendor) => `int_${vendor.id}__billing_lines`;
const invoiceTotalsModel = (vendor) => `int_${vendor.id}__invoice_totals`;
const accountVersionsModel = (vendor) => `int_${vendor.id}__account_versions`;
const contractCommitmentsModel = (vendor) => `int_${vendor.id}__contract_commitments`;

/** SQL of a vendor's source_line_id over its `line_ids` table. */
const lineIdSql = (id) => {
  const vendor = VENDORS.find((v) => v.id === id);
  if (!vendor || !vendor.line_ids) throw new Error(`includes/vendors.js: vendor ${id} has no line_ids`);
  return vendor.line_ids.source_line_id;
};

module.exports = { VENDORS, DELIVERIES, billingLinesModel, invoiceTotalsModel, accountVersionsModel, contractCommitmentsModel, lineIdSql };
