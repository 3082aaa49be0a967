// The reseller's own tax on its customers' charges, written once for marts.focus_customer (a Tax line
// per customer invoice and publisher) and marts.customer_invoice (its tax_amount). A vendor's tax is
// levied on the reseller's purchase and is not the customer's.
const currencies = require("./currencies.js");

/**
 * One row per customer invoice (customer, billing period, currency) and vendor publisher: the customer's
 * charges (every line but the vendors' tax), the rate (the customer's tax_rate_pct in customers.json,
 * else settings.json's customer_tax_rate_pct; no row without either, or at 0) and the tax, rounded half
 * away from zero to the currency's minor units. `refs`: { fact, settings, customerSettings }; `periods`:
 * a subquery of the billing periods to compute (all when omitted).
 */
function taxedInvoices(refs, periods) {
  return `
WITH charges AS (
  SELECT * FROM ${refs.fact}
  WHERE customer_id != 'unassigned' AND charge_category != 'Tax'${periods ? `
    AND billing_period_start IN (${periods})` : ""}
),

tax_rates AS (
  SELECT
    customers.customer_id,
    CAST(COALESCE(own.value, (SELECT MAX(value) FROM ${refs.settings} WHERE setting = 'customer_tax_rate_pct')) AS NUMERIC) AS rate_pct
  FROM (SELECT DISTINCT customer_id FROM charges) AS customers
  LEFT JOIN ${refs.customerSettings} AS own
    ON own.customer_id = customers.customer_id AND own.source_system = 'all' AND own.setting = 'tax_rate_pct'
),

by_invoice AS (
  SELECT
    charges.source_system,
    charges.provider_name,
    charges.publisher_name,
    charges.customer_id,
    MIN(charges.customer_name) AS customer_name,
    charges.billing_period_start,
    charges.billing_period_end,
    charges.billing_currency,
    tax_rates.rate_pct,
    MAX(charges.export_time) AS export_time,
    SUM(charges.customer_billed_cost) AS taxable
  FROM charges
  JOIN tax_rates ON tax_rates.customer_id = charges.customer_id
  WHERE tax_rates.rate_pct > 0
  GROUP BY charges.source_system, charges.provider_name, charges.publisher_name, charges.customer_id,
    charges.billing_period_start, charges.billing_period_end, charges.billing_currency, tax_rates.rate_pct
)

SELECT
  *,
  ${currencies.roundToMinorUnitsSql("CAST(taxable * rate_pct / 100 AS NUMERIC)", "billing_currency")} AS tax
FROM by_invoice`;
}

module.exports = { taxedInvoices };
