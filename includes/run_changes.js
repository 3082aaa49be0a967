// What a run changed in core.fct_billing_line, for the models that rebuild only the billing periods that
// changed (incremental tables whose pre-operation deletes those periods; their query then adds every
// period of the fact they do not hold). A full refresh rebuilds them whole.
const checks = require("./checks.js");
const vendors = require("./vendors.js");

/**
 * The billing periods whose fact lines this run changed: periods of the lines it added (stamped with its
 * run_id) and periods whose lines it replaced or superseded (core.billing_line_changes rows of the run).
 * With the default run_id ("manual") on every run, every period built so far counts as changed.
 */
function changedPeriods(fact, changes) {
  const runId = checks.runIdLiteral();
  return `SELECT billing_period_start FROM ${fact} WHERE run_id = ${runId}
    UNION DISTINCT
    SELECT billing_period_start FROM ${changes} WHERE run_id = ${runId}`;
}

/** The billing periods of the fact that `self` (a model with a billing_period column) does not hold. */
function missingPeriods(fact, self) {
  return `SELECT billing_period_start FROM ${fact}
    EXCEPT DISTINCT
    SELECT billing_period FROM ${self}`;
}

/** The vendors whose lines are only ever added (delivery "append", includes/vendors.js): Google's export. */
function appendVendors() {
  return vendors.VENDORS.filter((v) => v.delivery === "append");
}

/**
 * A SQL condition: `column` is the source_system of an append-only vendor. Only these sources grow with
 * every export day; the others re-deliver whole periods or correct records in place, and are a few
 * thousand lines.
 */
function isAppendSource(column) {
  const sources = appendVendors().map((v) => `'${v.source_system}'`);
  return sources.length > 0 ? `${column} IN (${sources.join(", ")})` : "FALSE";
}

/**
 * The billing periods a period-scoped check recomputes for the append-only sources: the periods this run
 * changed, and the periods of those sources' fact lines that `self` (a model with source_system and
 * billing_period columns) does not hold yet; with check_scope "all" (includes/checks.js), every period
 * of the fact. A subquery of one column, billing_period_start, never NULL.
 */
function periodsToCheck(fact, changes, self) {
  if (checks.checksAll()) return `SELECT DISTINCT billing_period_start FROM ${fact} WHERE billing_period_start IS NOT NULL`;
  return `SELECT billing_period_start FROM (
      SELECT billing_period_start FROM (${changedPeriods(fact, changes)}) AS changed
      UNION DISTINCT
      SELECT billing_period_start FROM (
        SELECT billing_period_start FROM ${fact} WHERE ${isAppendSource("source_system")}
        EXCEPT DISTINCT
        SELECT billing_period FROM ${self} WHERE ${isAppendSource("source_system")}
      ) AS missing
    ) AS periods
    WHERE billing_period_start IS NOT NULL`;
}

module.exports = { changedPeriods, missingPeriods, appendVendors, isAppendSource, periodsToCheck };
