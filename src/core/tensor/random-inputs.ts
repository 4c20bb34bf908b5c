/**
 * Seeded random model inputs, as Polygraphy's default data loader makes them, and the concrete shapes to make them
 * in. Polygraphy's default value range is [0, 1] for every dtype (val_range; the older int_range default [1, 25] is
 * deprecated): floats uniform in it, integers and bools uniform over the integers in it. [0, 1] also keeps integer
 * inputs valid as indices (token ids, token types, masks) into any table, where a wider default could run off one.
 */
import { UsageError } from "../errors.js";
import { formatShape, isDynamicDim, type ValueDesc } from "../onnx/model-info.js";
import { toFloat16Bits } from "./float16.js";
import { allocate, elementCount, type HostTensor, type TensorDtype } from "./host-tensor.js";
import type { SeededRandom } from "./random.js";

/** [lo, hi]: floats are drawn from [lo, hi), integers from the integers in [lo, hi]. */
export type ValueRange = [number, number];

export const DEFAULT_VALUE_RANGE: ValueRange = [0, 1];

/** The key of a range given without a name, which applies to every input not named. */
export const ALL_INPUTS = "*";

export interface RandomInputSpec {
  name: string;
  dtype: TensorDtype;
  dims: number[];
}

type NumericDtype = Exclude<TensorDtype, "string">;

const FLOATS = new Set<TensorDtype>(["float16", "float32", "float64"]);

// What each dtype can hold; 64-bit integers are drawn as JS numbers, so as far as they are exact.
const LIMITS: Record<NumericDtype, ValueRange> = {
  float16: [-65504, 65504],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  bool: [0, 1],
};

/**
 * A tensor of `spec`'s dtype and dims with one draw of `rng` per element, in row-major order, so a seed gives the
 * same values on every machine. Floats: lo + (hi − lo)·u, then rounded to the dtype, which can round up to hi itself
 * (so float32/float16 values lie in [lo, hi]). Integers and bool: uniform over the integers in [lo, hi]; u has 32
 * bits, so integer ranges wider than 2^32 are covered coarsely. A range the dtype cannot hold is a UsageError.
 */
export function randomTensor(spec: RandomInputSpec, rng: SeededRandom, range: ValueRange = DEFAULT_VALUE_RANGE): HostTensor {
  const { name, dtype } = spec;
  if (dtype === "string") {
    throw new UsageError(`input ${name} is a string tensor, and trtx cannot make random strings`, { hint: "give its values from a file" });
  }
  const [min, max] = LIMITS[dtype];
  const [lo, hi] = FLOATS.has(dtype) ? range : [Math.ceil(range[0]), Math.floor(range[1])];
  const shown = `[${range[0]},${range[1]}]`;
  if (lo > hi) {
    throw new UsageError(`input ${name} (${dtype}): the range ${shown} ${FLOATS.has(dtype) ? "is empty" : "holds no integer"}`, { hint: "widen the range with --val-range" });
  }
  if (lo < min || hi > max) {
    throw new UsageError(`input ${name} (${dtype}): the range ${shown} is outside what ${dtype} holds, [${min},${max}]`, { hint: "narrow the range with --val-range" });
  }
  const count = elementCount(spec.dims);
  const data = allocate(dtype, count);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) data[i] = BigInt(lo + Math.floor(rng.next() * (hi - lo + 1)));
  } else if (dtype === "float16") {
    for (let i = 0; i < count; i++) data[i] = toFloat16Bits(rng.uniform(lo, hi));
  } else if (FLOATS.has(dtype)) {
    for (let i = 0; i < count; i++) data[i] = rng.uniform(lo, hi);
  } else {
    for (let i = 0; i < count; i++) data[i] = lo + Math.floor(rng.next() * (hi - lo + 1));
  }
  return { dtype, dims: [...spec.dims], data };
}

// A plain decimal, negative allowed: Number() alone would also take "", "0x10" and "Infinity".
const NUMBER = "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?";
const RANGE = new RegExp(`^\\[\\s*(${NUMBER})\\s*,\\s*(${NUMBER})\\s*\\]$`);

/**
 * Parses `--val-range` values: `name:[lo,hi]` for one input (the name ends at the last colon, so it may hold colons)
 * or `[lo,hi]` for every input not named (key ALL_INPUTS). An input given twice is refused.
 */
export function parseValueRanges(values: readonly string[]): Map<string, ValueRange> {
  const hint = "write --val-range name:[lo,hi] for one input, --val-range [lo,hi] for all, with lo ≤ hi";
  const ranges = new Map<string, ValueRange>();
  for (const value of values) {
    const colon = value.lastIndexOf(":");
    const name = colon < 0 ? ALL_INPUTS : value.slice(0, colon);
    const match = RANGE.exec(value.slice(colon + 1).trim());
    if (name === "") throw new UsageError(`--val-range "${value}" has an empty input name`, { hint });
    if (!match) throw new UsageError(`--val-range "${value}" is not a range [lo,hi]`, { hint });
    const lo = Number(match[1]);
    const hi = Number(match[2]);
    if (lo > hi) throw new UsageError(`--val-range "${value}": lo ${lo} is above hi ${hi}`, { hint });
    if (ranges.has(name)) throw new UsageError(`--val-range gives ${name === ALL_INPUTS ? "the range for all inputs" : `input ${name}`} twice`, { hint });
    ranges.set(name, [lo, hi]);
  }
  return ranges;
}

/** The range for one input: its own, else the one for all inputs, else undefined (the default). */
export function valueRangeFor(ranges: ReadonlyMap<string, ValueRange>, input: string): ValueRange | undefined {
  return ranges.get(input) ?? ranges.get(ALL_INPUTS);
}

/**
 * Concrete dims for a model input. A `--shapes` override wins, but must have the input's rank and keep its fixed
 * dims. Otherwise a dynamic (symbolic, unknown or negative) first dim becomes `defaults.batch`, other dynamic dims
 * `defaults.otherSymbolic` when given; a dynamic dim left over, or an input of unknown rank, is a UsageError asking
 * for --shapes.
 */
export function resolveDims(
  desc: ValueDesc,
  overrides: ReadonlyMap<string, number[]> | undefined,
  defaults: { batch: number; otherSymbolic?: number },
): number[] {
  const { name, shape } = desc;
  if (desc.kind !== "tensor") throw new UsageError(`input ${name} is a ${desc.kind} (${desc.dtype}), not a tensor`, { hint: "trtx feeds tensor inputs only" });
  const override = overrides?.get(name);
  if (override !== undefined) {
    if (shape === null) return [...override];
    const fits = override.length === shape.length && shape.every((d, i) => isDynamicDim(d) || d === override[i]);
    if (!fits) {
      throw new UsageError(`--shapes gives input ${name} ${formatShape(override)}, which does not fit the model's ${formatShape(shape)}`, {
        hint: `give ${shape.length} dims and keep the fixed ones`,
      });
    }
    return [...override];
  }
  if (shape === null) throw new UsageError(`input ${name} has no shape in the model (rank unknown)`, { hint: `pass its shape with --shapes ${name}:DIMS, e.g. ${name}:1x16` });
  const dims = shape.map((d, axis) => (!isDynamicDim(d) ? (d as number) : axis === 0 ? defaults.batch : defaults.otherSymbolic));
  const open = dims.findIndex((d) => d === undefined);
  if (open >= 0) {
    const dim = shape[open];
    const what = typeof dim === "string" ? `symbolic dim '${dim}'` : "a dim of unknown size";
    const example = dims.map((d) => d ?? 128).join("x");
    throw new UsageError(`input ${name} has ${what} at axis ${open}`, { hint: `pass --shapes ${name}:${example} with the sizes you want` });
  }
  return dims as number[];
}
