/**
 * What Triton's onnxruntime backend refuses when it loads a model, after triton-inference-server/onnxruntime_backend
 * src/onnxruntime.cc (r24.10, Triton 2.51) and the backend repository's src/backend_common.cc: its auto-complete,
 * the `parameters` and execution accelerators it parses, and the model's inputs and outputs against the config.
 * The ORT backend's dims are InputInfos/OutputInfos': -1 for every symbolic or unknown dim, and rank 0 for a
 * tensor whose model gives no shape.
 */
import type { ValueDesc } from "../onnx/model-info.js";
import { dimsOf } from "./lint-io.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

export interface OrtModelTensors {
  inputs: readonly ValueDesc[];
  outputs: readonly ValueDesc[];
  /** Graph inputs that are initializers (validate-onnx.ts). */
  overridable: readonly ValueDesc[];
}

export const BATCH_DIM_HINT = "dim 0 looks like the batch dimension — did you mean max_batch_size > 0 and dims without it?";

/** The server's --backend-config default-max-batch-size, which ORT's auto-complete uses (AutoCompleteMaxBatch). */
const DEFAULT_MAX_BATCH_SIZE = 4;

/**
 * ONNX element types and the config data_type each one matches (onnxruntime_utils.cc,
 * ModelConfigDataTypeToOnnxDataType): TYPE_BF16 has no ONNX counterpart there, so no config matches bfloat16.
 */
const ORT_CONFIG_TYPES: Record<string, string> = {
  bool: "TYPE_BOOL",
  uint8: "TYPE_UINT8",
  uint16: "TYPE_UINT16",
  uint32: "TYPE_UINT32",
  uint64: "TYPE_UINT64",
  int8: "TYPE_INT8",
  int16: "TYPE_INT16",
  int32: "TYPE_INT32",
  int64: "TYPE_INT64",
  float16: "TYPE_FP16",
  float32: "TYPE_FP32",
  float64: "TYPE_FP64",
  string: "TYPE_STRING",
};
const ORT_KNOWN_CONFIG_TYPES = new Set(Object.values(ORT_CONFIG_TYPES));

/** The model's dims as the backend sees them: symbolic and unknown dims are -1; no shape is rank 0. */
const ortDims = (v: ValueDesc): number[] => (v.shape ?? []).map((d) => (typeof d === "number" && d >= 0 ? d : -1));
const shapeText = (dims: readonly number[]): string => `[${dims.join(",")}]`;

const entries = (config: ConfigObject, field: string): ConfigObject[] => (config[field] as ConfigObject[] | undefined) ?? [];
const maxBatchOf = (config: ConfigObject): number => Number(config.max_batch_size ?? 0);

/** The dims the backend compares for a config tensor: reshape's shape when given, else dims (ValidateInputs). */
function configDims(entry: ConfigObject): number[] {
  const reshape = entry.reshape as ConfigObject | undefined;
  return dimsOf(reshape !== undefined ? reshape.shape : entry.dims);
}

/**
 * ModelState::AutoCompleteConfig: when the config lists no inputs (batch inputs count) or no outputs, the backend
 * fills them from the model, and max_batch_size and dynamic batching with them (AutoCompleteMaxBatch,
 * AutoCompleteIO). Returns the config the backend goes on with.
 */
export function autoCompleteOrt(config: ConfigObject, model: OrtModelTensors): { config: ConfigObject; findings: ValidateFinding[] } {
  const inputCount = entries(config, "input").length + entries(config, "batch_input").length;
  const outputCount = entries(config, "output").length;
  if (inputCount > 0 && outputCount > 0) return { config, findings: [] };
  const nonTensor = tensorKindFindings(model);
  if (nonTensor.length > 0) return { config, findings: nonTensor };
  const batchable = [...model.inputs, ...model.outputs].every((v) => ortDims(v).length > 0 && ortDims(v)[0] === -1);
  let maxBatch = maxBatchOf(config);
  const completed: ConfigObject = { ...config };
  if (batchable) {
    if (maxBatch === 0) {
      maxBatch = DEFAULT_MAX_BATCH_SIZE;
      completed.max_batch_size = maxBatch;
    }
    if (maxBatch > 1 && config.sequence_batching === undefined && config.dynamic_batching === undefined) completed.dynamic_batching = {};
  } else if (maxBatch !== 0) {
    return {
      config,
      findings: [{ rule: "autofill-batch", message: `autofill failed: the model does not support batching (every input and output needs a variable first dim) while max_batch_size ${maxBatch} is specified` }],
    };
  }
  const fill = (values: readonly ValueDesc[]): ConfigObject[] =>
    values.map((v) => {
      const dims = ortDims(v).slice(maxBatch > 0 ? 1 : 0);
      const entry: ConfigObject = { name: v.name, data_type: ORT_CONFIG_TYPES[v.dtype] ?? "TYPE_INVALID", dims: dims.length > 0 ? dims.map(String) : ["1"] };
      // An empty reshape (a scalar) is written only when batched: unbatched it is not a valid config.
      if (dims.length === 0 && maxBatch > 0) entry.reshape = {};
      return entry;
    });
  if (inputCount === 0) completed.input = fill(model.inputs);
  if (outputCount === 0) completed.output = fill(model.outputs);
  return { config: completed, findings: [] };
}

/** onnxruntime_utils.cc InputOutputInfos: every model input, output and overridable initializer must be a tensor. */
function tensorKindFindings(model: OrtModelTensors): ValidateFinding[] {
  return [...model.inputs, ...model.outputs, ...model.overridable]
    .filter((v) => v.kind !== "tensor")
    .map((v) => ({ rule: "model-io-kind", message: `model tensor "${v.name}" is a ${v.kind} (${v.dtype}); the onnxruntime backend takes only tensors ("Unsupported ONNX Type")` }));
}

interface SequenceControl {
  kind: string;
  tensor: string;
  dataType: string;
}

/**
 * The control tensors the sequence batcher feeds, one per kind (backend_common.cc
 * GetBooleanSequenceControlProperties: int32_false_true means TYPE_INT32, fp32_false_true TYPE_FP32, else
 * TYPE_BOOL; GetTypedSequenceControlProperties: CORRID's data_type). Duplicates are lint's to report.
 */
function sequenceControls(sequence: ConfigObject): SequenceControl[] {
  const found = new Map<string, SequenceControl>();
  for (const input of entries(sequence, "control_input")) {
    for (const control of entries(input, "control")) {
      const kind = (control.kind as string | undefined) ?? "CONTROL_SEQUENCE_START";
      if (found.has(kind)) continue;
      const given = (field: string) => ((control[field] as unknown[] | undefined) ?? []).length > 0;
      const dataType =
        kind === "CONTROL_SEQUENCE_CORRID"
          ? ((control.data_type as string | undefined) ?? "TYPE_INVALID")
          : given("int32_false_true")
            ? "TYPE_INT32"
            : given("fp32_false_true")
              ? "TYPE_FP32"
              : "TYPE_BOOL";
      found.set(kind, { kind, tensor: (input.name as string | undefined) ?? "", dataType });
    }
  }
  // The backend validates START, END, READY and CORRID; other kinds are not model inputs it counts.
  return ["CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_END", "CONTROL_SEQUENCE_READY", "CONTROL_SEQUENCE_CORRID"].flatMap((k) => (found.has(k) ? [found.get(k)!] : []));
}

/** A config type against a model tensor's: ValidateInputs/ValidateOutputs' "unsupported datatype" and mismatch. */
function typeFinding(role: string, name: string, configType: string, v: ValueDesc, where: string): ValidateFinding[] {
  if (!ORT_KNOWN_CONFIG_TYPES.has(configType)) {
    return [{ rule: "data-type", message: `${role} "${name}": the onnxruntime backend does not support data_type ${configType} ("unsupported datatype")` }];
  }
  const modelType = ORT_CONFIG_TYPES[v.dtype];
  if (modelType === configType) return [];
  return [{ rule: "data-type", message: `${role} "${name}": config data_type ${configType}, model ${where} has ${v.dtype} (${modelType ?? "no type the onnxruntime backend can match"})` }];
}

/**
 * backend_common.cc CompareDimsSupported: with max_batch_size > 0 the model's first dim must be -1 and the config's
 * dims follow it; inputs are compared loosely (a config may fix a dim the model leaves variable, compare_exact
 * false), outputs exactly.
 */
function compareDims(role: string, name: string, model: number[], dims: number[], maxBatch: number, exact: boolean, where: string): ValidateFinding[] {
  if (maxBatch > 0 && (model.length === 0 || model[0] !== -1)) {
    return [{ rule: "batch-dim-fixed", message: `${role} "${name}": max_batch_size ${maxBatch} but the model's shape ${shapeText(model)} (${where}) has no variable first dim; use max_batch_size 0 and the full dims` }];
  }
  const full = maxBatch > 0 ? [-1, ...dims] : dims;
  const ok = model.length === full.length && model.every((m, i) => (!exact && m === -1) || m === full[i]);
  if (ok) return [];
  const expected = maxBatch > 0 ? model.slice(1) : model;
  // The two common slips: the batch dim written into dims, or left out of an unbatched config.
  const batchMistake = model.length > 0 && model[0] === -1 && (maxBatch > 0 ? sameDims(dims, model, exact) : sameDims(dims, model.slice(1), exact));
  const loose = exact ? "" : " (a config may fix a dim the model leaves variable, nothing else)";
  return [
    {
      rule: "dims",
      message: `${role} "${name}": config dims ${shapeText(dims)} (max_batch_size ${maxBatch}) do not match the model's shape ${shapeText(model)} (${where}; expected ${shapeText(expected)}${loose})${batchMistake ? `: ${BATCH_DIM_HINT}` : ""}`,
    },
  ];
}

const sameDims = (dims: number[], model: number[], exact: boolean): boolean => dims.length === model.length && model.every((m, i) => (!exact && m === -1) || m === dims[i]);

/**
 * ModelInstanceState's constructor: the expected input count, the sequence controls (ValidateBooleanSequenceControl,
 * ValidateTypedSequenceControl), ValidateInputs and ValidateOutputs, on the config after auto-complete.
 */
export function checkOrtIo(config: ConfigObject, model: OrtModelTensors, where: string): ValidateFinding[] {
  const findings = tensorKindFindings(model);
  if (findings.length > 0) return findings;
  const maxBatch = maxBatchOf(config);
  const inputs = entries(config, "input");
  const modelInputs = new Map(model.inputs.map((v) => [v.name, v]));
  const sequence = config.sequence_batching as ConfigObject | undefined;

  // Optional inputs are not counted (they are meant to be overridable initializers); batch inputs, controls and
  // sequence states are model inputs that the config does not list as inputs.
  const controls = sequence === undefined ? [] : sequenceControls(sequence);
  const states = sequence === undefined ? [] : entries(sequence, "state");
  const required = inputs.filter((io) => io.optional !== true);
  const expected = required.length + entries(config, "batch_input").length + controls.length + states.length;
  if (expected !== model.inputs.length) {
    const listed = new Set([
      ...inputs.map((io) => io.name as string),
      ...entries(config, "batch_input").flatMap((b) => (b.target_name as string[] | undefined) ?? []),
      ...controls.map((c) => c.tensor),
      ...states.map((s) => s.input_name as string),
    ]);
    const unlisted = model.inputs.filter((v) => !listed.has(v.name)).map((v) => `"${v.name}"`);
    const parts = [`${required.length} required input(s)`, `${entries(config, "batch_input").length} batch input(s)`, `${controls.length} sequence control(s)`, `${states.length} sequence state(s)`];
    findings.push({
      rule: "input-count",
      message: `the configuration expects ${expected} model inputs (${parts.join(", ")}), the model (${where}) provides ${model.inputs.length}${unlisted.length > 0 ? `; not in the config: ${unlisted.join(", ")}` : ""}${inputs.some((io) => io.optional === true && modelInputs.has(io.name as string)) ? "; an optional input that is a model input (not an initializer) is not counted" : ""}`,
    });
  }

  for (const control of controls) {
    const v = modelInputs.get(control.tensor);
    if (v === undefined) {
      findings.push({ rule: "sequence-control", message: `sequence control "${control.tensor}" (${control.kind}) is not an input of the model (${where})` });
      continue;
    }
    const debatched = ortDims(v).slice(maxBatch > 0 ? 1 : 0);
    if (debatched.length !== 1 || debatched[0] !== 1) {
      findings.push({ rule: "sequence-control", message: `sequence control "${control.tensor}" has dims ${shapeText(debatched)} in the model${maxBatch > 0 ? " after the batch dim" : ""} (${where}), but dims [1] is expected` });
    }
    if (ORT_CONFIG_TYPES[v.dtype] !== control.dataType) {
      findings.push({ rule: "sequence-control", message: `sequence control "${control.tensor}": the model expects ${v.dtype} but the config's ${control.kind} means ${control.dataType}` });
    }
  }

  const allowed = new Map([...modelInputs, ...model.overridable.map((v) => [v.name, v] as const)]);
  for (const io of inputs) {
    const name = io.name as string;
    const optional = io.optional === true;
    if (optional && maxBatch !== 0) {
      findings.push({ rule: "optional-batching", message: `optional input "${name}" is not supported for models that support batching (max_batch_size ${maxBatch}); use max_batch_size 0` });
    }
    const v = allowed.get(name);
    if (v === undefined) {
      findings.push({ rule: "input-missing-in-model", message: `config input "${name}" is not an input of the model (${where} has ${[...allowed.keys()].join(", ") || "none"})` });
      continue;
    }
    findings.push(...typeFinding("input", name, (io.data_type as string | undefined) ?? "TYPE_INVALID", v, where));
    const dims = configDims(io);
    const ragged = io.allow_ragged_batch === true;
    const model = ortDims(v);
    if (optional && ragged) {
      findings.push({ rule: "ragged-input", message: `ragged input "${name}" may not be optional` });
    } else if (ragged) {
      // A ragged input reaches the model as one flat [-1] tensor of every request's elements.
      if (model.length !== 1 || model[0] !== -1) findings.push({ rule: "ragged-input", message: `ragged input "${name}" needs a model input of shape [-1]; the model (${where}) has ${shapeText(model)}` });
    } else if (model.length > 0) {
      findings.push(...compareDims("input", name, model, dims, maxBatch, false, where));
    } else {
      findings.push(...scalarFindings("input", name, dims, maxBatch, where));
    }
  }

  const batchOutputs = new Set(entries(config, "batch_output").flatMap((b) => (b.target_name as string[] | undefined) ?? []));
  const modelOutputs = new Map(model.outputs.map((v) => [v.name, v]));
  for (const io of entries(config, "output")) {
    const name = io.name as string;
    const v = modelOutputs.get(name);
    if (v === undefined) {
      findings.push({ rule: "output-missing-in-model", message: `config output "${name}" is not an output of the model (${where} has ${[...modelOutputs.keys()].join(", ") || "none"})` });
      continue;
    }
    findings.push(...typeFinding("output", name, (io.data_type as string | undefined) ?? "TYPE_INVALID", v, where));
    // A batch output's shape is the batcher's, not the model's.
    if (batchOutputs.has(name)) continue;
    const model = ortDims(v);
    if (model.length > 0) findings.push(...compareDims("output", name, model, configDims(io), maxBatch, true, where));
    else findings.push(...scalarFindings("output", name, configDims(io), maxBatch, where));
  }
  for (const b of entries(config, "batch_input")) {
    for (const target of (b.target_name as string[] | undefined) ?? []) {
      // Loads (only the count is checked), but the backend fails every request when it cannot feed the tensor.
      if (!modelInputs.has(target)) findings.push({ rule: "batch-input", severity: "warning", message: `batch_input target "${target}" is not an input of the model (${where}); Triton loads it but requests fail` });
    }
  }
  return findings;
}

/** ValidateInputs/ValidateOutputs: a rank-0 model tensor is given as dims of 1s. */
function scalarFindings(role: string, name: string, dims: number[], maxBatch: number, where: string): ValidateFinding[] {
  if (dims.some((d) => d !== 1)) {
    return [{ rule: "scalar-dims", message: `${role} "${name}" is a scalar in the model (${where}): the config may give only 1s as its dims (it has ${shapeText(dims)})` }];
  }
  // Not refused at load, but a batched request of [batch, 1] does not fit a model that takes a scalar.
  if (maxBatch > 0 && dims.length > 0) {
    return [{ rule: "scalar-batched", severity: "warning", message: `${role} "${name}" is a scalar in the model (${where}) but max_batch_size ${maxBatch} gives it [batch, ${dims.join(", ")}]; Triton loads it, but inference will not fit the model — use max_batch_size 0` }];
  }
  return [];
}
