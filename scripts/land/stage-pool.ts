import { Worker } from "node:worker_threads";
import type { SchemaField } from "../contracts/source-schema.ts";
import { SourceFormatError } from "./readers.ts";
import type { StagedFile } from "./stage.ts";

/** One file to validate: the worker finds the raw table's reader and rules in VENDORS; the schema comes along. */
export interface StageJob {
  id: number;
  vendorId: string;
  table: string;
  fields: SchemaField[];
  file: string;
  path: string;
  checksum: string;
  runId: string;
  stagingFile: string;
}

export type StageReply = { id: number; staged: StagedFile } | { id: number; error: { message: string; sourceFile?: string } };

/**
 * Validates extract files on worker threads (one per core), so validation uses every core while the
 * main thread commits to DuckDB. Readers and vendor rules are looked up in VENDORS inside the workers.
 */
export class StagePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { job: StageJob; resolve: (s: StagedFile) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (s: StagedFile) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./stage-worker.js", import.meta.url));
      worker.on("message", (reply: StageReply) => this.settle(worker, reply));
      worker.on("error", (error) => this.failAll(error));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  stage(job: Omit<StageJob, "id">): Promise<StagedFile> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { job, resolve, reject } = this.queue.shift() as (typeof this.queue)[number];
      this.pending.set(job.id, { resolve, reject });
      worker.postMessage(job);
    }
  }

  private settle(worker: Worker, reply: StageReply): void {
    const waiting = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.idle.push(worker);
    if (waiting) {
      if ("staged" in reply) waiting.resolve(reply.staged);
      else {
        const prefix = reply.error.sourceFile ? `${reply.error.sourceFile}: ` : "";
        waiting.reject(reply.error.sourceFile ? new SourceFormatError(reply.error.sourceFile, reply.error.message.slice(prefix.length)) : new Error(reply.error.message));
      }
    }
    this.dispatch();
  }

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    for (const { reject } of this.queue.splice(0)) reject(error);
  }
}
