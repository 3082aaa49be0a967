import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSourceSchemas } from "../../scripts/contracts/source-schema.ts";
import type { DuckDbWarehouse } from "../../scripts/engines/duckdb/engine.ts";
import { awsMarketplaceVendor } from "../../scripts/land/aws-marketplace.ts";
import { ensureLandingTables, rawTableDdl } from "../../scripts/land/landing.ts";
import type { VendorModule } from "../../scripts/land/vendor-module.ts";
import { VENDORS } from "../../scripts/land/vendors.ts";
import { REPO_ROOT } from "./project.ts";

export const AWS_GOLDEN = join(REPO_ROOT, "tests/fixtures/aws-golden");

/** The line the AWS Marketplace plug-in adds to includes/vendors.js. */
export const AWS_VENDOR_LINE = `{ id: "aws", source_system: "aws_marketplace", provider_name: "AWS Marketplace", delivery: "latest_version", assertions: ["aws_marketplace/aws_billing_events_readable"] },`;

/** The vendor list of the TypeScript side with AWS Marketplace added (as scripts/land/vendors.ts will have it). */
export const VENDORS_WITH_AWS: VendorModule[] = VENDORS.some((v) => v.id === "aws") ? VENDORS : [...VENDORS, awsMarketplaceVendor as VendorModule];

/** A copy of this Dataform project with AWS Marketplace in includes/vendors.js (unless it is there already). */
export function projectWithAws(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-aws-project-"));
  for (const entry of ["definitions", "includes", "assertions", "dataform.json", "package.json"]) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  cpSync(join(REPO_ROOT, "node_modules/@dataform/core"), join(dir, "node_modules/@dataform/core"), { recursive: true });
  const vendorsFile = join(dir, "includes/vendors.js");
  const vendors = readFileSync(vendorsFile, "utf8");
  if (!/id: "aws"/.test(vendors)) {
    const withAws = vendors.replace(/(const VENDORS = \[\n(?: {2}\{.*\},\n)*)/, `$1  ${AWS_VENDOR_LINE}\n`);
    if (withAws === vendors) throw new Error("includes/vendors.js no longer starts its list with `const VENDORS = [`");
    writeFileSync(vendorsFile, withAws);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

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

/**
 * Creates every raw table the project declares a schema for, empty, as landing does for a vendor with no
 * files yet: models of a vendor whose data a test does not deliver then read an empty table.
 */
export async function createDeclaredRawTables(warehouse: DuckDbWarehouse, projectDir: string): Promise<void> {
  await ensureLandingTables(warehouse);
  for (const schema of loadSourceSchemas(projectDir).values()) {
    if (schema.table.startsWith("ref_")) continue;
    await warehouse.exec(rawTableDdl(schema.table, schema.fields));
  }
}
