// Worker thread: validates one extract file and writes its staging file (see StagePool).
import { parentPort } from "node:worker_threads";
import { lineBatches, SourceFormatError, stageRecords } from "./stage.ts";
import type { StageJob, StageReply } from "./stage-pool.ts";
import { vendorRules } from "./vendor-rules.ts";

parentPort?.on("message", async (job: StageJob) => {
  let reply: StageReply;
  try {
    const target = { ...job.target, ...vendorRules(job.target.sourceSystem) };
    const staged = await stageRecords(target, job.path, job.checksum, { runId: job.runId }, job.stagingFile, lineBatches(job.file), job.format);
    reply = { id: job.id, staged };
  } catch (error) {
    const e = error as Error;
    reply = { id: job.id, error: { message: e.message, sourceFile: error instanceof SourceFormatError ? error.file : undefined } };
  }
  parentPort?.postMessage(reply);
});
