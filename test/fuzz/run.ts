/**
 * Runs fuzz targets in a worker thread under a watchdog: a target that does not finish in time (a hang) or that
 * exhausts the worker's heap is reported with the input it was parsing, instead of stalling or killing the test run.
 */
import { Worker } from "node:worker_threads";
import { describeRecord, newRecordBuffer } from "./harness.js";
import type { WorkerMessage, WorkerRequest } from "./worker.js";

export type TargetResult = Extract<WorkerMessage, { type: "done" }>;

export interface RunOptions {
  fuzzRuns?: number;
  seed: number;
  /** Watchdog per target. */
  timeoutMs: number;
  /** Heap limit of the worker: a parse that builds a huge array of JS values for a tiny input hits it. */
  heapMb?: number;
  onResult?: (r: TargetResult) => void;
}

export function runTargets(names: readonly string[], o: RunOptions): Promise<TargetResult[]> {
  const record = newRecordBuffer();
  const request: WorkerRequest = { names: [...names], seed: o.seed, record, ...(o.fuzzRuns !== undefined ? { fuzzRuns: o.fuzzRuns } : {}) };
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: request,
    // A main thread's stack (about 1 MB), not a worker's default 4 MB: stack overflows and argument-spreading limits must
    // show here as they would in the CLI.
    resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 1536, stackSizeMb: 1 },
  });
  const results: TargetResult[] = [];
  return new Promise((resolve) => {
    let current: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (failure?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (failure !== undefined) {
        current ??= names[results.length] ?? "(worker)";
        const r: TargetResult = { type: "done", name: current, parser: current.slice(0, current.indexOf(".")), ok: false, sweepCases: 0, runs: 0, ms: 0, seed: o.seed, report: `${failure}\nwhile parsing ${describeRecord(record)}` };
        results.push(r);
        o.onResult?.(r);
      }
      // A worker stuck in a system call (a parser opening a named pipe) does not stop when terminated; unref'd, it does
      // not keep the process alive either.
      worker.unref();
      void worker.terminate();
      resolve(results);
    };
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "end") {
        finish();
      } else if (m.type === "start") {
        current = m.name;
        clearTimeout(timer);
        timer = setTimeout(() => finish(`no result within ${o.timeoutMs} ms: a hang or a super-linear parse`), o.timeoutMs);
      } else {
        current = undefined;
        clearTimeout(timer);
        results.push(m);
        o.onResult?.(m);
      }
    });
    worker.on("error", (e) => finish(`the worker died: ${e.name}: ${e.message}`));
    worker.on("exit", (code) => finish(code === 0 && results.length === names.length ? undefined : `the worker exited with code ${code}`));
  });
}
