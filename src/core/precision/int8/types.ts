/** The public types of static INT8 quantization (`trtx build --int8`). */
import type { ActivationRanges } from "../../calibration/ranges.js";
import type { HostTensor } from "../../tensor/host-tensor.js";

/**
 * How activation ranges are chosen. minmax and entropy are the TensorRT calibrators of those names (their
 * tables carry them as such); percentile clips each tensor at a percentile of |x|.
 */
export type CalibrationMethod = "entropy" | "minmax" | "percentile";

/** cpu: asymmetric uint8 activations, int8 weights (U8S8, what ORT's CPU kernels fuse); tensorrt: symmetric int8 throughout (S8S8). */
export type Int8Target = "cpu" | "tensorrt";

/** One map (input name → tensor) per calibration sample or batch. */
export interface CalibrationSource {
  samples: Map<string, HostTensor>[];
}

export interface Int8Options {
  method: CalibrationMethod;
  target: Int8Target;
  /** For method "percentile": the percentile of |x| kept (default 99.99). */
  percentile?: number;
  /** Op types left in float32 (e.g. ["Add"]). */
  excludeOps?: string[];
  /** The folder the model's external data is in. */
  modelDir?: string;
  /** Called after each calibration run: runs done and runs in all (histogram methods make two passes). */
  onProgress?: (done: number, total: number) => void;
}

export interface Int8Report {
  method: CalibrationMethod;
  target: Int8Target;
  samples: number;
  /** Nodes that now read quantized inputs, per op type. */
  quantizedNodes: { op: string; count: number }[];
  /** Activation tensors given a QuantizeLinear → DequantizeLinear pair. */
  quantizedTensors: number;
  ranges: ActivationRanges;
  ms: { calibrate: number; quantize: number };
}

export const DEFAULT_PERCENTILE = 99.99;
