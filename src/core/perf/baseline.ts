/**
 * The CI regression gate: a saved `trtx perf --json` report against this run, point by point. Points are matched by
 * (batch, concurrency) because those are what the user sweeps; everything else about a point is measured.
 */
import { DataFormatError, UsageError } from "../errors.js";
import { PERF_SCHEMA, type BaselineComparison, type BaselineReport, type BaselineRow, type PerfPoint, type UnmatchedPoint } from "./types.js";

// A plain decimal: Number() alone would also take "", " ", "0x10" and "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

// Percentages computed from measurements land a hair off the limit (3 → 3 × 1.1 is +10.000000000000009 %); a point exactly
// on the limit passes.
const EPSILON_PERCENT = 1e-9;

const REPORT_HINT = "give a report written by trtx perf --json";
const P99_HINT = "include 99 in --percentile (e.g. --percentile 90,95,99), both here and when recording the baseline";

/** Parses `--max-regression 10%` (or `10`): the percentage throughput may drop and p99 may rise before the gate fails. */
export function parseRegression(text: string): number {
  const value = text.trim().replace(/\s*%$/, "");
  const x = Number(value);
  if (!NUMBER.test(value) || !(x >= 0 && x < 1000)) {
    throw new UsageError(`--max-regression "${text}" is not a percentage from 0 to below 1000`, { hint: "write e.g. --max-regression 10%" });
  }
  return x;
}

/** Reads a saved report, checking only what the comparison uses; `file` names it in messages. */
export function parseBaseline(text: string, file: string): BaselineReport {
  const fail: (problem: string) => never = (problem) => {
    throw new DataFormatError(`${file} ${problem}`, { hint: REPORT_HINT });
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`is not JSON (${(e as Error).message.replace(/\s*\n\s*/g, " ")})`);
  }
  if (!isObject(data)) return fail(`is not a trtx perf report: it holds a JSON ${kindOf(data)}, not an object`);
  if (data.schema !== PERF_SCHEMA) {
    return fail(data.schema === undefined ? `has no schema; expected ${PERF_SCHEMA}` : `is schema ${JSON.stringify(data.schema)}, not ${PERF_SCHEMA}`);
  }
  const model = data.model;
  if (!isObject(model) || typeof model.sha256 !== "string" || typeof model.path !== "string") return fail("has no model sha256 and path");
  if (!Array.isArray(data.points) || data.points.length === 0) return fail("has no points");
  const seen = new Set<string>();
  data.points.forEach((point: unknown, i: number) => {
    const where = `point ${i + 1}`;
    if (!isObject(point)) return fail(`${where} is not an object`);
    for (const field of ["batch", "concurrency"] as const) {
      if (!Number.isInteger(point[field]) || (point[field] as number) < 1) fail(`${where} has no positive integer ${field}`);
    }
    if (!isFiniteNonNegative(point.throughput)) fail(`${where} has no throughput`);
    if (!isObject(point.latency) || !isObject(point.latency.percentiles)) fail(`${where} has no latency percentiles`);
    const key = pointKey(point as unknown as PerfPoint);
    if (seen.has(key)) fail(`has batch ${point.batch}, concurrency ${point.concurrency} twice`);
    seen.add(key);
  });
  return data as unknown as BaselineReport;
}

/**
 * Compares this run with a baseline of the same model. A point regresses when throughput drops, or p99 latency
 * rises, by more than `maxRegressionPercent`; points on one side only are listed, not failed, so a changed sweep
 * does not break CI by itself.
 */
export function compareToBaseline(
  current: { model: { sha256: string }; points: readonly PerfPoint[] },
  baseline: BaselineReport,
  maxRegressionPercent: number,
): BaselineComparison {
  if (!(maxRegressionPercent >= 0 && Number.isFinite(maxRegressionPercent))) throw new RangeError(`max regression ${maxRegressionPercent} must be a finite number ≥ 0`);
  if (current.model.sha256 !== baseline.model.sha256) {
    throw new UsageError(
      `the baseline measured another model: ${baseline.model.path} (sha256 ${short(baseline.model.sha256)}), this run ${short(current.model.sha256)}`,
      { hint: "compare against a baseline recorded on this exact model file, or record a new one with trtx perf --json" },
    );
  }
  const base = new Map(baseline.points.map((p) => [pointKey(p), p]));
  const currentKeys = new Set(current.points.map(pointKey));
  const rows: BaselineRow[] = [];
  const unmatched: UnmatchedPoint[] = [];
  for (const point of current.points) {
    const old = base.get(pointKey(point));
    if (old) rows.push(compareRow(point, old, maxRegressionPercent));
    else unmatched.push({ batch: point.batch, concurrency: point.concurrency, side: "current" });
  }
  for (const point of baseline.points) {
    if (!currentKeys.has(pointKey(point))) unmatched.push({ batch: point.batch, concurrency: point.concurrency, side: "baseline" });
  }
  return { rows, unmatched, regressed: rows.some((r) => r.regressed), maxRegressionPercent };
}

function compareRow(cur: PerfPoint, base: PerfPoint, limit: number): BaselineRow {
  const baseP99Ms = p99(base, "baseline");
  const p99Ms = p99(cur, "this run");
  const throughputChangePercent = changePercent(base.throughput, cur.throughput);
  const p99ChangePercent = changePercent(baseP99Ms, p99Ms);
  const reasons: string[] = [];
  if (throughputChangePercent < -limit - EPSILON_PERCENT) {
    reasons.push(`throughput fell ${pct(-throughputChangePercent)} (${num(base.throughput)} → ${num(cur.throughput)} inferences/s), more than the ${pct(limit)} allowed`);
  }
  if (p99ChangePercent > limit + EPSILON_PERCENT) {
    reasons.push(`p99 latency rose ${pct(p99ChangePercent)} (${num(baseP99Ms)} → ${num(p99Ms)} ms), more than the ${pct(limit)} allowed`);
  }
  return {
    batch: cur.batch,
    concurrency: cur.concurrency,
    baseThroughput: base.throughput,
    throughput: cur.throughput,
    throughputChangePercent,
    baseP99Ms,
    p99Ms,
    p99ChangePercent,
    regressed: reasons.length > 0,
    reasons,
  };
}

function p99(point: PerfPoint, side: string): number {
  const value = point.latency.percentiles["99"];
  if (typeof value !== "number") {
    throw new UsageError(`${side} has no p99 latency for batch ${point.batch}, concurrency ${point.concurrency}`, { hint: P99_HINT });
  }
  return value;
}

// From a zero base any rise is infinitely large; 0 → 0 is no change rather than NaN.
function changePercent(base: number, current: number): number {
  if (base === 0) return current === 0 ? 0 : Math.sign(current) * Infinity;
  return ((current - base) / base) * 100;
}

const pointKey = (p: { batch: number; concurrency: number }): string => `${p.batch}x${p.concurrency}`;
const short = (sha256: string): string => sha256.slice(0, 12);
const num = (x: number): string => String(Number(x.toPrecision(4)));
const pct = (x: number): string => `${Number(x.toFixed(2))}%`;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isFiniteNonNegative = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x >= 0;
const kindOf = (x: unknown): string => (x === null ? "null" : Array.isArray(x) ? "array" : typeof x);
