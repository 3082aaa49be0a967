// AWS Marketplace seller data feeds, landed by `rbw land aws` from the S3 delivery layout
// (aws-marketplace/<Feed>_V1/year=YYYY/month=MM/data.csv) into raw.aws_<feed>: every column as delivered text.
const awsFeeds = require("../../includes/schemas/aws_marketplace/feeds.json");

for (const feed of awsFeeds) {
  declare({
    schema: "raw",
    name: feed.table,
    description: `${feed.description} Delivered as ${feed.feed}; history key: ${feed.key.join(", ")} (+ valid_from, update_date).`,
    columns: sources.columnDocs(require(`../../includes/schemas/aws_marketplace/${feed.table}.json`)),
  });
}
