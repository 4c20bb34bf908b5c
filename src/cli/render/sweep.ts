/** `perf --sweep`'s choice as text. */
import type { SweepOutcome } from "../../core/perf/sweep.js";

export function renderSweep(s: SweepOutcome, budget: number | undefined): string {
  if ("error" in s) return s.error.message;
  const { choice } = s;
  const within = budget === undefined ? "" : ` (p99 within ${budget} ms)`;
  const line = `best${within}: batch ${choice.batch}, ${choice.instances} instance(s): ${choice.throughput.toFixed(0)} infer/s, p99 ${choice.p99Ms.toFixed(2)} ms`;
  return s.written ? `${line}\nwrote ${s.configPath}: max_batch_size / preferred_batch_size / instance_group` : `${line}\n(--write-config writes it into ${s.configPath})`;
}
