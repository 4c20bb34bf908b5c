/**
 * Lints a parsed ModelConfig against the rules Triton 2.51 (r24.10) enforces on the config alone when it loads a
 * model: core src/model_config_utils.cc ValidateModelConfig, ValidateModelIOConfig and ValidateInstanceGroup, each
 * function named next to its rules. Only rules Triton itself applies are here: a failing finding on a config Triton
 * loads is a bug (a warning is advice, and Triton loads the config). Rules that need the model folder, the model
 * file or other models (versions, auto-complete, ensemble composing models) are validate's (validate.ts).
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import { lintEnsemble, lintPreferredSizes, lintSequenceBatching } from "./lint-scheduling.js";
import { lintBatchIo, lintTensors } from "./lint-io.js";

export interface Finding {
  /** A stable id, e.g. "dims-value". */
  rule: string;
  /** Where in the config, e.g. "input[0].dims[1]". */
  path: string;
  message: string;
  /** Advice: Triton loads the config anyway, so a warning never fails a check. */
  severity?: "warning";
}

/** The findings that fail a check: all but warnings. */
export function failing<T extends { severity?: "warning" }>(findings: readonly T[]): T[] {
  return findings.filter((f) => f.severity !== "warning");
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
  // ValidateModelConfig
  if (maxBatchSize < 0) findings.push({ rule: "max-batch-size", path: "max_batch_size", message: `max_batch_size ${maxBatchSize} must be >= 0` });
  const tensorrt = isTensorrt(config);
  findings.push(
    ...lintPlatform(config),
    ...lintDynamicBatching(config, maxBatchSize),
    ...lintSequenceBatching(config, maxBatchSize),
    ...lintEnsemble(config),
    ...lintResponseCache(config),
    ...lintTensors(config, maxBatchSize, tensorrt),
    ...lintBatchIo(config),
    ...lintInstanceGroups(config, tensorrt),
  );
  return findings;
}

/**
 * Whether Triton sees platform "tensorrt_plan" once it fills in the backend fields (model_config_utils.cc,
 * AutoCompleteBackendFields: backend "tensorrt" alone gets that platform); undefined when the config names neither
 * and the model files decide.
 */
function isTensorrt(config: ConfigObject): boolean | undefined {
  const platform = config.platform as string | undefined;
  const backend = config.backend as string | undefined;
  if (platform === undefined && backend === undefined) return undefined;
  return platform === "tensorrt_plan" || (platform === undefined && backend === "tensorrt");
}

/** ValidateModelConfig: a known backend must be the one the platform implies (GetBackendTypeFromPlatform). */
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

/** ValidateInstanceGroup (run on the normalized config: an ensemble has no groups, the others at least one). */
function lintInstanceGroups(config: ConfigObject, tensorrt: boolean | undefined): Finding[] {
  const findings: Finding[] = [];
  if (config.ensemble_scheduling !== undefined) return findings;
  ((config.instance_group as ConfigObject[] | undefined) ?? []).forEach((group, i) => {
    const gpus = (group.gpus as number[] | undefined) ?? [];
    // Triton turns a count below 1 into the backend's default, so count is not checked.
    if ((group.kind === "KIND_CPU" || group.kind === "KIND_MODEL") && gpus.length > 0) {
      findings.push({ rule: "instance-group-gpus", path: `instance_group[${i}].gpus`, message: `an instance group of kind ${group.kind} must not list gpus` });
    }
    const bad = gpus.findIndex((g) => g < 0);
    if (bad >= 0) findings.push({ rule: "instance-group-gpu-id", path: `instance_group[${i}].gpus[${bad}]`, message: `gpu id ${gpus[bad]} is not a device` });
    const profiles = (group.profile as string[] | undefined) ?? [];
    if (profiles.length === 0 || tensorrt === undefined) return;
    if (!tensorrt) {
      findings.push({ rule: "instance-group-profile", path: `instance_group[${i}].profile`, message: "profile is only for TensorRT models (platform tensorrt_plan)" });
      return;
    }
    // GetProfileIndex reads the leading integer (std::stoi: white space, a sign, digits; the rest ignored), >= 0.
    const badProfile = profiles.findIndex((p) => {
      const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(p);
      return m === null || Number(m[1]) < 0;
    });
    if (badProfile >= 0) {
      findings.push({ rule: "instance-group-profile", path: `instance_group[${i}].profile[${badProfile}]`, message: `profile "${profiles[badProfile]}" must be a non-negative integer, e.g. "0"` });
    }
  });
  return findings;
}

/** ValidateModelConfig, on dynamic_batching. */
function lintDynamicBatching(config: ConfigObject, maxBatchSize: number): Finding[] {
  const db = config.dynamic_batching as ConfigObject | undefined;
  if (db === undefined) return [];
  const findings: Finding[] = [];
  if (maxBatchSize === 0) {
    findings.push({ rule: "dynamic-batching-unbatched", severity: "warning", path: "dynamic_batching", message: "with max_batch_size 0 the dynamic batcher never combines requests (only its queue settings apply)" });
  }
  const levels = BigInt((db.priority_levels as string | undefined) ?? "0");
  if (db.preserve_ordering === true) findings.push(...lintPreserveOrdering(db, levels));
  findings.push(...lintPreferredSizes(db.preferred_batch_size, "dynamic_batching.preferred_batch_size", maxBatchSize));
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

/** preserve_ordering returns responses in request order, which priorities and delayed requests would break. */
function lintPreserveOrdering(db: ConfigObject, levels: bigint): Finding[] {
  const findings: Finding[] = [];
  if (levels > 1n) findings.push({ rule: "preserve-ordering", path: "dynamic_batching.preserve_ordering", message: `preserve_ordering allows only one priority level (priority_levels is ${levels})` });
  const delays = (policy: ConfigObject | undefined) => policy?.timeout_action === "DELAY" && BigInt((policy.default_timeout_microseconds as string | undefined) ?? "0") !== 0n;
  if (delays(db.default_queue_policy as ConfigObject | undefined)) {
    findings.push({ rule: "preserve-ordering", path: "dynamic_batching.default_queue_policy.timeout_action", message: "a queue policy may not DELAY timed-out requests when preserve_ordering is true (use REJECT)" });
  }
  for (const [level, policy] of Object.entries((db.priority_queue_policy as Record<string, ConfigObject> | undefined) ?? {})) {
    if (delays(policy)) {
      findings.push({ rule: "preserve-ordering", path: `dynamic_batching.priority_queue_policy[${level}].timeout_action`, message: "a queue policy may not DELAY timed-out requests when preserve_ordering is true (use REJECT)" });
    }
  }
  return findings;
}

/** ValidateModelConfig: the response cache works with neither the sequence batcher nor decoupled models (in 2.51). */
function lintResponseCache(config: ConfigObject): Finding[] {
  if ((config.response_cache as ConfigObject | undefined)?.enable !== true) return [];
  const findings: Finding[] = [];
  if (config.sequence_batching !== undefined) findings.push({ rule: "response-cache", path: "response_cache.enable", message: "the response cache does not support sequence batching: disable one of them" });
  if ((config.model_transaction_policy as ConfigObject | undefined)?.decoupled === true) {
    findings.push({ rule: "response-cache", path: "response_cache.enable", message: "the response cache does not support a decoupled model: disable one of them" });
  }
  return findings;
}
