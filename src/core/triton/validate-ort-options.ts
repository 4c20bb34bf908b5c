/**
 * The onnxruntime backend's model options: the config `parameters` it parses and the execution accelerators it
 * sets up, after onnxruntime_backend src/onnxruntime.cc (r24.10): the ModelState constructor (session options, for
 * every instance) and ModelState::LoadModel (accelerators, per instance kind), with backend_common.cc's
 * ParseIntValue (std::stoi), ParseUnsignedLongLongValue (std::stoull) and ParseBoolValue.
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

type ValueKind = "int" | "unsigned" | "bool" | "string" | "precision";

/**
 * The keys LoadModel takes for its "tensorrt" GPU accelerator and how it parses each; any other key fails the load
 * ("unknown parameter ... is provided for TensorRT Execution Accelerator").
 */
export const TENSORRT_ACCELERATOR_KEYS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ["precision_mode", "precision"],
  ["max_workspace_size_bytes", "unsigned"],
  ["trt_max_partition_iterations", "int"],
  ["trt_min_subgraph_size", "int"],
  ["int8_calibration_table_name", "string"],
  ["int8_use_native_calibration_table", "bool"],
  ["trt_dla_enable", "bool"],
  ["trt_dla_core", "int"],
  ["trt_engine_cache_enable", "bool"],
  ["trt_engine_cache_path", "string"],
  ["trt_engine_cache_prefix", "string"],
  ["trt_dump_subgraphs", "bool"],
  ["trt_force_sequential_engine_build", "bool"],
  ["trt_context_memory_sharing_enable", "bool"],
  ["trt_layer_norm_fp32_fallback", "bool"],
  ["trt_timing_cache_enable", "bool"],
  ["trt_timing_cache_path", "string"],
  ["trt_force_timing_cache", "bool"],
  ["trt_detailed_build_log", "bool"],
  ["trt_build_heuristics_enable", "bool"],
  ["trt_sparsity_enable", "bool"],
  ["trt_builder_optimization_level", "int"],
  ["trt_auxiliary_streams", "int"],
  ["trt_tactic_sources", "string"],
  ["trt_extra_plugin_lib_paths", "string"],
  ["trt_profile_min_shapes", "string"],
  ["trt_profile_opt_shapes", "string"],
  ["trt_profile_max_shapes", "string"],
  ["trt_cuda_graph_enable", "bool"],
  ["trt_dump_ep_context_model", "bool"],
  ["trt_ep_context_file_path", "string"],
  ["trt_ep_context_embed_mode", "int"],
]);

/** The "cuda" accelerator's keys that LoadModel parses itself; it passes the others on unread. */
const CUDA_BOOL_KEYS = new Set(["do_copy_in_default_stream", "use_ep_level_unified_stream"]);

const INT32 = 2 ** 31;

/**
 * Why the backend's parse of `value` fails, or undefined. std::stoi/stoull take leading white space, a sign and
 * digits, and ignore what follows; no digits is invalid_argument (the backend's error), and a value out of range
 * throws out_of_range, which the backend does not catch either.
 */
function parseProblem(value: string, kind: ValueKind): string | undefined {
  switch (kind) {
    case "int":
    case "unsigned": {
      const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(value);
      if (m === null) return `failed to convert '${value}' to ${kind === "int" ? "integral number" : "unsigned long long integral number"}`;
      const n = BigInt(m[1]!);
      const inRange = kind === "int" ? n >= -BigInt(INT32) && n < BigInt(INT32) : n >= -(2n ** 64n) + 1n && n < 2n ** 64n;
      return inRange ? undefined : `'${value}' is out of range for the backend's ${kind === "int" ? "std::stoi" : "std::stoull"}`;
    }
    case "bool":
      return ["true", "on", "1", "false", "off", "0"].includes(value.toLowerCase()) ? undefined : `failed to convert '${value}' to boolean (true/on/1 or false/off/0)`;
    case "precision":
      return ["FP32", "FP16", "INT8"].includes(value) ? undefined : `unsupported precision mode '${value}' is requested (FP32, FP16 or INT8, in capitals)`;
    case "string":
      return undefined;
  }
}

/** The integer the backend reads, for values that parse. */
const stoi = (value: string): number => Number(/^[ \t\n\v\f\r]*([+-]?\d+)/.exec(value)![1]);

/**
 * Whether the backend will run GPU instances of the model: "yes" with a KIND_GPU group, "maybe" with the default
 * group or KIND_AUTO (Triton makes those GPU instances on a machine with GPUs), "no" when every group is CPU or MODEL.
 */
function gpuInstances(config: ConfigObject): "yes" | "maybe" | "no" {
  const groups = (config.instance_group as ConfigObject[] | undefined) ?? [];
  if (groups.length === 0) return "maybe";
  const kinds = groups.map((g) => (g.kind as string | undefined) ?? "KIND_AUTO");
  if (kinds.includes("KIND_GPU")) return "yes";
  return kinds.includes("KIND_AUTO") ? "maybe" : "no";
}

export function checkOrtOptions(config: ConfigObject): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const params = (config.parameters as Record<string, ConfigObject> | undefined) ?? {};
  const param = (key: string): string | undefined => (key in params ? ((params[key]!.string_value as string | undefined) ?? "") : undefined);

  // ModelState constructor: read for every model, whatever its instances.
  const sessionKinds: [string, ValueKind][] = [
    ["execution_mode", "int"],
    ["intra_op_thread_count", "int"],
    ["inter_op_thread_count", "int"],
    ["enable_mem_arena", "bool"],
    ["enable_mem_pattern", "bool"],
  ];
  for (const [key, kind] of sessionKinds) {
    const value = param(key);
    if (value === undefined) continue;
    const problem = parseProblem(value, kind);
    if (problem !== undefined) findings.push({ rule: "ort-parameter", message: `parameters "${key}": ${problem}` });
    else if (key === "execution_mode" && ![0, 1].includes(stoi(value))) {
      findings.push({ rule: "ort-parameter", message: `parameters "execution_mode": expected values are 0 or 1 but got ${stoi(value)}` });
    }
  }

  // LoadModel's GPU block: read only for GPU (and KIND_AUTO) instances.
  const gpu = gpuInstances(config);
  const gpuFinding = (message: string): ValidateFinding[] =>
    gpu === "yes"
      ? [{ rule: "accelerator", message }]
      : gpu === "maybe"
        ? [{ rule: "accelerator", severity: "warning", message: `${message} (read for GPU instances only: the model's default or KIND_AUTO instances are GPU instances on a machine with GPUs)` }]
        : [];
  const ranges: [string, number][] = [
    ["cudnn_conv_algo_search", 2],
    ["arena_extend_strategy", 1],
  ];
  for (const [key, max] of ranges) {
    const value = param(key);
    if (value === undefined) continue;
    const problem = parseProblem(value, "int");
    if (problem !== undefined) findings.push(...gpuFinding(`parameters "${key}": ${problem}`));
    else if (stoi(value) < 0 || stoi(value) > max) findings.push(...gpuFinding(`parameters "${key}": unsupported value '${stoi(value)}' (0 to ${max})`));
  }

  const accelerators = (config.optimization as ConfigObject | undefined)?.execution_accelerators as ConfigObject | undefined;
  ((accelerators?.gpu_execution_accelerator as ConfigObject[] | undefined) ?? []).forEach((a, i) => {
    const name = (a.name as string | undefined) ?? "";
    const at = `gpu_execution_accelerator[${i}] "${name}"`;
    const parameters = (a.parameters as Record<string, string> | undefined) ?? {};
    if (name === "tensorrt") {
      for (const [key, value] of Object.entries(parameters)) {
        const kind = TENSORRT_ACCELERATOR_KEYS.get(key);
        if (kind === undefined) findings.push(...gpuFinding(`${at}: unknown parameter "${key}" (the onnxruntime backend refuses to load the model)`));
        else {
          const problem = parseProblem(value, kind);
          if (problem !== undefined) findings.push(...gpuFinding(`${at}: parameter "${key}": ${problem}`));
        }
      }
    } else if (name === "cuda") {
      for (const [key, value] of Object.entries(parameters)) {
        const problem = CUDA_BOOL_KEYS.has(key) ? parseProblem(value, "bool") : undefined;
        if (problem !== undefined) findings.push(...gpuFinding(`${at}: parameter "${key}": ${problem}`));
      }
    } else {
      findings.push(...gpuFinding(`${at}: unknown Execution Accelerator '${name}' is requested (GPU instances take "tensorrt" or "cuda")`));
    }
  });
  // The CPU block runs for every instance kind.
  ((accelerators?.cpu_execution_accelerator as ConfigObject[] | undefined) ?? []).forEach((a, i) => {
    const name = (a.name as string | undefined) ?? "";
    if (name !== "openvino") {
      findings.push({ rule: "accelerator", message: `cpu_execution_accelerator[${i}]: unknown Execution Accelerator '${name}' is requested (CPU instances take only "openvino")` });
    }
  });
  return findings;
}
