/**
 * `--ep-option key=value`: ORT's CUDA and TensorRT provider options, checked before anything reaches the C API.
 * The keys and their value types are ORT's own (cuda_execution_provider_info.cc and
 * tensorrt_execution_provider_info.cc: the names ProviderOptionsParser accepts); ORT parses them again and is the
 * final word, but a typo here gets a one-line error listing the valid keys instead of ORT's message mid-session.
 * Keys that carry raw pointers (user_compute_stream, gpu_external_alloc, ...) are refused: a number typed on a
 * command line would be dereferenced by ORT.
 */
import { UsageError } from "../errors.js";
import type { Provider } from "./providers.js";

type ValueKind = { kind: "bool" } | { kind: "int"; min?: number; max?: number } | { kind: "enum"; values: readonly string[] } | { kind: "string" };

const bool = { kind: "bool" } as const;
const int = (min?: number, max?: number): ValueKind => ({ kind: "int", ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
const text = { kind: "string" } as const;

export const CUDA_OPTIONS: Readonly<Record<string, ValueKind>> = {
  device_id: int(0),
  gpu_mem_limit: int(1),
  arena_extend_strategy: { kind: "enum", values: ["kNextPowerOfTwo", "kSameAsRequested"] },
  cudnn_conv_algo_search: { kind: "enum", values: ["EXHAUSTIVE", "HEURISTIC", "DEFAULT"] },
  do_copy_in_default_stream: bool,
  cudnn_conv_use_max_workspace: bool,
  enable_cuda_graph: bool,
  cudnn_conv1d_pad_to_nc1d: bool,
  tunable_op_enable: bool,
  tunable_op_tuning_enable: bool,
  tunable_op_max_tuning_duration_ms: int(0),
  enable_skip_layer_norm_strict_mode: bool,
  prefer_nhwc: bool,
  use_ep_level_unified_stream: bool,
  use_tf32: bool,
  fuse_conv_bias: bool,
  sdpa_kernel: int(0),
};

export const TENSORRT_OPTIONS: Readonly<Record<string, ValueKind>> = {
  device_id: int(0),
  trt_max_partition_iterations: int(1),
  trt_min_subgraph_size: int(1),
  trt_max_workspace_size: int(0),
  trt_fp16_enable: bool,
  trt_bf16_enable: bool,
  trt_int8_enable: bool,
  trt_int8_calibration_table_name: text,
  trt_int8_use_native_calibration_table: bool,
  trt_dla_enable: bool,
  trt_dla_core: int(0),
  trt_dump_subgraphs: bool,
  trt_engine_cache_enable: bool,
  trt_engine_cache_path: text,
  trt_engine_cache_prefix: text,
  trt_engine_decryption_enable: bool,
  trt_engine_decryption_lib_path: text,
  trt_force_sequential_engine_build: bool,
  trt_context_memory_sharing_enable: bool,
  trt_layer_norm_fp32_fallback: bool,
  trt_timing_cache_enable: bool,
  trt_timing_cache_path: text,
  trt_force_timing_cache: bool,
  trt_detailed_build_log: bool,
  trt_build_heuristics_enable: bool,
  trt_sparsity_enable: bool,
  trt_builder_optimization_level: int(0, 5),
  trt_auxiliary_streams: int(-1),
  trt_tactic_sources: text,
  trt_extra_plugin_lib_paths: text,
  trt_profile_min_shapes: text,
  trt_profile_opt_shapes: text,
  trt_profile_max_shapes: text,
  trt_cuda_graph_enable: bool,
  trt_dump_ep_context_model: bool,
  trt_ep_context_file_path: text,
  trt_ep_context_embed_mode: int(0, 1),
  trt_weight_stripped_engine_enable: bool,
  trt_onnx_model_folder_path: text,
  trt_engine_hw_compatible: bool,
  trt_op_types_to_exclude: text,
};

const POINTER_KEYS = new Set(["user_compute_stream", "has_user_compute_stream", "gpu_external_alloc", "gpu_external_free", "gpu_external_empty_cache"]);

export type BridgeProvider = Exclude<Provider, "cpu">;
export type ProviderOptions = Partial<Record<BridgeProvider, Record<string, string>>>;

const SCHEMAS: Record<BridgeProvider, Readonly<Record<string, ValueKind>>> = { cuda: CUDA_OPTIONS, tensorrt: TENSORRT_OPTIONS };

/**
 * `key=value` flags into per-provider option maps in ORT's spelling. A `trt_` key belongs to TensorRT, any other to
 * CUDA; `tensorrt:device_id=1` or `cuda:device_id=1` says which when a key is shared. `providers` are the ones this
 * run may use: an option for another is a mistake, not something to ignore.
 */
export function parseProviderOptions(flags: readonly string[], providers: readonly Provider[]): ProviderOptions {
  const result: ProviderOptions = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new UsageError(`--ep-option ${flag} is not key=value`, { hint: "e.g. --ep-option prefer_nhwc=1" });
    let key = flag.slice(0, eq).trim();
    const value = flag.slice(eq + 1).trim();
    let provider: BridgeProvider = key.startsWith("trt_") ? "tensorrt" : "cuda";
    const prefix = /^(cuda|tensorrt):(.+)$/.exec(key);
    if (prefix) {
      provider = prefix[1] as BridgeProvider;
      key = prefix[2]!;
    }
    if (POINTER_KEYS.has(key)) throw new UsageError(`--ep-option ${key} takes a memory address and cannot be set from the command line`);
    const schema = SCHEMAS[provider];
    const kind = schema[key];
    if (kind === undefined) {
      throw new UsageError(`--ep-option ${key} is not a ${provider === "cuda" ? "CUDA" : "TensorRT"} provider option`, { hint: `valid keys: ${Object.keys(schema).join(", ")}` });
    }
    if (!providers.includes(provider)) {
      throw new UsageError(`--ep-option ${key} is for the ${provider} provider, which this run does not use`, { hint: `use --ep ${provider}${provider === "cuda" ? " (or tensorrt, which falls back to it)" : ""}` });
    }
    const options = (result[provider] ??= {});
    if (key in options) throw new UsageError(`--ep-option ${key} is given twice`);
    options[key] = normalize(key, value, kind);
  }
  return result;
}

function normalize(key: string, value: string, kind: ValueKind): string {
  const bad = (expected: string) => new UsageError(`--ep-option ${key}=${value}: ${expected}`);
  switch (kind.kind) {
    case "bool": {
      const v = value.toLowerCase();
      if (["1", "true"].includes(v)) return "1";
      if (["0", "false"].includes(v)) return "0";
      throw bad("expected 0 or 1 (or true/false)");
    }
    case "int": {
      if (!/^-?\d+$/.test(value)) throw bad("expected an integer");
      const n = Number(value);
      if ((kind.min !== undefined && n < kind.min) || (kind.max !== undefined && n > kind.max) || !Number.isSafeInteger(n)) {
        throw bad(`expected an integer${kind.min !== undefined ? ` ≥ ${kind.min}` : ""}${kind.max !== undefined ? ` and ≤ ${kind.max}` : ""}`);
      }
      return String(n);
    }
    case "enum": {
      const match = kind.values.find((v) => v.toLowerCase() === value.toLowerCase());
      if (match === undefined) throw bad(`expected one of ${kind.values.join(", ")}`);
      return match;
    }
    case "string":
      // ORT copies strings with strncpy into C strings: a NUL would silently cut the value short.
      if (value.includes("\0")) throw bad("a value cannot hold a NUL character");
      return value;
  }
}

/** TensorRT's engine and timing caches in one folder: built once, reused by later sessions (`--trt-cache`, bundles). */
export function trtCacheOptions(dir: string): Record<string, string> {
  return { trt_engine_cache_enable: "1", trt_engine_cache_path: dir, trt_timing_cache_enable: "1", trt_timing_cache_path: dir };
}
