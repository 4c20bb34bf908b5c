/**
 * `trtx perf --profile`'s measurement: runs the model in a session of its own with ONNX Runtime's profiler on and
 * reads back what it wrote (the format is described in profile-parse.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { TrtxError, UsageError } from "../errors.js";
import { loadOrt } from "../ep/ort.js";
import type { EpChoice, Provider } from "../ep/providers.js";
import { createSession } from "../ep/session.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { toOrtTensor } from "../run/ort-tensor.js";
import type { HostTensor } from "../tensor/host-tensor.js";
import type { RunIo } from "./profile-diagnose.js";
import { parseOrtProfile, type OrtProfileSummary } from "./profile-parse.js";

export interface ProfileRunRequest {
  /** A model path (preferred: external data resolves against its folder) or the model's bytes. */
  model: string | Uint8Array;
  ep: EpChoice;
  deviceId?: number;
  /** One tensor per model input, as buildFeeds makes them. */
  feeds: ReadonlyMap<string, HostTensor>;
  /** session.run calls to record; the first is left out of the averages, so give at least 2. */
  iterations: number;
  /** The options of the session being diagnosed (graphOptimizationLevel, threads), so the profile matches it. */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Where to keep ORT's raw JSON (for chrome://tracing or Perfetto), written atomically. */
  keepAs?: string;
  topNodes?: number;
}

export interface ProfileRunResult {
  summary: OrtProfileSummary;
  /** The provider the profiling session was created for. */
  provider: Provider;
  /**
   * session.run's mean as JS saw it over the same measured runs (first left out), feeds already converted: a host
   * time taken under the same profiler, to pair with the summary when the caller has none of its own.
   */
  hostQueryMeanUs: number;
  /** What crosses the host/device boundary per run: the feeds and the outputs (string tensors counted, not sized). */
  io: RunIo;
  keptAs?: string;
}

/**
 * Profiles `iterations` runs in a session of its own (profiling slows every kernel a little, so the timed perf
 * sessions never have it on): ORT writes into a temporary folder that is removed afterwards.
 */
export async function profileRun(req: ProfileRunRequest): Promise<ProfileRunResult> {
  if (!Number.isInteger(req.iterations) || req.iterations < 1) throw new UsageError(`profile iterations must be a positive integer, not ${req.iterations}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-profile-"));
  try {
    const prefix = path.join(dir, "ort");
    const { session, provider } = await createSession(req.model, {
      ep: req.ep,
      deviceId: req.deviceId,
      options: { ...req.sessionOptions, enableProfiling: true, profileFilePrefix: prefix },
    });
    const times: number[] = [];
    const io: RunIo = { bytes: 0, tensors: 0 };
    try {
      const ort = await loadOrt();
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of req.feeds) feeds[name] = toOrtTensor(ort, t);
      let outputs: Record<string, Tensor> = {};
      for (let i = 0; i < req.iterations; i++) {
        const start = performance.now();
        outputs = await session.run(feeds);
        times.push((performance.now() - start) * 1000);
      }
      for (const t of [...Object.values(feeds), ...Object.values(outputs)]) {
        io.tensors++;
        if (t.type !== "string") io.bytes += (t.data as ArrayBufferView).byteLength;
      }
      session.endProfiling();
    } finally {
      await session.release();
    }
    const file = profileFileIn(dir, "ort_");
    const bytes = fs.readFileSync(file);
    if (req.keepAs !== undefined) writeFileAtomic(req.keepAs, bytes);
    const summary = parseOrtProfile(bytes.toString("utf8"), req.keepAs ?? path.basename(file), req.topNodes === undefined ? {} : { topNodes: req.topNodes });
    const measured = times.length > 1 ? times.slice(1) : times;
    return {
      summary,
      provider,
      hostQueryMeanUs: measured.reduce((s, t) => s + t, 0) / measured.length,
      io,
      ...(req.keepAs !== undefined ? { keptAs: req.keepAs } : {}),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The profile ORT wrote under `dir`: `<prefix><timestamp>.json`. A provider attempt that failed (`--ep auto`) can
 * leave a file of its own; the timestamps sort as text, and the session that worked was created last.
 */
function profileFileIn(dir: string, prefix: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(".json")).sort();
  if (files.length === 0) throw new TrtxError("onnxruntime wrote no profile file", { hint: "this onnxruntime-node build may lack profiling support" });
  return path.join(dir, files.at(-1)!);
}
