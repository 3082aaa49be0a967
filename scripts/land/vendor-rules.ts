import type { VendorRules } from "./stage.ts";
import { checkInvoiceMonth, normalizeAdjustments } from "./gcp-rules.ts";

/** Each source system's landing rules, by name, so a worker thread can look them up too. */
const RULES: Record<string, VendorRules> = {
  gcp_channel: { normalize: normalizeAdjustments, check: checkInvoiceMonth },
};

export function vendorRules(sourceSystem: string): VendorRules {
  return RULES[sourceSystem] ?? {};
}
