// Dataform unit tests of the marts' rules, run by `rbw test` on DuckDB and by `dataform test` on BigQuery.
// margin_monthly and customer_invoice are incremental, which Dataform does not unit-test: their query is
// tested through intermediate.int_margin_monthly and int_customer_invoice (includes/mart_queries.js).
const line = (fields) => `SELECT ${Object.entries(fields).map(([k, v]) => `${v} AS ${k}`).join(", ")}`;

const FACT_LINES = [
  // usage: cost 100 (after credits), customer price 112
  line({ source_system: "'gcp_channel'", publisher_name: "'Google'", billing_period_end: "DATE '2026-11-01'", export_time: "TIMESTAMP '2026-10-02 00:00:00+00'", billing_period_start: "DATE '2026-10-01'", customer_id: "'acme'", customer_name: "'Acme'", provider_name: "'Google Cloud'", service_name: "'Compute Engine'", billing_currency: "'USD'", charge_category: "'Usage'", billed_cost: "CAST('100' AS NUMERIC)", customer_billed_cost: "CAST('112' AS NUMERIC)", reseller_margin_amount: "CAST('-4' AS NUMERIC)" }),
  // a second usage line of the same group
  line({ source_system: "'gcp_channel'", publisher_name: "'Google'", billing_period_end: "DATE '2026-11-01'", export_time: "TIMESTAMP '2026-10-02 00:00:00+00'", billing_period_start: "DATE '2026-10-01'", customer_id: "'acme'", customer_name: "'Acme'", provider_name: "'Google Cloud'", service_name: "'Compute Engine'", billing_currency: "'USD'", charge_category: "'Usage'", billed_cost: "CAST('0.5' AS NUMERIC)", customer_billed_cost: "CAST('0.55' AS NUMERIC)", reseller_margin_amount: "CAST('0' AS NUMERIC)" }),
  // the vendor's tax on the reseller's cost: left out of margin and of the customer's invoice
  line({ source_system: "'gcp_channel'", publisher_name: "'Google'", billing_period_end: "DATE '2026-11-01'", export_time: "TIMESTAMP '2026-10-02 00:00:00+00'", billing_period_start: "DATE '2026-10-01'", customer_id: "'acme'", customer_name: "'Acme'", provider_name: "'Google Cloud'", service_name: "'Tax'", billing_currency: "'USD'", charge_category: "'Tax'", billed_cost: "CAST('10' AS NUMERIC)", customer_billed_cost: "CAST('0' AS NUMERIC)", reseller_margin_amount: "CAST('0' AS NUMERIC)" }),
].join("\nUNION ALL\n");

test("margin_monthly_converts_to_the_reporting_currency_and_leaves_tax_out")
  .dataset({ schema: "intermediate", name: "int_margin_monthly" })
  .input("fct_billing_line", FACT_LINES)
  .input("ref_settings", `SELECT 'reporting_currency' AS setting, 'KRW' AS value`)
  .input("fx_rate", `SELECT 'USD' AS from_currency, 'KRW' AS to_currency, DATE '2026-10-01' AS rate_month, CAST('1400' AS NUMERIC) AS rate, 'test' AS rate_source`)
  .expect(`SELECT
    DATE '2026-10-01' AS billing_period, 'acme' AS customer_id, 'Acme' AS customer_name, 'Google Cloud' AS provider_name,
    'Compute Engine' AS service_name, 'USD' AS currency, CAST('100.5' AS NUMERIC) AS cost, CAST('112.55' AS NUMERIC) AS customer_price,
    CAST('12.05' AS NUMERIC) AS margin, CAST('10.71' AS NUMERIC) AS margin_pct, CAST('-4' AS NUMERIC) AS reseller_margin_credits,
    2 AS line_count, 'KRW' AS reporting_currency, CAST('1400' AS NUMERIC) AS fx_rate, 'test' AS fx_rate_source,
    CAST('140700' AS NUMERIC) AS cost_reporting, CAST('157570' AS NUMERIC) AS customer_price_reporting, CAST('16870' AS NUMERIC) AS margin_reporting`);

// The reseller's own tax (10% in settings.json) on the customer's 112.55, to the cent: 11.255 -> 11.26.
test("customer_invoice_keeps_tax_apart")
  .dataset({ schema: "intermediate", name: "int_customer_invoice" })
  .input("fct_billing_line", FACT_LINES)
  .input("ref_settings", `SELECT 'customer_tax_rate_pct' AS setting, '10' AS value`)
  .input("ref_customer_settings", `SELECT 'other' AS customer_id, 'all' AS source_system, 'tax_rate_pct' AS setting, '0' AS value`)
  .expect(`SELECT
    DATE '2026-10-01' AS billing_period, 'acme' AS customer_id, 'Acme' AS customer_name, 'USD' AS currency, 'Google Cloud' AS provider_name,
    CAST('112.55' AS NUMERIC) AS amount, CAST('11.26' AS NUMERIC) AS tax_amount, 2 AS line_count`);
