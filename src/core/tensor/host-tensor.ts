/**
 * A tensor in host memory, in the element types onnxruntime-node speaks (its Tensor type names), so that
 * readers, writers, comparison and sessions share one representation. float16 is stored as its bits in a
 * Uint16Array and bool as bytes in a Uint8Array, as onnxruntime-node does.
 */
import { fromFloat16Bits } from "./float16.js";

export type TensorDtype =
  | "float32"
  | "float64"
  | "float16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string";

export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export interface HostTensor {
  dtype: TensorDtype;
  dims: number[];
  data: TensorValues;
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
} as const;

export const NUMERIC_DTYPES = Object.keys(ARRAYS) as Exclude<TensorDtype, "string">[];

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function bytesPerElement(dtype: Exclude<TensorDtype, "string">): number {
  return ARRAYS[dtype].BYTES_PER_ELEMENT;
}

/** A zero-filled array of the right type for `dtype`. */
export function allocate(dtype: Exclude<TensorDtype, "string">, length: number): Exclude<TensorValues, string[]> {
  return new ARRAYS[dtype](length);
}

/** Reinterprets little-endian bytes as `dtype` values (copied, so the result is aligned and owned). */
export function fromBytes(dtype: Exclude<TensorDtype, "string">, bytes: Uint8Array): Exclude<TensorValues, string[]> {
  const size = bytesPerElement(dtype);
  if (bytes.length % size) throw new RangeError(`${bytes.length} bytes is not a whole number of ${dtype} values`);
  const out = allocate(dtype, bytes.length / size);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The values as float64 for statistics and comparison (float16 decoded, 64-bit integers rounded). */
export function toFloat64(t: HostTensor): Float64Array {
  if (Array.isArray(t.data)) throw new TypeError("string tensors have no numeric values");
  const out = new Float64Array(t.data.length);
  if (t.dtype === "float16") {
    const bits = t.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]!);
  } else if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]!);
  } else {
    out.set(t.data as ArrayLike<number>);
  }
  return out;
}
