/**
 * manifest.json, schema trtx.bundle/1: what a bundle was built from, how, where, and the options a deployment
 * passes to ORT's TensorRT provider so that the engine it builds matches what was checked here.
 */
import fs from "node:fs";
import path from "node:path";
import { writeFailure } from "../fs/atomic.js";
import type { ProviderAttempt } from "../ep/session.js";
import type { Provider } from "../ep/providers.js";
import type { Fp16Report } from "../precision/fp16.js";
import { trtProfileShapes, type ShapeProfile, type ShapeRange } from "../shapes/profiles.js";
import type { AccuracyReport } from "./accuracy.js";
import type { Fingerprint } from "./fingerprint.js";

export const BUNDLE_SCHEMA = "trtx.bundle/1";
export const MANIFEST_FILE = "manifest.json";
export const MODEL_FILE = "model.onnx";
export const OPTIMIZED_FILE = "model.opt.onnx";

export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

export interface BundleManifest {
  schema: typeof BUNDLE_SCHEMA;
  /** SHA-256 over the source bytes and the normalized build options: equal means up to date. */
  inputsHash: string;
  trtx: string;
  onnxruntimeNode: string;
  createdAt: string;
  /** `path` is relative to the bundle when the source sits on the same file system tree, else absolute. */
  source: FileDigest & { externalData: FileDigest[] };
  model: FileDigest & { externalData: string[] };
  optimized: { path: string; bytes: number; provider: Provider; onnxruntimeNode: string; graphOptimizationLevel: "all"; note: string } | { skipped: string };
  precision: { fp16: boolean; int8: boolean; ioFp16: boolean; blockOps: string[] };
  fp16?: Omit<Fp16Report, "ioFp16">;
  int8?: { method: string; target: string; samples: number; quantizedNodes: { op: string; count: number }[]; quantizedTensors: number };
  calibration?: { source: string; method: string; samples: number; tensors: number; trtVersion: string; files: string[] };
  /** One entry per profile: input → {min, opt, max}. */
  profiles: Record<string, ShapeRange>[];
  provider: Provider;
  attempts: ProviderAttempt[];
  fingerprint: Fingerprint;
  tensorrt: Record<string, string | number | boolean>;
  accuracy: AccuracyReport;
  timingsMs: Record<string, number>;
  /** Every file of the bundle, manifest.json aside. */
  files: string[];
}

/**
 * Provider options for ORT's TensorRT EP (peer-tools.md §5.1). The engine cache prefix is a hash of model.onnx's
 * bytes because ORT's own cache key covers names and structure but not weight values (§5.3): without it a retrained
 * model with the same graph would silently reuse the old engine.
 */
export function tensorRtOptions(p: { fp16: boolean; int8: boolean; modelSha256: string; profiles: ShapeProfile[]; workspace?: number }): Record<string, string | number | boolean> {
  const options: Record<string, string | number | boolean> = {
    trt_fp16_enable: p.fp16,
    trt_int8_enable: p.int8,
    // No trt_int8_calibration_table_name: trtx's INT8 output is a QDQ model whose scales live in the graph, and ORT
    // fails a QDQ model given a table as well (§5.1). The tables in the bundle serve non-QDQ consumers (trtexec --calib).
    trt_engine_cache_enable: true,
    trt_engine_cache_prefix: p.modelSha256.slice(0, 16),
  };
  if (p.profiles.length > 0) {
    for (const which of ["min", "opt", "max"] as const) options[`trt_profile_${which}_shapes`] = trtProfileShapes(p.profiles, which);
  }
  if (p.workspace !== undefined) options.trt_max_workspace_size = p.workspace;
  return options;
}

/** The manifest of an existing bundle, or undefined when `dir` holds none (or one that is not readable JSON). */
export function readManifest(dir: string): BundleManifest | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as BundleManifest;
    return parsed.schema === BUNDLE_SCHEMA ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A finished bundle for these inputs: same hash, accuracy passed (a kept failure is rebuilt), every file present. */
export function isUpToDate(dir: string, manifest: BundleManifest | undefined, inputsHash: string): manifest is BundleManifest {
  return manifest !== undefined && manifest.inputsHash === inputsHash && manifest.accuracy?.passed === true && manifest.files.every((f) => fs.existsSync(path.join(dir, f)));
}

export function writeManifest(dir: string, manifest: BundleManifest): void {
  try {
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (e) {
    throw writeFailure(path.join(dir, MANIFEST_FILE), e);
  }
}

export function profilesAsJson(profiles: ShapeProfile[]): Record<string, ShapeRange>[] {
  return profiles.map((p) => Object.fromEntries(p));
}
