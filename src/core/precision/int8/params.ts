/** Quantization parameters: activations per tensor from their ranges, weights per output channel, biases in int32. */
import type { ActivationRange } from "../../calibration/ranges.js";
import { ModelFormatError, TrtxError } from "../../errors.js";
import { DataLocation, type TensorProto } from "../../onnx/codec.js";
import type { Int8Target } from "./types.js";

export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/**
 * cpu: uint8 over [min(0,min), max(0,max)] (zero must be exact, for padding and Relu); tensorrt: int8 symmetric,
 * zero-point 0, scale amax/127 as TensorRT computes it. A constant-zero tensor gets scale 1 rather than 0.
 */
export function activationParams(range: ActivationRange, target: Int8Target): ActivationParams {
  if (target === "tensorrt") {
    const amax = Math.max(Math.abs(range.min), Math.abs(range.max));
    return { scale: positive(amax / 127), zeroPoint: 0 };
  }
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = positive((hi - lo) / 255);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function positive(scale: number): number {
  const f = Math.fround(scale);
  return f > 0 && Number.isFinite(f) ? f : 1;
}

/** A float32 initializer's values (raw_data or float_data). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataLocation === DataLocation.EXTERNAL) {
    throw new TrtxError(`cannot quantize weight ${t.name}: it is external data`, { hint: "inline the model's external data first (inlineExternalData)" });
  }
  if (t.rawData.length > 0) {
    if (t.rawData.length % 4 !== 0) throw new ModelFormatError(`tensor ${t.name} is float32 but its raw_data is ${t.rawData.length} bytes`, { hint: "re-export the model" });
    return new Float32Array(new Uint8Array(t.rawData).buffer);
  }
  return Float32Array.from(t.floatData);
}

export interface ChannelWeights {
  values: Int8Array;
  scales: Float32Array;
}

/**
 * Symmetric int8 per slice along `axis`: scale = amax/127 for each channel, values in [-127, 127] (not -128, so
 * that the range is symmetric and the U8S8 kernels cannot overflow their 16-bit intermediate sums).
 */
export function quantizeWeights(w: Float32Array, dims: readonly number[], axis: number): ChannelWeights {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const amax = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    amax[c] = Math.max(amax[c]!, Math.abs(w[i]!));
  }
  const scales = amax.map((a) => positive(a / 127));
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scales[c]!)));
  }
  return { values, scales };
}

const INT32_MAX = 2 ** 31 - 1;

/** int32 bias with scale input_scale × weight_scale per channel, the scale the integer accumulator has. */
export function quantizeBias(b: Float32Array, inputScale: number, weightScales: Float32Array): { values: Int32Array; scales: Float32Array } {
  const scales = weightScales.map((s) => positive(inputScale * s));
  const values = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) values[i] = Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(b[i]! / scales[i]!)));
  return { values, scales };
}
