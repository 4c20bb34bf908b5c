/**
 * model_warmup entries: Triton runs them before the model reports READY, so the first real request does not pay for
 * ORT's engine builds (TensorRT, one per profile) or cuDNN's algorithm search (CUDA, per shape).
 */
import { UsageError } from "../errors.js";
import type { ValueDesc } from "../onnx/model-info.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { BundleSettings } from "./repo-bundle.js";
import { tritonType } from "./repo-tensors.js";

/**
 * One warm-up per profile at its opt shapes. Batched, the profile's dim 0 becomes the request's batch_size; an input
 * the profile leaves out has a fixed shape, taken from the model. `inputs` are all the model reads: a warm-up goes
 * straight to the instance, past the sequence batcher, so it gives the control and state tensors (`fed`) itself,
 * as override inputs (GenerateWarmupData adds a warm-up input that is not a config input as one).
 */
export function profileWarmups(bundle: BundleSettings, inputs: readonly ValueDesc[], maxBatch: number, fed: ReadonlySet<string> = new Set()): ConfigObject[] {
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
    return warmupEntry(`profile${i}_opt`, batchSize, inputs, (v) => optOf(v), maxBatch, fed);
  });
}

/**
 * For a model without profiles (--warmup): at batch 1 and at max_batch_size, the two ends of what the dynamic batcher
 * sends. Variable dims other than the batch dim take their size from `shapes` (full shapes, trtexec syntax).
 * `inputs` and `fed` as for profileWarmups.
 */
export function shapeWarmups(inputs: readonly ValueDesc[], maxBatch: number, shapes: ReadonlyMap<string, number[]> = new Map(), fed: ReadonlySet<string> = new Set()): ConfigObject[] {
  for (const name of shapes.keys()) {
    if (!inputs.some((v) => v.name === name)) throw new UsageError(`--shapes names ${name}, which is not an input`, { hint: `inputs: ${inputs.map((v) => v.name).join(", ")}` });
  }
  const shapeOf = (v: ValueDesc, batch: number): number[] => {
    const given = shapes.get(v.name);
    if (given !== undefined) {
      if (maxBatch > 0 && given[0] !== batch) return [batch, ...given.slice(1)];
      return given;
    }
    const dims = v.shape ?? [];
    const free = dims.findIndex((d, i) => !(typeof d === "number" && d >= 0) && !(maxBatch > 0 && i === 0));
    if (v.shape === null || free >= 0) {
      throw new UsageError(`--warmup needs a size for input ${v.name}'s variable dims (${JSON.stringify(v.shape)})`, { hint: `give its full shape with --shapes ${v.name}:1x...` });
    }
    return maxBatch > 0 ? [batch, ...(dims.slice(1) as number[])] : (dims as number[]);
  };
  const batches = maxBatch > 1 ? [1, maxBatch] : [1];
  return batches.map((b) => warmupEntry(maxBatch > 0 ? `batch${b}` : "warmup", b, inputs, (v) => shapeOf(v, b), maxBatch, fed));
}

/**
 * How a warm-up input is filled, by what core src/backend_model_instance.cc, TritonModelInstance::GenerateWarmupData,
 * really writes: random_data is one rand() byte after another, whatever the type (TYPE_STRING alone gets zeros
 * there). Random bytes are valid floats (NaN and Inf included, which a model computes through), but integers
 * land anywhere in their range (a token id of -1.4e18 fails the Gather that reads it, and a failed warm-up fails
 * the model's load) and bytes other than 0 and 1 are not booleans; zero_data is valid for every type. Tensors the
 * sequence batcher feeds (controls and states) are zeros too: false for every control, an empty state.
 */
const RANDOM_SAFE = new Set(["TYPE_FP16", "TYPE_BF16", "TYPE_FP32", "TYPE_FP64"]);

/** One sample: every input the model reads, its batch dim dropped when batched. */
function warmupEntry(name: string, batchSize: number, inputs: readonly ValueDesc[], shapeOf: (v: ValueDesc) => number[], maxBatch: number, fed: ReadonlySet<string>): ConfigObject {
  const entries = inputs.map((v) => {
    const shape = shapeOf(v);
    const dims = (maxBatch > 0 ? shape.slice(1) : shape).map(String);
    const type = tritonType(v, "input");
    const data = RANDOM_SAFE.has(type) && !fed.has(v.name) ? { random_data: true } : { zero_data: true };
    return [v.name, { data_type: type, dims: dims.length === 0 ? ["1"] : dims, ...data }] as const;
  });
  return { name, batch_size: batchSize, inputs: Object.fromEntries(entries) };
}
