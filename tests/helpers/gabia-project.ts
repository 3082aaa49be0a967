import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./project.ts";

/** The line that registers Gabia in includes/vendors.js. */
export const GABIA_VENDORS_JS_LINE = `{ id: "gabia", source_system: "gabia", provider_name: "Gabia", delivery: "replace_period", assertions: ["gabia/gabia_user_bills_complete"] },`;

/**
 * A copy of this Dataform project with Gabia registered: the project's own files (Gabia's SQL included)
 * and one line added to the copy's includes/vendors.js, as the vendor list will have it.
 */
export function projectWithGabia(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-gabia-project-"));
  for (const entry of ["definitions", "includes", "assertions", "dataform.json", "package.json"]) cpSync(join(REPO_ROOT, entry), join(dir, entry), { recursive: true });
  cpSync(join(REPO_ROOT, "node_modules/@dataform/core"), join(dir, "node_modules/@dataform/core"), { recursive: true });
  const vendorsFile = join(dir, "includes/vendors.js");
  const vendors = readFileSync(vendorsFile, "utf8");
  if (vendors.includes('id: "gabia"')) return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  const withGabia = vendors.replace(/(const VENDORS = \[\n(?:\s+\{[^\n]*\},?\n)*)/, `$1  ${GABIA_VENDORS_JS_LINE}\n`);
  if (withGabia === vendors) throw new Error("includes/vendors.js no longer lists its vendors as `const VENDORS = [` one line each");
  writeFileSync(vendorsFile, withGabia);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A data folder with Google's golden export and config, Gabia's golden October bill (unless `withFinal` is
 * false) and Gabia's users mapped in customers.json: hanbit_web and mirae_shop to c1, daon_lab to c2.
 */
export function dataWithGabia(options: { withFinal?: boolean } = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rbw-gabia-data-"));
  cpSync(join(REPO_ROOT, "tests/fixtures/gcp-golden"), dir, { recursive: true });
  if (options.withFinal !== false) addGabiaFinalBill(dir);
  const file = join(dir, "config/customers.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as { customers: Record<string, unknown>[] };
  config.customers[0].gabia = { user_ids: ["hanbit_web", "mirae_shop"] };
  config.customers[1].gabia = { user_ids: ["daon_lab"] };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Saves Gabia's golden final October bill into a data folder, as the Bills API client saves it. */
export function addGabiaFinalBill(dataDir: string): void {
  cpSync(join(REPO_ROOT, "tests/fixtures/gabia-golden/gabia"), join(dataDir, "gabia"), { recursive: true });
}
