/**
 * float32 TensorProtos rewritten as float16, with onnxruntime's range handling: finite values beyond float16's
 * range are clamped to ±65504 instead of becoming ±Inf, and nonzero values too small for its smallest subnormal
 * are stored as ±2^-24 instead of 0 (an epsilon that became 0 would divide by zero). NaN, ±Inf and ±0 keep
 * their value and sign.
 */
import { ModelFormatError } from "../errors.js";
import type { TensorProto } from "../onnx/codec.js";
import { DataType } from "../onnx/dtype.js";

/** Values the conversion had to move, summed over every tensor converted. */
export interface RangeCounts {
  /** Finite values with |v| > 65504, stored as ±65504. */
  clampedValues: number;
  /** Nonzero values with |v| < 2^-24 (≈ 5.96e-8), stored as ±2^-24. */
  raisedToMinSubnormal: number;
}

const FLOAT32_ABS_INF = 0x7f800000;
/** 65504, float16's largest finite value, as float32 bits. */
const FLOAT32_BITS_HALF_MAX = 0x477fe000;
/** 2^-24, float16's smallest subnormal, as float32 bits. */
const FLOAT32_BITS_HALF_MIN_SUBNORMAL = 0x33800000;
const HALF_MAX = 0x7bff;
const HALF_MIN_SUBNORMAL = 0x0001;

/** Converts a float32 tensor (raw_data or float_data) to float16 in raw_data, in place; other dtypes are left alone. */
export function convertTensorToHalf(t: TensorProto, counts: RangeCounts): void {
  if (t.dataType !== DataType.FLOAT) return;
  let bits: Uint32Array;
  if (t.rawData.length > 0) {
    if (t.rawData.length % 4 !== 0) {
      throw new ModelFormatError(`tensor ${t.name} is float32 but its raw_data is ${t.rawData.length} bytes, not a multiple of 4`, { hint: "re-export the model" });
    }
    // A decoded model's raw_data is a view at any byte offset; Uint32Array needs 4-byte alignment. (It may be a
    // Buffer, whose slice() is a view: new Uint8Array() copies.)
    const raw = t.rawData.byteOffset % 4 === 0 ? t.rawData : new Uint8Array(t.rawData);
    bits = new Uint32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  } else {
    bits = new Uint32Array(Float32Array.from(t.floatData).buffer);
    t.floatData = [];
  }
  t.dataType = DataType.FLOAT16;
  t.rawData = halfBytes(bits, counts);
}

/** Float attribute values (Constant's value_float, value_floats) as float16 raw_data. */
export function halfRawData(values: readonly number[], counts: RangeCounts): Uint8Array<ArrayBuffer> {
  return halfBytes(new Uint32Array(Float32Array.from(values).buffer), counts);
}

function halfBytes(bits: Uint32Array, counts: RangeCounts): Uint8Array<ArrayBuffer> {
  const half = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) half[i] = halfBits(bits[i]!, counts);
  return new Uint8Array(half.buffer);
}

/** float32 bits → float16 bits, round to nearest even, with the clamping described above. */
function halfBits(x: number, counts: RangeCounts): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs > FLOAT32_ABS_INF) return sign | 0x7e00; // NaN (quiet)
  if (abs === FLOAT32_ABS_INF) return sign | 0x7c00;
  if (abs > FLOAT32_BITS_HALF_MAX) {
    counts.clampedValues++;
    return sign | HALF_MAX;
  }
  if (abs === 0) return sign;
  if (abs < FLOAT32_BITS_HALF_MIN_SUBNORMAL) {
    counts.raisedToMinSubnormal++;
    return sign | HALF_MIN_SUBNORMAL;
  }
  const e = (abs >>> 23) - 127 + 15;
  let mant = abs & 0x7fffff;
  if (e <= 0) {
    // Subnormal: the implicit leading 1 becomes explicit and shifts right with the rest.
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  // |x| ≤ 65504 here, so rounding up cannot carry into the Inf exponent.
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
