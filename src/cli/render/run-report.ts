/** The human view of `trtx run`: where it ran, the inputs, the outputs' statistics, and the comparison verdict. */
import type { RunReport } from "../commands/run.js";
import { formatShape } from "../../core/onnx/model-info.js";
import type { TensorSummary } from "../../core/tensor/summary.js";
import { formatMs } from "./format.js";
import { renderTable } from "./table.js";
import type { Ui } from "../ui.js";

const num = (v: number | null | undefined) => (v === null || v === undefined ? "-" : Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : String(v));

export function renderRun(ui: Ui, r: RunReport): void {
  const c = ui.out;
  const skipped = r.attempts.filter((a) => !a.ok).map((a) => `${a.provider}: ${a.reason}`);
  const median = [...r.timingsMs].sort((a, b) => a - b)[Math.floor(r.timingsMs.length / 2)] ?? 0;
  ui.print(`${c.bold(r.model)} on ${c.bold(r.provider)} · ${r.iterations} iteration${r.iterations === 1 ? "" : "s"} · median ${formatMs(median)}`);
  for (const s of skipped) ui.print(c.dim(`  not used: ${s}`));
  const row = (name: string, s: TensorSummary) => [name, s.dtype, formatShape(s.dims), num(s.stats?.min), num(s.stats?.max), num(s.stats?.mean), num(s.stats?.std), `${s.nanCount}/${s.infCount}`];
  const head = ["", "dtype", "shape", "min", "max", "mean", "std", "NaN/Inf"];
  ui.print(renderTable(["input", ...head.slice(1), "from"], Object.entries(r.inputs).map(([n, s]) => [...row(n, s), s.source]), c));
  ui.print(renderTable(["output", ...head.slice(1)], Object.entries(r.outputs).map(([n, s]) => row(n, s)), c));
  for (const [name, s] of Object.entries(r.outputs)) {
    s.topK?.forEach((entries, i) => {
      const list = entries.map((e) => `${e.label ?? e.index} ${num(e.value)}`).join(", ");
      ui.print(`top-${entries.length} ${name}${s.topK!.length > 1 ? `[${i}]` : ""}: ${list}`);
    });
  }
  for (const file of r.saved) ui.print(c.dim(`wrote ${file}`));
  if (!r.comparison) return;
  const cmp = r.comparison.result;
  const rows = cmp.outputs.map((o) => [
    o.name,
    o.passed ? c.green("pass") : c.red("FAIL"),
    num(o.errors?.maxAbs),
    num(o.errors?.maxRel),
    num(o.errors?.meanAbs),
    `${(o.passRate * 100).toFixed(2)}%`,
    num(o.errors?.requiredAtol),
    num(o.errors?.requiredRtol),
    o.reason ?? "",
  ]);
  for (const m of cmp.missing) rows.push([m, c.red("FAIL"), "-", "-", "-", "-", "-", "-", "no such output in this run"]);
  ui.print(`compared with ${r.comparison.against} (atol ${num(cmp.outputs[0]?.atol)}, rtol ${num(cmp.outputs[0]?.rtol)}, ${cmp.outputs[0]?.checkErrorStat ?? "elemwise"}):`);
  ui.print(renderTable(["output", "result", "max abs", "max rel", "mean abs", "pass rate", "needs atol", "needs rtol", "note"], rows, c));
  for (const o of cmp.unmatchedOverrides) ui.print(c.yellow(`tolerance override for ${o} names no output`));
  ui.print(cmp.passed ? c.green("PASSED") : c.red("FAILED"));
}
