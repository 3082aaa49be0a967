import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./project.ts";

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
