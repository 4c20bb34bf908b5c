/**
 * Lints a parsed ModelConfig against the rules Triton enforces when it loads a model (core's
 * model_config_utils.cc and the ensemble and sequence-batcher checks), so mistakes show up before a server
 * refuses the model. Only rules Triton itself applies are here: a finding on a config Triton loads is a bug.
 * Rules that need the model file or other models (auto-complete, ensemble composing models) are left out.
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import { lintEnsemble, lintSequenceControls } from "./lint-scheduling.js";
import { dimsOf, lintTensors } from "./lint-io.js";

export interface Finding {
  /** A stable id, e.g. "dims-value". */
  rule: string;
  /** Where in the config, e.g. "input[0].dims[1]". */
  path: string;
  message: string;
  /** Advice: Triton loads the config anyway, so a warning never fails a check. */
  severity?: "warning";
}

/** platform → the backend it implies (Triton's GetBackendTypeFromPlatform). */
const PLATFORM_BACKEND: Record<string, string> = {
  tensorrt_plan: "tensorrt",
  onnxruntime_onnx: "onnxruntime",
  tensorflow_graphdef: "tensorflow",
  tensorflow_savedmodel: "tensorflow",
  pytorch_libtorch: "pytorch",
};
const KNOWN_BACKENDS = new Set(Object.values(PLATFORM_BACKEND));

export function lintModelConfig(config: ConfigObject): Finding[] {
  const maxBatchSize = (config.max_batch_size as number | undefined) ?? 0;
  const findings: Finding[] = [];
  if (maxBatchSize < 0) findings.push({ rule: "max-batch-size", path: "max_batch_size", message: `max_batch_size ${maxBatchSize} must be >= 0` });
  findings.push(
    ...lintPlatform(config),
    ...lintTensors(config, maxBatchSize),
    ...lintInstanceGroups(config),
    ...lintDynamicBatching(config, maxBatchSize),
    ...lintSequenceControls(config),
    ...lintEnsemble(config),
    ...lintVersionPolicy(config),
  );
  return findings;
}

function lintPlatform(config: ConfigObject): Finding[] {
  const platform = config.platform as string | undefined;
  const backend = config.backend as string | undefined;
  // With only one of them set Triton fills in the other; with neither, auto-complete finds it from the files.
  if (platform === undefined || backend === undefined) return [];
  // Triton compares the backend kinds the two imply, so two unknown names (custom backends) pass.
  const implied = PLATFORM_BACKEND[platform];
  if (implied === backend || (implied === undefined && !KNOWN_BACKENDS.has(backend))) return [];
  return [{ rule: "platform-backend", path: "backend", message: `platform "${platform}" does not go with backend "${backend}"${implied ? ` (it means backend "${implied}")` : ""}` }];
}

function lintInstanceGroups(config: ConfigObject): Finding[] {
  const findings: Finding[] = [];
  ((config.instance_group as ConfigObject[] | undefined) ?? []).forEach((group, i) => {
    const gpus = (group.gpus as number[] | undefined) ?? [];
    // Triton turns a count below 1 into the backend's default, so count is not checked.
    if ((group.kind === "KIND_CPU" || group.kind === "KIND_MODEL") && gpus.length > 0) {
      findings.push({ rule: "instance-group-gpus", path: `instance_group[${i}].gpus`, message: `an instance group of kind ${group.kind} must not list gpus` });
    }
    const bad = gpus.findIndex((g) => g < 0);
    if (bad >= 0) findings.push({ rule: "instance-group-gpu-id", path: `instance_group[${i}].gpus[${bad}]`, message: `gpu id ${gpus[bad]} is not a device` });
  });
  return findings;
}

function lintDynamicBatching(config: ConfigObject, maxBatchSize: number): Finding[] {
  const db = config.dynamic_batching as ConfigObject | undefined;
  if (db === undefined) return [];
  const findings: Finding[] = [];
  ((db.preferred_batch_size as number[] | undefined) ?? []).forEach((size, i) => {
    if (size <= 0 || size > maxBatchSize) {
      findings.push({ rule: "preferred-batch-size", path: `dynamic_batching.preferred_batch_size[${i}]`, message: `preferred batch size ${size} must be from 1 to max_batch_size (${maxBatchSize})` });
    }
  });
  const levels = BigInt((db.priority_levels as string | undefined) ?? "0");
  if (levels === 0n) return findings;
  const inRange = (level: bigint) => level >= 1n && level <= levels;
  const defaultLevel = BigInt((db.default_priority_level as string | undefined) ?? "0");
  if (!inRange(defaultLevel)) {
    findings.push({ rule: "priority-level", path: "dynamic_batching.default_priority_level", message: `default_priority_level ${defaultLevel} must be from 1 to priority_levels (${levels})` });
  }
  for (const key of Object.keys((db.priority_queue_policy as ConfigObject | undefined) ?? {})) {
    if (!inRange(BigInt(key))) {
      findings.push({ rule: "priority-level", path: `dynamic_batching.priority_queue_policy[${key}]`, message: `priority_queue_policy level ${key} must be from 1 to priority_levels (${levels})` });
    }
  }
  return findings;
}

function lintVersionPolicy(config: ConfigObject): Finding[] {
  const specific = (config.version_policy as ConfigObject | undefined)?.specific as ConfigObject | undefined;
  // Version folders are positive integers (names starting with 0 are ignored), so others can never load.
  return dimsOf(specific?.versions).flatMap((v, i) =>
    v >= 1 ? [] : [{ rule: "version-policy", path: `version_policy.specific.versions[${i}]`, message: `version ${v} can never exist: versions are >= 1` }],
  );
}
