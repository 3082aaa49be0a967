// Webex Wholesale billing reports, as `rbw land webex --from-api` saves them (DIR/webex/<report_id>.csv with
// the report's metadata beside it), landed by `rbw land` into raw.webex_billing_report_line; the reseller's
// price book (config/webex_price_book.json) replaces raw.ref_webex_price_book on every run.
declare({
  schema: "raw",
  name: "webex_billing_report_line",
  description: "Webex Wholesale billing report lines of every level (PARTNER, CUSTOMER, USER), one row per CSV record, with the report's id, type, period and creation time.",
  columns: sources.columnDocs(require("../../includes/schemas/webex/webex_billing_report_line.json")),
});

declare({
  schema: "raw",
  name: "ref_webex_price_book",
  description: "The reseller's Webex price book from config/webex_price_book.json: wholesale cost and customer price per unit of QUANTITY, per SKU, from a date, optionally for one customer.",
  columns: sources.columnDocs(require("../../includes/schemas/webex/ref_webex_price_book.json")),
});
