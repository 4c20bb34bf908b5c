/**
 * One stream of `trtx perf`: a worker thread with its own session, running queries back to back (closed loop)
 * because onnxruntime-node's run() blocks the thread that calls it. Times are in ms on the clock shared by every
 * thread of the process (process.hrtime, taken once against performance.now() so each query costs two cheap reads).
 *
 * Protocol: post {ready} after the first query (session set-up and first-run allocation are not warm-up), wait for
 * {go}, then run until the shared stop flag is set, posting the times of finished queries at least every FLUSH_MS.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TrtxError } from "../errors.js";
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

async function main(): Promise<void> {
  const ort = await loadOrt();
  const options = data.intraOpThreads === undefined ? {} : { intraOpNumThreads: data.intraOpThreads, interOpNumThreads: 1 };
  const { session, provider, attempts } = await createSession(data.model, { ep: data.ep, ...(data.deviceId === undefined ? {} : { deviceId: data.deviceId }), options });
  try {
    const feeds = Object.fromEntries(data.feeds.map(([name, t]) => [name, toOrtTensor(ort, t)]));
    const first = now();
    await session.run(feeds);
    post({ type: "ready", provider, attempts, firstRunMs: now() - first });
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
      await session.run(feeds);
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
    await session.release();
  }
}

main().then(
  () => post({ type: "done" }),
  (e: unknown) => {
    const message = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    post({ type: "error", name: e instanceof Error ? e.name : "Error", message, ...(e instanceof TrtxError && e.hint ? { hint: e.hint } : {}) });
  },
);
