/**
 * One stream of `trtx perf`: a worker thread with its own session, running queries back to back (closed loop)
 * because onnxruntime-node's run() blocks the thread that calls it. Times are in ms on the clock shared by every
 * thread of the process (process.hrtime, taken once against performance.now() so each query costs two cheap reads).
 *
 * Protocol: post {ready} after the first query (session set-up and first-run allocation are not warm-up), wait for
 * {go}, then run until the shared stop flag is set, posting the times of finished queries at least every FLUSH_MS.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TrtxError, UsageError } from "../errors.js";
import type { ProviderAttempt } from "../ep/session.js";
import type { Provider } from "../ep/providers.js";
import { createSession } from "../ep/session.js";
import { loadOrt } from "../ep/ort.js";
import { toOrtTensor } from "../run/ort-tensor.js";
import type { PerfWorkerData, WorkerMessage } from "./worker-protocol.js";

/** Often enough for the main thread to close windows promptly, rarely enough to cost nothing per query. */
const FLUSH_MS = 50;

const data = workerData as PerfWorkerData;
const port = parentPort!;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const control = new Int32Array(data.control);
const offset = Number(process.hrtime.bigint() - data.baseNs) / 1e6 - performance.now();
const now = () => performance.now() + offset;

/** One query and how to end the session, whichever way it was created. */
interface Runner {
  provider: Provider;
  attempts: ProviderAttempt[];
  effectiveOptions?: Partial<Record<Provider, Record<string, string>>>;
  run: () => Promise<unknown> | void;
  release: () => Promise<void> | void;
}

async function stockRunner(): Promise<Runner> {
  const ort = await loadOrt();
  const options = data.intraOpThreads === undefined ? {} : { intraOpNumThreads: data.intraOpThreads, interOpNumThreads: 1 };
  const { session, provider, attempts } = await createSession(data.model, { ep: data.ep, ...(data.deviceId === undefined ? {} : { deviceId: data.deviceId }), options });
  try {
    const feeds = Object.fromEntries(data.feeds.map(([name, t]) => [name, toOrtTensor(ort, t)]));
    return { provider, attempts, run: () => session.run(feeds), release: () => session.release() };
  } catch (e) {
    await session.release();
    throw e;
  }
}

/** The bridge's calls are synchronous: the loop below still yields nothing it needs (stop is a shared flag). */
async function bridgeRunner(bridge: NonNullable<PerfWorkerData["bridge"]>): Promise<Runner> {
  const { createBridgeSession } = await import("../ep/ort-c/bridge-chain.js");
  const created = await createBridgeSession(data.model, {
    ep: data.ep,
    providerOptions: bridge.providerOptions,
    ...(data.deviceId === undefined ? {} : { deviceId: data.deviceId }),
    ...(data.intraOpThreads === undefined ? {} : { intraOpThreads: data.intraOpThreads }),
  });
  const { session, provider, attempts, effectiveOptions } = created;
  const feeds = new Map(data.feeds);
  if (!bridge.deviceIo) return { provider, attempts, effectiveOptions, run: () => void session.run(feeds), release: () => session.release() };
  if (provider === "cpu") {
    session.release();
    throw new UsageError("--no-data-transfers keeps inputs and outputs in GPU memory, but the session runs on the CPU", { hint: "use --ep cuda (or tensorrt), or drop --no-data-transfers" });
  }
  const { DeviceBinding } = await import("../ep/ort-c/device-io.js");
  let binding: ReturnType<typeof DeviceBinding.create>;
  try {
    binding = DeviceBinding.create(session, feeds, data.deviceId ?? 0);
  } catch (e) {
    // No libcudart, or no GPU memory: the session (and what it holds on the GPU) goes too.
    session.release();
    throw e;
  }
  return {
    provider,
    attempts,
    effectiveOptions,
    run: () => binding.run(),
    release: () => {
      binding.release();
      session.release();
    },
  };
}

async function main(): Promise<void> {
  const runner = data.bridge === undefined ? await stockRunner() : await bridgeRunner(data.bridge);
  try {
    const { provider, attempts } = runner;
    const first = now();
    await runner.run();
    post({ type: "ready", provider, attempts, firstRunMs: now() - first, ...(runner.effectiveOptions ? { effectiveOptions: runner.effectiveOptions } : {}) });
    await new Promise<void>((resolve) => port.once("message", () => resolve()));

    let capacity = 1024;
    let starts = new Float64Array(capacity);
    let ends = new Float64Array(capacity);
    let count = 0;
    let lastFlush = now();
    const flush = () => {
      post({ type: "times", starts: starts.slice(0, count), ends: ends.slice(0, count) });
      count = 0;
    };
    while (Atomics.load(control, 0) === 0) {
      const start = now();
      await runner.run();
      const end = now();
      if (count === capacity) {
        capacity *= 2;
        const grow = (a: Float64Array) => {
          const b = new Float64Array(capacity);
          b.set(a);
          return b;
        };
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[count] = start;
      ends[count] = end;
      count++;
      if (end - lastFlush >= FLUSH_MS) {
        flush();
        lastFlush = end;
      }
    }
    flush();
  } finally {
    await runner.release();
  }
}

main().then(
  () => post({ type: "done" }),
  (e: unknown) => {
    const message = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    post({ type: "error", name: e instanceof Error ? e.name : "Error", message, ...(e instanceof TrtxError && e.hint ? { hint: e.hint } : {}) });
  },
);
