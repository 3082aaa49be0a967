// AWS Marketplace seller data feeds (reference: aws-marketplace-data-feeds.md): SQL helpers shared by the
// staging, intermediate and mart models of the aws_marketplace folders.
/** The feed's text as delivered, with '' as NULL (AWS writes an absent value as an empty field). */
const text = (column) => `NULLIF(${column}, '')`;

/** An ISO-8601 UTC timestamp of the feed ('2018-12-31T00:04:07Z'); NULL when empty or unreadable. */
const timestamp = (column) => `SAFE_CAST(NULLIF(${column}, '') AS TIMESTAMP)`;

/** An amount: '.' decimal mark, no thousands separator, kept exact. */
const amount = (column) => `SAFE_CAST(NULLIF(${column}, '') AS NUMERIC)`;

/** A timestamp as text, UTC with a +00 suffix ('2018-12-01 00:00:00+00'), as AWS's line-item key spells it. */
const timestampText = (column) => `CAST(${column} AS STRING)`;

/** A 12-digit AWS account number, left-padded with the zeros a numeric import would have lost. */
const awsAccountNumber = (column) => `CASE WHEN NULLIF(${column}, '') IS NULL THEN NULL ELSE LPAD(${column}, 12, '0') END`;

/**
 * The uni-temporal rows of a feed (reference section 2): per key and valid_from the record with the
 * latest update_date (a correction keeps valid_from and changes update_date), dropped when that latest
 * record is soft-deleted (non-empty delete_date). Dedup comes first, so an earlier version of a deleted
 * record does not come back. `select` is the select list over the raw columns.
 */
function uniTemporal(source, key, select) {
  const partition = [...key, "valid_from"].join(", ");
  return `SELECT
    ${select}
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (
        PARTITION BY ${partition}
        ORDER BY ${timestamp("update_date")} DESC, ${timestamp("insert_date")} DESC
      ) AS record_rank
    FROM ${source}
  ) AS records
  WHERE record_rank = 1
    AND NULLIF(delete_date, '') IS NULL`;
}

/** Far-future end of the open validity range, as AWS's queries write it. */
const OPEN_END = "TIMESTAMP '2999-01-01 00:00:00+00'";

/** Start of time for a back-extended first revision. */
const EPOCH = "TIMESTAMP '1970-01-01 00:00:00+00'";

module.exports = { text, timestamp, timestampText, amount, awsAccountNumber, uniTemporal, OPEN_END, EPOCH };

/**
 * The select list of AWS's billed revenue and collections & disbursements reports (reference 5.1 step 28
 * and 5.2) over int_aws__line_items, column for column: `report` is "billed_revenue" (one row per buyer
 * line item, its invoiced amounts), "collections_paid" (one row per line item and payout, the payout's
 * amounts as paid, i.e. the negation of its DISBURSED lines) or "collections_unpaid" (a line item no payout
 * touched, its invoiced amounts). Amounts are rounded to 2 decimals half away from zero as AWS does.
 */
function reportColumns(report) {
  const billed = report === "billed_revenue";
  const paid = report === "collections_paid";
  const amount = (bucket) => (billed ? `${bucket}_invoiced` : paid ? `-1 * ${bucket}_this` : `${bucket}_this`);
  const money = (bucket) => `ROUND(${amount(bucket)}, 2)`;
  const ratioOf = (suffix) => `CASE
      WHEN gross_revenue_${suffix} != 0 THEN ABS(aws_rev_share_${suffix} / gross_revenue_${suffix})
      WHEN gross_refund_${suffix} != 0 THEN ABS(aws_refund_share_${suffix} / gross_refund_${suffix})
      ELSE 0
    END`;
  const noAgreement = "agreement_id IS NULL";
  const orNotProvided = (column) => `CASE WHEN ${noAgreement} THEN 'Not available' WHEN ${column} IS NULL THEN 'Not provided' ELSE ${column} END`;
  const resaleFallback = (column, value) => `CASE
      WHEN ${column} IS NOT NULL THEN ${value}
      WHEN offer_target = 'Public' THEN 'Not applicable'
      WHEN offer_target IS NULL AND agreement_id IS NOT NULL THEN 'Not applicable'
    END`;
  const wholeDays = (from, to) => `DIV(TIMESTAMP_DIFF(${to}, ${from}, SECOND), 86400)`;
  const daysLate = `CASE WHEN disbursement_flag = 'Yes' THEN ${wholeDays("TIMESTAMP_TRUNC(payment_due_date, DAY)", "TIMESTAMP_TRUNC(last_disbursement_date, DAY)")} END`;
  const aiq = (column) => `CASE WHEN is_aiq_offer THEN NULL ELSE ${column} END`;
  const columns = [
    ["invoice_date", "buyer_invoice_date"],
    ["payment_due_date", "payment_due_date"],
    ["payment_terms", `CONCAT('Net ', CASE WHEN DIV(ABS(TIMESTAMP_DIFF(payment_due_date, buyer_invoice_date, SECOND)), 86400) > 180 THEN '180+' ELSE CAST(DIV(ABS(TIMESTAMP_DIFF(payment_due_date, buyer_invoice_date, SECOND)), 86400) AS STRING) END, ' days')`],
    ["invoice_id", "buyer_invoice_id"],
    ["listing_fee_invoice_id", "COALESCE(seller_invoice_id, 'Not applicable')"],
    ["end_user_company_name", "COALESCE(end_user_company_name, 'Not available')"],
    ["end_user_aws_account_id", "end_user_aws_account_id"],
    ["end_user_encrypted_account_id", "end_user_encrypted_account_id"],
    ["end_user_email_domain", "end_user_email_domain"],
    ["end_user_city", "end_user_city"],
    ["end_user_state_or_region", "end_user_state_or_region"],
    ["end_user_country", "end_user_country"],
    ["end_user_postal_code", "end_user_postal_code"],
    ["end_user_address_id", "end_user_address_id"],
    ["subscriber_company_name", orNotProvided("subscriber_company_name")],
    ["subscriber_aws_account_id", `CASE WHEN ${noAgreement} THEN 'Not available' ELSE subscriber_aws_account_id END`],
    ["subscriber_encrypted_account_id", `CASE WHEN ${noAgreement} THEN 'Not available' ELSE subscriber_encrypted_account_id END`],
    ["subscriber_email_domain", orNotProvided("subscriber_email_domain")],
    ["subscriber_city", orNotProvided("subscriber_city")],
    ["subscriber_state_or_region", orNotProvided("subscriber_state_or_region")],
    ["subscriber_country", orNotProvided("subscriber_country")],
    ["subscriber_postal_code", orNotProvided("subscriber_postal_code")],
    ["subscriber_address_id", orNotProvided("subscriber_address_id")],
    ["product_title", "COALESCE(product_title, 'Not provided')"],
    ["offer_name", `CASE WHEN ${noAgreement} THEN 'Not available' WHEN offer_name IS NULL AND offer_target = 'Public' THEN 'Not applicable' ELSE offer_name END`],
    ["offer_id", `CASE WHEN ${noAgreement} THEN 'Not available' ELSE matched_offer_id END`],
    ["offer_visibility", `CASE WHEN ${noAgreement} THEN 'Not available' ELSE offer_target END`],
    ["agreement_id", "COALESCE(agreement_id, 'Not available')"],
    ["agreement_start_date", aiq("agreement_start_date")],
    ["agreement_acceptance_date", aiq("agreement_acceptance_date")],
    ["agreement_end_date", aiq("agreement_end_date")],
    ["usage_period_start_date", aiq("usage_period_start_date")],
    ["usage_period_end_date", aiq("usage_period_end_date")],
    ["disbursement_status", "CASE disbursement_flag WHEN 'Yes' THEN 'Disbursed' WHEN 'No' THEN 'Not Disbursed' ELSE 'Other' END"],
    ["disbursement_date", "last_disbursement_date"],
    ...(billed ? [] : [["disbursement_time", daysLate]]),
    ["disburse_bank_trace_id", `CASE WHEN disbursement_flag = 'No' THEN 'Not applicable' WHEN ${billed ? "bank_trace_id_list" : "bank_trace_id"} IS NULL THEN 'Not available' ELSE ${billed ? "bank_trace_id_list" : "bank_trace_id"} END`],
    ["gross_revenue", money("gross_revenue")],
    ["gross_refund", money("gross_refund")],
    ["listing_fee", money("aws_rev_share")],
    ["listing_fee_refund", money("aws_refund_share")],
    ["listing_fee_percentage", `TRUNC(CAST(ROUND(${ratioOf(billed ? "invoiced" : "this")}, 6) AS NUMERIC), 4)`],
    ["seller_tax_share", money("seller_tax_share")],
    ["seller_tax_share_refund", money("seller_tax_share_refund")],
    ...(billed ? [["aws_tax_share", money("aws_tax_share")], ["aws_tax_share_refund", money("aws_tax_share_refund")]] : []),
    ["aws_tax_share_listing_fee", money("aws_tax_share_listing_fee")],
    ["aws_tax_share_refund_listing_fee", money("aws_tax_share_refund_listing_fee")],
    ["wholesale_cost", money("cogs")],
    ["wholesale_cost_refund", money("cogs_refund")],
    ["seller_net_revenue", billed ? "ROUND(seller_net_revenue, 2)" : `ROUND(${paid ? "-1 * " : ""}seller_net_revenue_this, 2)`],
    ["currency", "currency"],
    ["transaction_reference_id", "SUBSTR(internal_buyer_line_item_id, 1, GREATEST(STRPOS(internal_buyer_line_item_id, '-') - 1, 0))"],
    ["aws_seller_of_record", "broker_id"],
    ["resale_authorization_id", resaleFallback("opportunity_id", "opportunity_id")],
    ["resale_authorization_name", resaleFallback("opportunity_name", "opportunity_name")],
    // AWS's billed revenue query shows the resale authorization's name here, its collections query the description.
    ["resale_authorization_description", resaleFallback("opportunity_description", billed ? "opportunity_name" : "opportunity_description")],
    ["reseller_company_name", `CASE
      WHEN reseller_aws_account_id IS NOT NULL AND reseller_company_name IS NULL THEN 'Not available'
      WHEN reseller_aws_account_id IS NULL AND opportunity_id IS NULL THEN 'Not applicable'
      WHEN seller_account_id != manufacturer_aws_account_id AND reseller_aws_account_id IS NULL THEN 'Not applicable'
      ELSE reseller_company_name
    END`],
    ["reseller_aws_account_id", `CASE
      WHEN reseller_aws_account_id IS NULL AND opportunity_id IS NULL THEN 'Not applicable'
      WHEN seller_account_id != manufacturer_aws_account_id AND reseller_aws_account_id IS NULL THEN 'Not applicable'
      ELSE reseller_aws_account_id
    END`],
    ["payer_company_name", "COALESCE(payer_company_name, 'Not available')"],
    ["payer_aws_account_id", "payer_aws_account_id"],
    ["payer_encrypted_account_id", "payer_encrypted_account_id"],
    ["payer_email_domain", "payer_email_domain"],
    ["payer_city", "payer_city"],
    ["payer_state_or_region", "payer_state_or_region"],
    ["payer_country", "payer_country"],
    ["payer_postal_code", "payer_postal_code"],
    ["payer_address_id", "payer_address_id"],
    ["isv_account_id", "manufacturer_aws_account_id"],
    ["isv_company_name", "COALESCE(manufacturer_company_name, 'Not available')"],
    ["legacy_product_id", "legacy_product_id"],
    ["product_id", "COALESCE(product_id, 'Not provided')"],
    ["product_code", "product_code"],
    ...(billed
      ? []
      : [
          ["disbursed_net_revenue", `CASE WHEN disbursement_flag = 'Yes' THEN ROUND(${paid ? "-1 * " : ""}seller_net_revenue_this, 2) ELSE 0 END`],
          ["undisbursed_net_revenue", `CASE WHEN disbursement_flag = 'No' THEN ROUND(${paid ? "-1 * " : ""}seller_net_revenue_this, 2) ELSE 0 END`],
          ["disbursement_period", `CASE
      WHEN ${daysLate} <= 0 THEN 'Not due'
      WHEN ${daysLate} <= 30 THEN '1-30 days late'
      WHEN ${daysLate} <= 60 THEN '31-60 days late'
      WHEN ${daysLate} <= 90 THEN '61-90 days late'
      WHEN ${daysLate} <= 120 THEN '91-120 days late'
      WHEN ${daysLate} >= 121 THEN '121+ days late'
    END`],
        ]),
  ];
  return columns.map(([name, expression]) => `${expression} AS ${name}`).join(",\n  ");
}

module.exports.reportColumns = reportColumns;
