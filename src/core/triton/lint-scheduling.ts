/** Lint rules for sequence-batching controls and ensemble scheduling (see lint.ts for the policy). */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { Finding } from "./lint.js";

const BOOLEAN_CONTROLS = new Set(["CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_READY", "CONTROL_SEQUENCE_END"]);
const CORRID_TYPES = new Set(["TYPE_UINT64", "TYPE_INT64", "TYPE_UINT32", "TYPE_INT32", "TYPE_STRING"]);
const FALSE_TRUE = ["int32_false_true", "fp32_false_true", "bool_false_true"] as const;

export function lintSequenceControls(config: ConfigObject): Finding[] {
  const sb = config.sequence_batching as ConfigObject | undefined;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  ((sb?.control_input as ConfigObject[] | undefined) ?? []).forEach((input, i) => {
    ((input.control as ConfigObject[] | undefined) ?? []).forEach((control, j) => {
      const at = `sequence_batching.control_input[${i}].control[${j}]`;
      // The proto3 default kind is CONTROL_SEQUENCE_START, which the parser leaves out.
      const kind = (control.kind as string | undefined) ?? "CONTROL_SEQUENCE_START";
      if (seen.has(kind)) findings.push({ rule: "sequence-control-duplicate", path: `${at}.kind`, message: `${kind} is given more than once` });
      seen.add(kind);
      if (BOOLEAN_CONTROLS.has(kind)) {
        const given = FALSE_TRUE.filter((k) => ((control[k] as unknown[] | undefined) ?? []).length > 0);
        if (given.length !== 1) {
          findings.push({ rule: "sequence-control-values", path: at, message: `${kind} needs exactly one of ${FALSE_TRUE.join(", ")}` });
        } else if ((control[given[0]!] as unknown[]).length !== 2) {
          findings.push({ rule: "sequence-control-values", path: `${at}.${given[0]}`, message: `${given[0]} needs exactly 2 values: false, then true` });
        }
      } else if (kind === "CONTROL_SEQUENCE_CORRID" && !CORRID_TYPES.has(control.data_type as string)) {
        findings.push({ rule: "sequence-control-corrid", path: `${at}.data_type`, message: `CONTROL_SEQUENCE_CORRID needs data_type ${[...CORRID_TYPES].join(", ")}` });
      }
    });
  });
  return findings;
}

export function lintEnsemble(config: ConfigObject): Finding[] {
  const ens = config.ensemble_scheduling as ConfigObject | undefined;
  const isEnsemble = config.platform === "ensemble";
  if (ens === undefined) {
    return isEnsemble ? [{ rule: "ensemble-platform", path: "ensemble_scheduling", message: 'platform "ensemble" needs ensemble_scheduling' }] : [];
  }
  if (!isEnsemble) return [{ rule: "ensemble-platform", path: "platform", message: 'ensemble_scheduling needs platform "ensemble"' }];
  const findings: Finding[] = [];
  const steps = (ens.step as ConfigObject[] | undefined) ?? [];
  const names = (field: string) => ((config[field] as ConfigObject[] | undefined) ?? []).map((io) => io.name as string);
  // Step order does not matter to Triton (it builds a graph from tensor names), so any step may produce a tensor.
  const available = new Set(names("input"));
  steps.forEach((step, i) => {
    const at = `ensemble_scheduling.step[${i}]`;
    if (step.model_name === undefined) findings.push({ rule: "ensemble-step", path: `${at}.model_name`, message: "a step needs a model_name" });
    const version = Number((step.model_version as string | undefined) ?? "0");
    if (version < -1) findings.push({ rule: "ensemble-step", path: `${at}.model_version`, message: `model_version ${version} must be -1 (latest) or a version` });
    for (const [key, tensor] of Object.entries((step.output_map as Record<string, string> | undefined) ?? {})) {
      if (available.has(tensor)) findings.push({ rule: "ensemble-tensor", path: `${at}.output_map[${key}]`, message: `ensemble tensor "${tensor}" is produced more than once` });
      available.add(tensor);
    }
  });
  steps.forEach((step, i) => {
    for (const [key, tensor] of Object.entries((step.input_map as Record<string, string> | undefined) ?? {})) {
      if (!available.has(tensor)) {
        findings.push({ rule: "ensemble-tensor", path: `ensemble_scheduling.step[${i}].input_map[${key}]`, message: `ensemble tensor "${tensor}" is neither an ensemble input nor a step's output` });
      }
    }
  });
  names("output").forEach((name, i) => {
    if (!available.has(name)) {
      findings.push({ rule: "ensemble-tensor", path: `output[${i}]`, message: `ensemble output "${name}" is not produced by any step` });
    }
  });
  return findings;
}
