import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./project.ts";

export const AWS_GOLDEN = join(REPO_ROOT, "tests/fixtures/aws-golden");

/**
 * A data folder with an AWS delivery (the golden fixture by default) and a config/ whose customers claim
 * AWS buyer accounts: `aws` maps customer id -> 12-digit account numbers.
 */
export function dataWithAws(aws: Record<string, string[]>, feeds = join(AWS_GOLDEN, "aws-marketplace")): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-aws-data-"));
  cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), dir, { recursive: true });
  mkdirSync(join(dir, "aws-marketplace"), { recursive: true });
  cpSync(feeds, join(dir, "aws-marketplace"), { recursive: true });
  const customersFile = join(dir, "config/customers.json");
  const config = JSON.parse(readFileSync(customersFile, "utf8")) as { customers: Record<string, unknown>[] };
  for (const [customerId, accountIds] of Object.entries(aws)) {
    const customer = config.customers.find((c) => c.customer_id === customerId);
    if (customer) customer.aws = { account_ids: accountIds };
    else config.customers.push({ customer_id: customerId, customer_name: customerId, aws: { account_ids: accountIds } });
  }
  writeFileSync(customersFile, JSON.stringify(config, null, 2));
  const ratesFile = join(dir, "config/fx_rates.json");
  const rates = JSON.parse(readFileSync(ratesFile, "utf8")) as { rates: Record<string, string>[] };
  for (const month of ["2018-12", "2024-01", "2024-02", "2024-03", "2024-04"]) {
    rates.rates.push({ from: "USD", to: "KRW", month, rate: "1400", source: "fixture" });
    rates.rates.push({ from: "EUR", to: "KRW", month, rate: "1500", source: "fixture" });
  }
  writeFileSync(ratesFile, JSON.stringify(rates, null, 2));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
