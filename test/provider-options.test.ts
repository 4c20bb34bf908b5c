import assert from "node:assert/strict";
import { test } from "node:test";
import { CUDA_OPTIONS, parseProviderOptions, TENSORRT_OPTIONS } from "../src/core/ep/provider-options.js";

const GPU = ["tensorrt", "cuda", "cpu"] as const;

test("options go to their provider in ORT's spelling: trt_ keys to TensorRT, others to CUDA, a prefix to pick", () => {
  const o = parseProviderOptions(["prefer_nhwc=true", "cudnn_conv_algo_search=heuristic", "gpu_mem_limit=2147483648", "trt_fp16_enable=1", "trt_engine_cache_path=/tmp/c", "tensorrt:device_id=0"], GPU);
  assert.deepEqual(o, {
    cuda: { prefer_nhwc: "1", cudnn_conv_algo_search: "HEURISTIC", gpu_mem_limit: "2147483648" },
    tensorrt: { trt_fp16_enable: "1", trt_engine_cache_path: "/tmp/c", device_id: "0" },
  });
  assert.deepEqual(parseProviderOptions([], GPU), {});
});

test("unknown keys list the valid ones; wrong value types, pointers, duplicates and unused providers are refused", () => {
  const refused = (flags: string[], message: RegExp, providers: readonly ("tensorrt" | "cuda" | "cpu")[] = GPU) =>
    assert.throws(() => parseProviderOptions(flags, providers), { name: "UsageError", message }, flags.join(" "));
  assert.throws(() => parseProviderOptions(["prefer_nwhc=1"], GPU), (e: Error & { hint?: string }) => /not a CUDA provider option/.test(e.message) && e.hint!.includes("prefer_nhwc") && e.hint!.includes("enable_cuda_graph"));
  assert.throws(() => parseProviderOptions(["trt_fp16=1"], GPU), (e: Error & { hint?: string }) => /not a TensorRT provider option/.test(e.message) && e.hint!.includes("trt_fp16_enable"));
  refused(["prefer_nhwc=yes"], /expected 0 or 1/);
  refused(["gpu_mem_limit=lots"], /expected an integer/);
  refused(["trt_builder_optimization_level=7"], /≤ 5/);
  refused(["device_id=-1"], /≥ 0/);
  refused(["cudnn_conv_algo_search=FASTEST"], /one of EXHAUSTIVE, HEURISTIC, DEFAULT/);
  refused(["user_compute_stream=140000000"], /memory address/);
  refused(["gpu_external_alloc=1"], /memory address/);
  refused(["prefer_nhwc"], /not key=value/);
  refused(["=1"], /not key=value/);
  refused(["use_tf32=0", "use_tf32=1"], /given twice/);
  refused(["prefer_nhwc=1"], /for the cuda provider, which this run does not use/, ["cpu"]);
  refused(["trt_fp16_enable=1"], /for the tensorrt provider/, ["cuda", "cpu"]);
  refused(["trt_engine_cache_path=a\0b"], /NUL/);
});

test("the schemas carry the options the issue names", () => {
  for (const key of ["prefer_nhwc", "cudnn_conv_algo_search", "enable_cuda_graph", "use_tf32"]) assert.ok(key in CUDA_OPTIONS, key);
  for (const key of ["trt_engine_cache_enable", "trt_engine_cache_path", "trt_engine_cache_prefix", "trt_timing_cache_enable", "trt_timing_cache_path", "trt_fp16_enable", "trt_int8_enable", "trt_int8_calibration_table_name", "trt_profile_min_shapes", "trt_profile_opt_shapes", "trt_profile_max_shapes", "trt_max_workspace_size", "trt_builder_optimization_level", "trt_dump_ep_context_model"]) {
    assert.ok(key in TENSORRT_OPTIONS, key);
  }
});

test("fuzz: any flag text either parses or is a UsageError, never another exception", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const pieces = ["trt_", "cuda:", "tensorrt:", "prefer_nhwc", "=", "1", "-1", "true", "x", ":", "\0", " ", "9".repeat(30), "EXHAUSTIVE", "device_id", "", "é", "trt_fp16_enable"];
  for (let i = 0; i < 5000; i++) {
    const flag = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
    try {
      const parsed = parseProviderOptions([flag], GPU);
      for (const options of Object.values(parsed)) for (const v of Object.values(options)) assert.equal(typeof v, "string");
    } catch (e) {
      assert.equal((e as Error).name, "UsageError", `${JSON.stringify(flag)}: ${(e as Error).message}`);
    }
  }
});
