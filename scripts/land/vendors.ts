import { awsMarketplaceVendor } from "./aws-marketplace.ts";
import { gabiaVendor } from "./gabia.ts";
import { gcpVendor } from "./gcp.ts";
import type { VendorModule } from "./vendor-module.ts";
import { webexVendor } from "./webex.ts";

/**
 * Every vendor the warehouse lands, in the order of includes/vendors.js. The pipeline, config validation,
 * the CLI (`rbw land <vendor>`), the sample-data generator and the tests all read this one list.
 */
export const VENDORS: VendorModule[] = [gcpVendor as VendorModule, gabiaVendor as VendorModule, webexVendor as VendorModule, awsMarketplaceVendor as VendorModule];

export function vendorById(id: string, vendors: VendorModule[] = VENDORS): VendorModule {
  const vendor = vendors.find((v) => v.id === id);
  if (!vendor) throw new Error(`Unknown vendor "${id}"; the vendors are ${vendors.map((v) => v.id).join(", ")}.`);
  return vendor;
}
