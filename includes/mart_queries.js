// The queries of marts.margin_monthly and marts.customer_invoice, written once: the marts are incremental
// (they rebuild the billing periods that changed, includes/run_changes.js) and Dataform runs unit tests on
// tables and views only, so the same query also defines intermediate.int_margin_monthly and
// intermediate.int_customer_invoice, the views over all history that the unit tests exercise.
const billing = require("./billing.js");
const customerTax = require("./customer_tax.js");

const periodFilter = (periods) => (periods ? `
    AND billing_period_start IN (${periods})` : "");

/**
 * Margin per billing period x customer x provider x service x currency. `refs`: { fact, settings, rates };
 * `periods`: a subquery of the billing periods to compute (all when omitted).
 */
function marginMonthly(refs, periods) {
  return `
WITH lines AS (
  SELECT * FROM ${refs.fact}
  WHERE charge_category != 'Tax'${periodFilter(periods)}
),

settings AS (
  SELECT value AS reporting_currency FROM ${refs.settings} WHERE setting = 'reporting_currency'
),

rates AS (
  SELECT * FROM ${refs.rates}
),

grouped AS (
  SELECT
    billing_period_start AS billing_period,
    customer_id,
    MIN(customer_name) AS customer_name,
    provider_name,
    service_name,
    billing_currency AS currency,
    SUM(billed_cost) AS cost,
    SUM(customer_billed_cost) AS customer_price,
    SUM(reseller_margin_amount) AS reseller_margin_credits,
    COUNT(*) AS line_count
  FROM lines
  GROUP BY billing_period_start, customer_id, provider_name, service_name, billing_currency
),

with_fx AS (
  SELECT
    grouped.*,
    settings.reporting_currency,
    CASE WHEN grouped.currency = settings.reporting_currency THEN CAST(1 AS NUMERIC) ELSE rates.rate END AS fx_rate,
    CASE WHEN grouped.currency = settings.reporting_currency THEN 'identity' ELSE rates.rate_source END AS fx_rate_source
  FROM grouped
  CROSS JOIN settings
  LEFT JOIN rates ON rates.from_currency = grouped.currency AND rates.to_currency = settings.reporting_currency AND rates.rate_month = grouped.billing_period
),

final AS (
  SELECT
    billing_period,
    customer_id,
    customer_name,
    provider_name,
    service_name,
    currency,
    cost,
    customer_price,
    customer_price - cost AS margin,
    ${billing.marginPct("customer_price - cost", "customer_price")} AS margin_pct,
    reseller_margin_credits,
    line_count,
    reporting_currency,
    fx_rate,
    fx_rate_source,
    CAST(cost * fx_rate AS NUMERIC) AS cost_reporting,
    CAST(customer_price * fx_rate AS NUMERIC) AS customer_price_reporting,
    CAST((customer_price - cost) * fx_rate AS NUMERIC) AS margin_reporting
  FROM with_fx
)

SELECT * FROM final`;
}

/**
 * What the reseller bills each customer per billing period, currency and provider, and the reseller's tax
 * on it. `refs`: { fact, settings, customerSettings }.
 */
function customerInvoice(refs, periods) {
  return `
WITH lines AS (
  SELECT * FROM ${refs.fact}
  WHERE customer_id != 'unassigned' AND charge_category != 'Tax'${periodFilter(periods)}
),

taxes AS (
  SELECT billing_period_start, customer_id, billing_currency, provider_name, SUM(tax) AS tax
  FROM (${customerTax.taxedInvoices("lines", refs)}
  ) AS taxed
  GROUP BY billing_period_start, customer_id, billing_currency, provider_name
),

invoiced AS (
  SELECT
    billing_period_start,
    customer_id,
    MIN(customer_name) AS customer_name,
    billing_currency,
    provider_name,
    SUM(customer_billed_cost) AS amount,
    COUNT(*) AS line_count
  FROM lines
  GROUP BY billing_period_start, customer_id, billing_currency, provider_name
)

SELECT
  invoiced.billing_period_start AS billing_period,
  invoiced.customer_id,
  invoiced.customer_name,
  invoiced.billing_currency AS currency,
  invoiced.provider_name,
  invoiced.amount,
  IFNULL(taxes.tax, 0) AS tax_amount,
  invoiced.line_count
FROM invoiced
LEFT JOIN taxes
  ON taxes.billing_period_start = invoiced.billing_period_start AND taxes.customer_id = invoiced.customer_id
  AND taxes.billing_currency = invoiced.billing_currency AND taxes.provider_name = invoiced.provider_name`;
}

module.exports = { marginMonthly, customerInvoice };
