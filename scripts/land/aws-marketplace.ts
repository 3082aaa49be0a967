import { z } from "zod";
import feeds from "../../includes/schemas/aws_marketplace/feeds.json" with { type: "json" };
import { generateAwsMarketplaceFeeds } from "../generate/aws-marketplace.ts";
import { awsMarketplaceApi } from "./aws-marketplace-api.ts";
import { csvReader } from "./readers.ts";
import type { RawTableSpec, VendorModule } from "./vendor-module.ts";

/** The delivery folder of the seller data feeds under the data folder (the S3 bucket's root). */
export const AWS_MARKETPLACE_DIR = "aws-marketplace";

/** One feed of the seller data feed delivery: its S3 folder, raw table and history key. */
export interface AwsFeed {
  feed: string;
  table: string;
  key: string[];
  /** A feed AWS delivers only to some sellers (agreement terms, daily usage). */
  optional?: boolean;
  description: string;
}

export const AWS_FEEDS: AwsFeed[] = feeds;

const awsCustomerBlock = z
  .object({
    account_ids: z.array(z.string().regex(/^\d{12}$/, "a 12-digit AWS account number, leading zeros kept")).default([]),
  })
  .default({ account_ids: [] });

/**
 * AWS Marketplace seller data feeds, as AWS delivers them to the seller's S3 bucket:
 * `aws-marketplace/<Feed>_V1/year=YYYY/month=MM/data.csv`, one CSV (RFC 4180) per feed and month, the
 * backfill in `year=2010/month=01`. AWS appends each day's records to the current month's file, so a
 * month file that grew lands only its new records. Every column lands as delivered text; staging types it.
 * Customers claim AWS lines by the buyer's 12-digit payer, subscriber or end-user account.
 */
export const awsMarketplaceVendor: VendorModule<z.infer<typeof awsCustomerBlock>> = {
  id: "aws",
  sourceSystem: "aws_marketplace",
  providerName: "AWS Marketplace",
  layout: `${AWS_MARKETPLACE_DIR}/<Feed>_V1/year=YYYY/month=MM/data.csv`,
  rawTables: AWS_FEEDS.map(
    (feed): RawTableSpec => ({
      table: feed.table,
      dir: `${AWS_MARKETPLACE_DIR}/${feed.feed}`,
      extensions: [".csv"],
      reader: () => csvReader(),
      parallel: () => true,
      appendOnlyFiles: true,
    }),
  ),
  customerBlock: awsCustomerBlock,
  customerMatches: (block) => block.account_ids.map((v) => ({ match_field: "account_id", match_value: v })),
  api: awsMarketplaceApi(AWS_FEEDS),
  generate: generateAwsMarketplaceFeeds,
};
