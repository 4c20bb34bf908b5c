import assert from "node:assert/strict";
import { test } from "node:test";
import { FileError } from "../src/core/errors.js";
import { toFloat16Array } from "../src/core/tensor/float16.js";
import type { HostTensor } from "../src/core/tensor/host-tensor.js";
import { readLabels, summarize } from "../src/core/tensor/summary.js";

const f32 = (values: number[], dims = [values.length]): HostTensor => ({ dtype: "float32", dims, data: Float32Array.from(values) });

test("statistics cover the finite values; NaN and infinities are counted apart", () => {
  const s = summarize(f32([1, NaN, 3, Infinity, -2, -Infinity, 4], [7]));
  // Finite values 1, 3, -2, 4: mean 1.5, squared deviations 0.25 + 2.25 + 12.25 + 6.25 = 21, population variance 21 / 4.
  assert.deepEqual([s.dtype, s.dims, s.count, s.nanCount, s.infCount], ["float32", [7], 7, 1, 2]);
  assert.equal(s.stats!.min, -2);
  assert.equal(s.stats!.max, 4);
  assert.equal(s.stats!.mean, 1.5);
  assert.ok(Math.abs(s.stats!.std - Math.sqrt(5.25)) < 1e-12, String(s.stats!.std));
  assert.equal(s.topK, undefined);
  assert.deepEqual(summarize(f32([NaN, Infinity])).stats, null);
  assert.deepEqual(summarize(f32([])).stats, null);
});

test("std stays accurate for values far from zero", () => {
  const s = summarize({ dtype: "float64", dims: [3], data: Float64Array.from([1e9 + 1, 1e9 + 2, 1e9 + 3]) });
  assert.ok(Math.abs(s.stats!.std - Math.sqrt(2 / 3)) < 1e-6, String(s.stats!.std));
  assert.equal(s.stats!.mean, 1e9 + 2);
});

test("every numeric dtype is summarized as numbers; strings only by shape", () => {
  const half = summarize({ dtype: "float16", dims: [2], data: toFloat16Array([0.5, -1.5]) });
  assert.deepEqual([half.stats!.min, half.stats!.max, half.stats!.mean], [-1.5, 0.5, -0.5]);
  const i64 = summarize({ dtype: "int64", dims: [1, 3], data: BigInt64Array.from([5n, -7n, 2n]) });
  assert.deepEqual([i64.stats!.min, i64.stats!.max, i64.stats!.mean, i64.nanCount], [-7, 5, 0, 0]);
  const strings = summarize({ dtype: "string", dims: [2, 1], data: ["a", "b"] }, 1);
  assert.deepEqual(strings, { dtype: "string", dims: [2, 1], count: 2, nanCount: 0, infCount: 0, stats: null });
});

test("top-K per row along the last axis, with labels, ties in index order and NaN left out", () => {
  const logits = f32([0.1, 0.7, 0.2, 0.7, NaN, 9, -1, 3], [2, 4]);
  const s = summarize(logits, 2, ["tench", "goldfish", "shark", "ray"]);
  assert.equal(s.topK!.length, 2);
  assert.deepEqual(
    s.topK![0]!.map((e) => [e.index, e.label]),
    [[1, "goldfish"], [3, "ray"]],
  );
  assert.ok(Math.abs(s.topK![0]![0]!.value - 0.7) < 1e-7);
  assert.deepEqual(s.topK![1], [{ index: 1, value: 9, label: "goldfish" }, { index: 3, value: 3, label: "ray" }]);
  // K beyond the row lists the row, NaN still out; labels that run short give no label.
  const all = summarize(logits, 10, ["tench"]).topK!;
  assert.deepEqual(all[1]!.map((e) => e.index), [1, 3, 2]);
  assert.deepEqual(all[0]![3], { index: 0, value: all[0]![3]!.value, label: "tench" });
  assert.equal("label" in all[0]![0]!, false);
});

test("a 1-d output is one row; a scalar is a row of one", () => {
  const s = summarize(f32([3, 1, 4, 1, 5]), 3);
  assert.deepEqual(s.topK, [[{ index: 4, value: 5 }, { index: 2, value: 4 }, { index: 0, value: 3 }]]);
  assert.deepEqual(summarize({ dtype: "float64", dims: [], data: Float64Array.from([2]) }, 5).topK, [[{ index: 0, value: 2 }]]);
  assert.throws(() => summarize(f32([1]), 0), RangeError);
});

test("labels: one per line, a JSON array, or an ImageNet-style JSON object", () => {
  assert.deepEqual(readLabels("tench\n goldfish \r\ngreat white shark\n"), ["tench", "goldfish", "great white shark"]);
  assert.deepEqual(readLabels("a\n\nc"), ["a", "", "c"], "an empty line inside keeps its place");
  assert.deepEqual(readLabels('["cat", "dog"]'), ["cat", "dog"]);
  assert.deepEqual(readLabels('{"1": "goldfish", "0": "tench"}'), ["tench", "goldfish"]);
  assert.deepEqual(readLabels('{"0": ["n01440764", "tench"], "1": ["n01443537", "goldfish"]}'), ["tench", "goldfish"]);
});

test("malformed label files are refused with one line naming the file", () => {
  const refuses = (text: string, pattern: RegExp) =>
    assert.throws(
      () => readLabels(text, "labels.json"),
      (e) => e instanceof FileError && pattern.test(e.message) && e.message.startsWith("labels.json") && !e.message.includes("\n") && e.hint !== undefined,
      text,
    );
  refuses('["a", ', /looks like JSON but does not parse/);
  refuses('["a", 1]', /entry 1 of the JSON array is not a string/);
  refuses('{"0": "a", "2": "c"}', /key "2" is not a class index from 0 to 1/);
  refuses('{"0": "a", "x": "c"}', /key "x"/);
  refuses('{"0": 5}', /label of class 0 is not a string/);
});
