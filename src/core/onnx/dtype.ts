/**
 * ONNX TensorProto.DataType values (onnx.proto, IR 13) with the names trtx shows and their storage width.
 * Kept as plain data so the streaming scanner can use it without decoding anything.
 */
export interface DTypeInfo {
  /** Lower-case name as ORT and numpy users write it ("float32", "float16", "int8"). */
  readonly name: string;
  /** Bits per element in raw_data; 0 where the width is variable (string). */
  readonly bits: number;
}

const TABLE: Record<number, DTypeInfo> = {
  1: { name: "float32", bits: 32 },
  2: { name: "uint8", bits: 8 },
  3: { name: "int8", bits: 8 },
  4: { name: "uint16", bits: 16 },
  5: { name: "int16", bits: 16 },
  6: { name: "int32", bits: 32 },
  7: { name: "int64", bits: 64 },
  8: { name: "string", bits: 0 },
  9: { name: "bool", bits: 8 },
  10: { name: "float16", bits: 16 },
  11: { name: "float64", bits: 64 },
  12: { name: "uint32", bits: 32 },
  13: { name: "uint64", bits: 64 },
  14: { name: "complex64", bits: 64 },
  15: { name: "complex128", bits: 128 },
  16: { name: "bfloat16", bits: 16 },
  17: { name: "float8e4m3fn", bits: 8 },
  18: { name: "float8e4m3fnuz", bits: 8 },
  19: { name: "float8e5m2", bits: 8 },
  20: { name: "float8e5m2fnuz", bits: 8 },
  21: { name: "uint4", bits: 4 },
  22: { name: "int4", bits: 4 },
  23: { name: "float4e2m1", bits: 4 },
  24: { name: "float8e8m0", bits: 8 },
  25: { name: "uint2", bits: 2 },
  26: { name: "int2", bits: 2 },
};

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;

/** The dtype's display name, or `dtype(N)` for a value outside the enum (kept visible, never guessed). */
export function dtypeName(value: number): string {
  return TABLE[value]?.name ?? (value === 0 ? "undefined" : `dtype(${value})`);
}

export function dtypeInfo(value: number): DTypeInfo | undefined {
  return TABLE[value];
}

/** The enum value for a display name ("float32" → 1), or undefined. */
export function dtypeFromName(name: string): number | undefined {
  for (const [value, info] of Object.entries(TABLE)) if (info.name === name) return Number(value);
  return undefined;
}
