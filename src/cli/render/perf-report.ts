/** `trtx perf` on stdout and in files: the points table, perf_analyzer-style CSV, per-query times, the baseline diff. */
import type { ChalkInstance } from "chalk";
import type { PerfReport } from "../../core/perf/perf.js";
import type { BaselineComparison, PerfPoint, QueryTime } from "../../core/perf/types.js";
import { formatMs } from "./format.js";
import { renderTable } from "./table.js";

const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(1)}%`;

export function renderPerfTable(r: PerfReport, c: ChalkInstance): string {
  const percentiles = r.settings.percentiles.map(String);
  const head = ["batch", "conc", "infer/s", "queries/s", "mean", "median", ...percentiles.map((p) => `p${p}`), "CoV", "stable"];
  const rows = r.points.map((p) => [
    p.batch,
    p.concurrency,
    rate(p.throughput),
    rate(p.queriesPerSecond),
    formatMs(p.latency.mean),
    formatMs(p.latency.median),
    ...percentiles.map((k) => formatMs(p.latency.percentiles[k]!)),
    `${p.latency.covPercent.toFixed(1)}%`,
    p.stable ? "yes" : c.yellow("no"),
  ]);
  return renderTable(head, rows, c);
}

/** One line under the table: what was measured, where, and the floor every query pays. */
export function renderPerfHeader(r: PerfReport): string {
  const threads = r.settings.threads === undefined ? "" : `, ${r.settings.threads} threads per session`;
  const bridge = r.bridge === undefined ? "" : `; through ORT's C API${r.bridge.dataTransfers ? "" : ", inputs and outputs in GPU memory (no host copies)"}${optionsText(r)}`;
  return `${r.model.path} on ${r.provider}${threads}${bridge}; warm-up ${r.settings.warmUpMs} ms, windows of ${(r.settings.durationMs / 3).toFixed(0)} ms; binding floor ${r.bindingFloorUs.toFixed(1)} µs per run`;
}

/** The options the user set, as ORT reported them back (the proof that they are in force). */
function optionsText(r: PerfReport): string {
  const set = Object.entries(r.settings.epOptions ?? {}).flatMap(([provider, options]) =>
    Object.keys(options).map((k) => `${k}=${r.bridge?.effectiveOptions[provider as keyof typeof r.bridge.effectiveOptions]?.[k] ?? "?"}`),
  );
  return set.length === 0 ? "" : ` (${set.join(", ")})`;
}

/**
 * perf_analyzer's CSV columns where trtx measures the same thing (latencies in µs, rows sorted by throughput as
 * perf_analyzer sorts them), with Batch first because one file holds several batch sizes.
 */
export function perfCsv(r: PerfReport): string {
  const percentiles = [...new Set(["50", ...r.settings.percentiles.map(String)])];
  const head = ["Batch", "Concurrency", "Inferences/Second", "Avg latency", ...percentiles.map((p) => `p${p} latency`)];
  const us = (ms: number) => Math.round(ms * 1000).toString();
  const latencyAt = (p: PerfPoint, k: string) => (k === "50" && p.latency.percentiles[k] === undefined ? p.latency.median : p.latency.percentiles[k]!);
  const rows = [...r.points]
    .sort((a, b) => a.throughput - b.throughput)
    .map((p) => [p.batch, p.concurrency, p.throughput.toFixed(2), us(p.latency.mean), ...percentiles.map((k) => us(latencyAt(p, k)))].join(","));
  return [head.join(","), ...rows].join("\n") + "\n";
}

/** trtexec's --exportTimes idea: one record per timed query, in ms from the point's first timed query. */
export function exportTimes(times: { batch: number; concurrency: number; queries: QueryTime[] }[]): string {
  const records = times.flatMap((t) => t.queries.map((q) => ({ batch: t.batch, concurrency: t.concurrency, stream: q.stream, startMs: q.startMs, endMs: q.endMs, latencyMs: q.endMs - q.startMs })));
  return JSON.stringify(records) + "\n";
}

export function renderBaseline(b: BaselineComparison, c: ChalkInstance): string {
  const rows = b.rows.map((row) => [
    row.batch,
    row.concurrency,
    rate(row.baseThroughput),
    rate(row.throughput),
    signed(row.throughputChangePercent),
    formatMs(row.baseP99Ms),
    formatMs(row.p99Ms),
    signed(row.p99ChangePercent),
    row.regressed ? c.red("REGRESSED") : "ok",
  ]);
  const table = renderTable(["batch", "conc", "base infer/s", "infer/s", "change", "base p99", "p99", "change", `±${b.maxRegressionPercent}%`], rows, c);
  const unmatched = b.unmatched.map((u) => `batch ${u.batch} × concurrency ${u.concurrency}: only in the ${u.side === "baseline" ? "baseline" : "current run"}`);
  return [table, ...unmatched].join("\n");
}
