// Dataform does not discover the top-level assertions/ folder by itself: pull every check in here.
require("../assertions/invoice_reconciles.sqlx");
require("../assertions/gcp_rows_complete.sqlx");
require("../assertions/fx_rates_complete.sqlx");
