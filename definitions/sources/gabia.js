// Gabia g-Cloud bills saved from the partner Bills API (scripts/clients/gabia.ts), landed by `rbw land`
// one saved bill (delivery) at a time: the partner bill, the user bills and their resource lines.
for (const [name, description] of [
  ["gabia_partner_bills", "Gabia partner bills (GET /v1/bills/{YYYY-MM} and /v1/bills/now), one row per saved delivery."],
  ["gabia_user_bills", "Gabia user bills (GET /v1/bills/{YYYY-MM}/users/{user_id}), one row per user per saved delivery."],
  ["gabia_bill_lines", "Gabia user bill resource lines, one row per charge_detail entry per saved delivery (the license on a server included)."],
]) {
  declare({
    schema: "raw",
    name,
    description,
    columns: sources.columnDocs(require(`../../includes/schemas/gabia/${name}.json`)),
  });
}
