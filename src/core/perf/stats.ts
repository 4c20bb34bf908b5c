/**
 * trtexec's latency summary (peer-tools.md §1.3) and the `--percentile` flag. The formulas are trtexec's own so that
 * a trtx number and a trtexec number over the same timings agree.
 */
import { UsageError } from "../errors.js";
import type { LatencySummary } from "./types.js";

/** trtexec's defaults for `--percentile`. */
export const DEFAULT_PERCENTILES: readonly number[] = [90, 95, 99];

// A plain decimal: Number() alone would also take "", " ", "0x10" and "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses `--percentile 90,95,99.9`. Duplicates ("99,99.0") are dropped, keeping the first, because they would share
 * one key in the summary.
 */
export function parsePercentiles(text: string): number[] {
  const hint = "give percentiles above 0 and at most 100, separated by commas: --percentile 90,95,99";
  const seen = new Set<number>();
  const result: number[] = [];
  for (const item of text.split(",")) {
    const value = item.trim();
    if (value === "") throw new UsageError(`--percentile "${text}" has an empty value`, { hint });
    const p = Number(value);
    if (!NUMBER.test(value) || !(p > 0 && p <= 100)) throw new UsageError(`--percentile: "${value}" is not a percentile`, { hint });
    if (!seen.has(p)) result.push(p);
    seen.add(p);
  }
  return result;
}

/**
 * min, max, mean, median, percentiles, population std and CoV, as trtexec computes them. The caller's array is
 * copied, not sorted in place; a Float64Array sort keeps a million timings fast.
 */
export function summarizeLatencies(valuesMs: readonly number[], percentiles: readonly number[]): LatencySummary {
  const n = valuesMs.length;
  // An empty trace means the caller timed nothing: a bug there, not a user error.
  if (n === 0) throw new RangeError("no latencies to summarize");
  for (const p of percentiles) {
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside (0, 100]`);
  }
  const sorted = Float64Array.from(valuesMs).sort();
  if (!Number.isFinite(sorted[0]!) || !Number.isFinite(sorted[n - 1]!)) throw new RangeError("latencies must be finite numbers");

  const mean = compensatedSum(sorted, (x) => x) / n;
  // Two passes rather than E[x²]−E[x]², which cancels badly when the spread is small against the mean.
  const stdDev = Math.sqrt(compensatedSum(sorted, (x) => (x - mean) ** 2) / n);

  const half = n >> 1;
  const median = n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  const table: Record<string, number> = {};
  for (const p of percentiles) table[String(p)] = sorted[percentileIndex(p, n)]!;

  return {
    count: n,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    median,
    percentiles: table,
    stdDev,
    covPercent: mean === 0 ? 0 : (stdDev / mean) * 100,
  };
}

/**
 * trtexec's index max(N−1−floor((1−p/100)·N), 0), computed exactly. In floating point (1−0.9)·10 is 0.999…98, so
 * p90 of 10 values would land one place too high; instead p is taken as the decimal it prints as ("99.9" = 999/10),
 * which is what the user wrote, and floor(((100−p)·N)/100) is done in integers.
 */
export function percentileIndex(p: number, n: number): number {
  const { units, scale } = exactDecimal(p);
  const whole = 100n * scale;
  // Both operands are non-negative, so BigInt's truncating division is the floor.
  const below = ((whole - units) * BigInt(n)) / whole;
  return Math.max(n - 1 - Number(below), 0);
}

/** p as units/scale with scale a power of ten, read from the shortest decimal that round-trips to p. */
function exactDecimal(p: number): { units: bigint; scale: bigint } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(p));
  if (!match) throw new RangeError(`percentile ${p} is not a positive decimal`);
  const fraction = match[2] ?? "";
  const exponent = Number(match[3] ?? 0) - fraction.length;
  const digits = BigInt(match[1]! + fraction);
  return exponent >= 0 ? { units: digits * 10n ** BigInt(exponent), scale: 1n } : { units: digits, scale: 10n ** BigInt(-exponent) };
}

/** Neumaier's compensated sum: a million plain additions would lose about six digits. */
function compensatedSum(values: Float64Array, term: (x: number) => number): number {
  let sum = 0;
  let lost = 0;
  for (let i = 0; i < values.length; i++) {
    const x = term(values[i]!);
    const t = sum + x;
    lost += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + lost;
}
