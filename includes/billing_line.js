// The conformed billing line (includes/billing_line_contract.json): the columns every vendor's
// int_<vendor>__billing_lines selects, in order and with these BigQuery types, and what
// core.fct_billing_line is the union of. Names are FOCUS 1.2 columns in snake_case for what the reseller
// owes or earns upstream, then the reseller's side (customer, customer price, margin), then lineage;
// what only one vendor has goes in vendor_attributes. The same file is read by the contract test.
// Also the contract of int_<vendor>__invoice_totals, the vendors' own totals that
// marts.invoice_reconciliation compares with the fact; of int_<vendor>__account_versions; and of
// int_<vendor>__contract_commitments, the contracts the reseller's customers signed (FOCUS 1.3 Contract
// Commitment dataset, marts.focus_contract_commitment).
const CONTRACT = require("./billing_line_contract.json");

const TYPES = ["STRING", "TIMESTAMP", "DATE", "NUMERIC", "INT64", "BOOL"];
for (const c of [...CONTRACT.billing_line, ...CONTRACT.invoice_totals, ...CONTRACT.account_versions, ...CONTRACT.contract_commitments]) {
  if (!TYPES.includes(c.type)) throw new Error(`includes/billing_line_contract.json: ${c.name} has type ${c.type}`);
}

/** The fact's columns: name, BigQuery type, description. */
const FACT_COLUMNS = CONTRACT.billing_line;

/** The columns a vendor's int_<vendor>__billing_lines selects: the fact's, less what the fact stamps (run_id). */
const LINE_MODEL_COLUMNS = FACT_COLUMNS.filter((c) => !c.fact_only);

const INVOICE_TOTAL_COLUMNS = CONTRACT.invoice_totals;

/** The columns of a vendor's int_<vendor>__account_versions (versions of its accounts, for core.dim_account). */
const ACCOUNT_VERSION_COLUMNS = CONTRACT.account_versions;

/** The columns of a vendor's int_<vendor>__contract_commitments (one row per commitment of a customer's contract). */
const CONTRACT_COMMITMENT_COLUMNS = CONTRACT.contract_commitments;

const describe = (columns) => Object.fromEntries(columns.map((c) => [c.name, c.description]));

/** Column documentation for the fact's config { columns }. */
function factColumnDescriptions() {
  return describe(FACT_COLUMNS);
}

/** Column documentation for a vendor's int_<vendor>__billing_lines config { columns }. */
function lineModelColumnDescriptions() {
  return describe(LINE_MODEL_COLUMNS);
}

/** Column documentation for a vendor's int_<vendor>__invoice_totals config { columns }. */
function invoiceTotalColumnDescriptions() {
  return describe(INVOICE_TOTAL_COLUMNS);
}

/**
 * The fact's select list over a vendor's line model: the contract's columns in order, with the ones the
 * fact stamps itself given as expressions (`{ run_id: "'abc'" }`).
 */
function factSelectList(stamped) {
  return FACT_COLUMNS.map((c) => (c.name in stamped ? `${stamped[c.name]} AS ${c.name}` : c.name)).join(",\n    ");
}

/** A contract column as NULL of its type, in a select list. */
const nullColumn = (c) => `CAST(NULL AS ${c.type}) AS ${c.name}`;

/**
 * A select list of the fact's columns in order, every column NULL of its type unless given an
 * expression (`{ charge_category: "'Tax'" }`): lines a model makes itself, shaped like the fact's.
 */
function lineSelectList(values) {
  return FACT_COLUMNS.map((c) => (c.name in values ? `${values[c.name]} AS ${c.name}` : nullColumn(c))).join(",\n    ");
}

/** The commitment-discount columns of a line no commitment discount applies to, as a select list. */
function noCommitmentDiscount() {
  return FACT_COLUMNS.filter((c) => c.name.startsWith("commitment_discount_")).map(nullColumn).join(",\n    ");
}

/** Column documentation for a vendor's int_<vendor>__account_versions config { columns }. */
function accountVersionColumnDescriptions() {
  return describe(ACCOUNT_VERSION_COLUMNS);
}

function contractCommitmentColumnDescriptions() {
  return describe(CONTRACT_COMMITMENT_COLUMNS);
}

/** The invoice-totals contract's columns in order, as a select list. */
function invoiceTotalSelectList() {
  return INVOICE_TOTAL_COLUMNS.map((c) => c.name).join(",\n    ");
}

/**
 * The union of the vendors' models of one optional contract (account_versions, contract_commitments), or
 * an empty relation of the contract's columns when no vendor has one.
 */
function unionOfVendorModels(models, columns) {
  const list = columns.map((c) => c.name).join(",\n    ");
  return models.length > 0
    ? models.map((model) => `SELECT ${list} FROM ${model}`).join("\n  UNION ALL\n  ")
    : `SELECT ${columns.map(nullColumn).join(", ")} FROM (SELECT 1) WHERE FALSE`;
}

module.exports = {
  FACT_COLUMNS,
  LINE_MODEL_COLUMNS,
  INVOICE_TOTAL_COLUMNS,
  ACCOUNT_VERSION_COLUMNS,
  CONTRACT_COMMITMENT_COLUMNS,
  factColumnDescriptions,
  lineModelColumnDescriptions,
  invoiceTotalColumnDescriptions,
  accountVersionColumnDescriptions,
  contractCommitmentColumnDescriptions,
  factSelectList,
  noCommitmentDiscount,
  lineSelectList,
  invoiceTotalSelectList,
  unionOfVendorModels,
};
