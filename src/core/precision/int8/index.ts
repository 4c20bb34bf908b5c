/**
 * Static INT8 quantization into QDQ form, the core of `trtx build --int8`: calibrate activation ranges on
 * samples, then insert QuantizeLinear/DequantizeLinear around the ops ONNX Runtime and TensorRT run in int8.
 */
import { foldConstants } from "../../onnx/rewrite/fold.js";
import type { ModelProto } from "../../onnx/codec.js";
import { calibrate } from "./calibrate.js";
import { insertQdq, requireQdqOpset } from "./qdq.js";
import type { CalibrationSource, Int8Options, Int8Report } from "./types.js";

export { calibrate } from "./calibrate.js";
export { insertQdq, type QdqResult } from "./qdq.js";
export { INT8_OPS } from "./plan.js";
export { DEFAULT_PERCENTILE, type CalibrationMethod, type CalibrationSource, type Int8Options, type Int8Report, type Int8Target } from "./types.js";

/**
 * Quantizes `model` in place. It is first optimized by ONNX Runtime at the basic level (foldConstants), which
 * folds BatchNormalization into Conv: a BatchNormalization left between Conv and its Q would keep the Conv in
 * float. Weights end up inline (external data is read from `modelDir`).
 */
export async function quantizeInt8(model: ModelProto, source: CalibrationSource, options: Int8Options): Promise<Int8Report> {
  requireQdqOpset(model);
  const start = performance.now();
  await foldConstants(model, options.modelDir);
  const folded = performance.now();
  const ranges = await calibrate(model, source, options);
  const calibrated = performance.now();
  const result = insertQdq(model, ranges, options);
  const end = performance.now();
  return {
    method: options.method,
    target: options.target,
    samples: source.samples.length,
    ...result,
    ranges,
    ms: { calibrate: calibrated - folded, quantize: folded - start + (end - calibrated) },
  };
}
