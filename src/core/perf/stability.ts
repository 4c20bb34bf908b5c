/**
 * perf_analyzer's measurement windows and its stability rule (peer-tools.md §3.1), so that "stable" means what it
 * means there.
 */
import type { MeasurementWindow } from "./types.js";

/** perf_analyzer hard-codes the number of windows that must agree. */
export const STABILITY_WINDOWS = 3;

/** perf_analyzer's default `--stability-percentage`. */
export const DEFAULT_STABILITY_PERCENT = 10;

/**
 * True when the last 3 windows all have throughput > 0 and are within `stabilityPercent` of each other (max/min ≤
 * 1 + s/100) in both throughput and latency. Earlier windows are ignored: they include the ramp-up being waited out.
 */
export function isStable(windows: readonly MeasurementWindow[], stabilityPercent: number): boolean {
  if (!(stabilityPercent >= 0 && Number.isFinite(stabilityPercent))) throw new RangeError(`stability percentage ${stabilityPercent} must be a finite number ≥ 0`);
  if (windows.length < STABILITY_WINDOWS) return false;
  const last = windows.slice(-STABILITY_WINDOWS);
  if (!last.every((w) => w.throughput > 0)) return false;
  const limit = 1 + stabilityPercent / 100;
  return withinRatio(last.map((w) => w.throughput), limit) && withinRatio(last.map((w) => w.latencyMs), limit);
}

function withinRatio(values: number[], limit: number): boolean {
  const min = Math.min(...values);
  const max = Math.max(...values);
  // Latencies can round to 0 on a coarse clock: equal zeros agree, a zero against anything else does not.
  if (min === 0) return max === 0;
  // NaN fails the comparison, so a window with no latency never counts as stable.
  return max / min <= limit;
}

/**
 * One window over the timed queries that finished in it. `durationMs` is the window's own length when measuring by
 * time (queries rarely start and end exactly on its edges); by default it is first start to last end.
 */
export function windowFrom(
  times: readonly { startMs: number; endMs: number }[],
  batch: number,
  latencyOf: (latenciesMs: number[]) => number,
  durationMs?: number,
): MeasurementWindow {
  if (times.length === 0) throw new RangeError("a measurement window needs at least one query");
  let first = Infinity;
  let lastEnd = -Infinity;
  for (const t of times) {
    first = Math.min(first, t.startMs);
    lastEnd = Math.max(lastEnd, t.endMs);
  }
  const duration = durationMs ?? lastEnd - first;
  if (!(duration > 0)) throw new RangeError(`a measurement window must last more than 0 ms, not ${duration}`);
  return {
    queries: times.length,
    durationMs: duration,
    throughput: (batch * times.length * 1000) / duration,
    latencyMs: latencyOf(times.map((t) => t.endMs - t.startMs)),
  };
}
