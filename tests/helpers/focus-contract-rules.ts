/**
 * The FOCUS 1.3 rule set for contract commitments: (a) the Contract Commitment dataset and (b) the Cost and
 * Usage column ContractApplied, as DuckDB SQL that returns the violating rows, in the shape of the FOCUS 1.2
 * rule set (tests/helpers/focus-rules.ts: FocusRule, runFocusRules, formatFailures).
 *
 * Sources of truth: the FOCUS specification text, FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec,
 * - `specification/datasets/contract_commitment/dataset.md` and `columns/*.md` (the 13 columns of 1.3's
 *   `columns.mdpp`; the columns 1.4 added, such as ContractCommitmentModel, are not here);
 * - `specification/datasets/cost_and_usage/columns/contractapplied.md`, 1.3 text ("Elements" array of
 *   ContractID, ContractCommitmentID, ContractCommitmentAppliedCost / ContractCommitmentAppliedQuantity +
 *   ContractCommitmentAppliedUnit), and the attributes it names (JsonObjectFormat, KeyValueFormat,
 *   StringHandling, NumericFormat, UnitFormat, CurrencyFormat, DateTimeFormat).
 * Where a stored version of a column was newer than 1.3 (1.4 rewrote "X adheres to" as "X MUST adhere to",
 * moved presence to the dataset and dropped "MUST be a valid decimal value"), the 1.3 text is used; the
 * comments say where the two differ.
 *
 * Rule ids. No published requirements model for 1.3 carries these requirements (finopsfoundation/
 * focus_validator ships model-1.2 only; the one model-1.3.json found, in a fork, has neither the Contract
 * Commitment dataset nor ContractApplied and uses ids of another shape). The ids are therefore DERIVED in
 * the shape of the 1.2 model:
 * - `<ColumnName>-C-<NNN>-<M|C|O>`: NNN is the position of the requirement among all the bullets of the
 *   column's .md file (nested bullets and the presence bullet included, counted from 001 in reading order);
 *   M = an unconditional MUST, C = a MUST under a condition ("when ...", or nested under one), O = SHOULD/MAY.
 * - `ContractCommitment-D-<NNN>-<M|C>`: the same, over the bullets of the dataset's dataset.md (D-003 ...
 *   D-015 are its "ContractCommitment MUST include <column>" bullets; D-016 ColumnHandling, D-018 NullHandling).
 *   Column presence uses these dataset ids, as the 1.2 model's CostAndUsage-D-... ids do.
 * - `JsonObjectFormat-A-<NNN>-<M|C|O>`: the same, over attributes/json_object_format.md.
 * A requirement that another rule already decides, or that cannot be seen in the data, has no rule; the
 * comments beside each column list them.
 */
import {
  DUCKDB_TYPES,
  ISO_4217,
  NATIONAL_CURRENCIES,
  SPELLED_DATA_SIZE,
  UNIT_FORMAT,
  describe,
  list,
  row,
  unitFormat,
  type FocusColumn,
  type FocusRule,
} from "./focus-rules.ts";

/** A column of the FOCUS 1.3 Contract Commitment dataset. */
export interface ContractCommitmentColumn {
  name: string;
  type: Extract<FocusColumn["type"], "String" | "Decimal" | "DateTime">;
  /** Feature level Mandatory (all 13 are, in dataset.md's table). */
  mandatory: boolean;
  /** "Allows Nulls" of dataset.md's table (nullability conditions are separate rules). */
  nullable: boolean;
  /** Id of the presence rule (dataset.md's "ContractCommitment MUST include <column>"). */
  presenceId: string;
  /** Id of the type rule (the column's "MUST be of type ..."). */
  typeId: string;
}

const column = (name: string, type: ContractCommitmentColumn["type"], nullable: boolean, presenceId: string): ContractCommitmentColumn => ({
  name,
  type,
  mandatory: true,
  nullable,
  presenceId,
  // Every 1.3 column file lists presence first and the type second.
  typeId: `${name}-C-002-M`,
});

/** The 13 columns of the FOCUS 1.3 Contract Commitment dataset (columns.mdpp), in the order of dataset.md. */
export const CONTRACT_COMMITMENT_COLUMNS: ContractCommitmentColumn[] = [
  column("BillingCurrency", "String", true, "ContractCommitment-D-003-M"),
  column("ContractCommitmentCategory", "String", false, "ContractCommitment-D-004-M"),
  column("ContractCommitmentCost", "Decimal", true, "ContractCommitment-D-005-M"),
  column("ContractCommitmentDescription", "String", true, "ContractCommitment-D-006-M"),
  column("ContractCommitmentId", "String", false, "ContractCommitment-D-007-M"),
  column("ContractCommitmentPeriodEnd", "DateTime", false, "ContractCommitment-D-008-M"),
  column("ContractCommitmentPeriodStart", "DateTime", false, "ContractCommitment-D-009-M"),
  column("ContractCommitmentQuantity", "Decimal", true, "ContractCommitment-D-010-M"),
  column("ContractCommitmentType", "String", false, "ContractCommitment-D-011-M"),
  column("ContractCommitmentUnit", "String", true, "ContractCommitment-D-012-M"),
  column("ContractId", "String", false, "ContractCommitment-D-013-M"),
  column("ContractPeriodEnd", "DateTime", false, "ContractCommitment-D-014-M"),
  column("ContractPeriodStart", "DateTime", false, "ContractCommitment-D-015-M"),
];

export const CONTRACT_COMMITMENT_CATEGORIES = ["Spend", "Usage"];

const CC_NAMES = CONTRACT_COMMITMENT_COLUMNS.map((c) => c.name);
/** The Contract Commitment columns a predicate reads (the 1.2 helper `row` only knows Cost and Usage columns). */
const ccColumns = (sql: string) => CC_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(sql));
/** A row rule on the Contract Commitment dataset: the rows where `violation` holds. */
const cc = (id: string, description: string, violation: string): FocusRule => ({ ...row(id, description, violation), columns: ccColumns(violation) });

/** A column whose rows with the same key must agree on a value: the key values that do not. */
const oneValuePer = (id: string, description: string, key: string, values: string[]): FocusRule => ({
  id,
  description,
  columns: [key, ...values],
  check: (relation) =>
    `SELECT ${key}, ${values.map((v) => `COUNT(DISTINCT ${v}) AS ${v}_values`).join(", ")} FROM ${relation} AS focus WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING ${values.map((v) => `COUNT(DISTINCT ${v}) > 1`).join(" OR ")}`,
});

const presenceAndType: FocusRule[] = CONTRACT_COMMITMENT_COLUMNS.flatMap((c) => [
  {
    id: c.presenceId,
    description: `ContractCommitment MUST include ${c.name} (${c.name} MUST be present in a Contract Commitment FOCUS dataset).`,
    columns: [],
    check: (relation: string) => `SELECT '${c.name}' AS missing_column WHERE NOT EXISTS (SELECT 1 FROM ${describe(relation)} WHERE column_name = '${c.name}')`,
  },
  {
    id: c.typeId,
    // DateTime: the type rule also decides "<column> MUST conform to DateTimeFormat" (C-003-M, a UTC instant);
    // Decimal: also "MUST conform to NumericFormat" (C-003-M) and "MUST be a valid decimal value".
    description: `${c.name} MUST be of type ${c.type} (DuckDB ${DUCKDB_TYPES[c.type].shows}).`,
    columns: [c.name],
    check: (relation: string) => `SELECT column_name, column_type FROM ${describe(relation)} WHERE column_name = '${c.name}' AND NOT (${DUCKDB_TYPES[c.type].test})`,
  },
]);

const STRING_CC_COLUMNS = CONTRACT_COMMITMENT_COLUMNS.filter((c) => c.type === "String").map((c) => c.name);

/** Every requirement of the Contract Commitment dataset that can be checked on its rows, in the order of dataset.md's columns. */
export const CONTRACT_COMMITMENT_RULES: FocusRule[] = [
  ...presenceAndType,

  // BillingCurrency (the stored text is 1.4's, which has no presence bullet; its 1.3 siblings list presence
  // first, so the numbering counts one): 003 StringHandling (see NullHandling below), 006 "MUST match the
  // currency used in the invoice generated by the invoice issuer" (not in the dataset).
  cc("BillingCurrency-C-004-M", "BillingCurrency MUST conform to CurrencyFormat: a three-letter ISO 4217 code.", `BillingCurrency IS NOT NULL AND BillingCurrency NOT IN (${list(ISO_4217)})`),
  cc("BillingCurrency-C-005-C", 'BillingCurrency MUST NOT be null when ContractCommitmentCategory is "Spend".', "ContractCommitmentCategory = 'Spend' AND BillingCurrency IS NULL"),
  cc("BillingCurrency-C-007-M", "BillingCurrency MUST be expressed in national currency (e.g., USD, EUR).", `BillingCurrency IS NOT NULL AND BillingCurrency NOT IN (${list(NATIONAL_CURRENCIES)})`),

  // ContractCommitmentCategory.
  cc("ContractCommitmentCategory-C-003-M", "ContractCommitmentCategory MUST NOT be null.", "ContractCommitmentCategory IS NULL"),
  cc(
    "ContractCommitmentCategory-C-004-M",
    `ContractCommitmentCategory MUST be one of the allowed values (${CONTRACT_COMMITMENT_CATEGORIES.join(", ")}).`,
    `ContractCommitmentCategory IS NOT NULL AND ContractCommitmentCategory NOT IN (${list(CONTRACT_COMMITMENT_CATEGORIES)})`,
  ),

  // ContractCommitmentCost, 1.3 text ("nullability is defined as follows", with "MUST be a valid decimal
  // value" as C-007-M, which the type decides; 1.4 dropped that bullet). An earlier draft tied the nullability
  // to ContractCommitmentQuantity instead of the category; the 1.3 text ties it to the category.
  cc("ContractCommitmentCost-C-005-C", 'ContractCommitmentCost MUST NOT be null when ContractCommitmentCategory is "Spend".', "ContractCommitmentCategory = 'Spend' AND ContractCommitmentCost IS NULL"),
  cc(
    "ContractCommitmentCost-C-008-M",
    "ContractCommitmentCost MUST be denominated in the BillingCurrency: a commitment with a cost names its currency.",
    "ContractCommitmentCost IS NOT NULL AND BillingCurrency IS NULL",
  ),

  // ContractCommitmentDescription: 005 "maximum length SHOULD be provided in the FOCUS Metadata Schema" (not data).
  cc("ContractCommitmentDescription-C-004-O", "ContractCommitmentDescription SHOULD NOT be null.", "ContractCommitmentDescription IS NULL"),

  // ContractCommitmentId, 1.3 text: 006 "MUST be a unique identifier within the provider" is checked as
  // 010 (unique across the dataset, which holds the provider's commitments); 007 SHOULD be fully-qualified
  // (no test for it); 009 MAY equal ContractId. 1.4 dropped 010 and kept 006.
  cc("ContractCommitmentId-C-004-M", "ContractCommitmentId MUST NOT be null.", "ContractCommitmentId IS NULL"),
  oneValuePer("ContractCommitmentId-C-008-M", "ContractCommitmentId MUST have one and only one parent ContractId.", "ContractCommitmentId", ["ContractId"]),
  {
    id: "ContractCommitmentId-C-010-M",
    description: "ContractCommitmentId MUST be unique across the Contract Commitment dataset.",
    columns: ["ContractCommitmentId"],
    check: (relation) => `SELECT ContractCommitmentId, COUNT(*) AS rows FROM ${relation} AS focus WHERE ContractCommitmentId IS NOT NULL GROUP BY ContractCommitmentId HAVING COUNT(*) > 1`,
  },

  // ContractCommitmentPeriodStart/End: 005 (inclusive start / exclusive end bound of the commitment's
  // effective period) is checked once, on the end: an exclusive end bound lies after its inclusive start.
  cc("ContractCommitmentPeriodEnd-C-004-M", "ContractCommitmentPeriodEnd MUST NOT be null.", "ContractCommitmentPeriodEnd IS NULL"),
  cc(
    "ContractCommitmentPeriodEnd-C-005-M",
    "ContractCommitmentPeriodEnd MUST be the exclusive end bound of the effective period of the contract commitment: after its inclusive start, ContractCommitmentPeriodStart.",
    "ContractCommitmentPeriodEnd <= ContractCommitmentPeriodStart",
  ),
  cc("ContractCommitmentPeriodStart-C-004-M", "ContractCommitmentPeriodStart MUST NOT be null.", "ContractCommitmentPeriodStart IS NULL"),

  // ContractCommitmentQuantity, 1.3 text (007 "MUST be a valid decimal value": the type).
  cc("ContractCommitmentQuantity-C-005-C", 'ContractCommitmentQuantity MUST NOT be null when ContractCommitmentCategory is "Usage".', "ContractCommitmentCategory = 'Usage' AND ContractCommitmentQuantity IS NULL"),

  // ContractCommitmentType: 005 "MUST be a consistent, readable display value" (a judgement, not a test).
  cc("ContractCommitmentType-C-004-M", "ContractCommitmentType MUST NOT be null.", "ContractCommitmentType IS NULL"),

  // ContractCommitmentUnit.
  {
    ...unitFormat("ContractCommitmentUnit-C-004-O", "ContractCommitmentUnit", "ContractCommitmentUnit SHOULD conform to UnitFormat requirements."),
    columns: ["ContractCommitmentUnit"],
  },
  cc("ContractCommitmentUnit-C-006-C", "ContractCommitmentUnit MUST be null when ContractCommitmentQuantity is null.", "ContractCommitmentQuantity IS NULL AND ContractCommitmentUnit IS NOT NULL"),
  cc("ContractCommitmentUnit-C-007-C", "ContractCommitmentUnit MUST NOT be null when ContractCommitmentQuantity is not null.", "ContractCommitmentQuantity IS NOT NULL AND ContractCommitmentUnit IS NULL"),

  // ContractId: 007 SHOULD be fully-qualified (no test for it).
  cc("ContractId-C-004-M", "ContractId MUST NOT be null.", "ContractId IS NULL"),
  oneValuePer(
    "ContractId-C-006-C",
    "ContractId MUST be a unique identifier within the provider: the rows of one ContractId describe one contract, so they state one contract period (ContractPeriodStart, ContractPeriodEnd).",
    "ContractId",
    ["ContractPeriodStart", "ContractPeriodEnd"],
  ),

  // ContractPeriodStart/End: as the commitment's period. The 1.3 text does not require a commitment's
  // period to lie within its contract's period, so no rule does.
  cc("ContractPeriodEnd-C-004-M", "ContractPeriodEnd MUST NOT be null.", "ContractPeriodEnd IS NULL"),
  cc(
    "ContractPeriodEnd-C-005-M",
    "ContractPeriodEnd MUST be the exclusive end bound of the effective period of the contract: after its inclusive start, ContractPeriodStart.",
    "ContractPeriodEnd <= ContractPeriodStart",
  ),
  cc("ContractPeriodStart-C-004-M", "ContractPeriodStart MUST NOT be null.", "ContractPeriodStart IS NULL"),

  // Dataset: ColumnHandling (D-016) and NullHandling (D-018). StringHandling's checkable part (a not-nullable
  // string SHOULD NOT be empty or whitespace) is NullHandling's "no empty strings or placeholders" here.
  // DatasetCompleteness (D-017) and DatasetConfiguration (D-019) are about the delivery, not the rows.
  {
    id: "ContractCommitment-D-016-M",
    description: "ContractCommitment MUST conform to ColumnHandling requirements: custom columns MUST be prefixed with a consistent x_ prefix.",
    columns: [],
    check: (relation) => `SELECT column_name FROM ${describe(relation)} WHERE column_name NOT IN (${list(CC_NAMES)}) AND NOT starts_with(column_name, 'x_')`,
  },
  ...STRING_CC_COLUMNS.map((c) =>
    cc(
      "ContractCommitment-D-018-M",
      `${c}: ContractCommitment MUST conform to NullHandling requirements: no empty strings or placeholder values (such as "Not Applicable") for a null.`,
      `${c} IS NOT NULL AND UPPER(TRIM(${c})) IN ('', 'NULL', 'N/A', 'NA', 'NONE', 'NOT APPLICABLE')`,
    ),
  ),
];

/** The FOCUS-defined contract application property keys (1.3 spelling: the table, the JTD and the examples). */
export const CONTRACT_APPLIED_KEYS = ["ContractID", "ContractCommitmentID", "ContractCommitmentAppliedCost", "ContractCommitmentAppliedQuantity", "ContractCommitmentAppliedUnit"];

const JSON_NUMBER = ["UBIGINT", "BIGINT", "HUGEINT", "UHUGEINT", "DOUBLE"];
/** ContractApplied as JSON, or null where it is not a JSON object with an "Elements" array. */
const APPLIED = "CAST(focus.ContractApplied AS VARCHAR)";
const withElements = `CASE WHEN json_valid(${APPLIED}) AND json_type(CAST(${APPLIED} AS JSON), '$.Elements') = 'ARRAY' THEN CAST(${APPLIED} AS JSON) END`;
/** One row per item of "Elements": the charge's columns, then element_index and element (JSON). */
const elements = (relation: string) =>
  `(SELECT focus.*, CAST(item.key AS INTEGER) AS element_index, item.value AS element
    FROM (SELECT * FROM ${relation} AS focus WHERE focus.ContractApplied IS NOT NULL AND json_valid(CAST(focus.ContractApplied AS VARCHAR))) AS focus,
         json_each(${withElements}, '$.Elements') AS item)`;
/** The items of "Elements" that are objects (whether an item is an object is ContractApplied-C-007-C). */
const objects = (relation: string) => `(SELECT * FROM ${elements(relation)} AS el WHERE json_type(el.element) = 'OBJECT')`;

const typeOf = (key: string) => `json_type(el.element, '$.${key}')`;
const isNull = (key: string) => `COALESCE(${typeOf(key)}, 'NULL') = 'NULL'`;
const text = (key: string) => `json_extract_string(el.element, '$.${key}')`;

/** A rule on the "Elements" objects: the objects where `violation` holds (`el.element` is the object). */
const element = (id: string, description: string, violation: string, columns: string[] = []): FocusRule => ({
  id,
  description,
  columns: ["ContractApplied", ...columns],
  check: (relation) => `SELECT * FROM ${objects(relation)} AS el WHERE ${violation}`,
});
/** A rule on the charges (rows) with a ContractApplied. */
const charge = (id: string, description: string, violation: string, columns: string[] = []): FocusRule => ({
  id,
  description,
  columns: ["ContractApplied", ...columns],
  check: (relation) => `SELECT * FROM ${relation} AS focus WHERE focus.ContractApplied IS NOT NULL AND ${violation}`,
});
const anyKey = (predicate: string) => `EXISTS (SELECT 1 FROM json_each(el.element) AS kv WHERE ${predicate})`;
const FOCUS_KEY = `kv.key IN (${list(CONTRACT_APPLIED_KEYS)})`;
const FOCUS_KEY_ANY_CASE = `lower(kv.key) IN (${list(CONTRACT_APPLIED_KEYS.map((k) => k.toLowerCase()))})`;

/**
 * The ContractApplied requirements (contractapplied.md, 1.3) on a Cost and Usage relation with a
 * ContractApplied column; `commitments` is the relation holding the Contract Commitment dataset the
 * elements refer to (dataset.md: the two datasets join on Contract Commitment ID).
 *
 * Not encoded: C-003-C "MUST NOT be null when one or more contract commitments are applied to the charge"
 * (whether commitments apply is known only to the provider, except for the purchase of a commitment, C-041);
 * C-006-O/C-012-O (MAY); C-009-C "Elements objects MUST contain key-value pairs" (an empty object breaks
 * C-036); C-011-C "MUST contain four key-value pairs (ContractCommitmentID, ...AppliedCost, ...AppliedQuantity,
 * ...AppliedUnit)": the table, the JTD and the examples of the same text make ContractID and
 * ContractCommitmentID required and the other three optional (an absent key reads as null), so it is
 * checked through C-027, C-036, C-047 and C-065; C-014-C (custom keys x_-prefixed) is C-021-C; C-015-C
 * (documented), C-016-C (not nested: C-008-C), C-019-C (value types: C-023/032/044/052/060), C-020-C
 * (parent of the property rules), C-022/031/043/051/059 (presence of the key: the nullability rules read an
 * absent key as null); C-026-C/C-035-C (null when the charge is not related: no element then);
 * C-030-O/C-039-O (fully-qualified); C-045/049/053/057 (NumericFormat / valid decimal: the JSON-number
 * type rules); C-055-C (Quantity not null when Cost null: the same condition as C-047-C); C-058-M
 * (Quantity denominated in the Unit: C-065-C).
 */
export function contractAppliedRules(commitments: string): FocusRule[] {
  return [
    {
      id: "ContractApplied-C-001-C",
      description: "ContractApplied MUST be present in a Cost and Usage FOCUS dataset when the service provider supports contract commitments.",
      columns: [],
      check: (relation) => `SELECT 'ContractApplied' AS missing_column WHERE NOT EXISTS (SELECT 1 FROM ${describe(relation)} WHERE column_name = 'ContractApplied')`,
    },
    {
      id: "ContractApplied-C-002-M",
      description: "ContractApplied MUST conform to JsonObjectFormat requirements: serialized JSON text (DuckDB VARCHAR or JSON).",
      columns: ["ContractApplied"],
      check: (relation) => `SELECT column_name, column_type FROM ${describe(relation)} WHERE column_name = 'ContractApplied' AND NOT (${DUCKDB_TYPES.KeyValue.test})`,
    },
    charge(
      "ContractApplied-C-002-M",
      "ContractApplied MUST conform to JsonObjectFormat requirements: a serialized JSON string, consistent with the ECMA 404 definition of an object.",
      `(NOT json_valid(${APPLIED}) OR json_type(CAST(${APPLIED} AS JSON)) <> 'OBJECT')`,
    ),
    charge(
      "ContractApplied-C-005-C",
      'ContractApplied MUST have a top-level key "Elements" which contains an array (of one or more objects: the overview\'s "contains one or more objects").',
      `json_valid(${APPLIED}) AND json_type(CAST(${APPLIED} AS JSON)) = 'OBJECT'
        AND (json_type(CAST(${APPLIED} AS JSON), '$.Elements') IS DISTINCT FROM 'ARRAY' OR json_array_length(CAST(${APPLIED} AS JSON), '$.Elements') = 0)`,
    ),
    {
      id: "ContractApplied-C-007-C",
      description: 'Each item in "Elements" MUST be an object (so neither null nor of another type: JsonObjectFormat-A-008-C and A-010-C).',
      columns: ["ContractApplied"],
      check: (relation) => `SELECT * FROM ${elements(relation)} AS el WHERE json_type(el.element) <> 'OBJECT'`,
    },
    element(
      "ContractApplied-C-008-C",
      '"Elements" objects MUST conform to KeyValueFormat requirements: values are numbers, strings, booleans or null, not objects or arrays (so custom key-value pairs are not nested, C-016-C).',
      anyKey("kv.type IN ('OBJECT', 'ARRAY')"),
    ),
    element(
      "ContractApplied-C-010-O",
      "Contract application property keys SHOULD conform to PascalCase format (after the x_ prefix of a custom key).",
      anyKey(`NOT regexp_full_match(regexp_replace(kv.key, '^x_', ''), '[A-Z][A-Za-z0-9]*')`),
    ),
    element(
      "ContractApplied-C-018-C",
      `Contract application property key MUST match the spelling and casing specified for the FOCUS-defined property (${CONTRACT_APPLIED_KEYS.join(", ")}).`,
      anyKey(`${FOCUS_KEY_ANY_CASE} AND NOT ${FOCUS_KEY}`),
    ),
    element(
      "ContractApplied-C-021-C",
      'Contract application property keys MUST begin with the string "x_" unless it is a FOCUS-defined property (custom key-value pairs MUST be prefixed with a consistent x_ prefix, C-014-C).',
      anyKey(`NOT ${FOCUS_KEY_ANY_CASE} AND NOT starts_with(kv.key, 'x_')`),
    ),

    // "ContractID" (the property heading spells it "ContractId"; the table, the JTD and every example "ContractID").
    element('ContractApplied-C-023-M', '"ContractID" MUST be of type String.', `${typeOf("ContractID")} NOT IN ('VARCHAR', 'NULL')`),
    element(
      "ContractApplied-C-024-M",
      '"ContractID" MUST conform to StringHandling requirements: not an empty or whitespace-only string (the property is not nullable).',
      `${typeOf("ContractID")} = 'VARCHAR' AND trim(${text("ContractID")}) = ''`,
    ),
    element('ContractApplied-C-027-C', '"ContractID" MUST NOT be null when a charge is related to a contract commitment (as every element is).', isNull("ContractID")),
    element(
      "ContractApplied-C-029-C",
      '"ContractID" MUST be a unique identifier within the service provider: it names a contract of the Contract Commitment dataset (ContractId).',
      `${typeOf("ContractID")} = 'VARCHAR' AND trim(${text("ContractID")}) <> '' AND ${text("ContractID")} NOT IN (SELECT ContractId FROM ${commitments} WHERE ContractId IS NOT NULL)`,
    ),

    // "ContractCommitmentID".
    element('ContractApplied-C-032-M', '"ContractCommitmentID" MUST be of type String.', `${typeOf("ContractCommitmentID")} NOT IN ('VARCHAR', 'NULL')`),
    element(
      "ContractApplied-C-033-M",
      '"ContractCommitmentID" MUST conform to StringHandling requirements: not an empty or whitespace-only string (the property is not nullable).',
      `${typeOf("ContractCommitmentID")} = 'VARCHAR' AND trim(${text("ContractCommitmentID")}) = ''`,
    ),
    element('ContractApplied-C-036-C', '"ContractCommitmentID" MUST NOT be null when a charge is related to a contract commitment (as every element is).', isNull("ContractCommitmentID")),
    element(
      "ContractApplied-C-038-C",
      '"ContractCommitmentID" MUST be a unique identifier within the service provider: it names a contract commitment of the Contract Commitment dataset (ContractCommitmentId; the datasets join on it).',
      `${typeOf("ContractCommitmentID")} = 'VARCHAR' AND trim(${text("ContractCommitmentID")}) <> '' AND ${text("ContractCommitmentID")} NOT IN (SELECT ContractCommitmentId FROM ${commitments} WHERE ContractCommitmentId IS NOT NULL)`,
    ),
    {
      id: "ContractApplied-C-040-C",
      description:
        '"ContractCommitmentID" MUST have one and only one parent "ContractID": the ContractId the Contract Commitment dataset gives it, or, for a commitment that dataset does not hold (C-038-C), the same one on every element that names it.',
      columns: ["ContractApplied"],
      check: (relation) =>
        `WITH el AS (SELECT * FROM ${objects(relation)} AS el),
              pairs AS (SELECT ${text("ContractCommitmentID")} AS commitment_id, ${text("ContractID")} AS contract_id FROM el WHERE ${typeOf("ContractCommitmentID")} = 'VARCHAR' AND ${typeOf("ContractID")} = 'VARCHAR'),
              split AS (SELECT commitment_id FROM pairs GROUP BY commitment_id HAVING COUNT(DISTINCT contract_id) > 1)
         SELECT el.* FROM el
         WHERE ${typeOf("ContractCommitmentID")} = 'VARCHAR' AND ${typeOf("ContractID")} = 'VARCHAR'
           AND (EXISTS (SELECT 1 FROM ${commitments} AS cc WHERE cc.ContractCommitmentId = ${text("ContractCommitmentID")} AND cc.ContractId <> ${text("ContractID")})
                OR (${text("ContractCommitmentID")} IN (SELECT commitment_id FROM split)
                    AND NOT EXISTS (SELECT 1 FROM ${commitments} AS cc WHERE cc.ContractCommitmentId = ${text("ContractCommitmentID")})))`,
    },
    charge(
      "ContractApplied-C-041-C",
      '"ContractCommitmentID" MUST be equal to ResourceID when ChargeCategory is "Purchase": the purchase of a contract commitment (ResourceId a ContractCommitmentId) carries an element naming it.',
      `ChargeCategory = 'Purchase' AND ResourceId IN (SELECT ContractCommitmentId FROM ${commitments} WHERE ContractCommitmentId IS NOT NULL)
        AND json_valid(${APPLIED})
        AND NOT EXISTS (SELECT 1 FROM json_each(${withElements}, '$.Elements') AS item WHERE json_extract_string(item.value, '$.ContractCommitmentID') = focus.ResourceId)`,
      ["ChargeCategory", "ResourceId"],
    ),

    // "ContractCommitmentAppliedCost".
    element('ContractApplied-C-044-M', '"ContractCommitmentAppliedCost" MUST be of type Decimal (a JSON number, NumericFormat).', `${typeOf("ContractCommitmentAppliedCost")} NOT IN (${list([...JSON_NUMBER, "NULL"])})`),
    element(
      "ContractApplied-C-047-C",
      '"ContractCommitmentAppliedCost" MUST NOT be null when "ContractCommitmentAppliedQuantity" is null (and the quantity MUST NOT be null when the cost is, C-055-C): an element applies a cost, a quantity, or both.',
      `${isNull("ContractCommitmentAppliedCost")} AND ${isNull("ContractCommitmentAppliedQuantity")}`,
    ),
    element(
      "ContractApplied-C-050-M",
      '"ContractCommitmentAppliedCost" MUST be denominated in the BillingCurrency: the charge\'s BillingCurrency, which is the currency of the commitment it counts against when the commitment states one.',
      `NOT ${isNull("ContractCommitmentAppliedCost")}
        AND EXISTS (SELECT 1 FROM ${commitments} AS cc WHERE cc.ContractCommitmentId = ${text("ContractCommitmentID")} AND cc.BillingCurrency IS NOT NULL AND cc.BillingCurrency IS DISTINCT FROM el.BillingCurrency)`,
      ["BillingCurrency"],
    ),

    // "ContractCommitmentAppliedQuantity".
    element(
      "ContractApplied-C-052-M",
      '"ContractCommitmentAppliedQuantity" MUST be of type Decimal (a JSON number, NumericFormat).',
      `${typeOf("ContractCommitmentAppliedQuantity")} NOT IN (${list([...JSON_NUMBER, "NULL"])})`,
    ),

    // "ContractCommitmentAppliedUnit".
    element('ContractApplied-C-060-M', '"ContractCommitmentAppliedUnit" MUST be of type String.', `${typeOf("ContractCommitmentAppliedUnit")} NOT IN ('VARCHAR', 'NULL')`),
    element(
      "ContractApplied-C-062-O",
      '"ContractCommitmentAppliedUnit" SHOULD conform to UnitFormat requirements.',
      `${typeOf("ContractCommitmentAppliedUnit")} = 'VARCHAR' AND (NOT regexp_full_match(${text("ContractCommitmentAppliedUnit")}, '${UNIT_FORMAT}') OR regexp_matches(${text("ContractCommitmentAppliedUnit")}, '${SPELLED_DATA_SIZE}'))`,
    ),
    element(
      "ContractApplied-C-064-C",
      '"ContractCommitmentAppliedUnit" MUST be null when "ContractCommitmentAppliedQuantity" is null.',
      `${isNull("ContractCommitmentAppliedQuantity")} AND NOT ${isNull("ContractCommitmentAppliedUnit")}`,
    ),
    element(
      "ContractApplied-C-065-C",
      '"ContractCommitmentAppliedUnit" MUST NOT be null when "ContractCommitmentAppliedQuantity" is not null (the quantity is denominated in it, C-058-M).',
      `NOT ${isNull("ContractCommitmentAppliedQuantity")} AND ${isNull("ContractCommitmentAppliedUnit")}`,
    ),

    // JsonObjectFormat (attributes/json_object_format.md): 002 (a serialized object) is ContractApplied-C-002-M,
    // 008/010 (array items of a consistent type, not null) are ContractApplied-C-007-C; 004 "SHOULD NOT
    // exceed 3 levels of nesting" has no rule (the elements, scalar-valued by KeyValueFormat, are at level 3).
    charge(
      "JsonObjectFormat-A-005-C",
      "Key in Object in FOCUS column MUST be unique (the root object and each element of ContractApplied).",
      `json_valid(${APPLIED}) AND json_type(CAST(${APPLIED} AS JSON)) = 'OBJECT'
        AND (len(json_keys(CAST(${APPLIED} AS JSON))) <> len(list_distinct(json_keys(CAST(${APPLIED} AS JSON))))
             OR EXISTS (SELECT 1 FROM json_each(${withElements}, '$.Elements') AS item WHERE json_type(item.value) = 'OBJECT' AND len(json_keys(item.value)) <> len(list_distinct(json_keys(item.value)))))`,
    ),
    charge(
      "JsonObjectFormat-A-009-C",
      'Object in array in FOCUS column MUST NOT be repeated (no two identical items in ContractApplied\'s "Elements").',
      `json_valid(${APPLIED})
        AND (SELECT COUNT(*) <> COUNT(DISTINCT CAST(item.value AS VARCHAR)) FROM json_each(${withElements}, '$.Elements') AS item WHERE json_type(item.value) = 'OBJECT')`,
    ),
  ];
}
