/**
 * Runs fuzz targets inside a worker thread (see run.ts): the sweep, then the fast-check property with a fixed
 * seed, posting one message per target. The input under test is mirrored into the shared buffer for the watchdog.
 */
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { describeRecord, outcomeStats, parserOf, recordInto, runsFor, seedFor } from "./harness.js";
import { ALL_TARGETS } from "./targets.js";
import { removeCaseDir } from "./case-dir.js";

export interface WorkerRequest {
  names: string[];
  /** fast-check runs per target: the target's default, or (fuzz) this number scaled by its fuzzShare. */
  fuzzRuns?: number;
  seed: number;
  record: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "start"; name: string }
  | { type: "end" }
  | { type: "done"; name: string; parser: string; ok: boolean; sweepCases: number; runs: number; ms: number; seed: number; report?: string; stats?: [string, number][] };


const req = workerData as WorkerRequest;
recordInto(req.record);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

for (const name of req.names) {
  const target = ALL_TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target ${name}`);
  post({ type: "start", name });
  const start = performance.now();
  const seed = seedFor(req.seed, name);
  const runs = runsFor(target, req.fuzzRuns);
  let sweepCases = 0;
  let report: string | undefined;
  try {
    sweepCases = target.sweep?.() ?? 0;
  } catch (e) {
    report = `sweep failed: ${(e as Error).message}\non ${describeRecord(req.record)}`;
  }
  if (report === undefined && target.property && runs > 0) {
    const details = fc.check(target.property(), { numRuns: runs, seed, endOnFailure: target.shrink === false });
    if (details.failed) {
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      const full = `${error}\n\n${fc.defaultReportMessage(details) ?? "failed"}`;
      // A large counterexample is printed in part; the seed and path above replay it.
      report = full.length > 8000 ? `${full.slice(0, 6000)}\n... (${full.length - 7000} characters left out) ...\n${full.slice(-1000)}` : full;
    }
  }
  const stats = [...outcomeStats].sort((a, b) => b[1] - a[1]);
  outcomeStats.clear();
  post({ type: "done", name, parser: parserOf(name), ok: report === undefined, sweepCases, runs, ms: performance.now() - start, seed, ...(report ? { report } : {}), ...(stats.length ? { stats } : {}) });
}
removeCaseDir();
post({ type: "end" });
