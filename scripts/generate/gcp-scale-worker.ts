// Worker thread: writes one export day of the scaled Google export per message (see generateGcpScaleExport).
import { parentPort } from "node:worker_threads";
import { planGcpScale, writeGcpExportDay, type GcpScalePlan, type GcpScaleSpec, type ScaleCustomer } from "./gcp-scale.ts";

let cached: { key: string; plan: GcpScalePlan } | undefined;

parentPort?.on("message", async (request: { dataDir: string; spec: GcpScaleSpec; customers: ScaleCustomer[]; exportIndex: number; closeSums?: number[] }) => {
  try {
    const key = JSON.stringify([request.spec, request.customers.length, request.customers[0]?.id]);
    if (cached?.key !== key) cached = { key, plan: planGcpScale(request.spec, request.customers) };
    const result = await writeGcpExportDay(cached.plan, request.dataDir, request.exportIndex, request.closeSums);
    parentPort?.postMessage({ ok: true, result });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
