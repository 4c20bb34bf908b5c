/**
 * `trtx repo validate` for model_warmup. Triton runs each sample on every instance before the model is READY, and a
 * sample that cannot be built or fails in the backend fails the load (core src/backend_model_instance.cc,
 * GenerateWarmupData and WarmUp, as in Triton 2.51 / r24.10). Each sample is batch_size requests of batch 1, which
 * go through the same checks as a client's request (core src/infer_request.cc, Normalize).
 */
import fs from "node:fs";
import path from "node:path";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

const WILDCARD = -1;
const DATA_KINDS = ["zero_data", "random_data", "input_data_file"] as const;
const INTEGER_TYPES = new Set(["TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8", "TYPE_INT16", "TYPE_INT32", "TYPE_INT64"]);
/** common's GetDataTypeByteSize; TYPE_STRING and TYPE_INVALID are 0. */
const TYPE_BYTES: Record<string, number> = {
  TYPE_BOOL: 1,
  TYPE_UINT8: 1,
  TYPE_UINT16: 2,
  TYPE_UINT32: 4,
  TYPE_UINT64: 8,
  TYPE_INT8: 1,
  TYPE_INT16: 2,
  TYPE_INT32: 4,
  TYPE_INT64: 8,
  TYPE_FP16: 2,
  TYPE_FP32: 4,
  TYPE_FP64: 8,
  TYPE_BF16: 2,
};

const listOf = (value: unknown): ConfigObject[] => (value as ConfigObject[] | undefined) ?? [];
const dimsOf = (value: unknown): number[] => ((value as (string | number)[] | undefined) ?? []).map(Number);
const showDims = (dims: readonly number[]): string => `[${dims.join(",")}]`;

/**
 * The warm-up samples of `config` against its inputs; with `modelDir`, also each input_data_file in its warmup/
 * folder. A config that leaves its inputs to auto-complete gets only the checks that need no inputs.
 */
export function checkWarmups(config: ConfigObject, modelDir?: string): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const maxBatch = Number(config.max_batch_size ?? 0);
  const inputs = listOf(config.input);
  const byName = new Map(inputs.map((io) => [String(io.name), io]));
  const sequence = config.sequence_batching as ConfigObject | undefined;
  // Control and state tensors are fed by the sequence batcher, and warm-up may give them (AddOverrideInput).
  const fedBySequencer = new Set([
    ...listOf(sequence?.control_input).map((c) => String(c.name)),
    ...listOf(sequence?.state).map((s) => String(s.input_name)),
  ]);
  const isOnnxruntime = config.platform === "onnxruntime_onnx" || config.backend === "onnxruntime";

  listOf(config.model_warmup).forEach((sample, i) => {
    const batchSize = Number(sample.batch_size ?? 0);
    // GenerateWarmupData skips a sample of batch_size 0 without looking at it.
    if (batchSize === 0) return;
    const at = `model_warmup[${i}] "${String(sample.name ?? "")}"`;
    const given = Object.entries((sample.inputs as Record<string, ConfigObject> | undefined) ?? {});
    // onnxruntime backend src/onnxruntime.cc, ProcessRequests: the batch_size requests run as one batch, which may
    // not exceed max_batch_size (1 for a model that does not batch).
    if (isOnnxruntime && batchSize > Math.max(maxBatch, 1)) {
      findings.push({ rule: "warmup-batch-size", message: `${at}: batch_size ${batchSize} runs as one batch of ${batchSize}, over max_batch_size ${maxBatch} (the onnxruntime backend fails the warm-up: "max allowed is ${maxBatch}")` });
    }
    for (const [name, value] of given) {
      const where = `${at}, input "${name}"`;
      const dims = dimsOf(value.dims);
      const type = (value.data_type as string | undefined) ?? "TYPE_INVALID";
      // GenerateWarmupData: every dim must be given; the element count of a -1 is unknown.
      if (dims.includes(WILDCARD)) {
        findings.push({ rule: "warmup-dims-wildcard", message: `${where}: dims ${showDims(dims)} have a -1; warm-up needs every dim (warmup setting expects all variable-size dimensions are specified)` });
      }
      const kinds = DATA_KINDS.filter((k) => value[k] !== undefined);
      if (kinds.length === 0) {
        findings.push({ rule: "warmup-data-kind", message: `${where}: needs one of zero_data, random_data or input_data_file (warmup setting expects input '${name}' to have input_data_type set)` });
      }
      const io = byName.get(name);
      if (io === undefined) {
        if (inputs.length > 0 && !fedBySequencer.has(name)) {
          findings.push({
            rule: "warmup-input-unknown",
            severity: "warning",
            message: `${where}: not an input of the model; Triton passes it to the backend as an extra tensor, which onnxruntime may refuse, and the model's own inputs still need their samples`,
          });
        }
      } else findings.push(...checkAgainstInput(where, name, type, dims, io, maxBatch));
      // random_data is raw random bytes: token ids and other indices land far out of range, and the failing run fails the load.
      if (kinds[0] === "random_data" && INTEGER_TYPES.has(type)) {
        findings.push({
          rule: "warmup-random-int",
          severity: "warning",
          message: `${where}: random_data fills ${type} with raw random bytes (values like -1420042007188224409); if the model uses it as indices (token ids, Gather) the warm-up fails and so does the load — use zero_data: true or an input_data_file with valid values`,
        });
      }
      if (kinds[0] === "input_data_file" && modelDir !== undefined) {
        const finding = checkDataFile(where, String(value.input_data_file), type, dims, modelDir);
        if (finding !== undefined) findings.push(finding);
      }
    }
    // infer_request.cc, ValidateRequestInputs: each sample is a whole request, so it gives every required input.
    const missing = inputs.filter((io) => io.optional !== true && !given.some(([name]) => name === io.name)).map((io) => String(io.name));
    if (missing.length > 0) {
      findings.push({ rule: "warmup-missing-input", message: `${at}: gives no data for required input(s) ${missing.join(", ")}; each sample is a full request` });
    }
  });
  return findings;
}

/** infer_request.cc, Normalize: a sample's data type and dims (without the batch dim) must be the config input's. */
function checkAgainstInput(where: string, name: string, type: string, dims: number[], io: ConfigObject, maxBatch: number): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const expected = (io.data_type as string | undefined) ?? "TYPE_INVALID";
  if (type !== expected) {
    const hint = type === "TYPE_INVALID" ? " (data_type is missing)" : "";
    findings.push({ rule: "warmup-data-type", message: `${where}: data_type ${type}${hint}, but the model's input "${name}" is ${expected}` });
  }
  // Shape tensors keep their own shape; Normalize does not compare them with dims.
  if (io.is_shape_tensor === true || dims.includes(WILDCARD)) return findings;
  const configDims = dimsOf(io.dims);
  const fits = configDims.length === dims.length && configDims.every((d, k) => d === WILDCARD || d === dims[k]);
  if (!fits) {
    const batched = maxBatch > 0 ? ` (dims leave out the batch dim: max_batch_size is ${maxBatch})` : "";
    findings.push({ rule: "warmup-dims", message: `${where}: dims ${showDims(dims)} do not fit the model's input dims ${showDims(configDims)}${batched}` });
  }
  return findings;
}

/**
 * GenerateWarmupData reads input_data_file from the model's warmup/ folder, and for a fixed-size type it needs at
 * least the sample's bytes (more is fine: the rest is not read). A TYPE_STRING file is taken whole.
 */
function checkDataFile(where: string, file: string, type: string, dims: number[], modelDir: string): ValidateFinding | undefined {
  const full = path.join(modelDir, "warmup", file);
  if (!fs.existsSync(full) || !fs.statSync(full).isFile()) {
    return { rule: "warmup-data-file", message: `${where}: input_data_file "${file}" is not in the model's warmup/ folder (${full})` };
  }
  if (type === "TYPE_STRING" || dims.includes(WILDCARD)) return undefined;
  const count = dims.length === 0 ? 0 : dims.reduce((a, b) => a * b, 1);
  // GenerateWarmupData counts 4 bytes an element for a type without a size.
  const needed = count * (TYPE_BYTES[type] ?? 4);
  const size = fs.statSync(full).size;
  if (size >= needed) return undefined;
  return { rule: "warmup-data-file", message: `${where}: input_data_file "${file}" has ${size} bytes, but ${type} dims ${showDims(dims)} need ${needed} (warmup setting expects ${needed} bytes)` };
}
