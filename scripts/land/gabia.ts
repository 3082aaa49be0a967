import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { GABIA_USER_ID } from "../clients/gabia.ts";
import { issueText } from "../contracts/zod-issue.ts";
import { generateGabiaBills } from "../generate/gabia.ts";
import { gabiaApi } from "./gabia-api.ts";
import { SourceFormatError, type Reader, type SourceRecord } from "./readers.ts";
import { quoteJsonNumbers } from "./record-validator.ts";
import type { VendorModule } from "./vendor-module.ts";

/** Where the Bills API client saves bills, relative to the data folder. */
export const GABIA_BILLS_DIR = "gabia/bills";

/**
 * The `charge_detail` arrays of a user bill, with the property that is the line's own id. The month-to-date
 * bill spells NAS snapshots `nassnapshots`; they land as `nas_snapshots`. A license is identified by its server.
 */
const RESOURCE_KINDS: { kind: string; arrays: string[]; id: string }[] = [
  { kind: "servers", arrays: ["servers"], id: "svr_id" },
  { kind: "volumes", arrays: ["volumes"], id: "vol_id" },
  { kind: "nas", arrays: ["nas"], id: "nas_id" },
  { kind: "nas_snapshots", arrays: ["nas_snapshots", "nassnapshots"], id: "snap_id" },
  { kind: "ips", arrays: ["ips"], id: "ip_id" },
  { kind: "loadbalancers", arrays: ["loadbalancers"], id: "lb_id" },
  { kind: "snapshots", arrays: ["snapshots"], id: "snap_id" },
  { kind: "images", arrays: ["images"], id: "img_id" },
  { kind: "images_storage", arrays: ["images_storage"], id: "img_id" },
  { kind: "traffic", arrays: ["traffic"], id: "cloud_id" },
  { kind: "license", arrays: ["license"], id: "svr_id" },
];

/** Line properties landed under their own name; `start`, `end` and `date` land as start_time, end_time, event_time. */
const LINE_PROPERTIES = [
  "name",
  "type",
  "storage_type",
  "os",
  "cpu",
  "memory",
  "root_storage",
  "size",
  "version",
  "ip_addr",
  "svr_id",
  "svr_name",
  "svr_ip",
  "nas_id",
  "img_id",
  "img_name",
  "img_os",
  "img_os_type",
  "cloud_id",
  "use_traffic",
  "use_traffic_domestic",
  "use_traffic_foreign",
  "charge",
];

const SUMMARY_PROPERTIES = [
  "svr_total_charge",
  "vol_total_charge",
  "nas_total_charge",
  "nas_snap_total_charge",
  "ip_total_charge",
  "lb_total_charge",
  "snap_total_charge",
  "img_total_charge",
  "traffic_total_charge",
  "license_total_charge",
];

/** `fetched.json`, the client's receipt of one saved bill. */
const FetchedSchema = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  provisional: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]),
  fetched_at: z.string(),
  endpoint: z.string().optional(),
});

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** A saved bill file, numbers kept as their exact text. */
async function readJson(file: string, shownAs: string): Promise<JsonObject> {
  let text: string;
  try {
    text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  } catch (error) {
    throw new SourceFormatError(shownAs, `cannot be read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteJsonNumbers(text));
  } catch (error) {
    throw new SourceFormatError(shownAs, `cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new SourceFormatError(shownAs, "is not a JSON object");
  return parsed;
}

/** One saved bill (a delivery): its folder, its receipt and its documents. */
interface SavedBill {
  delivery: string;
  envelope: { delivery: string; bill_month: string; provisional: boolean; fetched_at: string };
  endpoint?: string;
  partner: JsonObject;
  users: { file: string; bill: JsonObject }[];
}

/**
 * Reads a saved bill from its `fetched.json` (written last by the client, with the month, whether it is
 * provisional and when it was fetched): `partner.json` beside it and every `users/<user_id>.json`. A saved
 * bill is landed whole or not at all, so the receipt is the file the landing tracks: every fetch has its own.
 */
async function readSavedBill(file: string, path: string): Promise<SavedBill> {
  const folder = dirname(file);
  const delivery = dirname(path).split("\\").join("/");
  const receipt = FetchedSchema.safeParse(await readJson(file, path));
  if (!receipt.success) throw new SourceFormatError(path, `is not a saved-bill receipt: ${issueText(receipt.error.issues[0], "")}`);
  const partner = await readJson(join(folder, "partner.json"), `${delivery}/partner.json`);
  const userFiles = (await readdir(join(folder, "users")).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).sort();
  const users = [];
  for (const name of userFiles) {
    const shownAs = `${delivery}/users/${name}`;
    users.push({ file: `users/${name}`, bill: await readJson(join(folder, "users", name), shownAs) });
  }
  const { month, provisional, fetched_at } = receipt.data;
  return { delivery, envelope: { delivery, bill_month: month, provisional, fetched_at }, endpoint: receipt.data.endpoint, partner, users };
}

function pick(source: JsonObject, names: string[]): JsonObject {
  return Object.fromEntries(names.filter((n) => source[n] !== undefined && source[n] !== null).map((n) => [n, source[n]]));
}

/** A reader of saved bills that yields the records `select` picks, each with where in the bill it came from. */
function savedBillReader(select: (bill: SavedBill) => { at: string; record: JsonObject }[]): Reader {
  return {
    format: "saved Gabia bill",
    async *read(file, path) {
      const bill = await readSavedBill(file, path);
      const records: SourceRecord[] = select(bill).map(({ at, record }, i) => ({ line: i + 1, raw: JSON.stringify({ at, record }), record }));
      yield records;
    },
  };
}

export function partnerBillRecords(bill: SavedBill): { at: string; record: JsonObject }[] {
  const p = bill.partner;
  const summary = isObject(p.charge_summary) ? p.charge_summary : {};
  const users = Array.isArray(p.users) ? p.users : [];
  return [
    {
      at: `${bill.delivery}/partner.json`,
      record: {
        ...bill.envelope,
        endpoint: bill.endpoint,
        ...pick(p, ["partner_id", "bill_id", "service_start", "service_end", "payment_status", "sum_of_charge", "unpaid_charge", "total_charge"]),
        user_count: String(users.length),
        ...pick(summary, SUMMARY_PROPERTIES),
      },
    },
  ];
}

export function userBillRecords(bill: SavedBill): { at: string; record: JsonObject }[] {
  return bill.users.map(({ file, bill: user }) => ({
    at: `${bill.delivery}/${file}`,
    record: {
      ...bill.envelope,
      ...pick(user, ["partner_id", "user_id", "total_charge"]),
      ...pick(isObject(user.charge_summary) ? user.charge_summary : {}, SUMMARY_PROPERTIES),
    },
  }));
}

export function billLineRecords(bill: SavedBill): { at: string; record: JsonObject }[] {
  const out: { at: string; record: JsonObject }[] = [];
  for (const { file, bill: user } of bill.users) {
    const detail = isObject(user.charge_detail) ? user.charge_detail : {};
    for (const { kind, arrays, id } of RESOURCE_KINDS) {
      for (const array of arrays) {
        const lines = detail[array];
        if (!Array.isArray(lines)) continue;
        lines.forEach((line, index) => {
          const at = `${bill.delivery}/${file} charge_detail.${array}[${index}]`;
          const l = isObject(line) ? line : {};
          out.push({
            at,
            record: {
              ...bill.envelope,
              ...pick(user, ["partner_id", "user_id"]),
              resource_kind: kind,
              line_number: String(index + 1),
              resource_id: l[id],
              ...pick(l, LINE_PROPERTIES),
              start_time: l.start,
              end_time: l.end,
              event_time: l.date,
            },
          });
        });
      }
    }
  }
  return out;
}

const gabiaCustomerBlock = z
  .object({
    user_ids: z.array(z.string().regex(GABIA_USER_ID, "a Gabia user id: 3-16 letters, digits or _")).default([]),
    /** The customer pays Gabia's supply price plus this percentage instead of the list price. */
    supply_markup_pct: z
      .string()
      .regex(/^(0|[1-9]\d{0,3})(\.\d{1,4})?$/, 'a percentage written as a decimal string, e.g. "12.5"')
      .optional(),
  })
  .default({ user_ids: [] });

const receipts = { dir: GABIA_BILLS_DIR, extensions: ["fetched.json"] };

/**
 * Gabia g-Cloud: the bills the partner Bills API client saves (`rbw land gabia --from-api`), one folder per
 * fetch with its receipt `fetched.json`. A month's provisional (month-to-date) bills are replaced by its final
 * bill. End users are matched to customers on their Gabia user id.
 */
export const gabiaVendor: VendorModule<z.infer<typeof gabiaCustomerBlock>> = {
  id: "gabia",
  sourceSystem: "gabia",
  providerName: "Gabia",
  layout: `${GABIA_BILLS_DIR}/YYYY-MM/{fetched.json,partner.json,users/<user_id>.json} | ${GABIA_BILLS_DIR}/YYYY-MM/provisional-<time>/...`,
  rawTables: [
    { table: "gabia_partner_bills", ...receipts, reader: () => savedBillReader(partnerBillRecords) },
    { table: "gabia_user_bills", ...receipts, reader: () => savedBillReader(userBillRecords) },
    { table: "gabia_bill_lines", ...receipts, reader: () => savedBillReader(billLineRecords) },
  ],
  customerBlock: gabiaCustomerBlock,
  customerMatches: (block) => block.user_ids.map((v) => ({ match_field: "user_id", match_value: v })),
  customerSettings: (block) => (block.supply_markup_pct === undefined ? [] : [{ setting: "supply_markup_pct", value: block.supply_markup_pct }]),
  api: gabiaApi,
  generate: generateGabiaBills,
};
