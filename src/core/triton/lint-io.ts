/**
 * Lint rules for a ModelConfig's input and output tensors and its batch inputs and outputs, after Triton core's
 * model_config_utils.cc (r24.10): ValidateModelIOConfig, which runs ValidateModelInput/Output (ValidateIOShape,
 * ValidateNonLinearFormatIO) on each tensor and then ValidateBatchIO.
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { Finding } from "./lint.js";

/** Triton's marker for a variable-size dimension. */
const WILDCARD = -1;

/** `tensorrt`: whether the platform is tensorrt_plan (undefined: not known without the model files). */
export function lintTensors(config: ConfigObject, maxBatchSize: number, tensorrt: boolean | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const field of ["input", "output"] as const) {
    const tensors = (config[field] as ConfigObject[] | undefined) ?? [];
    const seen = new Set<string>();
    tensors.forEach((io, i) => {
      const at = `${field}[${i}]`;
      const name = io.name as string | undefined;
      if (name === undefined) findings.push({ rule: "io-name", path: `${at}.name`, message: `${field} has no name` });
      // Triton's core keeps the first of two declarations (Model::Init's input_map_/output_map_); the onnxruntime
      // backend counts both inputs, so a duplicate input is refused there as an input-count mismatch.
      else if (seen.has(name)) findings.push({ rule: "io-duplicate-name", severity: "warning", path: `${at}.name`, message: `${field} "${name}" is declared more than once (Triton uses the first)` });
      else seen.add(name);
      if (io.data_type === undefined || io.data_type === "TYPE_INVALID") {
        findings.push({ rule: "io-data-type", path: `${at}.data_type`, message: `${field} ${label(name)}needs a data_type other than TYPE_INVALID` });
      }
      findings.push(...lintShape(io, at, maxBatchSize));
      if (field === "input" && (io.format === "FORMAT_NHWC" || io.format === "FORMAT_NCHW") && dimsOf(io.dims).length !== 3) {
        findings.push({ rule: "io-format-dims", path: `${at}.dims`, message: `${io.format} needs exactly 3 dims (without the batch dim)` });
      }
      if (tensorrt === false && io.is_shape_tensor === true) {
        findings.push({ rule: "io-tensorrt-only", path: `${at}.is_shape_tensor`, message: "shape tensors are only for TensorRT models (platform tensorrt_plan)" });
      }
      // ValidateNonLinearFormatIO
      if (io.is_non_linear_format_io === true) {
        if (tensorrt === false) findings.push({ rule: "io-tensorrt-only", path: `${at}.is_non_linear_format_io`, message: "non-linear IO formats are only for TensorRT models (platform tensorrt_plan)" });
        else if (dimsOf(io.dims).length !== 3) findings.push({ rule: "io-format-dims", path: `${at}.dims`, message: `a non-linear format ${field} needs exactly 3 dims (without the batch dim)` });
      }
    });
  }
  return findings;
}

function lintShape(io: ConfigObject, at: string, maxBatchSize: number): Finding[] {
  const dims = dimsOf(io.dims);
  if (dims.length === 0) {
    // A batched model's [batch] tensor is dims [1] + reshape { shape: [] }; an unbatched model may not have an empty
    // reshape, and the onnxruntime backend takes dims [1] alone for a rank-0 model tensor.
    const scalar = maxBatchSize > 0 ? "dims: [ 1 ] with reshape: { shape: [ ] }" : "dims: [ 1 ]";
    return [{ rule: "dims-empty", path: `${at}.dims`, message: `dims must not be empty (for a scalar use ${scalar})` }];
  }
  const findings: Finding[] = [];
  dims.forEach((d, k) => {
    if (d < 1 && d !== WILDCARD) findings.push({ rule: "dims-value", path: `${at}.dims[${k}]`, message: `dimension ${d} must be >= 1, or -1 for a variable size` });
  });
  const reshape = io.reshape as ConfigObject | undefined;
  if (reshape === undefined) return findings;
  const shape = dimsOf(reshape.shape);
  if (shape.length === 0 && maxBatchSize === 0) {
    findings.push({ rule: "reshape-scalar", path: `${at}.reshape`, message: "an empty reshape (scalar) needs max_batch_size > 0" });
  }
  shape.forEach((d, k) => {
    if (d < 1 && d !== WILDCARD) findings.push({ rule: "reshape-value", path: `${at}.reshape.shape[${k}]`, message: `dimension ${d} must be >= 1, or -1 for a variable size` });
  });
  // Element counts only mean something once every dimension is valid.
  if (findings.length === 0) {
    const mismatch = reshapeMismatch(dims, shape);
    if (mismatch !== undefined) findings.push({ rule: "reshape-size", path: `${at}.reshape`, message: mismatch });
  }
  return findings;
}

/**
 * Triton's comparison: the runs of fixed dims between -1s must hold the same element counts, so dims
 * [2, -1, 6] reshapes to [2, -1, 2, 3] but not to [-1, 12] or [2, 6].
 */
function reshapeMismatch(dims: number[], shape: number[]): string | undefined {
  const runs = (ds: number[]) => {
    const out = [1];
    for (const d of ds) {
      if (d === WILDCARD) out.push(1);
      else out[out.length - 1]! *= d;
    }
    return out;
  };
  const a = runs(dims);
  const b = runs(shape);
  const show = (ds: number[]) => `[${ds.join(", ")}]`;
  if (a.length !== b.length) return `dims ${show(dims)} and reshape ${show(shape)} have different numbers of -1 dimensions`;
  if (a.some((n, i) => n !== b[i])) return `dims ${show(dims)} and reshape ${show(shape)} hold different element counts`;
  return undefined;
}

const BATCH_INPUT_TYPES = new Set(["TYPE_INT32", "TYPE_FP32"]);

/** ValidateBatchIO: each batch input or output reads one of the config's inputs, and writes to named outputs once. */
export function lintBatchIo(config: ConfigObject): Finding[] {
  const names = (field: string) => new Set(((config[field] as ConfigObject[] | undefined) ?? []).map((io) => io.name as string));
  const inputs = names("input");
  const outputs = names("output");
  const findings: Finding[] = [];
  const sources = (batch: ConfigObject, at: string) => {
    const source = (batch.source_input as string[] | undefined) ?? [];
    if (source.length !== 1) findings.push({ rule: "batch-io", path: `${at}.source_input`, message: `needs exactly 1 source_input, has ${source.length}` });
    source.forEach((name, k) => {
      if (!inputs.has(name)) findings.push({ rule: "batch-io", path: `${at}.source_input[${k}]`, message: `source input "${name}" is not an input of the config` });
    });
  };
  ((config.batch_input as ConfigObject[] | undefined) ?? []).forEach((batch, i) => {
    const at = `batch_input[${i}]`;
    sources(batch, at);
    // The proto3 default data_type is TYPE_INVALID.
    if (!BATCH_INPUT_TYPES.has((batch.data_type as string | undefined) ?? "TYPE_INVALID")) {
      findings.push({ rule: "batch-io", path: `${at}.data_type`, message: "a batch input's data_type must be TYPE_INT32 or TYPE_FP32" });
    }
  });
  ((config.batch_output as ConfigObject[] | undefined) ?? []).forEach((batch, i) => {
    const at = `batch_output[${i}]`;
    sources(batch, at);
    const seen = new Set<string>();
    ((batch.target_name as string[] | undefined) ?? []).forEach((name, k) => {
      if (!outputs.has(name)) findings.push({ rule: "batch-io", path: `${at}.target_name[${k}]`, message: `target output "${name}" is not an output of the config` });
      else if (seen.has(name)) findings.push({ rule: "batch-io", path: `${at}.target_name[${k}]`, message: `target output "${name}" is named more than once` });
      seen.add(name);
    });
  });
  return findings;
}

/** int64 lists come from the parser as decimal strings. */
export function dimsOf(value: unknown): number[] {
  return ((value as (string | number)[] | undefined) ?? []).map(Number);
}

function label(name: string | undefined): string {
  return name === undefined ? "" : `"${name}" `;
}
