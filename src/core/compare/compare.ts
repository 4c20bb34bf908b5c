/**
 * Output comparison with the semantics of Polygraphy's default comparator (CompareFunc.simple), so that a tolerance
 * means in trtx what it means in `polygraphy run`:
 *
 * - absdiff = |actual − expected|, reldiff = absdiff / |expected|: relative to the expected (reference) output, so
 *   the comparison is not symmetric. A reference of 0 gives reldiff = ∞ unless absdiff is 0.
 * - "elemwise" (the default): an element fails only when absdiff > atol AND reldiff > rtol; the output fails when
 *   any element does. "max" / "mean" / "median": that statistic of absdiff is checked against atol and of reldiff
 *   against rtol, and the output fails only when both exceed.
 * - Shapes must match exactly (Polygraphy's check_shapes default). Dtypes may differ (an FP16 engine against an FP32
 *   reference is the usual case); values are compared in float64.
 *
 * Where trtx is explicit and Polygraphy leaves it to NaN arithmetic: NaN at the same position in both counts as equal;
 * NaN in one only always fails, whatever the tolerances and statistic, and is counted in `nanMismatch`; ±∞ equals only
 * the same infinity (Polygraphy's infinities_compare_equal), and a finite value against ∞ has absdiff = reldiff = ∞.
 * Integer and bool tensors follow the same rules, so with atol = rtol = 0 they compare exactly; int64/uint64
 * differences are taken in BigInt so that values beyond 2^53 that round to the same double still differ.
 */
import { toFloat64, type HostTensor, type TensorDtype } from "../tensor/host-tensor.js";
import { toleranceFor, unmatchedOverrides, type ResolvedTolerance, type Tolerances } from "./tolerances.js";

export const CHECK_ERROR_STATS = ["elemwise", "max", "mean", "median"] as const;
export type CheckErrorStat = (typeof CHECK_ERROR_STATS)[number];

/** Error statistics over the elements that are not NaN mismatches. */
export interface ErrorStats {
  maxAbs: number;
  meanAbs: number;
  medianAbs: number;
  maxRel: number;
  meanRel: number;
  medianRel: number;
  /** The element with the largest absdiff (the first such, in row-major order). */
  worst: { index: number; multiIndex: number[]; actual: number; expected: number };
  /**
   * The smallest atol with which the output passes at the given rtol (NaN mismatches aside, which no tolerance fixes).
   * elemwise: the largest absdiff among the elements whose reldiff exceeds rtol (0 when none does);
   * max/mean/median: 0 when that statistic of reldiff is within rtol, else that statistic of absdiff.
   * ∞ when no finite atol passes (an infinity against a finite value).
   */
  requiredAtol: number;
  /** The same for rtol at the given atol: over the elements whose absdiff exceeds atol, the largest reldiff. */
  requiredRtol: number;
}

export interface TensorComparison {
  name: string;
  passed: boolean;
  /** One line saying why, when it failed. */
  reason?: string;
  actual: { dtype: TensorDtype; dims: number[] };
  expected: { dtype: TensorDtype; dims: number[] };
  dtypeMismatch: boolean;
  atol: number;
  rtol: number;
  checkErrorStat: CheckErrorStat;
  /** Elements compared: 0 when the shapes differ or a string tensor meets a numeric one. */
  elements: number;
  /** Elements failing the elementwise check (counted in every mode; only "elemwise" fails on it), NaN mismatches included. */
  failing: number;
  /** Elements that are NaN in exactly one of the two: a subset of `failing`. */
  nanMismatch: number;
  /** (elements − failing) / elements: 1 for an empty tensor, 0 when shapes or kinds (string/numeric) differ. */
  passRate: number;
  /** null when nothing numeric was compared: shapes differ, strings, no elements, or every element a NaN mismatch. */
  errors: ErrorStats | null;
}

export interface OutputsComparison {
  passed: boolean;
  /** In the order of the expected outputs. */
  outputs: TensorComparison[];
  /** Expected but not produced: each fails the comparison. */
  missing: string[];
  /** Produced but not expected: reported, not a failure. */
  extra: string[];
  /** Per-output tolerance overrides naming no expected output (likely typos). */
  unmatchedOverrides: string[];
}

export function compareTensors(
  name: string,
  actual: HostTensor,
  expected: HostTensor,
  tol: ResolvedTolerance,
  checkErrorStat: CheckErrorStat = "elemwise",
): TensorComparison {
  const base = {
    name,
    actual: { dtype: actual.dtype, dims: actual.dims },
    expected: { dtype: expected.dtype, dims: expected.dims },
    dtypeMismatch: actual.dtype !== expected.dtype,
    atol: tol.atol,
    rtol: tol.rtol,
    checkErrorStat,
  };
  const refused = (reason: string): TensorComparison => ({ ...base, passed: false, reason, elements: 0, failing: 0, nanMismatch: 0, passRate: 0, errors: null });
  if (!sameDims(actual.dims, expected.dims)) return refused(`shape ${formatDims(actual.dims)} differs from the expected ${formatDims(expected.dims)}`);
  if (Array.isArray(actual.data) !== Array.isArray(expected.data)) return refused(`a ${actual.dtype} output cannot be compared with an expected ${expected.dtype}`);
  if (Array.isArray(actual.data)) return { ...base, ...compareStrings(actual.data, expected.data as string[]) };
  return { ...base, ...compareNumbers(actual, expected, tol, checkErrorStat) };
}

/** Compares every expected output with the actual one of the same name, each at its own tolerances. */
export function compareOutputs(
  actual: ReadonlyMap<string, HostTensor>,
  expected: ReadonlyMap<string, HostTensor>,
  tolerances: Tolerances,
  checkErrorStat: CheckErrorStat = "elemwise",
): OutputsComparison {
  const outputs: TensorComparison[] = [];
  const missing: string[] = [];
  for (const [name, reference] of expected) {
    const produced = actual.get(name);
    if (produced === undefined) missing.push(name);
    else outputs.push(compareTensors(name, produced, reference, toleranceFor(tolerances, name), checkErrorStat));
  }
  return {
    passed: missing.length === 0 && outputs.every((o) => o.passed),
    outputs,
    missing,
    extra: [...actual.keys()].filter((name) => !expected.has(name)),
    unmatchedOverrides: unmatchedOverrides(tolerances, expected.keys()),
  };
}

type Outcome = Pick<TensorComparison, "passed" | "reason" | "elements" | "failing" | "nanMismatch" | "passRate" | "errors">;

function compareStrings(actual: string[], expected: string[]): Outcome {
  let failing = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue;
    failing++;
    if (first < 0) first = i;
  }
  const elements = expected.length;
  const outcome = { passed: failing === 0, elements, failing, nanMismatch: 0, passRate: passRate(elements, failing), errors: null };
  return failing === 0 ? outcome : { ...outcome, reason: `${failing} of ${elements} strings differ, the first at flat index ${first}` };
}

function compareNumbers(actual: HostTensor, expected: HostTensor, tol: ResolvedTolerance, stat: CheckErrorStat): Outcome {
  const a = toFloat64(actual);
  const e = toFloat64(expected);
  const bigA = isBigIntArray(actual.data) ? actual.data : undefined;
  const bigE = isBigIntArray(expected.data) ? expected.data : undefined;
  const elements = e.length;
  // absdiff and reldiff of the comparable elements (all but NaN mismatches), with their flat indices.
  const abs = new Float64Array(elements);
  const rel = new Float64Array(elements);
  const at = new Uint32Array(elements);
  let m = 0;
  let nanMismatch = 0;
  let failing = 0;
  for (let i = 0; i < elements; i++) {
    const x = a[i]!;
    const y = e[i]!;
    const xNaN = Number.isNaN(x);
    if (xNaN !== Number.isNaN(y)) {
      nanMismatch++;
      failing++;
      continue;
    }
    let d = 0;
    let r = 0;
    if (!xNaN) {
      d = bigA && bigE ? Math.abs(Number(bigA[i]! - bigE[i]!)) : x === y ? 0 : Math.abs(x - y);
      // |expected| is finite here unless it is ∞ against another value: ∞/∞ would be NaN, but the error is unbounded.
      if (d > 0) r = Number.isFinite(y) ? d / Math.abs(y) : Infinity;
    }
    if (d > tol.atol && r > tol.rtol) failing++;
    abs[m] = d;
    rel[m] = r;
    at[m++] = i;
  }
  const base = { elements, failing, nanMismatch, passRate: passRate(elements, failing) };
  if (m === 0) {
    return nanMismatch === 0 ? { ...base, passed: true, errors: null } : { ...base, passed: false, reason: nanReason(nanMismatch, elements), errors: null };
  }
  const errors = errorStats(abs.subarray(0, m), rel.subarray(0, m), at.subarray(0, m), a, e, actual.dims, tol, stat);
  const reasons: string[] = [];
  if (nanMismatch > 0) reasons.push(nanReason(nanMismatch, elements));
  if (stat === "elemwise") {
    const numeric = failing - nanMismatch;
    if (numeric > 0) {
      const w = errors.worst;
      reasons.push(
        `${numeric} of ${elements} elements exceed both atol ${fmt(tol.atol)} and rtol ${fmt(tol.rtol)}; ` +
          `max abs error ${fmt(errors.maxAbs)} at ${formatDims(w.multiIndex)} (actual ${fmt(w.actual)}, expected ${fmt(w.expected)})`,
      );
    }
  } else {
    const [statAbs, statRel] = statPair(errors, stat);
    if (statAbs > tol.atol && statRel > tol.rtol) {
      reasons.push(`${stat} abs error ${fmt(statAbs)} exceeds atol ${fmt(tol.atol)} and ${stat} rel error ${fmt(statRel)} exceeds rtol ${fmt(tol.rtol)}`);
    }
  }
  return reasons.length === 0 ? { ...base, passed: true, errors } : { ...base, passed: false, reason: reasons.join("; "), errors };
}

function errorStats(
  abs: Float64Array,
  rel: Float64Array,
  at: Uint32Array,
  a: Float64Array,
  e: Float64Array,
  dims: number[],
  tol: ResolvedTolerance,
  stat: CheckErrorStat,
): ErrorStats {
  let worst = 0;
  for (let k = 1; k < abs.length; k++) if (abs[k]! > abs[worst]!) worst = k;
  const index = at[worst]!;
  const stats = {
    maxAbs: abs[worst]!,
    meanAbs: mean(abs),
    medianAbs: median(abs),
    maxRel: max(rel),
    meanRel: mean(rel),
    medianRel: median(rel),
    worst: { index, multiIndex: unravel(index, dims), actual: a[index]!, expected: e[index]! },
  };
  if (stat === "elemwise") {
    let requiredAtol = 0;
    let requiredRtol = 0;
    for (let k = 0; k < abs.length; k++) {
      if (rel[k]! > tol.rtol) requiredAtol = Math.max(requiredAtol, abs[k]!);
      if (abs[k]! > tol.atol) requiredRtol = Math.max(requiredRtol, rel[k]!);
    }
    return { ...stats, requiredAtol, requiredRtol };
  }
  const [statAbs, statRel] = statPair(stats, stat);
  return { ...stats, requiredAtol: statRel <= tol.rtol ? 0 : statAbs, requiredRtol: statAbs <= tol.atol ? 0 : statRel };
}

function statPair(s: Pick<ErrorStats, "maxAbs" | "meanAbs" | "medianAbs" | "maxRel" | "meanRel" | "medianRel">, stat: Exclude<CheckErrorStat, "elemwise">): [number, number] {
  if (stat === "max") return [s.maxAbs, s.maxRel];
  if (stat === "mean") return [s.meanAbs, s.meanRel];
  return [s.medianAbs, s.medianRel];
}

function max(values: Float64Array): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** numpy's median: the middle value, or the mean of the two middle values. */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Row-major flat index → per-axis index. */
function unravel(index: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    out[axis] = index % dims[axis]!;
    index = Math.floor(index / dims[axis]!);
  }
  return out;
}

function isBigIntArray(data: HostTensor["data"]): data is BigInt64Array | BigUint64Array {
  return data instanceof BigInt64Array || data instanceof BigUint64Array;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function passRate(elements: number, failing: number): number {
  return elements === 0 ? 1 : (elements - failing) / elements;
}

function nanReason(count: number, elements: number): string {
  return `${count} of ${elements} elements are NaN in one output only`;
}

function formatDims(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

/** Five significant digits, as Polygraphy logs its error metrics. */
function fmt(x: number): string {
  return String(Number(x.toPrecision(5)));
}
