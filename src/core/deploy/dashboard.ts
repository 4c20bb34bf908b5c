/**
 * A Grafana dashboard over Triton's own Prometheus metrics (Triton docs, metrics.md): throughput, latency
 * percentiles, queue and compute time, batch size, failures, GPU utilisation and memory. The datasource is a
 * variable, so the same JSON works in compose (provisioned datasource) and in a cluster's Grafana.
 */
import { asList, asObject, text, type Loose } from "./loose.js";

interface Panel {
  title: string;
  unit: string;
  targets: { expr: string; legend: string }[];
  description: string;
}

/** Triton's summaries are per pod and cannot be merged: across pods the worst one's quantile is shown. */
const QUANTILES = ["0.5", "0.9", "0.99"];
const MODEL = 'model=~"$model"';
const RATE = "[$__rate_interval]";

const perRequestMs = (counter: string) => `sum by (model) (rate(${counter}{${MODEL}}${RATE})) / sum by (model) (rate(nv_inference_request_success{${MODEL}}${RATE})) / 1000`;

const PANELS: Panel[] = [
  {
    title: "Throughput",
    unit: "reqps",
    description: "Inferences per second (a batch of n counts n) and requests per second, all pods together.",
    targets: [
      { expr: `sum by (model) (rate(nv_inference_count{${MODEL}}${RATE}))`, legend: "{{model}} inferences/s" },
      { expr: `sum by (model) (rate(nv_inference_request_success{${MODEL}}${RATE}))`, legend: "{{model}} requests/s" },
    ],
  },
  {
    title: "Request latency percentiles",
    unit: "ms",
    description: "End-to-end request time inside Triton (nv_inference_request_summary_us, --metrics-config summary_latencies=true); worst pod.",
    targets: QUANTILES.map((q) => ({ expr: `max by (model) (nv_inference_request_summary_us{${MODEL}, quantile="${q}"}) / 1000`, legend: `{{model}} p${Number(q) * 100}` })),
  },
  {
    title: "Average request, queue and compute time",
    unit: "ms",
    description: "Per successful request: the whole request, time waiting in the scheduler's queue, and the backend's compute.",
    targets: [
      { expr: perRequestMs("nv_inference_request_duration_us"), legend: "{{model}} request" },
      { expr: perRequestMs("nv_inference_queue_duration_us"), legend: "{{model}} queue" },
      { expr: perRequestMs("nv_inference_compute_infer_duration_us"), legend: "{{model}} compute" },
    ],
  },
  {
    title: "Queue time percentiles",
    unit: "ms",
    description: "Time requests wait for an instance (nv_inference_queue_summary_us); rising queue time is what the autoscaler acts on.",
    targets: QUANTILES.map((q) => ({ expr: `max by (model) (nv_inference_queue_summary_us{${MODEL}, quantile="${q}"}) / 1000`, legend: `{{model}} p${Number(q) * 100}` })),
  },
  {
    title: "Average batch size",
    unit: "short",
    description: "Inferences per execution: how well the dynamic batcher fills batches.",
    targets: [{ expr: `sum by (model) (rate(nv_inference_count{${MODEL}}${RATE})) / sum by (model) (rate(nv_inference_exec_count{${MODEL}}${RATE}))`, legend: "{{model}}" }],
  },
  {
    title: "Failed requests",
    unit: "reqps",
    description: "Requests Triton answered with an error.",
    targets: [{ expr: `sum by (model) (rate(nv_inference_request_failure{${MODEL}}${RATE}))`, legend: "{{model}}" }],
  },
  {
    title: "GPU utilisation",
    unit: "percent",
    description: "nv_gpu_utilization (DCGM), per GPU of each pod.",
    targets: [{ expr: "nv_gpu_utilization * 100", legend: "{{instance}} {{gpu_uuid}}" }],
  },
  {
    title: "GPU memory used",
    unit: "bytes",
    description: "nv_gpu_memory_used_bytes, per GPU of each pod.",
    targets: [{ expr: "nv_gpu_memory_used_bytes", legend: "{{instance}} {{gpu_uuid}}" }],
  },
];

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

export function tritonDashboard(title: string, uid: string): Record<string, unknown> {
  return {
    title,
    uid,
    tags: ["triton", "trtx"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: "10s",
    time: { from: "now-30m", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
        {
          name: "model",
          label: "Model",
          type: "query",
          datasource: DATASOURCE,
          query: { query: "label_values(nv_inference_count, model)", refId: "models" },
          refresh: 2,
          includeAll: true,
          multi: true,
          current: { text: "All", value: "$__all" },
        },
      ],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
    })),
  };
}

/** Every metric name the dashboard queries: tests check them against Triton's documented metrics. */
export function dashboardMetrics(): string[] {
  const names = PANELS.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/nv_[a-z_]+/g) ?? []));
  return [...new Set(names)].sort();
}

/** A dashboard as Grafana needs it, for `deploy validate`: a title, unique panel ids, a query in every panel. */
export function checkDashboard(d: Loose, add: (message: string) => void): void {
  if (typeof d.title !== "string") add("dashboard has no title");
  const ids = new Set<unknown>();
  asList(d.panels).forEach((item, i) => {
    const p = asObject(item);
    if (ids.has(p?.id)) add(`panel ${i} repeats id ${text(p?.id)}`);
    ids.add(p?.id);
    const title = typeof p?.title === "string" ? p.title : String(i);
    const targets = asList(p?.targets);
    if (targets.length === 0) add(`panel "${title}" has no queries`);
    else targets.forEach((t, j) => typeof asObject(t)?.expr !== "string" && add(`panel "${title}" query ${j} has no expr`));
  });
}
