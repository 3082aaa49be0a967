// What a run changed in core.fct_billing_line, for the marts that rebuild only the billing periods that
// changed (incremental tables whose pre-operation deletes those periods; their query then adds every
// period of the fact they do not hold). A full refresh rebuilds them whole.
const checks = require("./checks.js");

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

/** The billing periods of the fact that `self` (a mart with a billing_period column) does not hold. */
function missingPeriods(fact, self) {
  return `SELECT billing_period_start FROM ${fact}
    EXCEPT DISTINCT
    SELECT billing_period FROM ${self}`;
}

module.exports = { changedPeriods, missingPeriods };
