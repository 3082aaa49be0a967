// The reseller's own tax on its customers' charges, written once for marts.focus_customer (a Tax line
// per customer invoice and publisher) and marts.customer_invoice (its tax_amount). A vendor's tax is
// levied on the reseller's purchase and is not the customer's.
const currencies = require("./currencies.js");

/**
 * One row per customer invoice (customer, billing period, currency) and vendor publisher: the customer's
 * charges, the rate (the customer's tax_rate_pct in customers.json, else settings.json's
 * customer_tax_rate_pct; no row without either, or at 0) and the tax, rounded half away from zero to the
 * currency's minor units. `charges`: the caller's relation (a CTE name) of fact lines a customer is
 * charged, the vendors' tax left out; `refs`: { settings, customerSettings }.
 */
function taxedInvoices(charges, refs) {
  return `
WITH tax_rates AS (
  SELECT
    customers.customer_id,
    CAST(COALESCE(own.value, (SELECT MAX(value) FROM ${refs.settings} WHERE setting = 'customer_tax_rate_pct')) AS NUMERIC) AS rate_pct
  FROM (SELECT DISTINCT customer_id FROM ${charges}) AS customers
  LEFT JOIN ${refs.customerSettings} AS own
    ON own.customer_id = customers.customer_id AND own.source_system = 'all' AND own.setting = 'tax_rate_pct'
),

by_invoice AS (
  SELECT
    charged.source_system,
    charged.provider_name,
    charged.publisher_name,
    charged.customer_id,
    MIN(charged.customer_name) AS customer_name,
    charged.billing_period_start,
    charged.billing_period_end,
    charged.billing_currency,
    tax_rates.rate_pct,
    MAX(charged.export_time) AS export_time,
    SUM(charged.customer_billed_cost) AS taxable
  FROM ${charges} AS charged
  JOIN tax_rates ON tax_rates.customer_id = charged.customer_id
  WHERE tax_rates.rate_pct > 0
  GROUP BY charged.source_system, charged.provider_name, charged.publisher_name, charged.customer_id,
    charged.billing_period_start, charged.billing_period_end, charged.billing_currency, tax_rates.rate_pct
)

SELECT
  *,
  ${currencies.roundToMinorUnitsSql("CAST(taxable * rate_pct / 100 AS NUMERIC)", "billing_currency")} AS tax
FROM by_invoice`;
}

module.exports = { taxedInvoices };
