import { existsSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { UsageError } from "../clients/errors.ts";
import { fetchWebexReports, WEBEX_API_URL_ENV, WEBEX_TOKEN_ENV, webexCredentialsFromEnv } from "../clients/webex.ts";
import { webexPriceBook, type WebexPriceBook } from "../config/webex-price-book.ts";
import { issueText } from "../contracts/zod-issue.ts";
import { generateWebexReports } from "../generate/webex.ts";
import { csvReader, SourceFormatError, type Reader } from "./readers.ts";
import type { VendorConfigFile, VendorModule } from "./vendor-module.ts";
import { isWebexReportType, mapWebexReportHeader, WEBEX_REPORT_TYPES, WebexReportFormatError, type WebexReportType } from "./webex-report-format.ts";

export const WEBEX_REPORT_DIR = "webex";
export const WEBEX_REPORT_TABLE = "webex_billing_report_line";
export const WEBEX_PRICE_BOOK_FILE = "webex_price_book.json";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date written YYYY-MM-DD");

/** `DIR/webex/<report_id>.json`: the report's GET body as `rbw land webex --from-api` saves it. */
const reportMetadata = z.object({
  id: z.string().min(1),
  type: z.string().refine(isWebexReportType, `one of ${WEBEX_REPORT_TYPES.join(", ")}`),
  billingStartDate: isoDate,
  billingEndDate: isoDate,
  status: z.literal("COMPLETED", { error: "COMPLETED (only a completed report has a CSV)" }),
  created: z.string().min(1),
});

export type WebexReportFile = z.infer<typeof reportMetadata> & { type: WebexReportType };

/** The metadata saved beside a report's CSV; a report without it cannot be told apart from another level. */
export function readReportMetadata(csvFile: string, path: string): WebexReportFile {
  const metadataFile = csvFile.replace(/\.csv$/, ".json");
  const metadataPath = path.replace(/\.csv$/, ".json");
  if (!existsSync(metadataFile)) {
    throw new SourceFormatError(path, `has no metadata file ${metadataPath} beside it (the report's type and period; \`rbw land webex --from-api\` saves both)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(metadataFile, "utf8"));
  } catch (error) {
    throw new SourceFormatError(metadataPath, `is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = reportMetadata.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceFormatError(metadataPath, issueText(issue), String(issue.path[0] ?? ""));
  }
  const id = basename(csvFile, ".csv");
  if (parsed.data.id !== id) throw new SourceFormatError(metadataPath, `id: "${parsed.data.id}" is not the report of ${path} (${id})`, "id");
  return parsed.data as WebexReportFile;
}

/** The header row of a CSV file (the first record; a header is not expected to hold line breaks). */
async function readHeader(file: string, path: string): Promise<string[]> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    const end = text.indexOf("\n");
    const line = (end === -1 ? text : text.slice(0, end)).replace(/\r$/, "");
    if (line.trim() === "") throw new SourceFormatError(path, "is empty: a Webex report has a header row");
    return (parseCsv(line, { bom: true }) as string[][])[0];
  } finally {
    await handle.close();
  }
}

/**
 * A Webex billing report: the CSV (RFC 4180) read by header name, checked against the columns of its
 * level (from the metadata beside it), each record stamped with the report's id, type, period and
 * creation time. An unknown or missing header stops the file, naming it and the column.
 */
export function webexReportReader(): Reader {
  const csv = csvReader();
  return {
    format: "Webex billing report (CSV)",
    async *read(file, path) {
      const report = readReportMetadata(file, path);
      const header = await readHeader(file, path);
      let positions: Record<string, number>;
      try {
        positions = mapWebexReportHeader(path, report.type, header);
      } catch (error) {
        if (error instanceof WebexReportFormatError) throw new SourceFormatError(path, error.message.slice(path.length + 2), error.column);
        throw error;
      }
      // Records come keyed by the header as written; the raw table's columns are the canonical names.
      const names = Object.entries(positions).map(([column, index]) => [header[index], column] as const);
      const stamp = {
        report_id: report.id,
        report_type: report.type,
        billing_start_date: report.billingStartDate,
        billing_end_date: report.billingEndDate,
        report_created: report.created,
      };
      for await (const batch of csv.read(file, path)) {
        yield batch.map((r) => {
          if (!r.record) return r;
          const record: Record<string, unknown> = { ...stamp };
          for (const [written, column] of names) record[column] = r.record[written];
          return { ...r, record };
        });
      }
    },
  };
}

const webexCustomerBlock = z
  .object({
    customer_org_ids: z.array(z.string().min(1)).default([]),
    customer_external_ids: z.array(z.string().min(1)).default([]),
  })
  .default({ customer_org_ids: [], customer_external_ids: [] });

/** config/webex_price_book.json, replacing raw.ref_webex_price_book on every run. */
const priceBookFile: VendorConfigFile<WebexPriceBook> = {
  file: WEBEX_PRICE_BOOK_FILE,
  table: "ref_webex_price_book",
  schema: webexPriceBook,
  required: false,
  check: (book, customerIds) => {
    const index = book.prices.findIndex((p) => p.customer_id !== undefined && !customerIds.has(p.customer_id));
    if (index === -1) return undefined;
    return `prices.${index}.customer_id: "${book.prices[index].customer_id}" is not a customer_id of customers.json`;
  },
  rows: (book) =>
    book.prices.map((p, i) => ({
      price_row: i,
      sku: p.sku,
      currency: p.currency,
      wholesale_unit_price: p.wholesale_unit_price,
      customer_unit_price: p.customer_unit_price,
      effective_from: p.effective_from,
      customer_id: p.customer_id ?? null,
    })),
};

/**
 * Webex Wholesale: the PARTNER, CUSTOMER and USER billing reports (`DIR/webex/<report_id>.csv` with the
 * report's metadata beside it), priced with the reseller's price book (`config/webex_price_book.json`).
 * Lines map to customers on CUSTOMER_ORG_ID, then CUSTOMER_EXTERNAL_ID.
 */
export const webexVendor: VendorModule<z.infer<typeof webexCustomerBlock>> = {
  id: "webex",
  sourceSystem: "webex_wholesale",
  providerName: "Webex",
  layout: `${WEBEX_REPORT_DIR}/<report_id>.csv + <report_id>.json, config/${WEBEX_PRICE_BOOK_FILE}`,
  rawTables: [{ table: WEBEX_REPORT_TABLE, dir: WEBEX_REPORT_DIR, extensions: [".csv"], reader: () => webexReportReader() }],
  customerBlock: webexCustomerBlock,
  customerMatches: (block) => [
    ...block.customer_org_ids.map((v) => ({ match_field: "customer_org_id", match_value: v })),
    ...block.customer_external_ids.map((v) => ({ match_field: "customer_external_id", match_value: v })),
  ],
  configFiles: [priceBookFile as VendorConfigFile],
  api: {
    usage: `--start YYYY-MM-DD --end YYYY-MM-DD [--sub-partner-org ID]; ${WEBEX_TOKEN_ENV} (and ${WEBEX_API_URL_ENV}) from the environment`,
    async fetch(dataDir, options, onProgress) {
      if (!options.start || !options.end) throw new UsageError("rbw land webex --from-api needs --start YYYY-MM-DD and --end YYYY-MM-DD (the billing period).");
      const saved = await fetchWebexReports({
        start: options.start,
        end: options.end,
        dataDir,
        credentials: webexCredentialsFromEnv(),
        subPartnerOrgId: options.subPartnerOrg,
        pollIntervalMs: options.pollSeconds === undefined ? undefined : options.pollSeconds * 1000,
        onProgress,
      });
      return `Saved ${saved.length} Webex reports (${saved.map((s) => `${s.metadata.type} ${s.origin}`).join(", ")}) for ${options.start} to ${options.end}.`;
    },
  },
  generate: generateWebexReports,
};
