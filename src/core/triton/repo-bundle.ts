/**
 * What a trtx bundle adds to a Triton config: the onnxruntime backend's TensorRT accelerator set up as the bundle
 * was built (its warm-ups are in repo-warmup.ts).
 */
import type { BundleManifest } from "../build/manifest.js";
import type { ConfigObject } from "./pbtxt-parse.js";

export type BundleSettings = Pick<BundleManifest, "precision" | "profiles" | "tensorrt">;

/** Inside the Triton container: a path every image can write to; mount a volume there to keep engines across restarts. */
export const ENGINE_CACHE_PATH = "/tmp/trtx_engines";

/**
 * The bundle's ORT TensorRT provider options under the names the onnxruntime backend accepts (peer-tools.md §4);
 * any other key fails the model's load with "unknown parameter", so only these are carried over.
 */
export function tensorRtAccelerator(bundle: BundleSettings): ConfigObject {
  const trt = bundle.tensorrt;
  const parameters: Record<string, string> = {
    precision_mode: bundle.precision.int8 ? "INT8" : bundle.precision.fp16 ? "FP16" : "FP32",
  };
  if (trt.trt_max_workspace_size !== undefined) parameters.max_workspace_size_bytes = String(trt.trt_max_workspace_size);
  parameters.trt_engine_cache_enable = "1";
  parameters.trt_engine_cache_path = ENGINE_CACHE_PATH;
  // The prefix hashes the weights: ORT's own cache key does not, so a retrained model would reuse a stale engine.
  if (trt.trt_engine_cache_prefix !== undefined) parameters.trt_engine_cache_prefix = String(trt.trt_engine_cache_prefix);
  for (const which of ["min", "opt", "max"] as const) {
    const shapes = trt[`trt_profile_${which}_shapes`];
    if (shapes !== undefined) parameters[`trt_profile_${which}_shapes`] = String(shapes);
  }
  return { execution_accelerators: { gpu_execution_accelerator: [{ name: "tensorrt", parameters }] } };
}
