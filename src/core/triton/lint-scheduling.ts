/**
 * Lint rules for the schedulers' settings (see lint.ts for the policy), after Triton core's model_config_utils.cc
 * (r24.10): ValidateModelConfig on sequence_batching with GetBooleanSequenceControlProperties and
 * GetTypedSequenceControlProperties, and ValidateEnsembleSchedulingConfig with BuildEnsembleGraph.
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { Finding } from "./lint.js";

const BOOLEAN_CONTROLS = new Set(["CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_READY", "CONTROL_SEQUENCE_END"]);
const CORRID_TYPES = new Set(["TYPE_UINT64", "TYPE_INT64", "TYPE_UINT32", "TYPE_INT32", "TYPE_STRING"]);
const FALSE_TRUE = ["int32_false_true", "fp32_false_true", "bool_false_true"] as const;

/** Preferred batch sizes, of the dynamic batcher or the sequence batcher's oldest strategy: from 1 to max_batch_size. */
export function lintPreferredSizes(sizes: unknown, at: string, maxBatchSize: number): Finding[] {
  return ((sizes as number[] | undefined) ?? []).flatMap((size, i) =>
    size >= 1 && size <= maxBatchSize ? [] : [{ rule: "preferred-batch-size", path: `${at}[${i}]`, message: `preferred batch size ${size} must be from 1 to max_batch_size (${maxBatchSize})` }],
  );
}

export function lintSequenceBatching(config: ConfigObject, maxBatchSize: number): Finding[] {
  const sb = config.sequence_batching as ConfigObject | undefined;
  if (sb === undefined) return [];
  const findings = lintSequenceControls(sb);
  findings.push(...lintPreferredSizes((sb.oldest as ConfigObject | undefined)?.preferred_batch_size, "sequence_batching.oldest.preferred_batch_size", maxBatchSize));
  const utilization = ((sb.direct as ConfigObject | undefined)?.minimum_slot_utilization as number | undefined) ?? 0;
  if (!(utilization >= 0 && utilization <= 1)) {
    findings.push({ rule: "sequence-slot-utilization", path: "sequence_batching.direct.minimum_slot_utilization", message: `minimum_slot_utilization ${utilization} must be from 0 to 1` });
  }
  return findings;
}

function lintSequenceControls(sb: ConfigObject): Finding[] {
  const findings: Finding[] = [];
  const kinds = new Set<string>();
  const tensors = new Set<string>();
  ((sb.control_input as ConfigObject[] | undefined) ?? []).forEach((input, i) => {
    const name = (input.name as string | undefined) ?? "";
    if (name === "") findings.push({ rule: "sequence-control-name", path: `sequence_batching.control_input[${i}].name`, message: "a control tensor needs a name" });
    else if (tensors.has(name)) findings.push({ rule: "sequence-control-name", path: `sequence_batching.control_input[${i}].name`, message: `control tensor "${name}" is given more than once (one control_input per tensor)` });
    tensors.add(name);
    ((input.control as ConfigObject[] | undefined) ?? []).forEach((control, j) => {
      const at = `sequence_batching.control_input[${i}].control[${j}]`;
      // The proto3 default kind is CONTROL_SEQUENCE_START, so a control without a kind is one.
      const kind = (control.kind as string | undefined) ?? "CONTROL_SEQUENCE_START";
      if (kinds.has(kind)) findings.push({ rule: "sequence-control-duplicate", path: `${at}.kind`, message: `${kind} is given more than once` });
      kinds.add(kind);
      const given = FALSE_TRUE.filter((k) => ((control[k] as unknown[] | undefined) ?? []).length > 0);
      if (BOOLEAN_CONTROLS.has(kind)) {
        if (given.length !== 1) {
          findings.push({ rule: "sequence-control-values", path: at, message: `${kind} needs exactly one of ${FALSE_TRUE.join(", ")}` });
        } else if ((control[given[0]!] as unknown[]).length !== 2) {
          findings.push({ rule: "sequence-control-values", path: `${at}.${given[0]}`, message: `${given[0]} needs exactly 2 values: false, then true` });
        }
      } else if (kind === "CONTROL_SEQUENCE_CORRID") {
        if (given.length > 0) findings.push({ rule: "sequence-control-values", path: `${at}.${given[0]}`, message: `CONTROL_SEQUENCE_CORRID takes a data_type, not ${given.join(", ")}` });
        if (!CORRID_TYPES.has(control.data_type as string)) {
          findings.push({ rule: "sequence-control-corrid", path: `${at}.data_type`, message: `CONTROL_SEQUENCE_CORRID needs data_type ${[...CORRID_TYPES].join(", ")}` });
        }
      }
    });
  });
  return findings;
}

/** An ensemble tensor of BuildEnsembleGraph: the tensors its producing step reads, and the step inputs that read it. */
interface EnsembleTensor {
  /** Where a step writes it (its output_map entry), or first reads it. */
  path: string;
  produced: boolean;
  prev: Set<string>;
  /** The model inputs (input_map keys) it is mapped to. */
  next: Set<string>;
}

export function lintEnsemble(config: ConfigObject): Finding[] {
  const ens = config.ensemble_scheduling as ConfigObject | undefined;
  const isEnsemble = config.platform === "ensemble";
  if (ens === undefined) {
    return isEnsemble ? [{ rule: "ensemble-platform", path: "ensemble_scheduling", message: 'platform "ensemble" needs ensemble_scheduling' }] : [];
  }
  if (!isEnsemble) return [{ rule: "ensemble-platform", path: "platform", message: 'ensemble_scheduling needs platform "ensemble"' }];
  const findings: Finding[] = [];
  // An ensemble runs no instances of its own: its composing models have them.
  if (((config.instance_group as unknown[] | undefined) ?? []).length > 0) findings.push({ rule: "ensemble-config", path: "instance_group", message: "an ensemble has no instance_group (its steps' models do)" });
  if (config.optimization !== undefined) findings.push({ rule: "ensemble-config", path: "optimization", message: "an ensemble has no optimization (its steps' models do)" });
  if (((config.model_warmup as unknown[] | undefined) ?? []).length > 0) findings.push({ rule: "ensemble-config", path: "model_warmup", message: "an ensemble has no model_warmup (warm up its steps' models)" });
  const steps = (ens.step as ConfigObject[] | undefined) ?? [];
  if (steps.length === 0) return [...findings, { rule: "ensemble-step", path: "ensemble_scheduling.step", message: "an ensemble needs at least one step" }];
  const tensors = new Map<string, EnsembleTensor>();
  const tensor = (name: string, path: string) => tensors.get(name) ?? tensors.set(name, { path, produced: false, prev: new Set(), next: new Set() }).get(name)!;
  steps.forEach((step, i) => {
    const at = `ensemble_scheduling.step[${i}]`;
    const inputs = Object.entries((step.input_map as Record<string, string> | undefined) ?? {});
    const outputs = Object.entries((step.output_map as Record<string, string> | undefined) ?? {});
    if (step.model_name === undefined || step.model_name === "") findings.push({ rule: "ensemble-step", path: `${at}.model_name`, message: "a step needs a model_name" });
    if (inputs.length === 0) findings.push({ rule: "ensemble-step", path: `${at}.input_map`, message: "a step needs an input_map" });
    if (outputs.length === 0) findings.push({ rule: "ensemble-step", path: `${at}.output_map`, message: "a step needs an output_map" });
    const version = Number((step.model_version as string | undefined) ?? "0");
    if (version < -1) findings.push({ rule: "ensemble-step", path: `${at}.model_version`, message: `model_version ${version} must be -1 (latest) or a version` });
    const written = outputs.map(([key, name]) => {
      const t = tensor(name, `${at}.output_map[${key}]`);
      if (t.produced) findings.push({ rule: "ensemble-tensor", path: `${at}.output_map[${key}]`, message: `ensemble tensor "${name}" is produced more than once` });
      else Object.assign(t, { produced: true, path: `${at}.output_map[${key}]` });
      return t;
    });
    for (const [key, name] of inputs) {
      tensor(name, `${at}.input_map[${key}]`).next.add(key);
      for (const out of written) out.prev.add(name);
    }
  });
  findings.push(...lintDataFlow(config, tensors));
  return findings;
}

/** ValidateEnsembleSchedulingConfig's data flow: from the ensemble's inputs every tensor is written and read. */
function lintDataFlow(config: ConfigObject, tensors: Map<string, EnsembleTensor>): Finding[] {
  const findings: Finding[] = [];
  const names = (field: string) => ((config[field] as ConfigObject[] | undefined) ?? []).map((io) => io.name as string);
  const ready = new Set<string>();
  names("input").forEach((name, i) => {
    if (tensors.has(name)) ready.add(name);
    else findings.push({ rule: "ensemble-tensor", path: `input[${i}]`, message: `ensemble input "${name}" is not used by any step` });
  });
  // A tensor is ready once every tensor its step reads is; repeat until nothing changes (the graph is small).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, t] of tensors) {
      if (!ready.has(name) && t.produced && [...t.prev].every((p) => ready.has(p))) {
        ready.add(name);
        changed = true;
      }
    }
  }
  const outputs = new Set(names("output"));
  names("output").forEach((name, i) => {
    if (!tensors.has(name)) findings.push({ rule: "ensemble-tensor", path: `output[${i}]`, message: `ensemble output "${name}" is not produced by any step` });
    else if (!ready.has(name)) findings.push({ rule: "ensemble-tensor", path: `output[${i}]`, message: `ensemble output "${name}" is never written: ${missingSource(name, tensors, ready)}` });
  });
  for (const [name, t] of tensors) {
    if (outputs.has(name)) continue;
    if (!ready.has(name)) {
      const why = t.produced ? `its step reads tensors no step writes first (${missingSource(name, tensors, ready)})` : "it is neither an ensemble input nor a step's output";
      findings.push({ rule: "ensemble-tensor", path: t.path, message: `ensemble tensor "${name}" is never written: ${why}` });
    } else if (t.next.size === 0) {
      findings.push({ rule: "ensemble-tensor", path: t.path, message: `ensemble tensor "${name}" is written but no step reads it and it is not an ensemble output` });
    }
  }
  return findings;
}

/** The first tensor upstream of `name` that nothing writes, as Triton names it in "is not written". */
function missingSource(name: string, tensors: Map<string, EnsembleTensor>, ready: ReadonlySet<string>): string {
  const seen = new Set([name]);
  let current = name;
  for (;;) {
    const next = [...(tensors.get(current)?.prev ?? [])].find((p) => !ready.has(p) && !seen.has(p));
    if (next === undefined) break;
    seen.add(next);
    current = next;
  }
  return current === name ? "a step it depends on waits on itself" : `it depends on "${current}", which is not connected`;
}
