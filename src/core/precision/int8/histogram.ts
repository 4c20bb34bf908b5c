/**
 * Per-tensor calibration statistics. Histogram methods make two passes over the samples: the first finds each
 * tensor's range, the second fills a fixed 2048-bin histogram over [0, amax] (one for x ≥ 0, one for the
 * magnitudes of x < 0). Two passes cost a second run of the model per sample but give exact bins, where a
 * histogram that grows as new maxima arrive (ORT's approach) has to re-bin and blur what it has already seen.
 */
import type { ActivationRange } from "../../calibration/ranges.js";

export const HISTOGRAM_BINS = 2048;
/** int8 has 127 levels on each side of zero; TensorRT's entropy calibration quantizes |x| to 128 bins. */
const QUANTIZED_BINS = 128;

export class TensorStats {
  min = Infinity;
  max = -Infinity;
  private pos: Float64Array | undefined;
  private neg: Float64Array | undefined;
  private width = 0;

  /** Pass 1. Returns the index of a value that is not finite, or -1. */
  observeRange(data: Float32Array): number {
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v - v !== 0) return i; // NaN and ±Inf
    }
    this.min = min;
    this.max = max;
    return -1;
  }

  /** Pass 2: values outside the pass-1 range (none, with the same samples) land in the end bins. */
  observeHistogram(data: Float32Array): void {
    if (!this.pos) {
      this.pos = new Float64Array(HISTOGRAM_BINS);
      this.neg = new Float64Array(HISTOGRAM_BINS);
      this.width = Math.max(Math.abs(this.min), Math.abs(this.max)) / HISTOGRAM_BINS;
    }
    const pos = this.pos;
    const neg = this.neg!;
    const inv = this.width > 0 ? 1 / this.width : 0;
    const last = HISTOGRAM_BINS - 1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v >= 0) pos[Math.min(last, Math.floor(v * inv))]++;
      else neg[Math.min(last, Math.floor(-v * inv))]++;
    }
  }

  minmax(): ActivationRange {
    return { min: this.min, max: this.max };
  }

  /**
   * cpu (asymmetric): each side clipped at the percentile of its own values; tensorrt (symmetric): both sides at
   * the percentile of |x|.
   */
  percentile(p: number, symmetric: boolean): ActivationRange {
    const [pos, neg] = this.histograms();
    if (symmetric) return this.clipped(percentileOf(sum(pos, neg), p) * this.width);
    return { min: Math.max(this.min, -percentileOf(neg, p) * this.width), max: Math.min(this.max, percentileOf(pos, p) * this.width) };
  }

  /** TensorRT's EntropyCalibration2 threshold on |x|, applied to the observed range (a post-Relu tensor stays [0, t]). */
  entropy(): ActivationRange {
    const [pos, neg] = this.histograms();
    return this.clipped(entropyThreshold(sum(pos, neg)) * this.width);
  }

  private clipped(t: number): ActivationRange {
    return { min: Math.max(this.min, -t), max: Math.min(this.max, t) };
  }

  private histograms(): [Float64Array, Float64Array] {
    if (!this.pos) throw new Error("histogram requested before the histogram pass");
    return [this.pos, this.neg!];
  }
}

function sum(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]!);
}

/** The number of bins (an upper edge, in bin widths) below which p percent of the counts lie. */
export function percentileOf(hist: Float64Array, p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const wanted = (p / 100) * total;
  let cumulative = 0;
  for (let i = 0; i < hist.length; i++) {
    cumulative += hist[i]!;
    if (cumulative >= wanted) return i + 1;
  }
  return hist.length;
}

/**
 * The threshold (in bin widths) that minimizes KL(P‖Q), as TensorRT's EntropyCalibration2 and ORT's entropy
 * calibrator choose it: for each candidate i from 128 bins up, P is the histogram's first i bins with everything
 * beyond folded into the last one (what clipping does), Q the same bins quantized to 128 levels and spread back
 * over the bins that held values.
 */
export function entropyThreshold(hist: Float64Array): number {
  const n = hist.length;
  if (hist.every((v) => v === 0)) return 0;
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + hist[i]!;
  let best = Infinity;
  let bestI = n;
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  for (let i = QUANTIZED_BINS; i <= n; i++) {
    p.set(hist.subarray(0, i));
    p[i - 1] = p[i - 1]! + suffix[i]!;
    const merged = Math.floor(i / QUANTIZED_BINS);
    for (let j = 0; j < QUANTIZED_BINS; j++) {
      const start = j * merged;
      const stop = j === QUANTIZED_BINS - 1 ? i : start + merged;
      let total = 0;
      let nonzero = 0;
      for (let k = start; k < stop; k++) {
        total += hist[k]!;
        if (hist[k] !== 0) nonzero++;
      }
      for (let k = start; k < stop; k++) q[k] = hist[k] !== 0 ? total / nonzero : 0;
    }
    const kl = divergence(p, q, i);
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return bestI;
}

const SMOOTHING = 1e-4;

/**
 * KL(P‖Q) over the first n bins, both normalized and smoothed as ORT does (empty bins get a small mass taken from
 * the others), so that a bin P has and Q lacks costs much rather than infinitely.
 */
function divergence(p: Float64Array, q: Float64Array, n: number): number {
  const sp = smoothing(p, n);
  const sq = smoothing(q, n);
  if (!sp || !sq) return Infinity;
  let kl = 0;
  for (let k = 0; k < n; k++) {
    const a = p[k] === 0 ? SMOOTHING : p[k]! / sp.total - sp.take;
    const b = q[k] === 0 ? SMOOTHING : q[k]! / sq.total - sq.take;
    if (a > 0) kl += a * Math.log(a / Math.max(b, Number.MIN_VALUE));
  }
  return kl;
}

function smoothing(h: Float64Array, n: number): { total: number; take: number } | undefined {
  let total = 0;
  let zeros = 0;
  for (let k = 0; k < n; k++) {
    total += h[k]!;
    if (h[k] === 0) zeros++;
  }
  if (total === 0 || zeros === n) return undefined;
  return { total, take: (SMOOTHING * zeros) / (n - zeros) };
}
