import type { RunnerTask, RunnerTestFile } from "vitest";
import type { Reporter } from "vitest/reporters";

/** Ends the run with one plain line, `N passed, N failed[, N skipped]`, that any CI can read. */
export default class PlainSummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { pass: 0, fail: 0, skip: 0 };
    const visit = (task: RunnerTask) => {
      if (task.type === "suite") {
        task.tasks.forEach(visit);
        return;
      }
      const state = task.result?.state;
      if (state === "pass") counts.pass++;
      else if (state === "fail") counts.fail++;
      else counts.skip++;
    };
    files.forEach(visit);
    const failedFiles = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length;
    const skipped = counts.skip > 0 ? `, ${counts.skip} skipped` : "";
    process.stdout.write(`\n${counts.pass} passed, ${counts.fail + failedFiles} failed${skipped}\n`);
  }
}
