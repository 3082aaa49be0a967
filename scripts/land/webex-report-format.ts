/**
 * The CSV layout of Webex Wholesale billing reports, per report level, and the header check that
 * maps a report's columns by name.
 *
 * The column names and the levels each column appears at are seed 004's "청구 보고서 필드" table
 * (its English header names; the reference note, peers-and-apis.md §1.6, found no public source for
 * them and the seed wins). Columns are mapped by name, never by position: the CUSTOMER and USER levels
 * add their columns among the PARTNER ones, so positions differ between levels.
 */

export const WEBEX_REPORT_TYPES = ["PARTNER", "CUSTOMER", "USER"] as const;
export type WebexReportType = (typeof WEBEX_REPORT_TYPES)[number];

/** Seed 004: the columns present at every level (파트너, 고객, 사용자). */
const PARTNER_COLUMNS = [
  "PARTNER_NAME",
  "PARTNER_ORG_ID",
  "SUBSCRIPTION_ID",
  "SERVICE_NAME",
  "SKU",
  "DESCRIPTION",
  "CONSUMPTION_START_DATE",
  "CONSUMPTION_END_DATE",
  "QUANTITY",
] as const;

/** Seed 004: CUSTOMER_ORG_ID, CUSTOMER_EXTERNAL_ID, LOCATION_ID and LICENSE_ID appear at the customer and user levels. */
const CUSTOMER_COLUMNS = [...PARTNER_COLUMNS, "CUSTOMER_ORG_ID", "CUSTOMER_EXTERNAL_ID", "LOCATION_ID", "LICENSE_ID"] as const;

/** Seed 004: SUBSCRIBER_ID, USER_ID and WORKSPACE_ID appear at the user level only. */
const USER_COLUMNS = [...CUSTOMER_COLUMNS, "SUBSCRIBER_ID", "USER_ID", "WORKSPACE_ID"] as const;

/** The columns every report of a level must carry (all of them are required: the seed lists no optional header). */
export const WEBEX_REPORT_COLUMNS_BY_TYPE = {
  PARTNER: PARTNER_COLUMNS,
  CUSTOMER: CUSTOMER_COLUMNS,
  USER: USER_COLUMNS,
} as const;

export type WebexColumnOf<T extends WebexReportType> = (typeof WEBEX_REPORT_COLUMNS_BY_TYPE)[T][number];
export type WebexReportColumn = WebexColumnOf<"USER">;

/** Every report column (the union of the three levels), in the seed's order. */
export const WEBEX_REPORT_COLUMNS: readonly WebexReportColumn[] = [
  ...PARTNER_COLUMNS,
  "CUSTOMER_ORG_ID",
  "CUSTOMER_EXTERNAL_ID",
  "SUBSCRIBER_ID",
  "USER_ID",
  "WORKSPACE_ID",
  "LOCATION_ID",
  "LICENSE_ID",
];

export interface WebexColumnNote {
  /** What the column holds (seed 004's "추가 정보", in English). */
  description: string;
  /** When a value may be empty on a billable line, and why; undefined when it is always filled. */
  mayBeEmpty?: string;
}

/**
 * What each column means and which may be empty. An empty value never makes a line unbillable: a
 * workspace (common-area) line has no USER_ID and is billed like a user's line.
 */
export const WEBEX_COLUMN_NOTES: Record<WebexReportColumn, WebexColumnNote> = {
  PARTNER_NAME: { description: "Partner name." },
  PARTNER_ORG_ID: { description: "Unique partner identifier (the partner's Webex org id)." },
  SUBSCRIPTION_ID: { description: "Unique subscription identifier." },
  SERVICE_NAME: { description: "Service name, e.g. COMMON_AREA_CALLING, WEBEX_CALLING, WEBEX_SUITE, WEBEX_MEETINGS." },
  SKU: { description: "SKU of the service (the wholesale package)." },
  DESCRIPTION: { description: "Description of the service." },
  CONSUMPTION_START_DATE: { description: "Start of the service consumption; with CONSUMPTION_END_DATE it defines the usage period of the line." },
  CONSUMPTION_END_DATE: { description: "End of the service consumption; with CONSUMPTION_START_DATE it defines the usage period of the line." },
  QUANTITY: {
    description:
      "Usage aggregated per partner, customer or user (by report level), pro-rated per day: a full day counts 1, half a day 0.5, summed over every day of the billing period; customer and partner levels sum their users.",
  },
  CUSTOMER_ORG_ID: { description: "Internal unique customer identifier (the customer's Webex org id)." },
  CUSTOMER_EXTERNAL_ID: {
    description: "Customer unique identifier provided by the partner.",
    mayBeEmpty: "the partner supplies it; a customer provisioned without an external id has none",
  },
  SUBSCRIBER_ID: { description: "Unique identifier of the subscriber." },
  USER_ID: {
    description: "The subscriber's Webex user id.",
    mayBeEmpty: "workspace (common-area) lines have no user: they carry WORKSPACE_ID instead and are billable",
  },
  WORKSPACE_ID: {
    description: "Unique workspace identifier.",
    mayBeEmpty: "a line of a user's package belongs to no workspace",
  },
  LOCATION_ID: { description: "Unique location identifier." },
  LICENSE_ID: {
    description:
      "License identifier, shown for wholesale packages only; several rows may exist for one package, one per package/license id (with LICENSE_ID present, one per package/location/license id).",
    mayBeEmpty: "licenses assigned before the field was introduced have an empty LICENSE_ID (seed 004)",
  },
};

/** The columns of a level whose value may be empty on a billable line. */
export function webexColumnsThatMayBeEmpty<T extends WebexReportType>(type: T): WebexColumnOf<T>[] {
  const columns: readonly WebexColumnOf<T>[] = WEBEX_REPORT_COLUMNS_BY_TYPE[type];
  return columns.filter((column) => WEBEX_COLUMN_NOTES[column].mayBeEmpty !== undefined);
}

/** A report file whose header does not match its level's columns. */
export class WebexReportFormatError extends Error {
  constructor(
    readonly file: string,
    readonly column: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "WebexReportFormatError";
  }
}

export function isWebexReportType(value: string): value is WebexReportType {
  return (WEBEX_REPORT_TYPES as readonly string[]).includes(value);
}

/**
 * Maps each column of a `type` report to its position in `header`. Names are compared after trimming
 * and ignoring case (the seed itself writes "License_ID" once in prose) and a UTF-8 byte order mark
 * on the first name. Throws WebexReportFormatError naming the file and the column when a header is
 * unknown for the level, appears twice, or a level's column is missing.
 */
export function mapWebexReportHeader<T extends WebexReportType>(file: string, type: T, header: readonly string[]): Record<WebexColumnOf<T>, number> {
  const expected: readonly WebexColumnOf<T>[] = WEBEX_REPORT_COLUMNS_BY_TYPE[type];
  const byName = new Map<string, WebexColumnOf<T>>(expected.map((column) => [column, column]));
  const positions = new Map<WebexColumnOf<T>, number>();
  header.forEach((raw, index) => {
    const name = (index === 0 ? raw.replace(/^\uFEFF/, "") : raw).trim();
    if (name === "") {
      throw new WebexReportFormatError(file, "", `column ${index + 1} of the ${type} report header has no name.`);
    }
    const column = byName.get(name.toUpperCase());
    if (column === undefined) {
      const levels = WEBEX_REPORT_TYPES.filter((t) => (WEBEX_REPORT_COLUMNS_BY_TYPE[t] as readonly string[]).includes(name.toUpperCase()));
      const hint =
        levels.length > 0
          ? `it belongs to ${levels.join(" and ")} reports: is the file's metadata type (${type}) right?`
          : `a ${type} report has ${expected.join(", ")}; a new Webex column must be added to scripts/land/webex-report-format.ts before it is landed.`;
      throw new WebexReportFormatError(file, name, `unknown column "${name}" (column ${index + 1}) in a ${type} report header: ${hint}`);
    }
    if (positions.has(column)) {
      throw new WebexReportFormatError(file, column, `column ${column} appears twice in the ${type} report header (columns ${(positions.get(column) as number) + 1} and ${index + 1}).`);
    }
    positions.set(column, index);
  });
  const missing = expected.filter((column) => !positions.has(column));
  if (missing.length > 0) {
    throw new WebexReportFormatError(file, missing[0], `missing column ${missing.join(", ")} in the ${type} report header (a ${type} report has ${expected.join(", ")}).`);
  }
  return Object.fromEntries(positions) as Record<WebexColumnOf<T>, number>;
}
