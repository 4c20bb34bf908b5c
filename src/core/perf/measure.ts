/**
 * One measurement point (a batch size at a concurrency): `concurrency` worker threads, each with its own session,
 * run closed loops; the main thread cuts their finished queries into perf_analyzer's measurement windows by end
 * time and stops when the last three windows agree (or after maxWindows). Statistics come from those last three
 * windows merged, as perf_analyzer reports them.
 */
import { Worker } from "node:worker_threads";
import { CheckFailedError, DataFormatError, FileError, ModelFormatError, ProviderUnavailableError, TrtxError, UsageError } from "../errors.js";
import type { ProviderAttempt } from "../ep/session.js";
import type { EpChoice, Provider } from "../ep/providers.js";
import type { HostTensor } from "../tensor/host-tensor.js";
import { isStable, STABILITY_WINDOWS, windowFrom } from "./stability.js";
import { summarizeLatencies } from "./stats.js";
import type { MeasurementWindow, PerfPoint, QueryTime } from "./types.js";
import type { PerfWorkerData, WorkerMessage } from "./worker-protocol.js";

/** A window with fewer finished queries says nothing about latency: it is lengthened instead of closed. */
const MIN_WINDOW_QUERIES = 3;
/** trtexec's threshold for "GPU compute time is unstable". */
export const COV_WARNING_PERCENT = 2.5;

export interface PointRequest {
  model: string;
  ep: EpChoice;
  deviceId?: number;
  intraOpThreads?: number;
  feeds: Map<string, HostTensor>;
  batch: number;
  concurrency: number;
  warmUpMs: number;
  windowMs: number;
  /** At least this many queries in the windows the statistics come from (trtexec's --iterations). */
  iterations: number;
  maxWindows: number;
  stabilityPercent: number;
  percentiles: readonly number[];
  onWindow?: (window: MeasurementWindow, index: number) => void;
  bridge?: PerfWorkerData["bridge"];
}

export interface PointResult {
  point: PerfPoint;
  /** The timed queries of the point (the last three windows). */
  times: QueryTime[];
  provider: Provider;
  attempts: ProviderAttempt[];
  firstRunMs: number;
  effectiveOptions?: Partial<Record<Provider, Record<string, string>>>;
}

interface Stream {
  worker: Worker;
  starts: number[];
  ends: number[];
  /** Index of the first query not yet given to a window. */
  cursor: number;
  done: boolean;
}

const ERRORS: Record<string, new (message: string, options?: { hint?: string }) => TrtxError> = {
  UsageError, FileError, DataFormatError, ModelFormatError, ProviderUnavailableError, CheckFailedError,
};

export async function measurePoint(r: PointRequest): Promise<PointResult> {
  if (r.maxWindows < STABILITY_WINDOWS) throw new UsageError(`--max-trials ${r.maxWindows} is too few`, { hint: `stability needs at least ${STABILITY_WINDOWS} windows` });
  const baseNs = process.hrtime.bigint();
  const offset = -performance.now();
  const now = () => performance.now() + offset;
  const control = new SharedArrayBuffer(4);
  const data: PerfWorkerData = {
    model: r.model,
    ep: r.ep,
    ...(r.deviceId === undefined ? {} : { deviceId: r.deviceId }),
    ...(r.intraOpThreads === undefined ? {} : { intraOpThreads: r.intraOpThreads }),
    feeds: [...r.feeds],
    baseNs,
    control,
    ...(r.bridge === undefined ? {} : { bridge: r.bridge }),
  };

  let failure: TrtxError | undefined;
  let wake: () => void = () => {};
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const ready: Extract<WorkerMessage, { type: "ready" }>[] = [];
  const streams: Stream[] = Array.from({ length: r.concurrency }, () => {
    const stream: Stream = { worker: new Worker(new URL("./worker.js", import.meta.url), { workerData: data }), starts: [], ends: [], cursor: 0, done: false };
    stream.worker.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") ready.push(m);
      else if (m.type === "times") {
        for (let i = 0; i < m.ends.length; i++) {
          stream.starts.push(m.starts[i]!);
          stream.ends.push(m.ends[i]!);
        }
      } else if (m.type === "done") stream.done = true;
      else failure ??= new (ERRORS[m.name] ?? TrtxError)(m.message, m.hint === undefined ? {} : { hint: m.hint });
      wake();
    });
    stream.worker.on("error", (e) => {
      failure ??= new TrtxError(`a perf worker failed: ${e.message}`);
      wake();
    });
    stream.worker.on("exit", () => {
      if (!stream.done) failure ??= new TrtxError("a perf worker stopped before it finished");
      stream.done = true;
      wake();
    });
    return stream;
  });
  const until = async (condition: () => boolean, deadline?: number) => {
    while (!condition() && failure === undefined) {
      const timers: NodeJS.Timeout[] = [];
      const waits = [changed()];
      if (deadline !== undefined) waits.push(new Promise<void>((resolve) => timers.push(setTimeout(resolve, Math.max(0, deadline - now())))));
      await Promise.race(waits);
      timers.forEach(clearTimeout);
      if (deadline !== undefined && now() >= deadline) break;
    }
    if (failure !== undefined) throw failure;
  };
  const lastEnd = (s: Stream) => s.ends.at(-1) ?? -Infinity;

  try {
    await until(() => ready.length === streams.length);
    const goAt = now();
    for (const s of streams) s.worker.postMessage("go");
    const warmEnd = goAt + r.warmUpMs;

    const windows: MeasurementWindow[] = [];
    const windowTimes: QueryTime[][] = [];
    // Windows lengthen when three of them cannot hold --iterations queries at the rate measured so far; otherwise a
    // model slower than iterations / (3 windows) would be measured forever.
    let windowMs = r.windowMs;
    let from = warmEnd;
    let to = from + windowMs;
    for (;;) {
      await until(() => false, to);
      // A stream's queries run one after another, so once it has finished one past `to` it has reported all before.
      await until(() => streams.every((s) => lastEnd(s) >= to));
      const taken: QueryTime[] = [];
      streams.forEach((s, stream) => {
        let i = s.cursor;
        while (i < s.ends.length && s.ends[i]! < to) {
          if (s.ends[i]! >= from) taken.push({ startMs: s.starts[i]!, endMs: s.ends[i]!, stream });
          i++;
        }
      });
      if (taken.length < MIN_WINDOW_QUERIES) {
        to += windowMs;
        continue;
      }
      streams.forEach((s) => {
        while (s.cursor < s.ends.length && s.ends[s.cursor]! < to) s.cursor++;
      });
      const window = windowFrom(taken, r.batch, mean, to - from);
      windows.push(window);
      windowTimes.push(taken);
      r.onWindow?.(window, windows.length - 1);
      const recent = windowTimes.slice(-STABILITY_WINDOWS);
      const held = recent.reduce((n, w) => n + w.length, 0);
      const enough = held >= r.iterations;
      if (enough && windows.length >= STABILITY_WINDOWS && (isStable(windows, r.stabilityPercent) || windows.length >= r.maxWindows)) break;
      if (!enough && windows.length >= STABILITY_WINDOWS) {
        const spanMs = windows.slice(-STABILITY_WINDOWS).reduce((t, w) => t + w.durationMs, 0);
        windowMs = Math.max(windowMs, Math.ceil((spanMs / held) * (r.iterations / STABILITY_WINDOWS) * 1.1));
      }
      from = to;
      to = from + windowMs;
    }
    Atomics.store(new Int32Array(control), 0, 1);
    await until(() => streams.every((s) => s.done));

    const warmupQueries = streams.reduce((n, s) => n + s.ends.filter((e) => e < warmEnd).length, 0);
    const used = windows.slice(-STABILITY_WINDOWS);
    const times = windowTimes.slice(-STABILITY_WINDOWS).flat();
    const wallMs = used.reduce((t, w) => t + w.durationMs, 0);
    const latency = summarizeLatencies(times.map((t) => t.endMs - t.startMs), r.percentiles);
    const stable = isStable(windows, r.stabilityPercent);
    const warnings: string[] = [];
    if (!stable) warnings.push(`not stable within ${windows.length} windows (±${r.stabilityPercent}%): measure longer (--duration) or allow more (--stability-percentage)`);
    if (latency.covPercent > COV_WARNING_PERCENT) warnings.push(`latency varies (CoV ${latency.covPercent.toFixed(1)}% > ${COV_WARNING_PERCENT}%): other load, frequency scaling or thermal throttling`);
    const first = ready[0]!;
    const point: PerfPoint = {
      batch: r.batch,
      concurrency: r.concurrency,
      streams: streams.length,
      warmup: { queries: warmupQueries, ms: warmEnd - goAt },
      queries: times.length,
      wallMs,
      throughput: (r.batch * times.length * 1000) / wallMs,
      queriesPerSecond: (times.length * 1000) / wallMs,
      latency,
      windows,
      stable,
      warnings,
    };
    const origin = times.reduce((m, t) => Math.min(m, t.startMs), Infinity);
    return {
      point,
      times: times.map((t) => ({ ...t, startMs: t.startMs - origin, endMs: t.endMs - origin })),
      provider: first.provider,
      attempts: first.attempts,
      firstRunMs: Math.max(...ready.map((m) => m.firstRunMs)),
      ...(first.effectiveOptions ? { effectiveOptions: first.effectiveOptions } : {}),
    };
  } finally {
    Atomics.store(new Int32Array(control), 0, 1);
    await Promise.all(streams.map((s) => s.worker.terminate()));
  }
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
