/**
 * Calibration (and accuracy) samples: each sample is one feed, a tensor per model input. From a folder of .npy
 * files named `<input>_<k>.npy` (sample k of that input; a single-input model may use any `*.npy`, taken in
 * natural name order), from one .npy batched along dim 0 (single-input models), or seeded random data.
 */
import fs from "node:fs";
import path from "node:path";
import { DataFormatError, FileError, UsageError } from "../errors.js";
import { formatShape, type ValueDesc } from "../onnx/model-info.js";
import { buildFeeds } from "../run/feeds.js";
import type { ShapeProfile } from "../shapes/profiles.js";
import { elementCount, type HostTensor } from "../tensor/host-tensor.js";
import { readNpy } from "../tensor/npy.js";

export type Sample = Map<string, HostTensor>;

export interface CalibrationData {
  samples: Sample[];
  /** "random (seed 7)", "folder calib/", "file calib.npy". */
  source: string;
  random: boolean;
  warnings: string[];
}

export const DEFAULT_RANDOM_SAMPLES = 16;

export function loadCalibrationData(
  spec: string,
  inputs: readonly ValueDesc[],
  profile: ShapeProfile | undefined,
  options: { maxSamples?: number; seed: number },
): CalibrationData {
  if (spec === "random") {
    const count = options.maxSamples ?? DEFAULT_RANDOM_SAMPLES;
    return {
      samples: randomSamples(inputs, profile, count, options.seed),
      source: `random (seed ${options.seed})`,
      random: true,
      warnings: ["--calib random: activation ranges from random data are meaningless for real inputs; use it to test the pipeline, not to ship"],
    };
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    throw new FileError(`--calib ${spec}: no such file or folder`, { hint: "pass a folder of .npy files, one batched .npy, or random" });
  }
  const warnings: string[] = [];
  const samples = stat.isDirectory() ? fromFolder(spec, inputs) : fromBatchedFile(spec, inputs, profile, warnings);
  if (samples.length === 0) throw new UsageError(`--calib ${spec} holds no samples`, { hint: namingHint(inputs) });
  const kept = options.maxSamples !== undefined ? samples.slice(0, options.maxSamples) : samples;
  for (const sample of kept) for (const [name, t] of sample) checkSample(inputs.find((d) => d.name === name)!, t, profile, sampleLabel(t));
  return { samples: kept.map(stripLabels), source: stat.isDirectory() ? `folder ${spec}` : `file ${spec}`, random: false, warnings };
}

/** Seeded random feeds at the first profile's opt shapes (batch 1 without profiles), one seed per sample. */
export function randomSamples(inputs: readonly ValueDesc[], profile: ShapeProfile | undefined, count: number, seed: number): Sample[] {
  const shapes = new Map([...(profile ?? new Map())].map(([name, range]) => [name, range.opt]));
  return Array.from({ length: count }, (_, k) => buildFeeds(inputs, { shapes, random: { seed: seed + k, ranges: new Map() } }));
}

const LABEL = Symbol("file");
type Labelled = HostTensor & { [LABEL]?: string };
const sampleLabel = (t: Labelled) => t[LABEL] ?? "the data";
const stripLabels = (s: Sample): Sample => new Map([...s].map(([n, t]) => [n, { dtype: t.dtype, dims: t.dims, data: t.data }]));

function readSample(file: string): Labelled {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new FileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  return Object.assign(readNpy(bytes, file), { [LABEL]: file });
}

function fromFolder(dir: string, inputs: readonly ValueDesc[]): Sample[] {
  const files = fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith(".npy")).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (inputs.length === 1) return files.map((f) => new Map([[inputs[0]!.name, readSample(path.join(dir, f))]]));
  const bySample = new Map<number, Sample>();
  for (const f of files) {
    // The longest input name that prefixes the file wins, so inputs "x" and "x_mask" do not collide.
    const input = inputs
      .filter((d) => new RegExp(`^${escape(d.name)}_\\d+\\.npy$`, "i").test(f))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!input) throw new UsageError(`--calib ${dir}: ${f} does not name an input`, { hint: namingHint(inputs) });
    const k = Number(f.slice(input.name.length + 1, -4));
    const sample = bySample.get(k) ?? new Map();
    sample.set(input.name, readSample(path.join(dir, f)));
    bySample.set(k, sample);
  }
  return [...bySample.keys()].sort((a, b) => a - b).map((k) => {
    const sample = bySample.get(k)!;
    const missing = inputs.filter((d) => !sample.has(d.name)).map((d) => `${d.name}_${k}.npy`);
    if (missing.length) throw new UsageError(`--calib ${dir}: sample ${k} lacks ${missing.join(", ")}`, { hint: namingHint(inputs) });
    return sample;
  });
}

/** One array whose dim 0 runs over examples, cut into samples of the batch the model is built for. */
function fromBatchedFile(file: string, inputs: readonly ValueDesc[], profile: ShapeProfile | undefined, warnings: string[]): Sample[] {
  if (inputs.length !== 1) throw new UsageError(`--calib ${file}: one .npy only fits single-input models; this one takes ${inputs.map((d) => d.name).join(", ")}`, { hint: namingHint(inputs) });
  const desc = inputs[0]!;
  const all = readSample(file);
  if (all.dims.length === 0 || Array.isArray(all.data)) throw new UsageError(`--calib ${file}: expected a numeric array batched along dim 0, got ${all.dtype} ${formatShape(all.dims)}`);
  const fixed = desc.shape?.[0];
  const batch = profile?.get(desc.name)?.opt[0] ?? (typeof fixed === "number" && fixed > 0 ? fixed : 1);
  const count = Math.floor(all.dims[0]! / batch);
  if (count === 0) throw new UsageError(`--calib ${file}: ${all.dims[0]} examples are fewer than one batch of ${batch}`, { hint: "give more examples or a smaller opt batch" });
  if (all.dims[0]! % batch !== 0) warnings.push(`--calib ${file}: the last ${all.dims[0]! % batch} of ${all.dims[0]} examples do not fill a batch of ${batch} and are left out`);
  const dims = [batch, ...all.dims.slice(1)];
  const step = elementCount(dims);
  return Array.from({ length: count }, (_, k) => {
    const data = (all.data as Exclude<HostTensor["data"], string[]>).subarray(k * step, (k + 1) * step);
    return new Map([[desc.name, Object.assign({ dtype: all.dtype, dims, data }, { [LABEL]: `${file} (examples ${k * batch}..${(k + 1) * batch - 1})` }) as HostTensor]]);
  });
}

/** dtype as the model takes it, rank and fixed dims as declared, dynamic dims inside the first profile, no NaN/Inf. */
function checkSample(desc: ValueDesc, t: HostTensor, profile: ShapeProfile | undefined, label: string): void {
  if (t.dtype !== desc.dtype) throw new UsageError(`calibration input ${desc.name}: the model takes ${desc.dtype}, ${label} holds ${t.dtype}`, { hint: `save it as ${desc.dtype}` });
  const range = profile?.get(desc.name);
  const mismatch = (why: string) => new UsageError(`calibration input ${desc.name}: the model takes ${formatShape(desc.shape)}, ${label} has shape ${formatShape(t.dims)}${why}`);
  if (desc.shape && t.dims.length !== desc.shape.length) throw mismatch("");
  desc.shape?.forEach((d, i) => {
    if (typeof d === "number" && d >= 0 && d !== t.dims[i]) throw mismatch("");
  });
  if (range && t.dims.some((d, i) => d < range.min[i]! || d > range.max[i]!)) throw mismatch(`, outside the profile ${formatShape(range.min)}..${formatShape(range.max)}`);
  const bad = firstNonFinite(t);
  if (bad >= 0) throw new DataFormatError(`calibration input ${desc.name}: ${label} holds NaN or Inf (flat index ${bad})`, { hint: "calibration data must be finite; clean or regenerate it" });
}

function firstNonFinite(t: HostTensor): number {
  if (t.dtype === "float32" || t.dtype === "float64") return (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
  // float16 bits: exponent all ones is Inf or NaN.
  if (t.dtype === "float16") return (t.data as Uint16Array).findIndex((h) => (h & 0x7c00) === 0x7c00);
  return -1;
}

function namingHint(inputs: readonly ValueDesc[]): string {
  return inputs.length === 1
    ? "put one .npy per sample in the folder (any names, natural order), or one .npy batched along dim 0"
    : `name files <input>_<k>.npy, one per input per sample: ${inputs.map((d) => `${d.name}_0.npy`).join(", ")}`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
