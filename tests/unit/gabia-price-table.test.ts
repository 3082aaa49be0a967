import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";

/**
 * The Gabia price table (includes/reference/gabia_price_table.csv) against the partner guide it was
 * transcribed from (seed 000, "(2) 서비스 공급가"). Prices are checked with exact decimal arithmetic on
 * BigInt: every supply price must equal list x (1 - the discount the guide prints on that row), except
 * where the guide itself prints something else, listed below with the reason.
 */

const HEADER = [
  "table",
  "resource_kind",
  "server_type",
  "storage_type",
  "spec",
  "item",
  "unit",
  "unit_size",
  "size_unit",
  "tier_from",
  "tier_to",
  "list_price_krw",
  "supply_price_krw",
  "printed_discount",
  "effective_from",
  "source",
] as const;

type PriceRow = Record<(typeof HEADER)[number], string>;

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const csvText = readFileSync(join(REPO_ROOT, "includes/reference/gabia_price_table.csv"), "utf8");
const rows: PriceRow[] = parse(csvText, { columns: true, skip_empty_lines: true });

/** An exact decimal: `units / 10^scale`. */
interface Decimal {
  units: bigint;
  scale: number;
}

function decimal(text: string): Decimal {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`"${text}" is not a plain decimal`);
  const [whole, fraction = ""] = text.split(".");
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function atScale(value: Decimal, scale: number): bigint {
  if (scale < value.scale) throw new Error("cannot widen to a smaller scale");
  return value.units * 10n ** BigInt(scale - value.scale);
}

function equal(a: Decimal, b: Decimal): boolean {
  const scale = Math.max(a.scale, b.scale);
  return atScale(a, scale) === atScale(b, scale);
}

/** list x (100 - percent) / 100, exactly. */
function discounted(list: Decimal, percent: bigint): Decimal {
  return { units: list.units * (100n - percent), scale: list.scale + 2 };
}

/** Rounds half up (prices are positive) to `scale` decimals. */
function roundHalfUp(value: Decimal, scale: number): Decimal {
  if (value.scale <= scale) return value;
  const divisor = 10n ** BigInt(value.scale - scale);
  return { units: (value.units * 2n + divisor) / (2n * divisor), scale };
}

function printedDiscount(row: PriceRow): bigint | undefined {
  if (row.printed_discount === "") return undefined;
  const match = /^(\d+)%$/.exec(row.printed_discount);
  if (!match) throw new Error(`unreadable discount "${row.printed_discount}"`);
  return BigInt(match[1]);
}

const key = (row: PriceRow) =>
  [row.table, row.server_type, row.storage_type, row.spec, row.item, row.unit, row.tier_from].join("|");

/**
 * Where the guide prints a supply price that is not exactly list x (1 - discount). Each exception says
 * which rows, why, and what relation the printed supply price does satisfy; `rows` is how many rows it
 * covers, so a transcription that drops or adds a row in an exception fails too.
 */
interface PrintedException {
  name: string;
  reason: string;
  rows: number;
  applies: (row: PriceRow) => boolean;
  /** What the printed supply price is, given the printed list price and discount. */
  expected: (list: Decimal, discount: bigint, supply: Decimal) => Decimal;
}

const EXCEPTIONS: PrintedException[] = [
  {
    name: "hourly HDD server prices rounded to 0.1 KRW",
    reason:
      "서버(시간 단위 비용), 베이직/프리미엄 HDD: the guide prints list x 0.7 rounded half up to one decimal (34.5 -> 24.2, not 24.15).",
    rows: 34,
    applies: (row) => row.table === "server_hourly" && row.storage_type === "hdd",
    expected: (list, discount) => roundHalfUp(discounted(list, discount), 1),
  },
  {
    name: "hourly SSD server prices rounded to whole KRW",
    reason:
      "서버(시간 단위 비용), 베이직/프리미엄/로컬 SSD: the guide prints list x 0.7 rounded half up to whole won (132.5 -> 93, not 92.75).",
    rows: 46,
    applies: (row) => row.table === "server_hourly" && row.storage_type === "ssd",
    expected: (list, discount) => roundHalfUp(discounted(list, discount), 0),
  },
  {
    name: "hourly block storage and image storage prices rounded to 0.1 KRW",
    reason:
      "블록 스토리지 HDD 10.5 -> 7.4 and SSD 3.5 -> 2.5, 이미지 저장 2.1 -> 1.5 원/시간: list x 0.7 rounded half up to one decimal.",
    rows: 3,
    applies: (row) => (row.table === "block_storage" || row.table === "image") && row.unit === "hour",
    expected: (list, discount) => roundHalfUp(discounted(list, discount), 1),
  },
  {
    name: "traffic supply printed equal to list",
    reason:
      "트래픽(서버, 로드밸런서): the guide prints the same per-GB prices on its 정상가 and 공급가 rows while its 할인율 row says 30%; issue 8 takes them as printed (supply = list).",
    rows: 8,
    applies: (row) => row.table === "traffic" && row.printed_discount !== "",
    expected: (list) => list,
  },
];

describe("Gabia price table (seed 000, (2) 서비스 공급가)", () => {
  it("has the documented header, in order", () => {
    expect(csvText.split("\n")[0]).toBe(HEADER.join(","));
  });

  it("keeps every table of the guide, row for row", () => {
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.table] = (counts[row.table] ?? 0) + 1;
    expect(counts).toEqual({
      // 베이직 HDD 24 + 베이직 SSD 18 + 프리미엄 HDD 10 + 프리미엄 SSD 20 + 로컬 SSD 8
      server_monthly: 80,
      server_hourly: 80,
      // Windows, MSSQL (4vCore 당)
      license: 2,
      snapshot: 1,
      // 서버 이미지 (건당), 이미지 저장 (10GB당 월, 시간)
      image: 3,
      // HDD 50GB and SSD 10GB, each monthly and hourly
      block_storage: 4,
      // three cumulative tiers, each monthly and hourly
      nas: 6,
      public_ip: 2,
      load_balancer: 2,
      firewall_group: 1,
      // the free allowance (국내 1TB, 해외 50GB) and four tiers each for domestic and overseas
      traffic: 10,
    });
    expect(rows).toHaveLength(191);
  });

  it("writes every price as plain decimal text in KRW (no thousands separators, no blanks)", () => {
    for (const row of rows) {
      expect(row.list_price_krw, key(row)).toMatch(/^\d+(\.\d+)?$/);
      expect(row.supply_price_krw, key(row)).toMatch(/^\d+(\.\d+)?$/);
      expect(row.effective_from, key(row)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.source, key(row)).toMatch(/^seed 000 /);
    }
  });

  it("has one row per price: no key appears twice", () => {
    const keys = rows.map(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("prices every server spec both monthly and hourly", () => {
    const specs = (table: string) =>
      rows
        .filter((row) => row.table === table)
        .map((row) => `${row.server_type}|${row.storage_type}|${row.spec}`)
        .sort();
    expect(specs("server_hourly")).toEqual(specs("server_monthly"));
    for (const row of rows.filter((r) => r.resource_kind === "servers")) {
      expect(["basic", "premium", "ssd"]).toContain(row.server_type);
      expect(["hdd", "ssd"]).toContain(row.storage_type);
      expect(row.spec).toMatch(/^\d+vCore\/\d+GB\/\d+GB$/);
    }
  });

  it("matches supply = list x (1 - printed discount) exactly, except where the guide prints otherwise", () => {
    const covered = new Map<string, number>();
    const failures: string[] = [];
    for (const row of rows) {
      const list = decimal(row.list_price_krw);
      const supply = decimal(row.supply_price_krw);
      const discount = printedDiscount(row);
      const exceptions = EXCEPTIONS.filter((exception) => exception.applies(row));
      expect(exceptions.length, `${key(row)} is in more than one exception`).toBeLessThanOrEqual(1);
      const exception = exceptions[0];
      if (discount === undefined) {
        // 방화벽 그룹 (무료 제공) and the free traffic allowance print no discount ("_"): both sides are free.
        if (!equal(supply, list)) failures.push(`${key(row)}: no printed discount but supply ${row.supply_price_krw} != list ${row.list_price_krw}`);
        continue;
      }
      if (exception) {
        covered.set(exception.name, (covered.get(exception.name) ?? 0) + 1);
        const expected = exception.expected(list, discount, supply);
        if (!equal(supply, expected)) failures.push(`${key(row)}: ${exception.name} expects ${expected.units}e-${expected.scale}, printed ${row.supply_price_krw}`);
      } else if (!equal(supply, discounted(list, discount))) {
        failures.push(`${key(row)}: ${row.list_price_krw} x (1 - ${discount}%) != ${row.supply_price_krw}`);
      }
    }
    expect(failures).toEqual([]);
    expect(Object.fromEntries(covered)).toEqual(Object.fromEntries(EXCEPTIONS.map((e) => [e.name, e.rows])));
  });

  it("lists only real exceptions: each one holds at least one row that is not list x (1 - discount)", () => {
    for (const exception of EXCEPTIONS) {
      const differing = rows
        .filter(exception.applies)
        .filter((row) => !equal(decimal(row.supply_price_krw), discounted(decimal(row.list_price_krw), printedDiscount(row) ?? 0n)));
      expect(differing.length, exception.name).toBeGreaterThan(0);
    }
  });

  it('reads the printed "901." (프리미엄 HDD 8vCore/32GB/50GB, 원/시간) as 901.0, which the printed supply 630.7 confirms', () => {
    // The per-vCore pattern of its neighbours would give 901.5, but 901.5 x 0.7 = 631.05, not the printed 630.7;
    // 901 x 0.7 = 630.7 exactly, so the trailing "." is a lost zero, not a lost 5.
    const row = rows.find((r) => r.table === "server_hourly" && r.server_type === "premium" && r.storage_type === "hdd" && r.spec === "8vCore/32GB/50GB");
    expect(row?.list_price_krw).toBe("901.0");
    expect(row?.supply_price_krw).toBe("630.7");
    expect(equal(decimal("630.7"), discounted(decimal("901.0"), 30n))).toBe(true);
  });

  it("reproduces the guide's NAS worked example from the tier rows: 10,000 GB = 448,000 KRW at list", () => {
    // seed 000, NAS note: (49 x 100GB x 5,000) + (50 x 100GB x 4,000) + (1 x 100GB x 3,000) = 448,000.
    const tiers = rows.filter((row) => row.table === "nas" && row.unit === "month");
    const units = 10_000n / 100n;
    let total = 0n;
    for (const tier of tiers) {
      const from = BigInt(tier.tier_from);
      const to = tier.tier_to === "" ? units : BigInt(tier.tier_to);
      const inTier = (units < to ? units : to) - from;
      if (inTier > 0n) total += inTier * decimal(tier.list_price_krw).units;
    }
    expect(total).toBe(448_000n);
    expect(tiers.map((t) => [t.tier_from, t.tier_to])).toEqual([
      ["0", "49"],
      ["49", "99"],
      ["99", ""],
    ]);
  });

  it("keeps the free traffic allowance beside the tiers: 1,000 GB domestic and 50 GB overseas per server or load balancer", () => {
    const allowance = rows.filter((row) => row.table === "traffic" && row.item.endsWith("_free_allowance"));
    expect(allowance.map((row) => [row.item, row.tier_to, row.list_price_krw, row.supply_price_krw])).toEqual([
      ["domestic_free_allowance", "1000", "0", "0"],
      ["overseas_free_allowance", "50", "0", "0"],
    ]);
  });
});
