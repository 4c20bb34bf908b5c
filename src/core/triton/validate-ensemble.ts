/**
 * `trtx repo validate` for ensembles against their composing models: what Triton checks only once every step's
 * model is known — the dependency graph (core src/model_repository_manager/model_repository_manager.cc) and
 * ValidateEnsembleConfig (core src/ensemble_scheduler/ensemble_utils.cc), as in Triton 2.51 (r24.10). The checks
 * that need only the ensemble's own config (no instance_group, non-empty maps, each tensor produced once, every
 * input used) are lint's (lint-scheduling.ts).
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

/** Triton's marker for a variable-size dimension. */
const WILDCARD = -1;

type Configs = ReadonlyMap<string, ConfigObject>;

const listOf = (value: unknown): ConfigObject[] => (value as ConfigObject[] | undefined) ?? [];
const mapOf = (value: unknown): [string, string][] => Object.entries((value as Record<string, string> | undefined) ?? {});
const dimsOf = (value: unknown): number[] => ((value as (string | number)[] | undefined) ?? []).map(Number);
const isEnsemble = (config: ConfigObject | undefined): boolean => config?.ensemble_scheduling !== undefined;
const stepsOf = (config: ConfigObject): ConfigObject[] => listOf((config.ensemble_scheduling as ConfigObject | undefined)?.step);
const showDims = (dims: readonly number[]): string => `[${dims.join(",")}]`;

/**
 * `configs`: every model of the repository by name — the config Triton goes on with (after the backend's
 * auto-complete where the caller has it); `loadedVersions`: the versions each model's version policy loads, where
 * known (a step that names a version is checked against them). Returns the findings of each ensemble, by name.
 */
export function validateEnsembles(configs: Configs, loadedVersions: ReadonlyMap<string, readonly number[]> = new Map()): Map<string, ValidateFinding[]> {
  const out = new Map<string, ValidateFinding[]>();
  for (const [name, config] of configs) {
    if (!isEnsemble(config)) continue;
    out.set(name, validateEnsemble(name, config, configs, loadedVersions));
  }
  return out;
}

function validateEnsemble(name: string, config: ConfigObject, configs: Configs, loadedVersions: ReadonlyMap<string, readonly number[]>): ValidateFinding[] {
  const steps = stepsOf(config);
  // model_repository_manager.cc, ConnectDependencyGraph: every step's model must be in the repository.
  const missing = [...new Set(steps.map((s) => String(s.model_name ?? "")).filter((m) => !configs.has(m)))];
  if (missing.length > 0) {
    return [{ rule: "ensemble-step-model", message: `ensemble ${name} contains models that are not available or ambiguous: ${missing.join(", ")} (no such model folder in the repository)` }];
  }
  const cycle = cycleThrough(name, configs);
  if (cycle !== undefined) return [{ rule: "ensemble-cycle", message: `circular dependency between ensembles: ${cycle.join(" -> ")}` }];

  const findings: ValidateFinding[] = [];
  // model_repository_manager.cc, CheckNode: a step's model_version other than -1 must be a version that loads. An
  // omitted model_version is 0 (proto3's default), not "latest".
  steps.forEach((step, i) => {
    const model = String(step.model_name);
    const required = Number((step.model_version as string | undefined) ?? "0");
    const loaded = loadedVersions.get(model);
    if (required === -1 || loaded === undefined || loaded.includes(required)) return;
    const hint = step.model_version === undefined ? ": model_version left out is version 0; use model_version: -1 for the latest" : ` (loaded: ${loaded.join(", ") || "none"})`;
    findings.push({ rule: "ensemble-step-version", message: `step[${i}]: ensemble '${name}' depends on '${model}' whose required version ${required} is not loaded${hint}` });
  });
  findings.push(...checkTensors(name, config, configs));
  findings.push(...checkDecoupled(name, config, configs));
  return findings;
}

/**
 * The dependency cycle through `start` (names from `start` back to it), if any. Mirrors
 * model_repository_manager.cc, CircularDependencyCheck, which walks the ensembles each one depends on.
 */
function cycleThrough(start: string, configs: Configs): string[] | undefined {
  const seen = new Set<string>();
  const walk = (name: string, trail: string[]): string[] | undefined => {
    for (const step of stepsOf(configs.get(name) ?? {})) {
      const up = String(step.model_name);
      if (up === start) return [...trail, start];
      if (seen.has(up) || !isEnsemble(configs.get(up))) continue;
      seen.add(up);
      const found = walk(up, [...trail, up]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** What ensemble_utils.cc's TensorNode records of one tensor: its type and dims, and the model they come from. */
interface TensorNode {
  model: string;
  type: string;
  dims: number[];
  /** dims with the batch dim (-1) in front when the model batches. */
  fullDims: number[];
}

function node(model: string, batching: boolean, io: ConfigObject, useReshape: boolean): TensorNode {
  const reshape = io.reshape as ConfigObject | undefined;
  const dims = useReshape && reshape !== undefined ? dimsOf(reshape.shape) : dimsOf(io.dims);
  return { model, type: (io.data_type as string | undefined) ?? "TYPE_INVALID", dims, fullDims: batching ? [WILDCARD, ...dims] : dims };
}

/** common's CompareDimsWithWildcard: same rank, and each dim equal or -1 on either side. */
const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i] || d === WILDCARD || b[i] === WILDCARD);

/**
 * ensemble_utils.cc, ValidateTensorConsistency: every use of an ensemble tensor must agree with the first on data
 * type, and on shape with or without the batch dim (a non-batching model's [-1, d...] meets a batching one's [d...]).
 */
function consistency(ensemble: string, tensor: string, first: TensorNode, other: TensorNode): ValidateFinding | undefined {
  const at = `in ensemble ${ensemble}, ensemble tensor ${tensor}`;
  if (first.type !== other.type) {
    return { rule: "ensemble-data-type", message: `${at}: inconsistent data type: ${first.type} is inferred from model ${first.model} while ${other.type} is inferred from model ${other.model}` };
  }
  if (!sameDims(first.dims, other.dims) && !sameDims(first.fullDims, other.fullDims)) {
    return { rule: "ensemble-shape", message: `${at}: inconsistent shape: ${showDims(first.fullDims)} is inferred from model ${first.model} while ${showDims(other.fullDims)} is inferred from model ${other.model}` };
  }
  return undefined;
}

/**
 * ensemble_utils.cc, ValidateEnsembleConfig and ValidateTensorMapping: each step against its model's config —
 * max_batch_size, input_map keys are the model's inputs and cover every required one, output_map keys are its
 * outputs — and each tensor's type and shape along the ensemble. Triton stops at the first error; every finding here
 * is one Triton would report once the earlier ones are fixed. A composing config that leaves its inputs or outputs
 * to the backend's auto-complete is not known here, so its tensors are not checked.
 */
function checkTensors(ensemble: string, config: ConfigObject, configs: Configs): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const maxBatch = Number(config.max_batch_size ?? 0);
  const tensors = new Map<string, TensorNode>();
  const meet = (tensor: string, seen: TensorNode) => {
    const first = tensors.get(tensor);
    if (first === undefined) tensors.set(tensor, seen);
    else {
      const finding = consistency(ensemble, tensor, first, seen);
      if (finding !== undefined) findings.push(finding);
    }
  };
  // The ensemble's own inputs and outputs come first, with their reshape where they have one.
  for (const io of [...listOf(config.input), ...listOf(config.output)]) meet(String(io.name), node(ensemble, maxBatch > 0, io, true));

  stepsOf(config).forEach((step, i) => {
    const model = String(step.model_name);
    const composing = configs.get(model)!;
    const inputs = listOf(composing.input);
    const outputs = listOf(composing.output);
    const composingBatch = Number(composing.max_batch_size ?? 0);
    const at = `step[${i}] (${model})`;
    // A batching ensemble may hold non-batching models; a batching model must take the ensemble's whole batch.
    if (composingBatch !== 0 && composingBatch < maxBatch) {
      findings.push({
        rule: "ensemble-max-batch-size",
        message: `${at}: ensemble ${ensemble} allows maximum batch size ${maxBatch}, but it contains model ${model} which only allows maximum batch size to be ${composingBatch}`,
      });
    }
    if (inputs.length === 0 || outputs.length === 0) return;
    const batching = composingBatch > 0;
    const inputMap = mapOf(step.input_map);
    const inputNames = new Set(inputs.map((io) => String(io.name)));
    for (const [key, tensor] of inputMap) {
      if (!inputNames.has(key)) {
        findings.push({ rule: "ensemble-input-map", message: `${at}: in ensemble ${ensemble}, ensemble tensor ${tensor} is mapping to non-existing input ${key} in model ${model} (its inputs: ${[...inputNames].join(", ")})` });
      }
    }
    for (const io of inputs) {
      const mapped = inputMap.find(([key]) => key === io.name);
      if (mapped !== undefined) meet(mapped[1], node(model, batching, io, false));
      else if (io.optional !== true) {
        findings.push({ rule: "ensemble-input-unmapped", message: `${at}: in ensemble ${ensemble}, input ${String(io.name)} in model ${model} is not mapped to any ensemble tensors` });
      }
    }
    const outputByName = new Map(outputs.map((io) => [String(io.name), io]));
    for (const [key, tensor] of mapOf(step.output_map)) {
      const io = outputByName.get(key);
      if (io === undefined) {
        findings.push({ rule: "ensemble-output-map", message: `${at}: in ensemble ${ensemble}, ensemble tensor ${tensor} is mapped from non-existing output ${key} in model ${model} (its outputs: ${[...outputByName.keys()].join(", ")})` });
      } else meet(tensor, node(model, batching, io, false));
    }
  });
  return findings;
}

/** A model's responses are decoupled: its own transaction policy, or for an ensemble any decoupled model inside. */
function isDecoupled(name: string, configs: Configs, trail: ReadonlySet<string> = new Set()): boolean {
  const config = configs.get(name);
  if (config === undefined || trail.has(name)) return false;
  if ((config.model_transaction_policy as ConfigObject | undefined)?.decoupled === true) return true;
  // ensemble_utils.cc, ValidateEnsembleConfig sets an ensemble's decoupled when a decoupled model feeds it.
  const inner = new Set([...trail, name]);
  return isEnsemble(config) && stepsOf(config).some((s) => isDecoupled(String(s.model_name), configs, inner));
}

interface FlowNode {
  /** The step's model that produces the tensor, or the ensemble for its inputs and for the sink. */
  producer: string;
  decoupled: boolean;
  label: number;
  visited: boolean;
  prev: FlowNode[];
  next: FlowNode[];
  /** The step's first output, shared by the step's outputs so they take one label. */
  sibling?: { label: number; visited: boolean };
}

/**
 * ensemble_utils.cc, ValidateEnsembleConfig's data-flow walk: every decoupled step starts a new label, and a step
 * (or the ensemble's outputs together) may not take tensors of different labels, since their responses do not pair.
 */
function checkDecoupled(ensemble: string, config: ConfigObject, configs: Configs): ValidateFinding[] {
  const steps = stepsOf(config);
  if (!steps.some((s) => isDecoupled(String(s.model_name), configs))) return [];
  const nodes = new Map<string, FlowNode>();
  const nodeOf = (tensor: string): FlowNode => {
    let n = nodes.get(tensor);
    if (n === undefined) nodes.set(tensor, (n = { producer: ensemble, decoupled: false, label: 0, visited: false, prev: [], next: [] }));
    return n;
  };
  const start = listOf(config.input).map((io) => nodeOf(String(io.name)));
  const sink: FlowNode = { producer: ensemble, decoupled: false, label: 0, visited: false, prev: [], next: [] };
  for (const io of listOf(config.output)) {
    const out = nodeOf(String(io.name));
    sink.prev.push(out);
    out.next.push(sink);
  }
  for (const step of steps) {
    const model = String(step.model_name);
    const decoupled = isDecoupled(model, configs);
    const sibling = { label: 0, visited: false };
    const ins = mapOf(step.input_map).map(([, t]) => nodeOf(t));
    for (const [, tensor] of mapOf(step.output_map)) {
      const out = nodeOf(tensor);
      Object.assign(out, { producer: model, decoupled, sibling });
      for (const p of ins) {
        out.prev.push(p);
        p.next.push(out);
      }
    }
  }
  let labels = 0;
  const queue = [...start];
  for (const n of start) n.visited = true;
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of current.next) {
      if (next.visited || !next.prev.every((p) => p.visited)) continue;
      const label = next.prev[0]!.label;
      if (next.prev.some((p) => p.label !== label)) {
        const who = next === sink ? `the outputs of ensemble ${ensemble}` : `the step of model '${next.producer}'`;
        return [{ rule: "ensemble-decoupled", message: `in ensemble ${ensemble}, ${who} receives inputs originated from different decoupled models (their responses cannot be paired)` }];
      }
      if (next.sibling !== undefined && next.sibling.visited) next.label = next.sibling.label;
      else {
        next.label = next.decoupled ? ++labels : label;
        if (next.sibling !== undefined) Object.assign(next.sibling, { label: next.label, visited: true });
      }
      next.visited = true;
      queue.push(next);
    }
  }
  return [];
}
