/** The human and JSON views of `trtx build`: sizes, time per step, the accuracy table and the TensorRT options. */
import path from "node:path";
import type { BuildResult } from "../../core/build/bundle.js";
import { MANIFEST_FILE } from "../../core/build/manifest.js";
import { formatBytes, formatMs } from "./format.js";
import { renderTable } from "./table.js";
import type { Ui } from "../ui.js";

const num = (v: number | null | undefined) => (v === null || v === undefined ? "-" : Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : String(v));
/** Cosines near 1 differ in the digits toFixed(4) would round away. */
const cos = (v: number) => (Number.isFinite(v) ? v.toFixed(6) : String(v));

/** Inside the current folder, relative as the user would type it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** The manifest plus where things are, for --json. */
export function buildJson(r: BuildResult) {
  return {
    ...r.manifest,
    upToDate: r.upToDate,
    written: r.written,
    paths: { bundle: r.bundle, manifest: path.join(r.bundle, MANIFEST_FILE), files: r.manifest.files.map((f) => path.join(r.bundle, f)) },
  };
}

export function renderBuild(ui: Ui, r: BuildResult): void {
  const c = ui.out;
  const m = r.manifest;
  const precision = [m.precision.int8 ? "int8" : "", m.precision.fp16 ? `fp16${m.precision.ioFp16 ? " (float16 I/O)" : ""}` : ""].filter(Boolean).join(" + ") || "fp32";
  if (r.upToDate) {
    ui.print(`${c.bold(shown(r.bundle))} is up to date (${precision}, ${m.provider}; built ${m.createdAt}) — --force rebuilds`);
    return;
  }
  const total = Object.entries(m.timingsMs).filter(([k]) => k !== "calibrate" && k !== "quantize").reduce((s, [, v]) => s + v, 0);
  ui.print(`${c.bold(shown(r.bundle))}  ${precision} on ${c.bold(m.provider)} · built in ${formatMs(total)}${r.written ? "" : c.red(" · not written")}`);
  for (const a of m.attempts.filter((a) => !a.ok)) ui.print(c.dim(`  not used: ${a.provider}: ${a.reason}`));
  const opt = "bytes" in m.optimized ? `, ${m.optimized.path} ${formatBytes(m.optimized.bytes)}` : "";
  ui.print(`model     ${formatBytes(r.sourceBytes)} source → ${formatBytes(m.model.bytes)} ${m.model.path}${opt}`);
  if ("skipped" in m.optimized) ui.print(c.dim(`          no model.opt.onnx: ${m.optimized.skipped}`));
  if (m.fp16) ui.print(`fp16      ${m.fp16.convertedInitializers} initializers, ${m.fp16.convertedNodes} nodes converted, ${m.fp16.castsInserted} Casts${m.fp16.keptNodes.length ? `; kept float32: ${m.fp16.keptNodes.map((k) => `${k.op} ${k.count}`).join(", ")}` : ""}`);
  if (m.int8) ui.print(`int8      ${m.int8.target} QDQ, ${m.int8.quantizedTensors} tensors quantized; nodes ${m.int8.quantizedNodes.map((q) => `${q.op} ${q.count}`).join(", ")}`);
  if (m.calibration) ui.print(`calib     ${m.calibration.method} over ${m.calibration.samples} samples from ${m.calibration.source}: ${m.calibration.tensors} ranges → ${m.calibration.files.join(", ")} (TensorRT ${m.calibration.trtVersion})`);
  const sub = (k: string) => (k === "int8" && m.timingsMs.calibrate !== undefined ? ` (calibrate ${formatMs(m.timingsMs.calibrate)}, quantize ${formatMs(m.timingsMs.quantize ?? 0)})` : "");
  const steps = Object.entries(m.timingsMs).filter(([k]) => k !== "calibrate" && k !== "quantize");
  ui.print(`steps     ${steps.map(([k, v]) => `${k} ${formatMs(v)}${sub(k)}`).join(" · ")}`);
  const a = m.accuracy;
  const tol = a.atol !== undefined || a.rtol !== undefined ? `, atol ${a.atol ?? 0} rtol ${a.rtol ?? 0}` : "";
  ui.print(`accuracy  on ${a.provider} over ${a.samples} samples, ${a.inputs}; needs cosine ≥ ${a.minCosine}${tol}`);
  const rows = a.outputs.map((o) => [
    o.name,
    o.passed ? c.green("pass") : c.red("FAIL"),
    cos(o.minCosine),
    num(o.maxAbs),
    num(o.maxRel),
    num(o.meanAbs),
    o.top1Agreement === undefined ? "-" : `${(o.top1Agreement * 100).toFixed(1)}%`,
    ...(tol ? [o.passRate === undefined ? "-" : `${(o.passRate * 100).toFixed(2)}%`] : []),
  ]);
  ui.print(renderTable(["output", "result", "min cosine", "max abs", "max rel", "mean abs", "top-1 agree", ...(tol ? ["pass rate"] : [])], rows, c));
  ui.print("TensorRT EP options for deployment:");
  ui.print(Object.entries(m.tensorrt).map(([k, v]) => `  ${k}=${v}`).join("\n"));
  if (!r.written) ui.print(c.red(`nothing written to ${shown(r.bundle)} (--keep-failed writes it anyway)`));
}
