import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../src/core/errors.js";
import type { ValueDesc } from "../src/core/onnx/model-info.js";
import { fromFloat16Bits } from "../src/core/tensor/float16.js";
import { NUMERIC_DTYPES, toFloat64, type TensorDtype } from "../src/core/tensor/host-tensor.js";
import { parseValueRanges, randomTensor, resolveDims, valueRangeFor, type ValueRange } from "../src/core/tensor/random-inputs.js";
import { SeededRandom } from "../src/core/tensor/random.js";

const FLOATS = ["float16", "float32", "float64"];
const make = (dtype: TensorDtype, seed = 1, range?: ValueRange, dims = [4, 250]) => randomTensor({ name: "x", dtype, dims }, new SeededRandom(seed), range);

function refuses(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes("\n") && e.hint !== undefined, String(pattern));
}

test("random inputs are the same for a seed and differ between seeds, for every dtype", () => {
  for (const dtype of NUMERIC_DTYPES) {
    const a = make(dtype, 3);
    assert.deepEqual(a, make(dtype, 3), dtype);
    assert.notDeepEqual(a.data, make(dtype, 4).data, dtype);
    assert.deepEqual(a.dims, [4, 250]);
    assert.equal(a.data.length, 1000);
  }
  // The representation onnxruntime-node expects: float16 as bits, 64-bit integers as BigInt arrays, bool as bytes.
  assert.ok(make("float16").data instanceof Uint16Array);
  assert.ok(make("int64").data instanceof BigInt64Array);
  assert.ok(make("uint64").data instanceof BigUint64Array);
  assert.ok(make("bool").data instanceof Uint8Array);
});

test("values stay in range for every dtype, by default [0, 1] and in a given range", () => {
  for (const dtype of NUMERIC_DTYPES) {
    for (const range of [undefined, [-3, 3] as ValueRange]) {
      if (dtype.startsWith("uint") || dtype === "bool") if (range) continue;
      const [lo, hi] = range ?? [0, 1];
      const values = toFloat64(make(dtype, 5, range));
      const seen = new Set(values);
      for (const v of values) assert.ok(v >= lo && v <= hi, `${dtype} ${v} outside [${lo}, ${hi}]`);
      if (FLOATS.includes(dtype)) {
        // float16 has about 2^10 values per octave, so 1000 draws collide more often there.
        assert.ok(seen.size > (dtype === "float16" ? 700 : 990), `${dtype}: ${seen.size} distinct values`);
        assert.ok(Math.min(...values) < lo + 0.05 * (hi - lo) && Math.max(...values) > hi - 0.05 * (hi - lo), `${dtype} spans the range`);
      } else {
        // Every integer in [lo, hi] comes up, the ends included.
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), dtype);
      }
    }
  }
  const fp16 = make("float16", 9, [100, 200]).data as Uint16Array;
  for (const bits of fp16) assert.ok(fromFloat16Bits(bits) >= 100 && fromFloat16Bits(bits) <= 200);
  const constant = toFloat64(make("int32", 2, [7, 7]));
  assert.ok(constant.every((v) => v === 7));
  const wide = toFloat64(make("int64", 2, [-1e12, 1e12]));
  assert.ok(wide.every((v) => Number.isInteger(v) && v >= -1e12 && v <= 1e12) && Math.max(...wide) > 1e11);
});

test("ranges a dtype cannot hold, integer ranges with no integer and string inputs are refused", () => {
  refuses(() => make("uint8", 1, [-1, 5]), /input x \(uint8\): the range \[-1,5\] is outside what uint8 holds, \[0,255\]/);
  refuses(() => make("int8", 1, [0, 1000]), /outside what int8 holds/);
  refuses(() => make("float16", 1, [0, 1e5]), /outside what float16 holds/);
  refuses(() => make("int32", 1, [0.2, 0.8]), /the range \[0.2,0.8\] holds no integer/);
  refuses(() => randomTensor({ name: "text", dtype: "string", dims: [1] }, new SeededRandom(0)), /input text is a string tensor/);
  assert.ok(toFloat64(make("int32", 1, [0.5, 1.5], [20])).every((v) => v === 1), "bounds round inward");
});

test("--val-range values: per input, for all inputs, names with colons", () => {
  const ranges = parseValueRanges(["[0,1]", "ids:[0, 30522]", "a:b:[-1.5,2e3]", "mask: [ 1 , 1 ] "]);
  assert.deepEqual([...ranges], [["*", [0, 1]], ["ids", [0, 30522]], ["a:b", [-1.5, 2000]], ["mask", [1, 1]]]);
  assert.deepEqual(valueRangeFor(ranges, "ids"), [0, 30522]);
  assert.deepEqual(valueRangeFor(ranges, "other"), [0, 1]);
  assert.equal(valueRangeFor(parseValueRanges(["ids:[0,5]"]), "other"), undefined);
});

test("malformed --val-range values are refused with one line", () => {
  const bad = (value: string[], pattern: RegExp) => refuses(() => parseValueRanges(value), pattern);
  bad(["x:[2,1]"], /--val-range "x:\[2,1\]": lo 2 is above hi 1/);
  bad(["x:[1]"], /is not a range \[lo,hi\]/);
  bad(["x:(0,1)"], /is not a range/);
  bad(["x:0,1"], /is not a range/);
  bad(["x:[a,1]"], /is not a range/);
  bad(["x:[0,Infinity]"], /is not a range/);
  bad([":[0,1]"], /empty input name/);
  bad(["x:[0,1]", "x:[0,2]"], /gives input x twice/);
  bad(["[0,1]", "[0,2]"], /gives the range for all inputs twice/);
});

const input = (shape: ValueDesc["shape"], name = "x", kind: ValueDesc["kind"] = "tensor"): ValueDesc => ({ name, kind, dtype: "float32", shape });

test("dims: a dynamic batch dim takes the batch size, fixed dims stay", () => {
  assert.deepEqual(resolveDims(input(["batch", 3, 224, 224]), undefined, { batch: 1 }), [1, 3, 224, 224]);
  assert.deepEqual(resolveDims(input([null, 16]), new Map(), { batch: 8 }), [8, 16]);
  assert.deepEqual(resolveDims(input([-1, 16]), undefined, { batch: 2 }), [2, 16]);
  assert.deepEqual(resolveDims(input([4, 16]), undefined, { batch: 2 }), [4, 16], "a fixed first dim is not the batch");
  assert.deepEqual(resolveDims(input([]), undefined, { batch: 2 }), [], "a scalar");
  assert.deepEqual(resolveDims(input(["batch", "sequence"]), undefined, { batch: 1, otherSymbolic: 64 }), [1, 64]);
});

test("dims: other symbolic dims and unknown ranks need --shapes", () => {
  assert.throws(
    () => resolveDims(input(["batch", "sequence"], "tokens"), undefined, { batch: 1 }),
    (e) => e instanceof UsageError && e.message === "input tokens has symbolic dim 'sequence' at axis 1" && /--shapes tokens:1x128/.test(e.hint!),
  );
  refuses(() => resolveDims(input([1, null]), undefined, { batch: 1 }), /input x has a dim of unknown size at axis 1/);
  refuses(() => resolveDims(input(null), undefined, { batch: 1 }), /input x has no shape in the model \(rank unknown\)/);
  refuses(() => resolveDims(input(null, "s", "sequence"), undefined, { batch: 1 }), /input s is a sequence/);
});

test("dims: a --shapes override wins, if it has the rank and keeps the fixed dims", () => {
  const shapes = new Map([["tokens", [2, 128]], ["x", [1, 8]], ["r", [1, 2, 3]]]);
  assert.deepEqual(resolveDims(input(["batch", "sequence"], "tokens"), shapes, { batch: 1 }), [2, 128]);
  assert.deepEqual(resolveDims(input([null, "n", 3], "r"), shapes, { batch: 1 }), [1, 2, 3]);
  assert.deepEqual(resolveDims(input(null, "r"), shapes, { batch: 1 }), [1, 2, 3], "the override gives an unknown rank");
  refuses(() => resolveDims(input(["batch", 16]), shapes, { batch: 1 }), /--shapes gives input x \[1,8\], which does not fit the model's \[batch,16\]/);
  refuses(() => resolveDims(input(["batch", 8, 1]), shapes, { batch: 1 }), /\[1,8\].*\[batch,8,1\]/);
});
