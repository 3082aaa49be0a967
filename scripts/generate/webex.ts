import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SampleCustomer, SampleData } from "../land/vendor-module.ts";
import { DEFAULT_GENERATE_OPTIONS, monthList, mulberry32, type GenerateOptions } from "./options.ts";

const PARTNER = { name: "Hangang Cloud Partners", orgId: "5e1f0a00-0000-4000-8000-000000000001", subscription: "Sub-904417" };

const PACKAGES = [
  { sku: "WHL-CALLING-PRO", service: "WEBEX_CALLING", description: "Webex Calling Professional", wholesale: "0.40", customer: "0.60" },
  { sku: "WHL-SUITE", service: "WEBEX_SUITE", description: "Webex Suite (Meetings and Calling)", wholesale: "0.90", customer: "1.30" },
  { sku: "WHL-MEETINGS", service: "WEBEX_MEETINGS", description: "Webex Meetings", wholesale: "0.45", customer: "0.70" },
  { sku: "WHL-COMMON-AREA", service: "COMMON_AREA_CALLING", description: "Webex Calling Common Area", wholesale: "0.12", customer: "0.20" },
] as const;

/** The sample customers on Webex: their users per package and workspaces (common-area phones). */
const WEBEX_CUSTOMERS: Record<string, { external: string | null; users: Partial<Record<(typeof PACKAGES)[number]["sku"], number>>; workspaces: number }> = {
  "hanbit-retail": { external: "CRM-1001", users: { "WHL-CALLING-PRO": 6, "WHL-SUITE": 4 }, workspaces: 2 },
  "mirae-games": { external: null, users: { "WHL-SUITE": 8, "WHL-MEETINGS": 5 }, workspaces: 0 },
  "daehan-fintech": { external: "CRM-1004", users: { "WHL-CALLING-PRO": 10, "WHL-MEETINGS": 3 }, workspaces: 1 },
};

/**
 * Scaled (`rbw generate --scale`): every customer passed, with 5 to 120 users on one to three packages and
 * a few workspaces; the CRM id (when the customer has one) is the external id.
 */
function scaledWebexCustomers(customers: SampleCustomer[], seed: number): [string, (typeof WEBEX_CUSTOMERS)[string]][] {
  const random = mulberry32(seed + 4117);
  const skus = ["WHL-CALLING-PRO", "WHL-SUITE", "WHL-MEETINGS"] as const;
  return customers.map((customer, i) => {
    const users: Partial<Record<(typeof PACKAGES)[number]["sku"], number>> = {};
    const packages = 1 + Math.floor(random() * 3);
    for (let k = 0; k < packages; k++) users[skus[(i + k) % skus.length]] = 5 + Math.floor(random() * 116);
    const crmId = (customer as SampleCustomer & { crmId?: string }).crmId;
    return [customer.id, { external: i % 4 === 1 ? null : (crmId ?? null), users, workspaces: Math.floor(random() * 6) }];
  });
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const uuid = (prefix: string, a: number, b: number) => `${prefix}-${hex(a, 4)}-4000-8000-${hex(b, 12)}`;
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvLine = (values: string[]) => values.map(csvField).join(",");
const reportId = (uuidText: string) => Buffer.from(`ciscospark://us/WHOLESALE_BILLING_REPORT/${uuidText}`).toString("base64url");

interface UserLine {
  customerOrgId: string;
  externalId: string;
  subscriberId: string;
  userId: string;
  workspaceId: string;
  locationId: string;
  sku: (typeof PACKAGES)[number];
  licenseId: string;
  start: string;
  end: string;
  quantity: string;
}

/**
 * Webex Wholesale billing reports for the sample customers, one set per month: the USER report (every
 * user's and workspace's package, some assigned mid-month, one removed at midday), the CUSTOMER report
 * (the users summed per customer, package and licence) and the PARTNER report (summed per package), all
 * three consistent, each with the metadata `rbw land webex --from-api` saves beside it; and the reseller's
 * price book in config/webex_price_book.json (generic prices, one customer's own price, one price change).
 */
export function generateWebexReports(dataDir: string, options: GenerateOptions = DEFAULT_GENERATE_OPTIONS, sampleCustomers: SampleCustomer[] = []): SampleData {
  const random = mulberry32(options.seed + 4004);
  const known = new Set(sampleCustomers.map((c) => c.id));
  const billed = options.scaled ? scaledWebexCustomers(sampleCustomers, options.seed) : Object.entries(WEBEX_CUSTOMERS).filter(([id]) => sampleCustomers.length === 0 || known.has(id));
  const dir = join(dataDir, "webex");
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let rows = 0;
  const months = monthList(options.firstMonth, options.months);
  for (const [m, { year, month }] of months.entries()) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const day = (d: number) => `${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const lines: UserLine[] = [];
    billed.forEach(([, customer], c) => {
      const customerOrgId = uuid("c0570000", c + 1, c + 1);
      const locationId = uuid("10ca0000", c + 1, c + 1);
      const seats = [...Object.entries(customer.users).map(([sku, n]) => ({ sku, n: n as number, workspace: false })), { sku: "WHL-COMMON-AREA", n: customer.workspaces, workspace: true }];
      let person = 0;
      for (const { sku, n, workspace } of seats) {
        const pkg = PACKAGES.find((p) => p.sku === sku) as (typeof PACKAGES)[number];
        for (let i = 0; i < n; i++) {
          person++;
          // Most seats run the whole month; some start mid-month, a few end at midday.
          const roll = random();
          const startDay = roll < 0.2 ? 1 + Math.floor(random() * (days - 1)) : 1;
          const removed = roll > 0.93 && !workspace;
          const endDay = removed ? startDay + Math.floor(random() * (days - startDay)) : days;
          const quantity = removed ? `${endDay - startDay}.5` : String(endDay - startDay + 1);
          lines.push({
            customerOrgId,
            externalId: customer.external ?? "",
            subscriberId: uuid("5b5c0000", c + 1, m * 1000 + person),
            userId: workspace ? "" : uuid("05e50000", c + 1, person),
            workspaceId: workspace ? uuid("3045ace0", c + 1, person) : "",
            locationId,
            sku: pkg,
            licenseId: uuid("11ce0000", c + 1, PACKAGES.indexOf(pkg) + 1),
            start: day(startDay),
            end: day(endDay),
            quantity,
          });
        }
      }
    });
    const period = { start: day(1), end: day(days) };
    const next = new Date(Date.UTC(year, month, 2, 1, 15, 7));
    const write = (type: "PARTNER" | "CUSTOMER" | "USER", n: number, header: string[], body: string[][]) => {
      const id = reportId(uuid("0c7b2f4e", m + 1, (year * 100 + month) * 16 + n));
      const created = new Date(next.getTime() + n * 2000).toISOString();
      const csv = `${[csvLine(header), ...body.map(csvLine)].join("\n")}\n`;
      writeFileSync(join(dir, `${id}.csv`), csv);
      writeFileSync(join(dir, `${id}.json`), `${JSON.stringify({ id, type, billingStartDate: period.start, billingEndDate: period.end, status: "COMPLETED", created }, null, 2)}\n`);
      files.push(join(dir, `${id}.csv`), join(dir, `${id}.json`));
      rows += body.length;
    };
    // Quantities are summed as exact halves: whole days and at most one half per line.
    const sum = (values: string[]) => {
      const halves = values.reduce((s, v) => s + Math.round(Number(v) * 2), 0);
      return halves % 2 === 0 ? String(halves / 2) : `${(halves - 1) / 2}.5`;
    };
    const group = <K extends string>(key: (l: UserLine) => K) => {
      const groups = new Map<K, UserLine[]>();
      for (const line of lines) {
        const group = groups.get(key(line));
        if (group) group.push(line);
        else groups.set(key(line), [line]);
      }
      return [...groups.values()];
    };
    const partner = [PARTNER.name, PARTNER.orgId];
    write(
      "USER",
      3,
      ["PARTNER_NAME", "PARTNER_ORG_ID", "CUSTOMER_ORG_ID", "CUSTOMER_EXTERNAL_ID", "SUBSCRIBER_ID", "USER_ID", "WORKSPACE_ID", "LOCATION_ID", "SUBSCRIPTION_ID", "SERVICE_NAME", "SKU", "DESCRIPTION", "LICENSE_ID", "CONSUMPTION_START_DATE", "CONSUMPTION_END_DATE", "QUANTITY"],
      lines.map((l) => [...partner, l.customerOrgId, l.externalId, l.subscriberId, l.userId, l.workspaceId, l.locationId, PARTNER.subscription, l.sku.service, l.sku.sku, l.sku.description, l.licenseId, l.start, l.end, l.quantity]),
    );
    write(
      "CUSTOMER",
      2,
      ["PARTNER_NAME", "PARTNER_ORG_ID", "CUSTOMER_ORG_ID", "CUSTOMER_EXTERNAL_ID", "SUBSCRIPTION_ID", "SERVICE_NAME", "SKU", "DESCRIPTION", "LOCATION_ID", "LICENSE_ID", "CONSUMPTION_START_DATE", "CONSUMPTION_END_DATE", "QUANTITY"],
      group((l) => `${l.customerOrgId}|${l.sku.sku}|${l.licenseId}`).map((g) => {
        const l = g[0];
        const starts = g.map((x) => x.start).sort();
        const ends = g.map((x) => x.end).sort();
        return [...partner, l.customerOrgId, l.externalId, PARTNER.subscription, l.sku.service, l.sku.sku, l.sku.description, l.locationId, l.licenseId, starts[0], ends[ends.length - 1], sum(g.map((x) => x.quantity))];
      }),
    );
    write(
      "PARTNER",
      1,
      ["PARTNER_NAME", "PARTNER_ORG_ID", "SUBSCRIPTION_ID", "SERVICE_NAME", "SKU", "DESCRIPTION", "CONSUMPTION_START_DATE", "CONSUMPTION_END_DATE", "QUANTITY"],
      group((l) => l.sku.sku).map((g) => {
        const l = g[0];
        const starts = g.map((x) => x.start).sort();
        const ends = g.map((x) => x.end).sort();
        return [...partner, PARTNER.subscription, l.sku.service, l.sku.sku, l.sku.description, starts[0], ends[ends.length - 1], sum(g.map((x) => x.quantity))];
      }),
    );
  }
  // Prices: the generic list from before the first month, Hanbit's own Calling price, and a Suite price
  // change in the middle of the second month.
  const first = months[0];
  const second = months[Math.min(1, months.length - 1)];
  const from = `${first.year - 1}-01-01`;
  const prices = [
    ...PACKAGES.map((p) => ({ sku: p.sku, currency: "USD", wholesale_unit_price: p.wholesale, customer_unit_price: p.customer, effective_from: from })),
    { sku: "WHL-CALLING-PRO", currency: "USD", wholesale_unit_price: "0.40", customer_unit_price: "0.55", effective_from: from, customer_id: options.scaled ? (billed[0]?.[0] ?? "") : "hanbit-retail" },
    { sku: "WHL-SUITE", currency: "USD", wholesale_unit_price: "0.85", customer_unit_price: "1.25", effective_from: `${second.year}-${String(second.month).padStart(2, "0")}-15` },
  ].filter((p) => !("customer_id" in p) || billed.some(([id]) => id === p.customer_id));
  const config = join(dataDir, "config");
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, "webex_price_book.json"), `${JSON.stringify({ prices }, null, 2)}\n`);
  files.push(join(config, "webex_price_book.json"));
  const customers = Object.fromEntries(
    billed.map(([id, customer], c) => [
      id,
      { customer_org_ids: [uuid("c0570000", c + 1, c + 1)], ...(customer.external ? { customer_external_ids: [customer.external] } : {}) },
    ]),
  );
  return { rows, files, customers, currencies: ["USD"] };
}
