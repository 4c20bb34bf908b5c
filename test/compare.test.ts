import assert from "node:assert/strict";
import { test } from "node:test";
import { compareOutputs, compareTensors, type CheckErrorStat } from "../src/core/compare/compare.js";
import { parseTolerance, toleranceFor, type Tolerances } from "../src/core/compare/tolerances.js";
import { UsageError } from "../src/core/errors.js";
import { toFloat16Array } from "../src/core/tensor/float16.js";
import type { HostTensor } from "../src/core/tensor/host-tensor.js";
import { SeededRandom } from "../src/core/tensor/random.js";

const f64 = (values: number[], dims = [values.length]): HostTensor => ({ dtype: "float64", dims, data: Float64Array.from(values) });
const tol = (atol: number, rtol: number) => ({ atol, rtol });
const cmp = (actual: number[], expected: number[], atol = 1e-5, rtol = 1e-5, stat: CheckErrorStat = "elemwise") =>
  compareTensors("out", f64(actual), f64(expected), tol(atol, rtol), stat);

test("an element fails only when it exceeds both atol and rtol, as in Polygraphy", () => {
  // Within atol, 100% off in relative terms.
  assert.equal(cmp([2e-6], [1e-6]).passed, true);
  // Within rtol (1e-6 relative), 1e-3 off in absolute terms.
  assert.equal(cmp([1000.001], [1000]).passed, true);
  const both = cmp([1, 1.1, 3], [1, 1, 3]);
  assert.equal(both.passed, false);
  assert.equal(both.failing, 1);
  assert.ok(Math.abs(both.passRate - 2 / 3) < 1e-12);
  assert.match(both.reason!, /^1 of 3 elements exceed both atol 0.00001 and rtol 0.00001; max abs error 0.1 at \[1\] \(actual 1.1, expected 1\)$/);
});

test("reldiff is relative to the expected output, and a zero reference makes it infinite", () => {
  // |0 − 1e-6| / |1e-6| = 1, but the other way round it would be ∞.
  assert.equal(cmp([0], [1e-6], 0, 1).passed, true);
  const zeroRef = cmp([1e-6], [0], 0, 1e9);
  assert.equal(zeroRef.passed, false);
  assert.equal(zeroRef.errors!.maxRel, Infinity);
  assert.equal(zeroRef.errors!.requiredRtol, Infinity, "no rtol helps against a zero reference");
  assert.equal(zeroRef.errors!.requiredAtol, 1e-6);
  assert.equal(cmp([1e-6], [0], 1e-6, 0).passed, true, "atol still covers it");
  const exact = cmp([0, 5], [0, 5], 0, 0);
  assert.equal(exact.passed, true);
  assert.equal(exact.errors!.maxRel, 0, "0 against 0 is no error, not NaN");
});

test("NaN equals NaN at the same position; NaN in one output only fails whatever the tolerance or statistic", () => {
  const same = cmp([NaN, 1], [NaN, 1], 0, 0);
  assert.deepEqual([same.passed, same.nanMismatch, same.failing], [true, 0, 0]);
  for (const stat of ["elemwise", "max", "mean", "median"] as const) {
    const one = cmp([NaN, 1, 2], [0, 1, 2], 1e9, 1e9, stat);
    assert.equal(one.passed, false, stat);
    assert.equal(one.nanMismatch, 1);
    assert.equal(one.failing, 1);
    assert.match(one.reason!, /1 of 3 elements are NaN in one output only/);
    assert.equal(one.errors!.maxAbs, 0, "stats cover the comparable elements");
  }
  const all = cmp([NaN], [3]);
  assert.deepEqual([all.passed, all.errors], [false, null]);
});

test("infinities are equal only to the same infinity", () => {
  assert.equal(cmp([Infinity, -Infinity], [Infinity, -Infinity], 0, 0).passed, true);
  const opposite = cmp([Infinity], [-Infinity], 1e9, 1e9);
  assert.equal(opposite.passed, false);
  const finite = cmp([1, 2], [1, Infinity], 1e300, 1e300);
  assert.equal(finite.passed, false);
  assert.deepEqual([finite.errors!.maxAbs, finite.errors!.maxRel, finite.errors!.requiredAtol], [Infinity, Infinity, Infinity]);
  assert.equal(cmp([Infinity], [1], 1e300, 1e300).passed, false);
});

test("a shape mismatch is a failed comparison with a reason, even with the same element count", () => {
  const r = compareTensors("out", f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([1, 2, 3, 4, 5, 6], [3, 2]), tol(1, 1));
  assert.equal(r.passed, false);
  assert.equal(r.reason, "shape [2,3] differs from the expected [3,2]");
  assert.deepEqual([r.elements, r.errors], [0, null]);
});

test("dtypes may differ (FP16 against an FP32 reference) and are reported", () => {
  const half: HostTensor = { dtype: "float16", dims: [3], data: toFloat16Array([0.1, 0.2, 0.3]) };
  const full: HostTensor = { dtype: "float32", dims: [3], data: Float32Array.from([0.1, 0.2, 0.3]) };
  const r = compareTensors("out", half, full, tol(1e-3, 1e-3));
  assert.deepEqual([r.passed, r.dtypeMismatch, r.actual.dtype, r.expected.dtype], [true, true, "float16", "float32"]);
  assert.equal(compareTensors("out", half, full, tol(1e-5, 1e-5)).passed, false, "fp16 rounding exceeds 1e-5");
});

test("error statistics and the worst element with its multi-index", () => {
  const r = compareTensors("out", f64([1.5, 2, 3, 8, 0, 0], [2, 3]), f64([1, 2, 4, 8, 0, 0], [2, 3]), tol(0, 0));
  const s = r.errors!;
  // abs = [0.5, 0, 1, 0, 0, 0], rel = [0.5, 0, 0.25, 0, 0, 0]
  assert.deepEqual([s.maxAbs, s.meanAbs, s.medianAbs], [1, 1.5 / 6, 0]);
  assert.deepEqual([s.maxRel, s.meanRel, s.medianRel], [0.5, 0.75 / 6, 0]);
  assert.deepEqual(s.worst, { index: 2, multiIndex: [0, 2], actual: 3, expected: 4 });
  assert.equal(cmp([1.5, 2, 3, 8], [1, 2, 4, 8]).errors!.medianAbs, 0.25, "even count: mean of the middle two");
  const late = compareTensors("out", f64([0, 0, 0, 0, 9, 0], [2, 3]), f64([0, 0, 0, 0, 0, 0], [2, 3]), tol(0, 0));
  assert.deepEqual(late.errors!.worst.multiIndex, [1, 1]);
});

test("check-error-stat: max, mean and median compare that statistic of absdiff and of reldiff", () => {
  // abs = rel = [0, 0, 0, 1]: max 1, mean 0.25, median 0.
  const actual = [1, 1, 1, 2];
  const expected = [1, 1, 1, 1];
  assert.equal(cmp(actual, expected, 0.3, 0.3, "elemwise").passed, false);
  assert.equal(cmp(actual, expected, 0.3, 0.3, "max").passed, false);
  assert.equal(cmp(actual, expected, 0.3, 0.3, "mean").passed, true);
  assert.equal(cmp(actual, expected, 0.2, 0.2, "mean").passed, false);
  assert.match(cmp(actual, expected, 0.2, 0.2, "mean").reason!, /^mean abs error 0.25 exceeds atol 0.2 and mean rel error 0.25 exceeds rtol 0.2$/);
  assert.equal(cmp(actual, expected, 0, 0, "median").passed, true);
  // Each element passes on one tolerance, but the mean exceeds both: elemwise is not the strictest check, max is.
  const mixedA = [0.002, 1001];
  const mixedE = [0.001, 1000];
  assert.equal(cmp(mixedA, mixedE, 0.01, 0.01, "elemwise").passed, true);
  assert.equal(cmp(mixedA, mixedE, 0.01, 0.01, "mean").passed, false);
  // Only one statistic needs to be within its tolerance.
  assert.equal(cmp([1001], [1000], 0.01, 0.01, "max").passed, true);
  // Stat modes still count the elementwise failures, for the report.
  assert.equal(cmp(actual, expected, 0.3, 0.3, "mean").failing, 1);
});

test("the required tolerances pass when used, and slightly smaller ones fail", () => {
  const rng = new SeededRandom(7);
  const expected = Array.from({ length: 500 }, () => rng.uniform(-1, 1));
  const actual = expected.map((v) => v + rng.normal() * 1e-3);
  const below = (x: number) => x * (1 - 1e-9);
  for (const stat of ["elemwise", "max", "mean", "median"] as const) {
    for (const [atol, rtol] of [[1e-4, 1e-4], [0, 1e-4], [1e-4, 0]] as const) {
      const r = cmp(actual, expected, atol, rtol, stat);
      assert.equal(r.passed, false, `${stat} at ${atol}/${rtol} should fail to begin with`);
      const { requiredAtol, requiredRtol } = r.errors!;
      assert.ok(requiredAtol > 0 && requiredRtol > 0 && Number.isFinite(requiredAtol + requiredRtol));
      assert.equal(cmp(actual, expected, requiredAtol, rtol, stat).passed, true, `${stat}: atol ${requiredAtol}`);
      assert.equal(cmp(actual, expected, below(requiredAtol), rtol, stat).passed, false, `${stat}: just below atol`);
      assert.equal(cmp(actual, expected, atol, requiredRtol, stat).passed, true, `${stat}: rtol ${requiredRtol}`);
      assert.equal(cmp(actual, expected, atol, below(requiredRtol), stat).passed, false, `${stat}: just below rtol`);
    }
  }
  // abs = [0, 0.5], rel = [0, 0.2]
  const exact = cmp([1, 2], [1, 2.5], 0, 0);
  assert.deepEqual([exact.passed, exact.errors!.requiredAtol, exact.errors!.requiredRtol], [false, 0.5, 0.2]);
  // An element exactly at rtol passes on it, so it does not raise the required atol.
  const atRtol = cmp([1.5, 0.2], [1, 0.1], 0, 0.5);
  assert.ok(Math.abs(atRtol.errors!.requiredAtol - 0.1) < 1e-12, String(atRtol.errors!.requiredAtol));
  const generous = cmp([1, 2], [1, 2.5], 0, 1);
  assert.deepEqual([generous.passed, generous.errors!.requiredAtol], [true, 0], "every element already passes on rtol");
});

test("integer and bool tensors compare exactly at zero tolerance, and int64 beyond 2^53 exactly too", () => {
  const i32 = (v: number[]): HostTensor => ({ dtype: "int32", dims: [v.length], data: Int32Array.from(v) });
  assert.equal(compareTensors("ids", i32([1, 2, 3]), i32([1, 2, 3]), tol(0, 0)).passed, true);
  assert.equal(compareTensors("ids", i32([1, 2, 3]), i32([1, 2, 4]), tol(0, 0)).passed, false);
  assert.equal(compareTensors("ids", i32([1, 2, 3]), i32([1, 2, 4]), tol(1, 0)).passed, true);
  const big = (v: bigint): HostTensor => ({ dtype: "int64", dims: [1], data: BigInt64Array.from([v]) });
  assert.equal(Number(2n ** 60n) === Number(2n ** 60n + 1n), true, "the two round to the same double");
  const r = compareTensors("n", big(2n ** 60n + 1n), big(2n ** 60n), tol(0, 0));
  assert.equal(r.passed, false);
  assert.equal(r.errors!.maxAbs, 1);
  const bool = (v: number[]): HostTensor => ({ dtype: "bool", dims: [v.length], data: Uint8Array.from(v) });
  assert.equal(compareTensors("m", bool([1, 0]), bool([1, 0]), tol(0, 0)).passed, true);
  assert.equal(compareTensors("m", bool([1, 1]), bool([1, 0]), tol(0, 0)).failing, 1);
});

test("string tensors compare exactly, and not with numbers", () => {
  const s = (v: string[]): HostTensor => ({ dtype: "string", dims: [v.length], data: v });
  assert.equal(compareTensors("s", s(["a", "b"]), s(["a", "b"]), tol(1, 1)).passed, true);
  const diff = compareTensors("s", s(["a", "b"]), s(["a", "c"]), tol(1, 1));
  assert.deepEqual([diff.passed, diff.failing, diff.reason], [false, 1, "1 of 2 strings differ, the first at flat index 1"]);
  assert.match(compareTensors("s", s(["1"]), f64([1]), tol(1, 1)).reason!, /a string output cannot be compared with an expected float64/);
});

test("compareOutputs applies per-output tolerances and reports missing and extra outputs", () => {
  const tolerances: Tolerances = { atol: parseTolerance("--atol", ["1e-5", "logits:0.2"]), rtol: parseTolerance("--rtol", ["0", "typo:1"]) };
  const expected = new Map([["logits", f64([1, 2])], ["probs", f64([0.5, 0.5])], ["gone", f64([0])]]);
  const actual = new Map([["logits", f64([1.1, 2])], ["probs", f64([0.5, 0.6])], ["new", f64([0])]]);
  const r = compareOutputs(actual, expected, tolerances);
  assert.deepEqual(r.outputs.map((o) => [o.name, o.passed, o.atol]), [["logits", true, 0.2], ["probs", false, 1e-5]]);
  assert.deepEqual([r.passed, r.missing, r.extra, r.unmatchedOverrides], [false, ["gone"], ["new"], ["typo"]]);
  const ok = compareOutputs(new Map([["logits", f64([1.1, 2])]]), new Map([["logits", f64([1, 2])]]), tolerances);
  assert.equal(ok.passed, true);
  const none = compareOutputs(new Map(), new Map([["logits", f64([1])]]), tolerances);
  assert.deepEqual([none.passed, none.missing], [false, ["logits"]]);
});

test("tolerance flags: a default, per-output overrides, names with colons", () => {
  const t = parseTolerance("--atol", ["1e-5", "logits:1e-3", "out:0:0.5", "x: 2"]);
  assert.equal(t.default, 1e-5);
  assert.deepEqual([...t.perOutput], [["logits", 1e-3], ["out:0", 0.5], ["x", 2]]);
  assert.equal(parseTolerance("--rtol", ["a:1"]).default, 1e-5, "Polygraphy's default stands when no plain value is given");
  assert.equal(parseTolerance("--rtol", [], 0.01).default, 0.01);
  const tolerances = { atol: t, rtol: parseTolerance("--rtol", ["out:0:1"]) };
  assert.deepEqual(toleranceFor(tolerances, "out:0"), { atol: 0.5, rtol: 1 });
  assert.deepEqual(toleranceFor(tolerances, "other"), { atol: 1e-5, rtol: 1e-5 });
});

test("bad tolerance values are refused with one line naming the flag", () => {
  const refuses = (values: string[], pattern: RegExp) =>
    assert.throws(
      () => parseTolerance("--atol", values),
      (e) => e instanceof UsageError && pattern.test(e.message) && e.message.startsWith("--atol") && !e.message.includes("\n") && e.hint !== undefined,
      values.join(" "),
    );
  refuses(["-1"], /finite number ≥ 0/);
  refuses(["out:-1e-3"], /finite number ≥ 0/);
  refuses(["abc"], /"abc" is not a number/);
  refuses(["0x10"], /is not a number/);
  refuses(["Infinity"], /is not a number/);
  refuses(["out:"], /"" is not a number/);
  refuses([":1"], /empty output name/);
  refuses(["1", "2"], /default twice/);
  refuses(["a:1", "a:2"], /gives output a twice/);
});
