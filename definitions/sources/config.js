// The reseller's own config (DIR/config/*.json), landed by `rbw land` into raw.ref_* so SQL can join it.
for (const [name, description] of [
  ["ref_customer_mapping", "Reseller customer mapping from config/customers.json: vendor ids -> customer."],
  ["ref_fx_rate", "Monthly FX rates from config/fx_rates.json."],
  ["ref_settings", "Warehouse settings from config/settings.json (reporting currency, reseller name)."],
  ["ref_customer_settings", "Per-customer vendor settings from config/customers.json (e.g. Gabia's supply_markup_pct)."],
]) {
  declare({
    schema: "raw",
    name,
    description,
    columns: sources.columnDocs(require(`../../includes/schemas/${name}.json`)),
  });
}
