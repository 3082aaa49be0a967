import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";

import { webexPriceBook } from "../../scripts/config/webex-price-book.ts";
import { tableSchemaFile } from "../../scripts/contracts/source-schema.ts";
import {
  mapWebexReportHeader,
  WEBEX_COLUMN_NOTES,
  WEBEX_REPORT_COLUMNS,
  WEBEX_REPORT_COLUMNS_BY_TYPE,
  WEBEX_REPORT_TYPES,
  webexColumnsThatMayBeEmpty,
  WebexReportFormatError,
  type WebexReportType,
} from "../../scripts/land/webex-report-format.ts";
import { REPO_ROOT } from "../helpers/project.ts";

const GOLDEN = join(REPO_ROOT, "tests/fixtures/webex-golden");

function formatError(run: () => unknown): WebexReportFormatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebexReportFormatError);
    return error as WebexReportFormatError;
  }
  throw new Error("expected a WebexReportFormatError");
}

describe("the Webex report columns (seed 004)", () => {
  it("lists the seed's 16 fields with the levels each appears at", () => {
    expect(WEBEX_REPORT_COLUMNS_BY_TYPE.PARTNER).toEqual([
      "PARTNER_NAME",
      "PARTNER_ORG_ID",
      "SUBSCRIPTION_ID",
      "SERVICE_NAME",
      "SKU",
      "DESCRIPTION",
      "CONSUMPTION_START_DATE",
      "CONSUMPTION_END_DATE",
      "QUANTITY",
    ]);
    expect(WEBEX_REPORT_COLUMNS_BY_TYPE.CUSTOMER).toEqual([...WEBEX_REPORT_COLUMNS_BY_TYPE.PARTNER, "CUSTOMER_ORG_ID", "CUSTOMER_EXTERNAL_ID", "LOCATION_ID", "LICENSE_ID"]);
    expect(WEBEX_REPORT_COLUMNS_BY_TYPE.USER).toEqual([...WEBEX_REPORT_COLUMNS_BY_TYPE.CUSTOMER, "SUBSCRIBER_ID", "USER_ID", "WORKSPACE_ID"]);
    expect([...WEBEX_REPORT_COLUMNS].sort()).toEqual([...WEBEX_REPORT_COLUMNS_BY_TYPE.USER].sort());
  });

  it("documents LICENSE_ID as possibly empty, and USER_ID as empty on workspace lines", () => {
    expect(webexColumnsThatMayBeEmpty("PARTNER")).toEqual([]);
    expect(webexColumnsThatMayBeEmpty("CUSTOMER")).toEqual(["CUSTOMER_EXTERNAL_ID", "LICENSE_ID"]);
    expect(webexColumnsThatMayBeEmpty("USER")).toEqual(["CUSTOMER_EXTERNAL_ID", "LICENSE_ID", "USER_ID", "WORKSPACE_ID"]);
    expect(WEBEX_COLUMN_NOTES.USER_ID.mayBeEmpty).toContain("workspace (common-area) lines");
    expect(WEBEX_COLUMN_NOTES.USER_ID.mayBeEmpty).toContain("billable");
  });
});

describe("mapWebexReportHeader", () => {
  it("maps columns by name, whatever their order", () => {
    const header = ["QUANTITY", "SKU", "PARTNER_NAME", "CONSUMPTION_END_DATE", "SERVICE_NAME", "PARTNER_ORG_ID", "DESCRIPTION", "SUBSCRIPTION_ID", "CONSUMPTION_START_DATE"];
    expect(mapWebexReportHeader("p.csv", "PARTNER", header)).toEqual({
      QUANTITY: 0,
      SKU: 1,
      PARTNER_NAME: 2,
      CONSUMPTION_END_DATE: 3,
      SERVICE_NAME: 4,
      PARTNER_ORG_ID: 5,
      DESCRIPTION: 6,
      SUBSCRIPTION_ID: 7,
      CONSUMPTION_START_DATE: 8,
    });
  });

  it("ignores a byte order mark, surrounding spaces and letter case in header names", () => {
    const header = ["\uFEFFPartner_Name", " PARTNER_ORG_ID ", ...WEBEX_REPORT_COLUMNS_BY_TYPE.CUSTOMER.slice(2, -1), "License_ID"];
    const map = mapWebexReportHeader("c.csv", "CUSTOMER", header);
    expect(map.PARTNER_NAME).toBe(0);
    expect(map.PARTNER_ORG_ID).toBe(1);
    expect(map.LICENSE_ID).toBe(12);
  });

  it("names the file and the missing column", () => {
    const header = WEBEX_REPORT_COLUMNS_BY_TYPE.USER.filter((c) => c !== "WORKSPACE_ID");
    const error = formatError(() => mapWebexReportHeader("webex/R1.csv", "USER", header));
    expect(error.file).toBe("webex/R1.csv");
    expect(error.column).toBe("WORKSPACE_ID");
    expect(error.message).toMatch(/^webex\/R1\.csv: missing column WORKSPACE_ID in the USER report header/);
  });

  it("names the file and the unknown column", () => {
    const header = [...WEBEX_REPORT_COLUMNS_BY_TYPE.PARTNER, "UNIT_PRICE"];
    const error = formatError(() => mapWebexReportHeader("webex/R2.csv", "PARTNER", header));
    expect(error.file).toBe("webex/R2.csv");
    expect(error.column).toBe("UNIT_PRICE");
    expect(error.message).toContain('unknown column "UNIT_PRICE" (column 10) in a PARTNER report header');
  });

  it("says when a column belongs to another level (the metadata's type is wrong)", () => {
    const error = formatError(() => mapWebexReportHeader("webex/R3.csv", "CUSTOMER", WEBEX_REPORT_COLUMNS_BY_TYPE.USER));
    expect(error.column).toBe("SUBSCRIBER_ID");
    expect(error.message).toContain("it belongs to USER reports: is the file's metadata type (CUSTOMER) right?");
  });

  it("refuses a column named twice and a column without a name", () => {
    const twice = formatError(() => mapWebexReportHeader("d.csv", "PARTNER", [...WEBEX_REPORT_COLUMNS_BY_TYPE.PARTNER, "SKU"]));
    expect(twice.column).toBe("SKU");
    expect(twice.message).toContain("column SKU appears twice in the PARTNER report header (columns 5 and 10)");
    const unnamed = formatError(() => mapWebexReportHeader("e.csv", "PARTNER", [...WEBEX_REPORT_COLUMNS_BY_TYPE.PARTNER, ""]));
    expect(unnamed.message).toBe("e.csv: column 10 of the PARTNER report header has no name.");
  });
});

describe("the Webex raw table schema", () => {
  const fields = tableSchemaFile.parse(JSON.parse(readFileSync(join(REPO_ROOT, "includes/schemas/webex/webex_billing_report_line.json"), "utf8")));

  it("holds every report column (ids as text, quantity as an exact decimal, dates typed), then the report's metadata, each described", () => {
    expect(fields.map((f) => f.name)).toEqual([...WEBEX_REPORT_COLUMNS, "report_id", "report_type", "billing_start_date", "billing_end_date", "report_created"]);
    const typed = Object.fromEntries(fields.filter((f) => f.type !== "STRING").map((f) => [f.name, f.type]));
    expect(typed).toEqual({
      CONSUMPTION_START_DATE: "DATE",
      CONSUMPTION_END_DATE: "DATE",
      QUANTITY: "NUMERIC",
      billing_start_date: "DATE",
      billing_end_date: "DATE",
      report_created: "TIMESTAMP",
    });
    for (const field of fields) expect(field.description?.length).toBeGreaterThan(10);
    for (const column of WEBEX_REPORT_COLUMNS) {
      expect(fields.find((f) => f.name === column)?.description).toContain(WEBEX_COLUMN_NOTES[column].description);
    }
  });
});

describe("webexPriceBook", () => {
  const row = { sku: "WHL-SUITE", currency: "USD", wholesale_unit_price: "0.90", customer_unit_price: "1.30", effective_from: "2026-01-01" };
  const issue = (book: unknown) => {
    const parsed = webexPriceBook.safeParse(book);
    return parsed.success ? "ok" : `${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`;
  };

  it("accepts generic and customer rows written with decimal strings", () => {
    expect(issue({ prices: [row, { ...row, customer_id: "hanbit-retail", customer_unit_price: "1.2" }] })).toBe("ok");
  });

  it("refuses prices written as numbers, with exponents or with more than 9 decimals", () => {
    expect(issue({ prices: [{ ...row, wholesale_unit_price: 0.9 }] })).toMatch(/^prices\.0\.wholesale_unit_price: /);
    expect(issue({ prices: [{ ...row, customer_unit_price: "1e2" }] })).toMatch(/^prices\.0\.customer_unit_price: a non-negative decimal/);
    expect(issue({ prices: [{ ...row, customer_unit_price: "0.0000000001" }] })).toMatch(/at most 9 decimals/);
    expect(issue({ prices: [{ ...row, customer_unit_price: "-1" }] })).toMatch(/non-negative/);
  });

  it("refuses a currency that is not ISO 4217 and a date that does not exist", () => {
    expect(issue({ prices: [{ ...row, currency: "usd" }] })).toBe("prices.0.currency: an ISO 4217 code such as KRW or USD");
    expect(issue({ prices: [{ ...row, effective_from: "2026-02-30" }] })).toBe("prices.0.effective_from: a calendar date that exists");
  });

  it("refuses a misspelt key rather than read a customer row as generic", () => {
    expect(issue({ prices: [{ ...row, customerId: "hanbit-retail" }] })).toMatch(/^prices\.0: /);
  });

  it("refuses two rows for the same sku, currency, customer and effective date", () => {
    expect(issue({ prices: [row, { ...row, customer_unit_price: "1.40" }] })).toBe(
      "prices.1: duplicates prices.0: sku WHL-SUITE, currency USD, no customer_id, effective_from 2026-01-01",
    );
    expect(issue({ prices: [row, { ...row, customer_id: "hanbit-retail" }, { ...row, customer_id: "mirae-games", currency: "KRW", customer_unit_price: "1800" }] })).toBe("ok");
  });

  it("refuses a second currency in one SKU's price list (a price change would switch the line's currency)", () => {
    expect(issue({ prices: [row, { ...row, currency: "KRW", customer_unit_price: "1800", effective_from: "2026-07-01" }] })).toBe(
      "prices.1.currency: KRW differs from prices.0 (USD): the generic rows of WHL-SUITE are priced in one currency",
    );
  });
});

/** Exact decimal text -> [integer digits, scale], so the fixture's sums are checked without floats. */
function scaled(text: string): [bigint, number] {
  const [whole, fraction = ""] = text.split(".");
  return [BigInt(whole + fraction), fraction.length];
}
function add(a: string, b: string): string {
  const [x, sx] = scaled(a);
  const [y, sy] = scaled(b);
  const scale = Math.max(sx, sy);
  return show(x * 10n ** BigInt(scale - sx) + y * 10n ** BigInt(scale - sy), scale);
}
function multiply(a: string, b: string): string {
  const [x, sx] = scaled(a);
  const [y, sy] = scaled(b);
  return show(x * y, sx + sy);
}
function show(value: bigint, scale: number): string {
  const digits = value.toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

describe("the golden Webex fixture", () => {
  const expected = JSON.parse(readFileSync(join(GOLDEN, "expected.json"), "utf8")) as {
    reports: Record<WebexReportType, string>;
    lines: { csv_line: number; QUANTITY: string; SKU: string; LICENSE_ID: string; USER_ID: string; price_row: number; wholesale_cost: string; customer_price: string; margin: string }[];
    price_rows: { index: number; wholesale_unit_price: string; customer_unit_price: string }[];
  };
  const read = (type: WebexReportType) => {
    const id = expected.reports[type];
    const file = join(GOLDEN, "webex", `${id}.csv`);
    const [header, ...rows] = parse(readFileSync(file), { bom: true }) as string[][];
    const map = mapWebexReportHeader(file, type, header) as Record<string, number>;
    const metadata = JSON.parse(readFileSync(join(GOLDEN, "webex", `${id}.json`), "utf8")) as Record<string, string>;
    return { rows: rows.map((r) => Object.fromEntries(Object.entries(map).map(([column, index]) => [column, r[index]]))), metadata };
  };
  const sumBy = (rows: Record<string, string>[], key: (r: Record<string, string>) => string) => {
    const sums = new Map<string, string>();
    for (const r of rows) sums.set(key(r), add(sums.get(key(r)) ?? "0", r.QUANTITY));
    return sums;
  };

  it("holds one report per level for the same period, each with its metadata", () => {
    expect(readdirSync(join(GOLDEN, "webex")).length).toBe(6);
    for (const type of WEBEX_REPORT_TYPES) {
      const { metadata } = read(type);
      expect(metadata).toEqual({ id: expected.reports[type], type, billingStartDate: "2026-10-01", billingEndDate: "2026-10-31", status: "COMPLETED", created: metadata.created });
    }
  });

  it("has levels that add up: USER to CUSTOMER per customer and SKU, CUSTOMER to PARTNER per SKU", () => {
    const user = read("USER").rows;
    const customer = read("CUSTOMER").rows;
    const partner = read("PARTNER").rows;
    const perCustomerSku = (r: Record<string, string>) => `${r.CUSTOMER_ORG_ID}|${r.SKU}`;
    expect(sumBy(user, perCustomerSku)).toEqual(sumBy(customer, perCustomerSku));
    expect(sumBy(customer, (r) => r.SKU)).toEqual(sumBy(partner, (r) => r.SKU));
    expect(user.filter((r) => r.USER_ID === "").map((r) => r.WORKSPACE_ID)).toEqual(["3045ace0-0000-4000-8000-000000000001"]);
  });

  it("matches expected.json's lines, and its amounts are quantity x unit price", () => {
    const user = read("USER").rows;
    const book = webexPriceBook.parse(JSON.parse(readFileSync(join(GOLDEN, "config/webex_price_book.json"), "utf8")));
    expect(expected.lines).toHaveLength(user.length);
    for (const line of expected.lines) {
      const row = user[line.csv_line - 2];
      expect([row.QUANTITY, row.SKU, row.LICENSE_ID, row.USER_ID]).toEqual([line.QUANTITY, line.SKU, line.LICENSE_ID, line.USER_ID]);
      const price = book.prices[line.price_row];
      expect(price.sku).toBe(line.SKU);
      expect(multiply(line.QUANTITY, price.wholesale_unit_price)).toBe(line.wholesale_cost);
      expect(multiply(line.QUANTITY, price.customer_unit_price)).toBe(line.customer_price);
      expect(add(line.wholesale_cost, line.margin)).toBe(line.customer_price);
    }
  });
});
