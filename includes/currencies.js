// ISO 4217 minor units (includes/currency_minor_units.json): the decimals an amount in a currency is shown
// and invoiced with. The warehouse's core.dim_currency and the report's money formatting both read that file.
const { minor_units: MINOR_UNITS, default_minor_units: DEFAULT_MINOR_UNITS } = require("./currency_minor_units.json");

/** SQL: the minor units of a currency code column. */
function minorUnitsSql(column) {
  const byUnits = {};
  for (const [code, units] of Object.entries(MINOR_UNITS)) (byUnits[units] = byUnits[units] || []).push(`'${code}'`);
  const cases = Object.entries(byUnits).map(([units, codes]) => `WHEN ${column} IN (${codes.join(", ")}) THEN ${units}`);
  return `CASE ${cases.join(" ")} ELSE ${DEFAULT_MINOR_UNITS} END`;
}

/** SQL: an amount rounded half away from zero to the minor units of a currency code column. */
function roundToMinorUnitsSql(amount, column) {
  const units = [...new Set([...Object.values(MINOR_UNITS), DEFAULT_MINOR_UNITS])].sort();
  return `CASE ${minorUnitsSql(column)} ${units.map((n) => `WHEN ${n} THEN CAST(ROUND(${amount}, ${n}) AS NUMERIC)`).join(" ")} END`;
}

module.exports = { minorUnitsSql, roundToMinorUnitsSql };
