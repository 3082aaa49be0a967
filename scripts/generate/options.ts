/** What every vendor's sample-data generator is told: the months to cover, the scale and the seed. */
export interface GenerateOptions {
  /** First billing month, YYYY-MM. */
  firstMonth: string;
  months: number;
  /** Usage lines per customer, service and day (scales the data). */
  linesPerDay: number;
  seed: number;
  /**
   * Scale mode (`rbw generate --scale`): every customer passed to a generator is billed, with generated
   * volumes and collision-free ids, instead of the sample's fixed lists. Absent for the sample data.
   */
  scaled?: boolean;
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = { firstMonth: "2026-08", months: 3, linesPerDay: 1, seed: 20261122 };

/** A small deterministic PRNG, so sample data is the same on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function monthList(first: string, count: number): { year: number; month: number }[] {
  const [y, m] = first.split("-").map(Number);
  return Array.from({ length: count }, (_, i) => ({ year: y + Math.floor((m - 1 + i) / 12), month: ((m - 1 + i) % 12) + 1 }));
}
