import assert from "node:assert/strict";
import { test } from "node:test";
import { DataFormatError, UsageError } from "../src/core/errors.js";
import { compareToBaseline, parseBaseline, parseRegression } from "../src/core/perf/baseline.js";
import { isStable, windowFrom } from "../src/core/perf/stability.js";
import { parsePercentiles, percentileIndex, summarizeLatencies } from "../src/core/perf/stats.js";
import { PERF_SCHEMA, type BaselineReport, type MeasurementWindow, type PerfPoint } from "../src/core/perf/types.js";

const close = (actual: number, expected: number, what = "") => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} ≠ ${expected}`);

test("percentiles follow trtexec's sorted[max(N-1-floor((1-p/100)N), 0)] exactly", () => {
  const s = summarizeLatencies([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [50, 90, 95, 99, 100]);
  // N=10. p50: floor(0.5·10)=5 → index 4. p90: floor(0.1·10)=1 → index 8 (in floats (1−0.9)·10 = 0.99…98 → index 9).
  // p95, p99, p100: floor(<1)=0 → index 9.
  assert.deepEqual(s.percentiles, { "50": 5, "90": 9, "95": 10, "99": 10, "100": 10 });
  // N=8 values 2,4,4,4,5,5,7,9: p12.5 → floor(7)=7 → index 0; p25 → floor(6)=6 → 1; p75 → floor(2)=2 → 5; p90 → floor(0.8)=0 → 7.
  const eight = summarizeLatencies([9, 2, 5, 4, 7, 4, 5, 4], [12.5, 25, 75, 90]);
  assert.deepEqual(eight.percentiles, { "12.5": 2, "25": 4, "75": 5, "90": 9 });
  // N=1000 values 1..1000: p99.9 → floor(0.1·1000/100)=1 → index 998 = 999 ((100−99.9)·1000/100 in floats is 0.99…94 → 1000).
  const thousand = summarizeLatencies(Array.from({ length: 1000 }, (_, i) => i + 1), [99.9]);
  assert.equal(thousand.percentiles["99.9"], 999);
  assert.equal(percentileIndex(99.9, 1000), 998);
  // A tiny percentile goes through the exponent form of String(p): floor((100−1e-7)·10/100) = 9 → index 0.
  assert.equal(percentileIndex(1e-7, 10), 0);
  assert.equal(percentileIndex(100, 1), 0);
  assert.equal(percentileIndex(1, 1), 0, "never below index 0");
});

test("percentile keys are the percentiles as String(p) writes them", () => {
  const s = summarizeLatencies([1, 2, 3], [99.9, 90, 50, 99.0]);
  // 99.0 is the number 99, so its key is "99".
  assert.deepEqual(s.percentiles, { "50": 2, "90": 3, "99": 3, "99.9": 3 });
  assert.deepEqual(summarizeLatencies([1], []).percentiles, {});
});

test("median, mean, population std and CoV", () => {
  const even = summarizeLatencies([9, 2, 5, 4, 7, 4, 5, 4], []);
  // Mean 5; squared deviations 16+1+1+1+0+0+4+16 = 32, /8 = 4 → population std 2 (the sample std would be 2.138).
  assert.deepEqual([even.count, even.min, even.max, even.mean, even.median, even.stdDev, even.covPercent], [8, 2, 9, 5, 4.5, 2, 40]);
  const odd = summarizeLatencies([3, 1, 2], [90]);
  assert.equal(odd.median, 2);
  close(odd.stdDev, Math.sqrt(2 / 3));
  close(odd.covPercent, (Math.sqrt(2 / 3) / 2) * 100);
  const one = summarizeLatencies([4.5], [99]);
  assert.deepEqual([one.median, one.mean, one.stdDev, one.covPercent, one.percentiles["99"]], [4.5, 4.5, 0, 0, 4.5]);
  const zeros = summarizeLatencies([0, 0, 0], [50]);
  assert.equal(zeros.covPercent, 0, "CoV is 0, not NaN, when the mean is 0");
});

test("a million latencies, without sorting the caller's array", () => {
  // i·7919 mod 10^6 is a permutation of 0..999999 (7919 is prime to 10^6), so the sorted order is known.
  const values = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_000);
  const s = summarizeLatencies(values, [50, 99, 99.99]);
  assert.deepEqual([s.min, s.max, s.median, s.mean], [0, 999_999, 499_999.5, 499_999.5]);
  // p99: floor(1·10^6/100) = 10000 → index 989999. p99.99: floor(0.01·10^6/100) = 100 → index 999899.
  assert.deepEqual(s.percentiles, { "50": 499_999, "99": 989_999, "99.99": 999_899 });
  // Population variance of 0..N−1 is (N²−1)/12.
  assert.ok(Math.abs(s.stdDev / Math.sqrt((1e12 - 1) / 12) - 1) < 1e-14, `std ${s.stdDev}`);
  assert.deepEqual(values.slice(0, 3), [0, 7919, 15838], "input untouched");
});

test("summarizeLatencies refuses what a caller should never pass", () => {
  assert.throws(() => summarizeLatencies([], [90]), RangeError);
  assert.throws(() => summarizeLatencies([1, NaN], [90]), RangeError);
  assert.throws(() => summarizeLatencies([1, Infinity], [90]), RangeError);
  assert.throws(() => summarizeLatencies([1], [0]), RangeError);
  assert.throws(() => summarizeLatencies([1], [100.5]), RangeError);
});

test("parsePercentiles keeps order, drops duplicates and names a bad value", () => {
  assert.deepEqual(parsePercentiles("90,95,99"), [90, 95, 99]);
  assert.deepEqual(parsePercentiles(" 99, 90 ,99.0,99.9,100"), [99, 90, 99.9, 100]);
  for (const [text, bad] of [["0", "0"], ["90,101", "101"], ["90,-5", "-5"], ["abc", "abc"], ["90,0x10", "0x10"], ["Infinity", "Infinity"]]) {
    assert.throws(
      () => parsePercentiles(text!),
      (e: unknown) => e instanceof UsageError && e.message.includes(`"${bad}"`) && /--percentile 90,95,99/.test(e.hint ?? ""),
      text,
    );
  }
  for (const text of ["", "90,,95", "90,"]) assert.throws(() => parsePercentiles(text), UsageError, JSON.stringify(text));
});

const win = (throughput: number, latencyMs: number): MeasurementWindow => ({ queries: 10, durationMs: 1000, throughput, latencyMs });

test("stability: the last 3 windows within s% in throughput and latency", () => {
  assert.equal(isStable([], 10), false);
  assert.equal(isStable([win(100, 10), win(100, 10)], 10), false, "fewer than 3 windows are never stable");
  // 110/100 = 1.1 = 1 + 10/100: on the limit is stable.
  assert.equal(isStable([win(100, 10), win(105, 10), win(110, 10)], 10), true);
  assert.equal(isStable([win(100, 10), win(105, 10), win(111, 10)], 10), false);
  assert.equal(isStable([win(100, 10), win(100, 10), win(100, 11.5)], 10), false, "latency spread");
  assert.equal(isStable([win(100, 10), win(100, 10), win(100, 11.5)], 15), true);
  assert.equal(isStable([win(1, 100), win(5000, 1), win(100, 10), win(100, 10), win(100, 10)], 10), true, "earlier windows ignored");
  assert.equal(isStable([win(100, 10), win(100, 10), win(100, 10), win(100, 50)], 10), false, "the last window counts");
  assert.equal(isStable([win(0, 10), win(0, 10), win(0, 10)], 10), false, "zero throughput is never stable");
  assert.equal(isStable([win(100, 10), win(0, 10), win(100, 10)], 1000), false);
  assert.equal(isStable([win(100, 10), win(100, 10), win(100, 10)], 0), true);
  assert.equal(isStable([win(100, 0), win(100, 0), win(100, 0)], 10), true, "equal zero latencies agree");
  assert.equal(isStable([win(100, 0), win(100, 1), win(100, 1)], 10), false);
  assert.equal(isStable([win(100, NaN), win(100, 1), win(100, 1)], 10), false);
});

test("windowFrom: batch × queries / duration, latency as the caller reduces it", () => {
  const times = [{ startMs: 0, endMs: 10 }, { startMs: 5, endMs: 20 }, { startMs: 10, endMs: 30 }];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // 4 × 3 inferences over 30 ms = 400/s; latencies 10, 15, 20.
  assert.deepEqual(windowFrom(times, 4, mean), { queries: 3, durationMs: 30, throughput: 400, latencyMs: 15 });
  assert.deepEqual(windowFrom(times, 4, (xs) => Math.max(...xs), 60), { queries: 3, durationMs: 60, throughput: 200, latencyMs: 20 });
  assert.throws(() => windowFrom([], 1, mean), RangeError);
});

const SHA = "a".repeat(64);
const point = (batch: number, concurrency: number, throughput: number, p99?: number): PerfPoint => ({
  batch,
  concurrency,
  streams: concurrency,
  warmup: { queries: 1, ms: 1 },
  queries: 100,
  wallMs: 1000,
  throughput,
  queriesPerSecond: throughput / batch,
  latency: { count: 100, min: 1, max: 1, mean: 1, median: 1, percentiles: p99 === undefined ? { "90": 1 } : { "90": 1, "99": p99 }, stdDev: 0, covPercent: 0 },
  windows: [],
  stable: true,
  warnings: [],
});
const baseline = (points: PerfPoint[], sha256 = SHA): BaselineReport => ({ schema: PERF_SCHEMA, model: { sha256, path: "resnet50.onnx" }, points });
const current = (points: PerfPoint[], sha256 = SHA) => ({ model: { sha256 }, points });

test("baseline: throughput drops and p99 rises beyond the limit regress", () => {
  const base = baseline([point(1, 1, 1000, 10), point(8, 1, 4000, 20), point(8, 4, 5000, 40)]);
  const result = compareToBaseline(current([point(1, 1, 880, 10), point(8, 1, 4000, 23), point(8, 4, 6000, 30)]), base, 10);
  assert.equal(result.regressed, true);
  assert.equal(result.maxRegressionPercent, 10);
  const [b1, b8, b8c4] = result.rows;
  assert.deepEqual([b1!.batch, b1!.concurrency, b1!.baseThroughput, b1!.throughput, b1!.baseP99Ms, b1!.p99Ms], [1, 1, 1000, 880, 10, 10]);
  close(b1!.throughputChangePercent, -12);
  assert.equal(b1!.p99ChangePercent, 0);
  assert.equal(b1!.regressed, true);
  assert.deepEqual(b1!.reasons, ["throughput fell 12% (1000 → 880 inferences/s), more than the 10% allowed"]);
  close(b8!.p99ChangePercent, 15);
  assert.deepEqual(b8!.reasons, ["p99 latency rose 15% (20 → 23 ms), more than the 10% allowed"]);
  // Faster and lower latency is no regression.
  close(b8c4!.throughputChangePercent, 20);
  close(b8c4!.p99ChangePercent, -25);
  assert.deepEqual([b8c4!.regressed, b8c4!.reasons], [false, []]);
  const both = compareToBaseline(current([point(1, 1, 500, 30)]), baseline([point(1, 1, 1000, 10)]), 10);
  assert.equal(both.rows[0]!.reasons.length, 2);
});

test("baseline: a change exactly at the limit passes", () => {
  // −10 % throughput and +10 % p99 (3 → 3 × 1.1 is +10.000000000000009 % in floats) against a 10 % limit.
  const atLimit = compareToBaseline(current([point(1, 1, 900, 3 * 1.1)]), baseline([point(1, 1, 1000, 3)]), 10);
  assert.ok(atLimit.rows[0]!.p99ChangePercent > 10);
  assert.equal(atLimit.regressed, false);
  const over = compareToBaseline(current([point(1, 1, 899.9, 3.3)]), baseline([point(1, 1, 1000, 3)]), 10);
  assert.equal(over.regressed, true);
  assert.equal(compareToBaseline(current([point(1, 1, 1000, 3.31)]), baseline([point(1, 1, 1000, 3)]), 10).regressed, true);
  // A zero limit fails any slowdown, however small, and nothing else.
  assert.equal(compareToBaseline(current([point(1, 1, 1000, 3)]), baseline([point(1, 1, 1000, 3)]), 0).regressed, false);
  assert.equal(compareToBaseline(current([point(1, 1, 999, 3)]), baseline([point(1, 1, 1000, 3)]), 0).regressed, true);
});

test("baseline: points on one side only are listed, not failed", () => {
  const result = compareToBaseline(
    current([point(1, 1, 1000, 10), point(16, 1, 9000, 50)]),
    baseline([point(1, 1, 1000, 10), point(8, 2, 5000, 40)]),
    10,
  );
  assert.equal(result.regressed, false);
  assert.deepEqual(result.rows.map((r) => [r.batch, r.concurrency]), [[1, 1]]);
  assert.deepEqual(result.unmatched, [
    { batch: 16, concurrency: 1, side: "current" },
    { batch: 8, concurrency: 2, side: "baseline" },
  ]);
});

test("baseline: another model is refused, naming both short hashes", () => {
  const other = "0123456789abcdef".repeat(4);
  assert.throws(
    () => compareToBaseline(current([point(1, 1, 1000, 10)], other), baseline([point(1, 1, 1000, 10)]), 10),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === `the baseline measured another model: resnet50.onnx (sha256 aaaaaaaaaaaa), this run 0123456789ab` &&
      /same|this exact model/.test(e.hint ?? ""),
  );
});

test("baseline: a missing p99 on either side asks for 99 in --percentile", () => {
  for (const [cur, base, side] of [[undefined, 10, "this run"], [10, undefined, "baseline"]] as const) {
    assert.throws(
      () => compareToBaseline(current([point(4, 2, 1000, cur)]), baseline([point(4, 2, 1000, base)]), 10),
      (e: unknown) =>
        e instanceof UsageError && e.message === `${side} has no p99 latency for batch 4, concurrency 2` && /include 99 in --percentile/.test(e.hint ?? ""),
    );
  }
  // Unmatched points need no p99.
  assert.doesNotThrow(() => compareToBaseline(current([point(4, 2, 1000)]), baseline([point(1, 1, 1000)]), 10));
});

test("parseBaseline reads a report and names the file in every refusal", () => {
  const report = { schema: PERF_SCHEMA, model: { sha256: SHA, path: "m.onnx" }, points: [point(1, 1, 1000, 10)], extra: { kept: true } };
  const parsed = parseBaseline(JSON.stringify(report), "base.json");
  assert.deepEqual(parsed.points, report.points);
  const refuses = (text: string, message: string | RegExp) =>
    assert.throws(
      () => parseBaseline(text, "ci/base.json"),
      (e: unknown) =>
        e instanceof DataFormatError &&
        !e.message.includes("\n") &&
        (typeof message === "string" ? e.message === message : message.test(e.message)) &&
        /trtx perf --json/.test(e.hint ?? ""),
      text,
    );
  refuses("{not json", /^ci\/base\.json is not JSON \(.+\)$/);
  refuses("", /^ci\/base\.json is not JSON/);
  refuses("[1,2]", "ci/base.json is not a trtx perf report: it holds a JSON array, not an object");
  refuses(JSON.stringify({ ...report, schema: "trtx.run/1" }), 'ci/base.json is schema "trtx.run/1", not trtx.perf/1');
  refuses(JSON.stringify({ ...report, schema: undefined }), "ci/base.json has no schema; expected trtx.perf/1");
  refuses(JSON.stringify({ ...report, points: undefined }), "ci/base.json has no points");
  refuses(JSON.stringify({ ...report, points: [] }), "ci/base.json has no points");
  refuses(JSON.stringify({ ...report, model: { path: "m.onnx" } }), "ci/base.json has no model sha256 and path");
  refuses(JSON.stringify({ ...report, points: [point(1, 1, 1), 7] }), "ci/base.json point 2 is not an object");
  refuses(JSON.stringify({ ...report, points: [{ ...point(1, 1, 1), batch: "1" }] }), "ci/base.json point 1 has no positive integer batch");
  refuses(JSON.stringify({ ...report, points: [{ ...point(1, 1, 1), throughput: null }] }), "ci/base.json point 1 has no throughput");
  refuses(JSON.stringify({ ...report, points: [{ ...point(1, 1, 1), latency: {} }] }), "ci/base.json point 1 has no latency percentiles");
  refuses(JSON.stringify({ ...report, points: [point(2, 1, 1), point(2, 1, 5)] }), "ci/base.json has batch 2, concurrency 1 twice");
});

test("parseRegression takes 10% or 10, from 0 to below 1000", () => {
  assert.equal(parseRegression("10%"), 10);
  assert.equal(parseRegression("10"), 10);
  assert.equal(parseRegression(" 2.5 % "), 2.5);
  assert.equal(parseRegression("0"), 0);
  assert.equal(parseRegression("999.9%"), 999.9);
  for (const text of ["1000", "1000%", "-1", "abc", "", "%", "10%%", "0x10", "Infinity", "1e3"]) {
    assert.throws(() => parseRegression(text), (e: unknown) => e instanceof UsageError && e.message.includes(`"${text}"`) && e.hint !== undefined, text);
  }
});
