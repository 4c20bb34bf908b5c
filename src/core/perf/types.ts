/**
 * The shapes of a `trtx perf` result (schema trtx.perf/1). Times are milliseconds unless a name says otherwise;
 * definitions follow trtexec (latency statistics) and perf_analyzer (measurement windows, stability).
 */

export const PERF_SCHEMA = "trtx.perf/1";

/** trtexec's latency summary over the timed queries (peer-tools.md §1.3). */
export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Even counts: the mean of the two middle values. */
  median: number;
  /** Keyed by the percentile as given ("90", "99.9"): trtexec's sorted[max(N-1-floor((1-p/100)*N), 0)]. */
  percentiles: Record<string, number>;
  /** Population standard deviation. */
  stdDev: number;
  /** Coefficient of variation, population std / mean × 100. */
  covPercent: number;
}

/** One perf_analyzer measurement window. */
export interface MeasurementWindow {
  queries: number;
  durationMs: number;
  /** Inferences per second: batch × queries / duration. */
  throughput: number;
  /** The latency the stability rule follows: the mean, or the percentile given with --percentile's first value. */
  latencyMs: number;
}

/** One timed query: start and end relative to the point's first timed query. */
export interface QueryTime {
  startMs: number;
  endMs: number;
  /** The worker (stream) that ran it. */
  stream: number;
}

export interface PerfPoint {
  batch: number;
  concurrency: number;
  /** Sessions serving the point: one per worker thread. */
  streams: number;
  /** intra-op threads of each session, when set (absent: onnxruntime's default, one per core). */
  intraOpThreads?: number;
  warmup: { queries: number; ms: number };
  /** Timed queries and the wall time from the first timed start to the last timed end. */
  queries: number;
  wallMs: number;
  /** Inferences per second (batch × queries / wall time). */
  throughput: number;
  queriesPerSecond: number;
  latency: LatencySummary;
  windows: MeasurementWindow[];
  /** perf_analyzer's rule: the last 3 windows within --stability-percentage in throughput and latency. */
  stable: boolean;
  warnings: string[];
}

/** A saved `trtx perf --json` report read back as a baseline: only what the regression gate needs is checked. */
export interface BaselineReport {
  schema: typeof PERF_SCHEMA;
  model: { sha256: string; path: string };
  points: PerfPoint[];
}

/** One (batch, concurrency) point measured both now and in the baseline. */
export interface BaselineRow {
  batch: number;
  concurrency: number;
  baseThroughput: number;
  throughput: number;
  /** (current − base) / base × 100: negative is slower. */
  throughputChangePercent: number;
  baseP99Ms: number;
  p99Ms: number;
  /** (current − base) / base × 100: positive is slower. */
  p99ChangePercent: number;
  regressed: boolean;
  /** One line per limit exceeded; empty when the point passes. */
  reasons: string[];
}

/** A point measured on one side only: reported, never a failure, since sweeps may legitimately change. */
export interface UnmatchedPoint {
  batch: number;
  concurrency: number;
  side: "baseline" | "current";
}

export interface BaselineComparison {
  rows: BaselineRow[];
  unmatched: UnmatchedPoint[];
  /** True when any row regressed. */
  regressed: boolean;
  maxRegressionPercent: number;
}
