// Helpers for declaring raw sources from their schema files (includes/schemas/).

/** Dataform column documentation from a BigQuery JSON schema (nested records included). */
function columnDocs(fields) {
  return Object.fromEntries(
    fields.map((f) => [f.name, f.fields ? { description: f.description || f.name, columns: columnDocs(f.fields) } : f.description || f.name]),
  );
}

module.exports = { columnDocs };
