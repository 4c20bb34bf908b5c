/**
 * What a trtx bundle adds to a Triton config: the onnxruntime backend's TensorRT accelerator set up as the bundle
 * was built, and a warm-up per shape profile so that ORT builds its engines before the model reports READY.
 */
import type { BundleManifest } from "../build/manifest.js";
import { UsageError } from "../errors.js";
import type { ValueDesc } from "../onnx/model-info.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import { tritonType } from "./repo-tensors.js";

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

/**
 * One warm-up per profile at its opt shapes, random data for every input. Batched, the profile's dim 0 becomes the
 * request's batch_size; an input the profile leaves out has a fixed shape, taken from the model.
 */
export function profileWarmups(bundle: BundleSettings, inputs: readonly ValueDesc[], maxBatch: number): ConfigObject[] {
  return bundle.profiles.map((profile, i) => {
    const optOf = (v: ValueDesc): number[] => {
      const opt = profile[v.name]?.opt;
      if (opt !== undefined) return opt;
      if (v.shape !== null && v.shape.every((d) => typeof d === "number" && d >= 0)) return v.shape as number[];
      throw new UsageError(`the bundle's profile ${i} gives no shape for input ${v.name}, whose shape is not fixed`, { hint: "rebuild the bundle with --optShapes for every dynamic input" });
    };
    const batchSizes = new Set(inputs.map((v) => (maxBatch > 0 ? optOf(v)[0]! : 1)));
    const batchSize = [...batchSizes][0]!;
    if (batchSizes.size > 1) throw new UsageError(`the bundle's profile ${i} gives its inputs different batch sizes (${[...batchSizes].join(", ")})`, { hint: "Triton batches every input alike" });
    if (batchSize > maxBatch && maxBatch > 0) {
      throw new UsageError(`the bundle's profile ${i} warms up at batch ${batchSize}, over max_batch_size ${maxBatch}`, { hint: `pass --max-batch ${batchSize} or more` });
    }
    const entries = inputs.map((v) => {
      const opt = optOf(v);
      const dims = (maxBatch > 0 ? opt.slice(1) : opt).map(String);
      return [v.name, { data_type: tritonType(v, "input"), dims: dims.length === 0 ? ["1"] : dims, random_data: true }] as const;
    });
    return { name: `profile${i}_opt`, batch_size: batchSize, inputs: Object.fromEntries(entries) };
  });
}
