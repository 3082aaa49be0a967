// Worker thread: validates one file and writes its staging file (see StagePool).
import { parentPort } from "node:worker_threads";
import { requiredFields, SourceFormatError } from "./readers.ts";
import { stageRecords, targetFor } from "./stage.ts";
import type { StageJob, StageReply } from "./stage-pool.ts";
import { vendorById } from "./vendors.ts";

parentPort?.on("message", async (job: StageJob) => {
  let reply: StageReply;
  try {
    const vendor = vendorById(job.vendorId);
    const spec = vendor.rawTables.find((t) => t.table === job.table);
    if (!spec) throw new Error(`vendor ${job.vendorId} has no raw table ${job.table}`);
    const target = targetFor(vendor, spec, job.fields);
    const reader = spec.reader(job.file, { requiredFields: requiredFields(job.fields) });
    const staged = await stageRecords(target, reader, job.file, job.path, job.checksum, { runId: job.runId }, job.stagingFile);
    reply = { id: job.id, staged };
  } catch (error) {
    const e = error as Error;
    reply = { id: job.id, error: { message: e.message, sourceFile: error instanceof SourceFormatError ? error.file : undefined } };
  }
  parentPort?.postMessage(reply);
});
