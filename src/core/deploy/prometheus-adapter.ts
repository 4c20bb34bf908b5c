/**
 * The Prometheus adapter rule that turns Triton's cumulative queue-time counter into the autoscaler's per-pod metric:
 * average milliseconds a request waited for an instance over the last minute. Queue time, not GPU utilisation, is
 * the signal: a saturated GPU with an empty queue is serving fine, a growing queue means requests wait for capacity.
 */

export const QUEUE_TIME_METRIC = "triton_queue_time_ms";

export interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

export function queueTimeRule(): AdapterRule {
  const rate = (counter: string) => `sum(rate(${counter}{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)`;
  return {
    seriesQuery: 'nv_inference_queue_duration_us{namespace!="",pod!=""}',
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: "^nv_inference_queue_duration_us$", as: QUEUE_TIME_METRIC },
    // clamp_min: an idle pod has no requests, and 0 / 0 would make the metric vanish instead of reading 0.
    metricsQuery: `${rate("nv_inference_queue_duration_us")} / 1000 / clamp_min(${rate("nv_inference_request_success")}, 0.001)`,
  };
}
