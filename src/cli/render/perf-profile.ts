/** `trtx perf --profile` for people: where one query's time goes, the top op types, and what to try. */
import type { ChalkInstance } from "chalk";
import type { BatchProfile } from "../../core/perf/perf.js";
import { formatMs } from "./format.js";
import { renderTable } from "./table.js";

const TOP_OPS = 8;
const ms = (us: number) => formatMs(us / 1000);

export function renderProfile(p: BatchProfile, c: ChalkInstance): string {
  const { summary: s, diagnosis: d } = p;
  const lines = [
    c.bold(`batch ${p.batch}: ORT profile of ${s.measuredRuns} runs${s.firstRunExcluded ? ` (first run, ${ms(s.firstRunUs)}, left out)` : ""}`),
    `per query: compute ${ms(d.computeUsPerRun)}, transfer ${ms(d.transferUsPerRun)}, host overhead ${ms(d.hostOverheadUsPerRun)} (model_run ${ms(s.modelRun.meanUs)}); ${d.launchBound ? "launch-bound" : `${d.bound}-bound`}`,
  ];
  const rows = s.ops.slice(0, TOP_OPS).map((o) => [o.op, o.provider.replace("ExecutionProvider", ""), o.count, ms(o.meanUsPerRun), `${o.percent.toFixed(1)}%`]);
  if (rows.length > 0) lines.push(renderTable(["op", "provider", "runs", "per query", "share"], rows, c));
  for (const advice of d.advice) lines.push(`  → ${advice}`);
  return lines.join("\n");
}
