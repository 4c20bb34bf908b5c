/**
 * `trtx perf`: every (batch, concurrency) point of the request measured in turn, with the facts a reader needs to
 * trust or reproduce the numbers: model hash, provider and why, machine, settings, and the binding's own floor.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { hashFileInto } from "../build/hash.js";
import { machineFingerprint, type Fingerprint } from "../build/fingerprint.js";
import { readManifest } from "../build/manifest.js";
import { UsageError } from "../errors.js";
import type { ProviderAttempt } from "../ep/session.js";
import { ortPackageVersion } from "../ep/ort.js";
import type { ProviderOptions } from "../ep/provider-options.js";
import type { EpChoice, Provider } from "../ep/providers.js";
import { describeModelFile } from "../onnx/model-file.js";
import type { ModelInfo } from "../onnx/model-info.js";
import { resolveModelSource } from "../run/model-source.js";
import { TRTX_VERSION } from "../version.js";
import { perfFeeds, type InputData } from "./batch-feeds.js";
import { bindingFloorUs } from "./floor.js";
import { measurePoint } from "./measure.js";
import { diagnose, type ProfileDiagnosis } from "./profile-diagnose.js";
import type { OrtProfileSummary } from "./profile-parse.js";
import { profileRun } from "./profile-run.js";
import { PERF_SCHEMA, type MeasurementWindow, type PerfPoint, type QueryTime } from "./types.js";

export interface PerfRequest {
  onnx?: string;
  loadEngine?: string;
  allowForeign?: boolean;
  /** Absent: the model's fixed batch, or 1. */
  batches?: number[];
  shapes?: Map<string, number[]>;
  ep: EpChoice;
  deviceId?: number;
  concurrency: number[];
  /** intra-op threads per session; absent: ORT's default at concurrency 1, the cores shared out above it. */
  threads?: number;
  warmUpMs: number;
  /** The least timed duration of a point: three windows of a third of it. */
  durationMs: number;
  iterations: number;
  percentiles: number[];
  stabilityPercent: number;
  maxTrials: number;
  inputData: InputData;
  seed: number;
  /** --ep-option: provider options, set through the ORT C-API bridge. */
  providerOptions?: ProviderOptions;
  /** --no-data-transfers: inputs copied to the GPU once, outputs left there (through the bridge). */
  deviceIo?: boolean;
  /** After each batch size's points: a separate profiled run of this many queries (--profile). */
  profileRuns?: number;
  onProgress?: (p: { batch: number; concurrency?: number; window?: MeasurementWindow; index?: number; profiling?: boolean }) => void;
}

export interface PerfReport {
  schema: typeof PERF_SCHEMA;
  trtx: string;
  onnxruntimeNode: string;
  createdAt: string;
  model: { path: string; sha256: string; bundle?: string };
  provider: Provider;
  attempts: ProviderAttempt[];
  machine: Fingerprint & { cpus: number };
  settings: PerfSettings;
  /** Median µs of one `await run()` of a one-node model on the CPU: no query can be faster. */
  bindingFloorUs: number;
  points: PerfPoint[];
  /** Present when sessions went through the ORT C-API bridge: its self-test, and the options ORT held. */
  bridge?: { version: string; selfTestMs: number; dataTransfers: boolean; effectiveOptions: Partial<Record<Provider, Record<string, string>>> };
  /** --profile: per batch size, ORT's profile of a separate single-stream run and where the time goes. */
  profiles?: BatchProfile[];
}

export interface BatchProfile {
  batch: number;
  summary: OrtProfileSummary;
  diagnosis: ProfileDiagnosis;
}

/** The request as measured, in JSON's terms: what a reader needs to rerun it. */
export type PerfSettings = Pick<PerfRequest, "ep" | "deviceId" | "concurrency" | "threads" | "warmUpMs" | "durationMs" | "iterations" | "percentiles" | "stabilityPercent" | "maxTrials" | "seed"> & {
  batches: number[];
  shapes?: Record<string, number[]>;
  inputData: string;
  epOptions?: ProviderOptions;
  dataTransfers: boolean;
};

export interface PerfOutcome {
  report: PerfReport;
  /** Per point, its timed queries (for --export-times). */
  times: { batch: number; concurrency: number; queries: QueryTime[] }[];
  /** The model file sessions load and what it declares (for --profile). */
  modelFile: string;
  info: ModelInfo;
}

export async function runPerf(r: PerfRequest): Promise<PerfOutcome> {
  const source = resolveModelSource({ ...(r.onnx === undefined ? {} : { onnx: r.onnx }), ...(r.loadEngine === undefined ? {} : { loadEngine: r.loadEngine }), allowForeign: r.allowForeign ?? false });
  const info = describeModelFile(source.onnx);
  const batches = batchSizes(r, info);
  if (r.loadEngine !== undefined) checkProfiles(r.loadEngine, batches);
  const useBridge = r.providerOptions !== undefined || r.deviceIo === true;
  // Refused before the model is hashed: that reads every byte of the weights.
  if (useBridge && r.profileRuns !== undefined) throw new UsageError("--profile runs on onnxruntime-node's own sessions, not with --ep-option or --no-data-transfers", { hint: "profile in a separate run" });
  const modelSha256 = hashModel(source.onnx, info);
  const floor = await bindingFloorUs();
  // The bridge calls ORT through raw function pointers: prove it on a tiny model before trusting it with a measurement.
  const selfTest = useBridge ? await (await import("../ep/ort-c/selftest.js")).bridgeSelfTest() : undefined;
  const bridgeData = useBridge ? { providerOptions: r.providerOptions ?? {}, deviceIo: r.deviceIo === true } : undefined;
  let effectiveOptions: Partial<Record<Provider, Record<string, string>>> = {};

  const points: PerfPoint[] = [];
  const profiles: BatchProfile[] = [];
  const times: PerfOutcome["times"] = [];
  let provider: Provider | undefined;
  let attempts: ProviderAttempt[] = [];
  for (const batch of batches) {
    const feeds = perfFeeds(info.inputs, { batch, batched: info.batch.batchable, ...(r.shapes ? { shapes: r.shapes } : {}), data: r.inputData, seed: r.seed });
    for (const concurrency of r.concurrency) {
      r.onProgress?.({ batch, concurrency });
      const threads = r.threads ?? (concurrency > 1 ? Math.max(1, Math.floor(os.availableParallelism() / concurrency)) : undefined);
      const result = await measurePoint({
        model: source.onnx,
        ep: r.ep,
        ...(r.deviceId === undefined ? {} : { deviceId: r.deviceId }),
        ...(threads === undefined ? {} : { intraOpThreads: threads }),
        feeds,
        batch,
        concurrency,
        warmUpMs: r.warmUpMs,
        windowMs: r.durationMs / 3,
        iterations: r.iterations,
        maxWindows: r.maxTrials,
        stabilityPercent: r.stabilityPercent,
        percentiles: r.percentiles,
        onWindow: (window, index) => r.onProgress?.({ batch, concurrency, window, index }),
        ...(bridgeData === undefined ? {} : { bridge: bridgeData }),
      });
      effectiveOptions = result.effectiveOptions ?? effectiveOptions;
      // --ep auto decides once per session; a different answer between points would make the table meaningless.
      if (provider !== undefined && result.provider !== provider) throw new UsageError(`the provider changed between points (${provider}, then ${result.provider})`, { hint: "pass --ep explicitly" });
      provider = result.provider;
      attempts = result.attempts;
      points.push({ ...result.point, ...(threads === undefined ? {} : { intraOpThreads: threads }) });
      times.push({ batch, concurrency, queries: result.times });
    }
    if (r.profileRuns !== undefined) {
      r.onProgress?.({ batch, profiling: true });
      // Profiling slows every run a little, so it never shares a session with the measurement it explains.
      const threads = r.threads === undefined ? {} : { intraOpNumThreads: r.threads, interOpNumThreads: 1 };
      const run = await profileRun({ model: source.onnx, ep: provider ?? r.ep, ...(r.deviceId === undefined ? {} : { deviceId: r.deviceId }), feeds, iterations: r.profileRuns, sessionOptions: threads });
      // The harness's own single-stream mean is the host time a user sees; the profiled session's is a fallback.
      const measured = points.find((p) => p.batch === batch && p.concurrency === 1);
      const hostUs = measured === undefined ? run.hostQueryMeanUs : measured.latency.mean * 1000;
      profiles.push({ batch, summary: run.summary, diagnosis: diagnose(run.summary, hostUs, { io: run.io }) });
    }
  }
  return {
    report: {
      schema: PERF_SCHEMA,
      trtx: TRTX_VERSION,
      onnxruntimeNode: ortPackageVersion(),
      createdAt: new Date().toISOString(),
      model: { path: source.onnx, sha256: modelSha256, ...(r.loadEngine === undefined ? {} : { bundle: r.loadEngine }) },
      provider: provider!,
      attempts,
      machine: { ...machineFingerprint(), cpus: os.availableParallelism() },
      settings: reportSettings(r, batches),
      bindingFloorUs: floor,
      points,
      ...(r.profileRuns === undefined ? {} : { profiles }),
      ...(selfTest === undefined ? {} : { bridge: { version: selfTest.version, selfTestMs: selfTest.ms, dataTransfers: r.deviceIo !== true, effectiveOptions } }),
    },
    times,
    modelFile: source.onnx,
    info,
  };
}

function reportSettings(r: PerfRequest, batches: number[]): PerfSettings {
  return {
    ep: r.ep,
    ...(r.deviceId === undefined ? {} : { deviceId: r.deviceId }),
    batches,
    concurrency: r.concurrency,
    ...(r.threads === undefined ? {} : { threads: r.threads }),
    warmUpMs: r.warmUpMs,
    durationMs: r.durationMs,
    iterations: r.iterations,
    percentiles: r.percentiles,
    stabilityPercent: r.stabilityPercent,
    maxTrials: r.maxTrials,
    seed: r.seed,
    ...(r.shapes ? { shapes: Object.fromEntries(r.shapes) } : {}),
    inputData: typeof r.inputData === "string" ? r.inputData : r.inputData.dir,
    ...(r.providerOptions ? { epOptions: r.providerOptions } : {}),
    dataTransfers: r.deviceIo !== true,
  };
}

/**
 * -b sets dim 0 of every input, which needs a model whose inputs and outputs all have a dynamic dim 0; a model with a
 * fixed one runs at that batch only (and says so when asked for another).
 */
function batchSizes(r: PerfRequest, info: ModelInfo): number[] {
  const requested = r.batches;
  if (requested !== undefined) {
    if (requested.length === 0 || requested.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`-b ${requested.join(",")} is not a list of batch sizes`, { hint: "use positive integers, e.g. -b 1,8,32" });
  }
  if (info.batch.batchable) return requested ?? [r.shapes?.values().next().value?.[0] ?? 1];
  const fixed = fixedBatch(info);
  const batch = fixed ?? 1;
  const other = requested?.find((b) => b !== batch);
  if (other !== undefined) {
    throw new UsageError(`-b ${other}: the model's batch is fixed (${info.batch.reason})`, { hint: "make dim 0 dynamic with trtx export --onnx ... --dynamic-batch, or drop -b" });
  }
  return [batch];
}

/** The one fixed dim 0 all inputs share, which is then the batch each query carries. */
function fixedBatch(info: ModelInfo): number | undefined {
  const firsts = new Set(info.inputs.map((v) => v.shape?.[0]));
  const only = [...firsts][0];
  return firsts.size === 1 && typeof only === "number" && only > 0 && info.inputs.every((v) => (v.shape?.length ?? 0) > 1) ? only : undefined;
}

/** A bundle's engines cover its profiles' batch range only; outside it ORT would build another engine mid-run. */
function checkProfiles(bundle: string, batches: number[]): void {
  const profiles = readManifest(bundle)?.profiles ?? [];
  if (profiles.length === 0) return;
  for (const batch of batches) {
    const covered = profiles.some((p) => Object.values(p).every((range) => (range.min[0] ?? 1) <= batch && batch <= (range.max[0] ?? Infinity)));
    if (!covered) {
      const ranges = profiles.map((p) => Object.values(p).map((range) => `${range.min[0]}..${range.max[0]}`)[0]).join(", ");
      throw new UsageError(`batch ${batch} is outside the bundle's profiles (batch ${ranges})`, { hint: "pick batch sizes inside them, or rebuild with wider --minShapes/--maxShapes" });
    }
  }
}

/** The model and its external data, so that a baseline from other weights is told apart. */
function hashModel(file: string, info: ModelInfo): string {
  const hash = createHash("sha256");
  hashFileInto(hash, file);
  for (const e of info.externalData) hashFileInto(hash, path.join(path.dirname(file), e.location));
  return hash.digest("hex");
}
