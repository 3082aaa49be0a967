import { z } from "zod";

/**
 * The reseller's Webex Wholesale price book, `DIR/config/webex_price_book.json`. Webex reports
 * quantities, not amounts (seed 004: QUANTITY is pro-rated unit-days), so the wholesale cost and the
 * customer price both come from here, per unit of QUANTITY. Which row applies to a line (customer row
 * before generic row, latest `effective_from` not after the line's CONSUMPTION_START_DATE) is a billing
 * rule and lives in the Webex SQL models; this file only says what a well-formed price book is.
 */

/**
 * A non-negative plain decimal, written as a JSON string so it is never read through a float. The
 * range is what the warehouse keeps exactly (DuckDB DECIMAL(38, 9): at most 29 integer and 9 fraction
 * digits); a price with more fraction digits would be rounded on landing, so it is refused here.
 */
const decimalText = z
  .string()
  .regex(/^(0|[1-9]\d{0,28})(\.\d{1,9})?$/, 'a non-negative decimal written as a string with at most 9 decimals, e.g. "12.50"');

const currency = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as KRW or USD");

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date written YYYY-MM-DD")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, "a calendar date that exists");

/** Same spelling as `customer_id` in customers.json, so a customer row names a configured customer. */
const customerId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _");

/**
 * Rows are strict: a misspelt key (`customerId`) would otherwise be dropped and turn a customer's
 * price into the generic one without a word.
 */
const priceRow = z
  .object({
    sku: z.string().trim().min(1),
    currency,
    wholesale_unit_price: decimalText,
    customer_unit_price: decimalText,
    effective_from: calendarDate,
    customer_id: customerId.optional(),
  })
  .strict();

export const webexPriceBook = z
  .object({
    prices: z.array(priceRow),
  })
  .strict()
  .superRefine((book, ctx) => {
    // Two rows for the same key would leave the price in effect on a date ambiguous.
    const seen = new Map<string, number>();
    // A line is billed in its price row's currency: one SKU's rows for one customer (or the generic rows)
    // share a currency, or a price change would silently switch the line's currency.
    const currencies = new Map<string, { currency: string; index: number }>();
    book.prices.forEach((row, index) => {
      const priceList = JSON.stringify([row.sku, row.customer_id ?? null]);
      const other = currencies.get(priceList);
      if (other && other.currency !== row.currency) {
        ctx.addIssue({
          code: "custom",
          path: ["prices", index, "currency"],
          message: `${row.currency} differs from prices.${other.index} (${other.currency}): the ${row.customer_id ? `${row.customer_id} ` : "generic "}rows of ${row.sku} are priced in one currency`,
        });
      } else if (!other) {
        currencies.set(priceList, { currency: row.currency, index });
      }
      const key = JSON.stringify([row.sku, row.currency, row.customer_id ?? null, row.effective_from]);
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["prices", index],
          message: `duplicates prices.${first}: sku ${row.sku}, currency ${row.currency}, ${row.customer_id ? `customer ${row.customer_id}` : "no customer_id"}, effective_from ${row.effective_from}`,
        });
      } else {
        seen.set(key, index);
      }
    });
  });

export type WebexPriceBook = z.infer<typeof webexPriceBook>;
export type WebexPriceRow = WebexPriceBook["prices"][number];
