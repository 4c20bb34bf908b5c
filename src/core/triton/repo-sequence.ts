/**
 * Sequence batching for `repo init`: the control tensors Triton's sequence batcher feeds (START, END, READY, CORRID)
 * and implicit state pairs, taken off the config's input/output lists and described in `sequence_batching`.
 * Triton's ModelConfig has one scheduler (the `scheduling_choice` oneof of model_config.proto), so a sequence model
 * gets no dynamic_batching.
 */
import { UsageError } from "../errors.js";
import { formatShape, type ValueDesc } from "../onnx/model-info.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import { configShape, tensorEntry, tritonType } from "./repo-tensors.js";

export type ControlKind = "start" | "end" | "ready" | "corrid";
export type SequenceControlNames = Partial<Record<ControlKind, string>>;
export interface StatePair {
  input: string;
  output: string;
}

const KINDS: Record<ControlKind, string> = {
  start: "CONTROL_SEQUENCE_START",
  end: "CONTROL_SEQUENCE_END",
  ready: "CONTROL_SEQUENCE_READY",
  corrid: "CONTROL_SEQUENCE_CORRID",
};

/** The names Triton's own QA sequence models give their control inputs (server qa/common/gen_qa_sequence_models.py,
 * gen_qa_dyna_sequence_models.py). */
const CONVENTIONAL: Record<ControlKind, string> = { start: "START", end: "END", ready: "READY", corrid: "CORRID" };

/**
 * The false/true pair for a boolean control, by the tensor's type: core model_config_utils.cc,
 * GetBooleanSequenceControlProperties, takes exactly one of int32_false_true, fp32_false_true and bool_false_true.
 */
const FALSE_TRUE: Record<string, ConfigObject> = {
  TYPE_INT32: { int32_false_true: [0, 1] },
  TYPE_FP32: { fp32_false_true: [0, 1] },
  TYPE_BOOL: { bool_false_true: [false, true] },
};

/** CORRID's types: core model_config_utils.cc, ValidateModelConfig ("Allowed data types are TYPE_UINT64, ..."). */
const CORRID_TYPES = ["TYPE_UINT64", "TYPE_INT64", "TYPE_UINT32", "TYPE_INT32", "TYPE_STRING"];

const CONTROL_HINT = "write start=NAME,end=NAME,ready=NAME,corrid=NAME (any of them)";

/** `--sequence-control start=NAME,end=NAME,ready=NAME,corrid=NAME`. */
export function parseSequenceControl(text: string): SequenceControlNames {
  const names: SequenceControlNames = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const kind = part.slice(0, eq).trim().toLowerCase();
    const name = part.slice(eq + 1).trim();
    if (eq < 0 || name === "" || !(kind in KINDS)) throw new UsageError(`--sequence-control "${part}" is not KIND=NAME with KIND start, end, ready or corrid`, { hint: CONTROL_HINT });
    if (names[kind as ControlKind] !== undefined) throw new UsageError(`--sequence-control names ${kind} twice`, { hint: "give each control once" });
    names[kind as ControlKind] = name;
  }
  return names;
}

/** `--sequence-state INPUT:OUTPUT,...`: the model input that reads the state and the output that writes it. */
export function parseSequenceState(text: string): StatePair[] {
  return text.split(",").map((part) => {
    const colon = part.lastIndexOf(":");
    const input = part.slice(0, colon).trim();
    const output = part.slice(colon + 1).trim();
    if (colon < 0 || input === "" || output === "") throw new UsageError(`--sequence-state "${part}" is not INPUT:OUTPUT`, { hint: "name the model input that reads the state and the output that writes it, e.g. INPUT_STATE:OUTPUT_STATE" });
    return { input, output };
  });
}

export interface SequencePlan {
  /** The `sequence_batching` message. */
  scheduling: ConfigObject;
  /** Model inputs Triton feeds itself (controls and state inputs): not in the config's `input` list. */
  fedInputs: Set<string>;
  /** State outputs: not in the config's `output` list. */
  stateOutputs: Set<string>;
  /** The control tensors, which a warm-up must give like any model input (it bypasses the sequence batcher). */
  controls: ValueDesc[];
  /** The state inputs, likewise. */
  stateInputs: ValueDesc[];
}

/**
 * The model's sequence batching, or undefined when it has none. Controls come from `names` when given, otherwise
 * from inputs named exactly START, END, READY and CORRID; states only from `states`.
 */
export function planSequence(inputs: readonly ValueDesc[], outputs: readonly ValueDesc[], batched: boolean, names?: SequenceControlNames, states: readonly StatePair[] = []): SequencePlan | undefined {
  const chosen = names ?? conventionalControls(inputs);
  if (Object.keys(chosen).length === 0 && states.length === 0) return undefined;
  const inputOf = (name: string, what: string): ValueDesc => {
    const v = inputs.find((i) => i.name === name);
    if (v === undefined) throw new UsageError(`${what} names ${name}, which is not a model input`, { hint: `inputs: ${inputs.map((i) => i.name).join(", ")}` });
    return v;
  };

  const fedInputs = new Set<string>();
  const controls: ValueDesc[] = [];
  const controlInputs: ConfigObject[] = [];
  for (const kind of Object.keys(KINDS) as ControlKind[]) {
    const name = chosen[kind];
    if (name === undefined) continue;
    const v = inputOf(name, `--sequence-control ${kind}`);
    // core model_config_utils.cc, GetBooleanSequenceControlProperties: one control kind per tensor.
    if (fedInputs.has(name)) throw new UsageError(`input ${name} is given for two sequence controls`, { hint: "each control needs its own model input" });
    checkControlShape(v, kind, batched);
    controlInputs.push({ name, control: [{ ...kindField(kind), ...controlValues(v, kind) }] });
    fedInputs.add(name);
    controls.push(v);
  }

  const stateOutputs = new Set<string>();
  const stateInputs: ValueDesc[] = [];
  const stateEntries = states.map(({ input, output }) => {
    const vin = inputOf(input, `--sequence-state ${input}:${output}`);
    const vout = outputs.find((o) => o.name === output);
    if (vout === undefined) throw new UsageError(`--sequence-state ${input}:${output} names ${output}, which is not a model output`, { hint: `outputs: ${outputs.map((o) => o.name).join(", ")}` });
    if (fedInputs.has(input) || stateOutputs.has(output)) throw new UsageError(`--sequence-state ${input}:${output} uses a tensor that is already a control or a state`, { hint: "give each state its own input and output" });
    fedInputs.add(input);
    stateOutputs.add(output);
    stateInputs.push(vin);
    return stateEntry(vin, vout, batched);
  });

  const scheduling: ConfigObject = {};
  if (controlInputs.length > 0) scheduling.control_input = controlInputs;
  if (stateEntries.length > 0) scheduling.state = stateEntries;
  return { scheduling, fedInputs, stateOutputs, controls, stateInputs };
}

function conventionalControls(inputs: readonly ValueDesc[]): SequenceControlNames {
  const found: SequenceControlNames = {};
  for (const kind of Object.keys(CONVENTIONAL) as ControlKind[]) {
    if (inputs.some((v) => v.name === CONVENTIONAL[kind])) found[kind] = CONVENTIONAL[kind];
  }
  return found;
}

/** CONTROL_SEQUENCE_START is the enum's zero, which the canonical rendering leaves out (proto3 text format). */
const kindField = (kind: ControlKind): ConfigObject => (kind === "start" ? {} : { kind: KINDS[kind] });

/**
 * onnxruntime_backend src/onnxruntime.cc, ValidateBooleanSequenceControl / ValidateTypedSequenceControl: the
 * model's control input must have dims [1] after the batch dim ("... but dims [1] is expected").
 */
function checkControlShape(v: ValueDesc, kind: ControlKind, batched: boolean): void {
  const shape = v.shape === null ? null : configShape(v, "input", batched);
  if (shape === null || shape.length !== 1 || shape[0] !== 1) {
    throw new UsageError(`sequence control ${kind} (input ${v.name}) has shape ${formatShape(v.shape)}, but Triton's onnxruntime backend needs ${batched ? "[batch, 1]" : "[1]"}`, {
      hint: `export the model with ${v.name} shaped ${batched ? "[batch, 1]" : "[1]"}, or name another input with --sequence-control ${kind}=NAME`,
    });
  }
}

function controlValues(v: ValueDesc, kind: ControlKind): ConfigObject {
  const type = tritonType(v, "input");
  if (kind === "corrid") {
    if (!CORRID_TYPES.includes(type)) throw new UsageError(`sequence control corrid (input ${v.name}) is ${type}, which Triton does not take for CORRID`, { hint: `use one of ${CORRID_TYPES.join(", ")}` });
    return { data_type: type };
  }
  const values = FALSE_TRUE[type];
  if (values === undefined) throw new UsageError(`sequence control ${kind} (input ${v.name}) is ${type}, which Triton cannot set to false/true`, { hint: `use one of ${Object.keys(FALSE_TRUE).join(", ")}` });
  return values;
}

/**
 * One `sequence_batching.state` (docs/user_guide/architecture.md, "Implicit State Management"): the input and
 * output share one type and one description of dims (batch dim left out), -1 where either is variable.
 *
 * It starts from zeros (initial_state zero_data): without one, a sequence's first request reads uninitialized
 * memory unless the model resets the state itself on START (architecture.md, "State Initialization"); zeros are
 * right for a model that does and make one that does not (a plain accumulator) correct. Variable dims start at 1,
 * the size Triton gives them on the first request anyway; core sequence_batch_scheduler.cc,
 * GenerateInitialStateData, refuses variable dims in an initial state and needs its `name`. A string state has no
 * zero bytes that make a valid string tensor, so it keeps Triton's default.
 */
function stateEntry(vin: ValueDesc, vout: ValueDesc, batched: boolean): ConfigObject {
  const what = `--sequence-state ${vin.name}:${vout.name}`;
  const type = tritonType(vin, "input");
  if (tritonType(vout, "output") !== type) throw new UsageError(`${what}: the input is ${type} but the output is ${tritonType(vout, "output")}`, { hint: "a state's input and output have one type" });
  const inDims = tensorEntry(vin, "input", batched).dims as string[];
  const outDims = tensorEntry(vout, "output", batched).dims as string[];
  if (configShape(vin, "input", batched).length === 0) throw new UsageError(`${what}: the state has no dims after the batch dim, which repo init cannot describe`, { hint: "give the state tensors at least one dim besides the batch dim" });
  if (inDims.length !== outDims.length) throw new UsageError(`${what}: the input has ${inDims.length} dims and the output ${outDims.length}`, { hint: "a state's input and output have one rank" });
  const dims = inDims.map((d, i) => {
    const o = outDims[i]!;
    if (d !== o && d !== "-1" && o !== "-1") throw new UsageError(`${what}: dim ${i} is ${d} in the input and ${o} in the output`, { hint: "a state's input and output have one shape" });
    return d === o ? d : "-1";
  });
  const entry: ConfigObject = { input_name: vin.name, output_name: vout.name, data_type: type, dims };
  if (type !== "TYPE_STRING") entry.initial_state = [{ data_type: type, dims: dims.map((d) => (d === "-1" ? "1" : d)), zero_data: true, name: "zero" }];
  return entry;
}
