// How much history the per-row checks read. A daily run checks the lines it added: the fact's key,
// non-null and row-condition checks look at the rows stamped with this run's run_id, and each append-only
// source's completeness check at the export_time range the run took in (after the checkpoint it started
// from). `check_scope: "all"` checks all history: the pipeline sets it for a full refresh and for a
// monthly_close run. A full refresh stamps every line with its run_id, so it checks everything either way,
// and so does a warehouse built with the default run_id ("manual") on every run.

const vars = () => dataform.projectConfig.vars;

/** True when this run checks all history (check_scope: "all"). */
function checksAll() {
  return vars().check_scope === "all";
}

/** This run's id as a SQL string literal. */
function runIdLiteral() {
  return `'${String(vars().run_id || "manual").replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A condition on fact rows (of `alias`, if given): the rows this run checks. */
function factRowsInScope(alias) {
  return checksAll() ? "TRUE" : `${alias ? `${alias}.` : ""}run_id = ${runIdLiteral()}`;
}

/**
 * The export_time after which an append-only source's lines are checked: the checkpoint this run's fact
 * build started from (the source's latest export_time before this run, less the lookback), or the
 * beginning of time when checking all history. A SQL expression over `fact`.
 */
function appendCheckpoint(fact, sourceSystem) {
  if (checksAll()) return "TIMESTAMP '1970-01-01 00:00:00+00'";
  const lookback = vars().gcp_export_lookback_days || "3";
  return `(
    SELECT TIMESTAMP_SUB(COALESCE(MAX(export_time), TIMESTAMP '1970-01-04 00:00:00+00'), INTERVAL ${lookback} DAY)
    FROM ${fact}
    WHERE source_system = '${sourceSystem}' AND run_id != ${runIdLiteral()}
  )`;
}

module.exports = { checksAll, runIdLiteral, factRowsInScope, appendCheckpoint };
