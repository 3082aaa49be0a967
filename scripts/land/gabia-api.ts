import { fetchGabiaBills, GABIA_DEFAULT_API_URL, gabiaCredentialsFromEnv } from "../clients/gabia.ts";
import type { VendorApi } from "./vendor-module.ts";

/** `rbw land gabia --from-api`: a closed month's bills, or the month to date (`--now`, provisional). */
export const gabiaApi: VendorApi = {
  usage: `[--month YYYY-MM | --now]; GABIA_PARTNER_ID, GABIA_SECRET (and GABIA_API_URL, default ${GABIA_DEFAULT_API_URL}) from the environment`,
  async fetch(dataDir, options, onProgress) {
    const fetched = await fetchGabiaBills({ month: options.month, now: options.now, dataDir, credentials: gabiaCredentialsFromEnv(), onProgress });
    return `Saved Gabia's ${fetched.provisional ? "provisional (month to date)" : "final"} bill of ${fetched.month}: the partner bill and ${fetched.users.length} user bills.`;
  },
};
