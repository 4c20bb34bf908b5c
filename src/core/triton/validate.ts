/**
 * `trtx repo validate`: each model folder of a Triton repository checked as a whole — config.pbtxt parses and is
 * lint-clean, its name is the folder's, version folders are numeric and hold the platform's default model file,
 * TensorRT accelerator keys are ones the onnxruntime backend accepts, and for onnxruntime models the config's IO
 * agrees with the ONNX model of the highest version. A broken model is a list of findings, never an exception.
 */
import fs from "node:fs";
import path from "node:path";
import { TrtxError } from "../errors.js";
import { sniffFile } from "../onnx/sniff.js";
import { describeModelFile } from "../onnx/model-file.js";
import { formatShape, type Dim, type ValueDesc } from "../onnx/model-info.js";
import { lintModelConfig } from "./lint.js";
import { parseModelConfig, type ConfigObject } from "./pbtxt-parse.js";
import { tritonType } from "./repo-tensors.js";
import { modelFolders, VERSION_FOLDER } from "./repository.js";

export interface ValidateFinding {
  rule: string;
  message: string;
}

export interface ModelValidation {
  name: string;
  findings: ValidateFinding[];
}

export const BATCH_DIM_HINT = "dim 0 looks like the batch dimension — did you mean max_batch_size > 0 and dims without it?";

/** platform or backend → the file Triton loads from a version folder when default_model_filename is not set. */
const DEFAULT_FILES: Record<string, string> = {
  onnxruntime_onnx: "model.onnx",
  onnxruntime: "model.onnx",
  tensorrt_plan: "model.plan",
  tensorrt: "model.plan",
  pytorch_libtorch: "model.pt",
  pytorch: "model.pt",
  tensorflow_savedmodel: "model.savedmodel",
  tensorflow_graphdef: "model.graphdef",
  python: "model.py",
  openvino: "model.xml",
};

/**
 * Keys the onnxruntime backend takes for its "tensorrt" accelerator (peer-tools.md §4; repo-bundle.ts writes a
 * subset); any other key fails the model's load with "unknown parameter".
 */
export const TENSORRT_ACCELERATOR_KEYS: ReadonlySet<string> = new Set([
  "precision_mode",
  "max_workspace_size_bytes",
  "int8_calibration_table_name",
  "int8_use_native_calibration_table",
  ...[
    "max_partition_iterations",
    "min_subgraph_size",
    "dla_enable",
    "dla_core",
    "engine_cache_enable",
    "engine_cache_path",
    "engine_cache_prefix",
    "dump_subgraphs",
    "force_sequential_engine_build",
    "context_memory_sharing_enable",
    "layer_norm_fp32_fallback",
    "timing_cache_enable",
    "timing_cache_path",
    "force_timing_cache",
    "detailed_build_log",
    "build_heuristics_enable",
    "sparsity_enable",
    "builder_optimization_level",
    "auxiliary_streams",
    "tactic_sources",
    "extra_plugin_lib_paths",
    "profile_min_shapes",
    "profile_opt_shapes",
    "profile_max_shapes",
    "cuda_graph_enable",
    "dump_ep_context_model",
    "ep_context_file_path",
    "ep_context_embed_mode",
  ].map((k) => `trt_${k}`),
]);

export function validateRepository(dir: string): ModelValidation[] {
  const names = modelFolders(dir, "validate");
  const root = fs.realpathSync(dir);
  return names.map((name) => {
    const modelDir = path.join(dir, name);
    // A symlink out of the repository is reported, not followed: validate reads only what the repository holds.
    if (!inside(root, modelDir)) return { name, findings: [{ rule: "symlink-escape", message: `${name} is a link to ${fs.realpathSync(modelDir)}, outside the repository (not read)` }] };
    return { name, findings: validateModel(modelDir, name, root) };
  });
}

/** The numeric version folders of a model, ascending. */
export function versionsOf(modelDir: string): number[] {
  return fs
    .readdirSync(modelDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && VERSION_FOLDER.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/** The ONNX file Triton's onnxruntime backend loads from a version folder: model.onnx, or model.onnx/model.onnx. */
export function onnxFileIn(versionDir: string, fileName = "model.onnx"): string | undefined {
  const p = path.join(versionDir, fileName);
  if (!fs.existsSync(p)) return undefined;
  if (fs.statSync(p).isDirectory()) {
    const inner = path.join(p, "model.onnx");
    return fs.existsSync(inner) ? inner : undefined;
  }
  return p;
}

/** Reads and parses config.pbtxt, or the finding that says why it cannot be. */
export function readConfig(modelDir: string): { config: ConfigObject } | { finding: ValidateFinding } {
  const configPath = path.join(modelDir, "config.pbtxt");
  if (!fs.existsSync(configPath)) return { finding: { rule: "config-missing", message: `no config.pbtxt in ${modelDir}` } };
  try {
    return { config: parseModelConfig(fs.readFileSync(configPath, "utf8"), configPath) };
  } catch (e) {
    if (e instanceof TrtxError) return { finding: { rule: "config-parse", message: e.message } };
    throw e;
  }
}

/** Whether `p`, links resolved, lies inside `root` (itself resolved). */
function inside(root: string, p: string): boolean {
  const real = fs.realpathSync(p);
  return real === root || real.startsWith(root + path.sep);
}

/** `root`: the repository's resolved path, when files linking out of it must not be read. */
export function validateModel(modelDir: string, name: string, root?: string): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const entries = fs.readdirSync(modelDir, { withFileTypes: true });
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith(".") && !VERSION_FOLDER.test(e.name)) {
      findings.push({ rule: "version-dir", message: `folder "${e.name}" is not a version number (Triton ignores it)` });
    }
  }
  const versions = versionsOf(modelDir);
  if (versions.length === 0) findings.push({ rule: "no-versions", message: "no numeric version folders" });

  const read = readConfig(modelDir);
  if ("finding" in read) return [...findings, read.finding];
  const { config } = read;
  if (config.name !== undefined && config.name !== name) findings.push({ rule: "config-name", message: `config name "${String(config.name)}" is not the folder name "${name}"` });
  for (const f of lintModelConfig(config)) findings.push({ rule: f.rule, message: `${f.path}: ${f.message}` });
  findings.push(...checkAccelerators(config));

  const kind = (config.platform as string | undefined) ?? (config.backend as string | undefined);
  const fileName = (config.default_model_filename as string | undefined) ?? (kind === undefined ? undefined : DEFAULT_FILES[kind]);
  if (fileName !== undefined) {
    for (const v of versions) {
      const file = path.join(modelDir, String(v), fileName);
      if (!fs.existsSync(file)) findings.push({ rule: "model-file", message: `version ${v} has no ${fileName}` });
      // A plan's tensors cannot be read without TensorRT, but an ONNX model or junk under model.plan can be told apart.
      else if (kind === "tensorrt_plan" || kind === "tensorrt") {
        const found = fs.statSync(file).isFile() ? sniffFile(file).kind : "directory";
        if (found !== "tensorrt-plan") findings.push({ rule: "model-file", message: `version ${v}: ${fileName} is not a TensorRT plan (it looks like ${found})` });
      }
    }
  }
  findings.push(...checkLabelFiles(config, modelDir));
  const isOnnx = config.platform === "onnxruntime_onnx" || config.backend === "onnxruntime";
  const latest = versions.at(-1);
  if (isOnnx && latest !== undefined) {
    const file = onnxFileIn(path.join(modelDir, String(latest)), fileName ?? "model.onnx");
    if (file !== undefined && root !== undefined && !inside(root, file)) {
      findings.push({ rule: "symlink-escape", message: `version ${latest}: ${path.basename(file)} links to ${fs.realpathSync(file)}, outside the repository (not read)` });
    } else if (file !== undefined) {
      try {
        const info = describeModelFile(file);
        findings.push(...checkIo(config, info.inputs, info.outputs, `version ${latest}`));
      } catch (e) {
        if (!(e instanceof TrtxError)) throw e;
        findings.push({ rule: "model-read", message: `version ${latest}: ${e.message}` });
      }
    }
  }
  return findings;
}

/** Triton fails the load when an output's label_filename is not in the model folder. */
function checkLabelFiles(config: ConfigObject, modelDir: string): ValidateFinding[] {
  const outputs = (config.output as ConfigObject[] | undefined) ?? [];
  return outputs.flatMap((o) => {
    const file = o.label_filename as string | undefined;
    if (file === undefined || file === "" || fs.existsSync(path.join(modelDir, file))) return [];
    return [{ rule: "label-file", message: `output ${String(o.name)}: label_filename "${file}" is not in the model folder` }];
  });
}

function checkAccelerators(config: ConfigObject): ValidateFinding[] {
  const accel = (config.optimization as ConfigObject | undefined)?.execution_accelerators as ConfigObject | undefined;
  const gpu = (accel?.gpu_execution_accelerator as ConfigObject[] | undefined) ?? [];
  const findings: ValidateFinding[] = [];
  gpu.forEach((a, i) => {
    if (a.name !== "tensorrt") return;
    for (const key of Object.keys((a.parameters as Record<string, unknown> | undefined) ?? {})) {
      if (!TENSORRT_ACCELERATOR_KEYS.has(key)) {
        findings.push({ rule: "accelerator-key", message: `gpu_execution_accelerator[${i}] "tensorrt": unknown parameter "${key}" (the onnxruntime backend refuses to load the model)` });
      }
    }
  });
  return findings;
}

const dimsText = (dims: readonly (string | number)[]): string => `[${dims.join(", ")}]`;

/** The dims Triton hands the model for one config tensor: reshape's shape when given, else dims. */
function configDims(entry: ConfigObject): number[] {
  const reshape = entry.reshape as ConfigObject | undefined;
  const dims = reshape !== undefined ? ((reshape.shape as (string | number)[] | undefined) ?? []) : ((entry.dims as (string | number)[] | undefined) ?? []);
  return dims.map(Number);
}

const dimMatches = (c: number, m: Dim): boolean => (c === -1 ? m === null || typeof m === "string" || m < 0 : typeof m === "number" && m === c);
const isFixed = (d: Dim | undefined): d is number => typeof d === "number" && d >= 0;

/**
 * The config's inputs and outputs against the model's: names both ways, data types, and dims (without the batch
 * dim when max_batch_size > 0). `where` says which model file, e.g. "version 2".
 */
export function checkIo(config: ConfigObject, inputs: readonly ValueDesc[], outputs: readonly ValueDesc[], where: string): ValidateFinding[] {
  const maxBatch = Number(config.max_batch_size ?? 0);
  const findings: ValidateFinding[] = [];
  for (const [role, entries, values] of [
    ["input", (config.input as ConfigObject[] | undefined) ?? [], inputs],
    ["output", (config.output as ConfigObject[] | undefined) ?? [], outputs],
  ] as const) {
    const byName = new Map(values.map((v) => [v.name, v]));
    const configNames = new Set(entries.map((e) => e.name as string));
    for (const entry of entries) {
      const name = entry.name as string;
      const v = byName.get(name);
      if (v === undefined) {
        findings.push({ rule: `${role}-missing-in-model`, message: `config ${role} "${name}" is not an ${role} of the model (${where} has ${values.map((x) => x.name).join(", ") || "none"})` });
        continue;
      }
      findings.push(...checkTensor(role, entry, v, maxBatch, where));
    }
    // Triton lets a config list a subset of a model's outputs; every input must be there.
    for (const v of role === "input" ? values : []) {
      if (!configNames.has(v.name)) findings.push({ rule: `${role}-missing-in-config`, message: `model ${role} "${v.name}" (${where}) is not in the config` });
    }
  }
  return findings;
}

function checkTensor(role: string, entry: ConfigObject, v: ValueDesc, maxBatch: number, where: string): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const name = v.name;
  let modelType: string;
  try {
    modelType = tritonType(v, role);
  } catch (e) {
    modelType = `${v.dtype} (no Triton type)`;
    if (!(e instanceof TrtxError)) throw e;
  }
  const configType = (entry.data_type as string | undefined) ?? "TYPE_INVALID";
  if (configType !== modelType) {
    findings.push({ rule: "data-type", message: `${role} "${name}": config data_type ${configType}, model ${where} has ${v.dtype} (${modelType})` });
  }
  if (v.shape === null) return findings;
  const shape = v.shape;
  const dims = configDims(entry);
  if (maxBatch > 0 && shape.length > 0 && isFixed(shape[0])) {
    findings.push({ rule: "batch-dim-fixed", message: `${role} "${name}": max_batch_size ${maxBatch} but the model's dim 0 is fixed (${shape[0]}) in ${formatShape(shape)}; use max_batch_size 0 and the full dims` });
    return findings;
  }
  const expected = maxBatch > 0 ? shape.slice(1) : shape;
  const same = (a: readonly number[], b: readonly Dim[]) => a.length === b.length && a.every((c, i) => dimMatches(c, b[i]!));
  const batchDynamic = shape.length > 0 && !isFixed(shape[0]);
  // max_batch_size 0 with the full shape is a valid unbatched config: Triton loads it, so it is not a finding.
  if (same(dims, expected)) return findings;
  const batchMistake = batchDynamic && (maxBatch > 0 ? same(dims, shape) : same(dims, shape.slice(1)));
  const hint = batchMistake ? `: ${BATCH_DIM_HINT}` : "";
  findings.push({
    rule: "dims",
    message: `${role} "${name}": config dims ${dimsText(dims)} (max_batch_size ${maxBatch}) do not match the model's shape ${formatShape(shape)} (${where}; expected ${formatShape(expected)})${hint}`,
  });
  return findings;
}
