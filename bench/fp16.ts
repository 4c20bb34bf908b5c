/**
 * `npm run bench:fp16`: converting built-in templates to float16 in process, after they are built (the target for
 * resnet50: under 2 s). Time is the median of fresh builds; peak RSS is measured over the conversion alone, by
 * resetting the process's high-water mark (VmHWM, through /proc/self/clear_refs) just before it.
 *
 *   node --expose-gc dist/bench/fp16.js [template ...]
 */
import fs from "node:fs";
import os from "node:os";
import { compileNetwork } from "../src/core/network/compile.js";
import { loadTemplate } from "../src/core/network/templates.js";
import { encodeModel } from "../src/core/onnx/codec.js";
import { convertToFp16, type Fp16Report } from "../src/core/precision/fp16.js";

const templates = process.argv.slice(2).length ? process.argv.slice(2) : ["resnet50", "resnet18", "mobilenet_v2", "bert-tiny"];
const REPEATS = 3;
const MiB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc;

interface Measurement {
  ms: number;
  rssBeforeMiB: number;
  peakMiB: number;
  fp32Bytes: number;
  fp16Bytes: number;
  report: Fp16Report;
}

async function measure(template: string): Promise<Measurement> {
  const { model } = compileNetwork(loadTemplate(template));
  const fp32Bytes = encodeModel(model).length;
  gc?.();
  // V8 frees ArrayBuffers on a background thread after a collection: let it finish before the baseline.
  await new Promise((resolve) => setTimeout(resolve, 200));
  resetPeakRss();
  const rssBeforeMiB = peakRssMiB();
  const start = performance.now();
  const report = convertToFp16(model);
  const ms = performance.now() - start;
  const peakMiB = peakRssMiB();
  return { ms, rssBeforeMiB, peakMiB, fp32Bytes, fp16Bytes: encodeModel(model).length, report };
}

/** Writing 5 to clear_refs sets VmHWM back to the current RSS (Linux 4.0+), which peakRssMiB() then reads. */
function resetPeakRss(): void {
  fs.writeFileSync("/proc/self/clear_refs", "5");
}

function peakRssMiB(): number {
  const hwm = fs.readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  if (!hwm) throw new Error("/proc/self/status has no VmHWM line");
  return Number(hwm[1]) / 1024;
}

process.stdout.write(`node ${process.version}; ${os.cpus()[0]?.model} x${os.cpus().length}; median of ${REPEATS} fresh builds per template${gc ? "" : " (run with --expose-gc for steadier RSS)"}\n\n`);
process.stdout.write("| template | float32 model | float16 model | convert time | RSS before | peak RSS during | peak − before | initializers | casts | clamped |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
for (const template of templates) {
  const runs: Measurement[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await measure(template));
  const last = runs.at(-1)!;
  const before = median(runs.map((r) => r.rssBeforeMiB));
  const peak = median(runs.map((r) => r.peakMiB));
  const cells = [
    template,
    `${(last.fp32Bytes / MiB).toFixed(1)} MiB`,
    `${(last.fp16Bytes / MiB).toFixed(1)} MiB`,
    `${median(runs.map((r) => r.ms)).toFixed(0)} ms`,
    `${before.toFixed(0)} MiB`,
    `${peak.toFixed(0)} MiB`,
    `${median(runs.map((r) => r.peakMiB - r.rssBeforeMiB)).toFixed(0)} MiB`,
    String(last.report.convertedInitializers),
    String(last.report.castsInserted),
    String(last.report.clampedValues),
  ];
  process.stdout.write(`| ${cells.join(" | ")} |\n`);
}
