/**
 * `trtx repo init`: one model of a Triton repository, planned as data (the files and the ModelConfig) so that a dry
 * run, --json and the writer all show the same thing. planRepository is pure; resolveRepoSource does the reading.
 */
import fs from "node:fs";
import path from "node:path";
import { MODEL_FILE, readManifest } from "../build/manifest.js";
import { FileError, UsageError } from "../errors.js";
import { compileNetwork } from "../network/compile.js";
import { loadTemplate, templateNames } from "../network/templates.js";
import { describeModelFile } from "../onnx/model-file.js";
import { batchVerdict, type BatchVerdict, type ValueDesc } from "../onnx/model-info.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import { renderModelConfig } from "./pbtxt-render.js";
import { labelsFile } from "./repo-labels.js";
import { tensorRtAccelerator, type BundleSettings } from "./repo-bundle.js";
import { tensorEntry } from "./repo-tensors.js";
import { describePlan } from "./plan-source.js";
import { profileWarmups, shapeWarmups } from "./repo-warmup.js";
import { planSequence, type SequenceControlNames, type StatePair } from "./repo-sequence.js";
import { PROVENANCE_FILE, provenanceOf, renderProvenance, type ModelProvenance } from "./provenance.js";

/** Where the model comes from, already described: its IO, and the files that carry it. */
export type RepoSource =
  | { kind: "onnx"; path: string; externalData: string[]; inputs: ValueDesc[]; outputs: ValueDesc[]; batch: BatchVerdict }
  | { kind: "bundle"; dir: string; path: string; externalData: string[]; inputs: ValueDesc[]; outputs: ValueDesc[]; batch: BatchVerdict; settings?: BundleSettings; provenance?: ModelProvenance }
  | { kind: "template"; template: string; inputs: ValueDesc[]; outputs: ValueDesc[]; batch: BatchVerdict }
  | { kind: "plan"; path: string; inputs: ValueDesc[]; outputs: ValueDesc[]; batch: BatchVerdict };

export interface RepoInitOptions {
  name: string;
  repo: string;
  source: RepoSource;
  maxBatch?: number;
  /** Undefined: on for a batchable model that is not a sequence model; true insists on it, false turns it off. */
  dynamicBatching?: boolean;
  preferred?: number[];
  maxQueueDelayUs?: number;
  /** The sequence control inputs by kind; without it, inputs named START, END, READY and CORRID are the controls. */
  sequenceControl?: SequenceControlNames;
  /** Implicit state pairs: the model input that reads a state and the output that writes it. */
  sequenceState?: StatePair[];
  instances?: number;
  kind?: "gpu" | "cpu";
  gpus?: number[];
  version?: number;
  /** model_warmup at batch 1 and max_batch_size (a bundle with profiles warms up at them anyway). */
  warmup?: boolean;
  /** Full shapes for the warm-up's variable dims. */
  shapes?: ReadonlyMap<string, number[]>;
  /** A label file for a classification output: `file`, or `output=file` when there are several outputs. */
  labels?: string;
}

/** A file of the model folder, by path relative to it: text, a copy, or a built-in template exported there. */
export type PlannedFile = { path: string; content: string } | { path: string; copyFrom: string } | { path: string; template: string };

export interface RepoPlan {
  modelDir: string;
  files: PlannedFile[];
  config: ConfigObject;
}

export const DEFAULT_REPO = "./model_repository";
/**
 * max_batch_size for a batchable model when neither --max-batch nor a bundle's profiles give one. Triton leaves the
 * choice to the user (docs/user_guide/model_configuration.md, "Recommended Configuration Process": "Decide on a
 * maximum batch size"); with IO written out, the onnxruntime backend's auto-complete never fills it in
 * (onnxruntime.cc, ModelState::AutoCompleteConfig). 8 is a small power of two: it leaves the dynamic batcher room
 * to merge requests while a full batch stays cheap in memory and warm-up time for any model repo init is given;
 * `trtx perf --sweep --write-config` measures the model and replaces it.
 */
export const DEFAULT_MAX_BATCH = 8;

/** Triton requires config `name` to equal the folder's name, so the name must be one plain folder name. */
export function checkModelName(name: string): void {
  if (name === "" || name.includes("/") || name.includes("\\") || name.includes("..") || name.startsWith(".")) {
    throw new UsageError(`model name '${name}' is not valid`, { hint: "use one folder name: no '/', no '..', not starting with '.'" });
  }
}

export function planRepository(o: RepoInitOptions): RepoPlan {
  checkModelName(o.name);
  const version = o.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`model version ${version} is not valid`, { hint: "Triton versions are positive integers" });
  const { source } = o;
  const maxBatch = maxBatchFor(o);
  const batched = maxBatch > 0;
  const plan = source.kind === "plan";
  const sequence = planSequence(source.inputs, source.outputs, batched, o.sequenceControl, o.sequenceState);
  const fed = sequence?.fedInputs ?? new Set<string>();
  const config: ConfigObject = {
    name: o.name,
    platform: plan ? "tensorrt_plan" : "onnxruntime_onnx",
    backend: plan ? "tensorrt" : "onnxruntime",
    ...(batched ? { max_batch_size: maxBatch } : {}),
    input: source.inputs.filter((v) => !fed.has(v.name)).map((v) => tensorEntry(v, "input", batched)),
    output: source.outputs.filter((v) => !sequence?.stateOutputs.has(v.name)).map((v) => tensorEntry(v, "output", batched)),
  };
  const settings = source.kind === "bundle" ? source.settings : undefined;
  if (settings !== undefined) config.optimization = tensorRtAccelerator(settings);
  if (sequence !== undefined) {
    refuseDynamicBatching(o);
    config.sequence_batching = sequence.scheduling;
  } else {
    const scheduling = dynamicBatching(o, maxBatch);
    if (scheduling !== undefined) config.dynamic_batching = scheduling;
  }
  const instances = instanceGroup(o);
  if (instances !== undefined) config.instance_group = [instances];
  if (settings !== undefined && settings.profiles.length > 0) config.model_warmup = profileWarmups(settings, source.inputs, maxBatch, fed);
  else if (o.warmup) config.model_warmup = shapeWarmups(source.inputs, maxBatch, o.shapes, fed);
  else if (o.shapes !== undefined) throw new UsageError("--shapes sets the warm-up's shapes and needs --warmup");
  const labels = o.labels === undefined ? undefined : labelsFile(o.labels, source.outputs, batched);
  if (labels !== undefined) {
    const output = (config.output as ConfigObject[]).find((e) => e.name === labels.output)!;
    output.label_filename = labels.fileName;
  }

  const modelDir = path.join(o.repo, o.name);
  const files: PlannedFile[] = [{ path: "config.pbtxt", content: renderModelConfig(config) }, ...modelFiles(source, String(version))];
  if (labels !== undefined) files.push({ path: labels.fileName, copyFrom: labels.from });
  if (source.kind === "bundle" && source.provenance !== undefined) files.push({ path: PROVENANCE_FILE, content: renderProvenance(source.provenance) });
  return { modelDir, files, config };
}

/**
 * Triton loads `<version>/model.onnx`; with external data it takes a folder of that name holding model.onnx and the
 * data files (peer-tools.md §4), since ORT resolves data locations beside the model.
 */
function modelFiles(source: RepoSource, version: string): PlannedFile[] {
  if (source.kind === "plan") return [{ path: `${version}/model.plan`, copyFrom: source.path }];
  if (source.kind === "template") return [{ path: `${version}/${MODEL_FILE}`, template: source.template }];
  if (source.externalData.length === 0) return [{ path: `${version}/${MODEL_FILE}`, copyFrom: source.path }];
  const dir = path.dirname(source.path);
  return [
    { path: `${version}/${MODEL_FILE}/${MODEL_FILE}`, copyFrom: source.path },
    ...source.externalData.map((location) => ({ path: `${version}/${MODEL_FILE}/${location}`, copyFrom: path.join(dir, location) })),
  ];
}

function maxBatchFor(o: RepoInitOptions): number {
  const { batch } = o.source;
  if (o.maxBatch !== undefined && (!Number.isInteger(o.maxBatch) || o.maxBatch < 0)) throw new UsageError(`--max-batch ${o.maxBatch} is not valid`, { hint: "use 0 (no batching) or a positive integer" });
  if (!batch.batchable) {
    if (o.maxBatch !== undefined && o.maxBatch > 0) throw new UsageError(`--max-batch ${o.maxBatch} needs a batchable model, but ${batch.reason}`, { hint: "drop --max-batch, or export the model with a dynamic batch dim (trtx export --onnx ... --dynamic-batch)" });
    return 0;
  }
  if (o.maxBatch !== undefined) return o.maxBatch;
  // A bundle's engines cover its profiles' batch range; defaulting past it would send ORT shapes no engine holds.
  const profiles = o.source.kind === "bundle" ? (o.source.settings?.profiles ?? []) : [];
  const profileMax = Math.max(0, ...profiles.flatMap((p) => Object.values(p).map((r) => r.max[0] ?? 0)));
  return profileMax > 0 ? profileMax : DEFAULT_MAX_BATCH;
}

/**
 * dynamic_batching for a batchable model unless --no-dynamic-batching. With its IO written out, a config gets no
 * scheduler from the onnxruntime backend's auto-complete (onnxruntime.cc, ModelState::AutoCompleteConfig returns
 * before AutoCompleteMaxBatch adds `dynamic_batching { }`), so without one here requests would never be batched.
 *
 * No preferred sizes and no queue delay unless given: Triton's "Recommended Configuration Process"
 * (docs/user_guide/model_configuration.md; batcher.md in later releases) starts from `dynamic_batching { }`, which
 * forms batches as large as possible up to max_batch_size without waiting, says preferred sizes "should not be used
 * for most models", and raises the delay only after measuring latency against a budget. Its one exception, TensorRT
 * models with several optimization profiles for different batch sizes, is not taken for a bundle's profiles
 * either: any batch within a profile's min..max runs on it, so preferred sizes at the opt batches would split
 * batches the engine runs whole, and whether one profile is faster is a measurement (`trtx perf --sweep`), not a
 * default.
 */
function dynamicBatching(o: RepoInitOptions, maxBatch: number): ConfigObject | undefined {
  const tuned = o.preferred !== undefined || o.maxQueueDelayUs !== undefined;
  if (o.dynamicBatching === false) {
    if (tuned) throw new UsageError("--preferred and --max-queue-delay-us tune the dynamic batcher, which --no-dynamic-batching turns off", { hint: "drop --no-dynamic-batching, or drop --preferred and --max-queue-delay-us" });
    return undefined;
  }
  if (maxBatch === 0) {
    if (o.dynamicBatching === true || tuned) {
      const flag = o.dynamicBatching === true ? "--dynamic-batching" : o.preferred !== undefined ? "--preferred" : "--max-queue-delay-us";
      throw new UsageError(`${flag} needs max_batch_size > 0, but ${o.maxBatch === 0 ? "--max-batch is 0" : `the model is not batchable: ${o.source.batch.reason}`}`, { hint: `drop ${flag}` });
    }
    return undefined;
  }
  const scheduling: ConfigObject = {};
  if (o.preferred !== undefined && o.preferred.length > 0) {
    const bad = o.preferred.find((n) => !Number.isInteger(n) || n < 1 || n > maxBatch);
    if (bad !== undefined) throw new UsageError(`--preferred ${bad} is not a batch size from 1 to max_batch_size ${maxBatch}`, { hint: `use sizes up to ${maxBatch}, or raise --max-batch` });
    scheduling.preferred_batch_size = o.preferred;
  }
  if (o.maxQueueDelayUs !== undefined) {
    if (!Number.isInteger(o.maxQueueDelayUs) || o.maxQueueDelayUs < 0) throw new UsageError(`--max-queue-delay-us ${o.maxQueueDelayUs} is not valid`, { hint: "use a whole number of microseconds" });
    if (o.maxQueueDelayUs > 0) scheduling.max_queue_delay_microseconds = String(o.maxQueueDelayUs);
  }
  return scheduling;
}

/** A sequence model's scheduler is the sequence batcher: ModelConfig's `scheduling_choice` oneof holds one. */
function refuseDynamicBatching(o: RepoInitOptions): void {
  const flag = o.dynamicBatching === true ? "--dynamic-batching" : o.preferred !== undefined ? "--preferred" : o.maxQueueDelayUs !== undefined ? "--max-queue-delay-us" : undefined;
  if (flag !== undefined) throw new UsageError(`${flag} sets the dynamic batcher, but this is a sequence model, which Triton schedules with the sequence batcher instead`, { hint: `drop ${flag}` });
}

/** Left out unless asked for: Triton's default (one instance per GPU) is the right start. */
function instanceGroup(o: RepoInitOptions): ConfigObject | undefined {
  if (o.instances === undefined && o.kind === undefined && o.gpus === undefined) return undefined;
  const kind = o.kind ?? "gpu";
  if (kind === "cpu" && o.gpus !== undefined) throw new UsageError("--gpus needs --kind gpu");
  const count = o.instances ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--instances ${count} is not valid`, { hint: "use a positive integer" });
  const bad = o.gpus?.find((g) => !Number.isInteger(g) || g < 0);
  if (bad !== undefined) throw new UsageError(`--gpus ${bad} is not a GPU index`);
  return { kind: kind === "gpu" ? "KIND_GPU" : "KIND_CPU", count, ...(o.gpus !== undefined && o.gpus.length > 0 ? { gpus: o.gpus } : {}) };
}

/** Reads what the plan needs: the model's IO, its external data, a bundle's manifest, or a template's IO. */
export function resolveRepoSource(o: { name: string; onnx?: string; loadEngine?: string; plan?: string; inputs?: string; outputs?: string }): RepoSource {
  const given = (["onnx", "loadEngine", "plan"] as const).filter((k) => o[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of --onnx, --loadEngine and --plan, not ${given.map((k) => `--${k}`).join(" and ")}`);
  if (o.plan !== undefined) return { kind: "plan", path: o.plan, ...describePlan(o.plan, o.inputs, o.outputs) };
  if (o.inputs !== undefined || o.outputs !== undefined) throw new UsageError("--inputs and --outputs describe a --plan", { hint: "an ONNX model or bundle describes its own tensors" });
  if (o.onnx !== undefined) {
    const info = describeModelFile(o.onnx);
    return { kind: "onnx", path: o.onnx, externalData: info.externalData.map((e) => e.location), inputs: info.inputs, outputs: info.outputs, batch: info.batch };
  }
  if (o.loadEngine !== undefined) {
    const onnx = path.join(o.loadEngine, MODEL_FILE);
    if (!fs.existsSync(onnx)) {
      throw new FileError(`${o.loadEngine} is not an engine bundle (a folder with model.onnx and manifest.json, written by trtx build)`, { hint: "pass the bundle folder, or the model itself with --onnx" });
    }
    const info = describeModelFile(onnx);
    const manifest = readManifest(o.loadEngine);
    return {
      kind: "bundle",
      dir: o.loadEngine,
      path: onnx,
      externalData: info.externalData.map((e) => e.location),
      inputs: info.inputs,
      outputs: info.outputs,
      batch: info.batch,
      ...(manifest !== undefined ? { settings: { precision: manifest.precision, profiles: manifest.profiles, tensorrt: manifest.tensorrt }, provenance: provenanceOf(manifest) } : {}),
    };
  }
  if (!templateNames().includes(o.name)) {
    throw new UsageError(`no model given and '${o.name}' is not a built-in template`, { hint: `pass --onnx model.onnx or --loadEngine model.trtx, or name a template: ${templateNames().join(", ")}` });
  }
  const { inputs, outputs } = compileNetwork(loadTemplate(o.name), { countOnly: true });
  return { kind: "template", template: o.name, inputs, outputs, batch: batchVerdict(inputs, outputs) };
}
