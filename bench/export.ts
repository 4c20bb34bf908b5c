/**
 * `npm run bench:export`: exporting built-in templates — wall time and peak RSS of a fresh process, set
 * against the size of the model written (the target for resnet50: under 3 s and under 3× the model size).
 *
 *   node dist/bench/export.js [template ...]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const templates = process.argv.slice(2).length ? process.argv.slice(2) : ["resnet50", "resnet18", "mobilenet_v2", "bert-tiny"];
const REPEATS = 3;
const worker = fileURLToPath(new URL("./worker.js", import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const measure = (args: string[]): { ms: number; maxRssMB: number } => JSON.parse(execFileSync(process.execPath, [worker, ...args], { encoding: "utf8" }));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-bench-"));
try {
  const baseline = median(Array.from({ length: REPEATS }, () => measure(["baseline", ""]).maxRssMB));
  process.stdout.write(`node ${process.version}; ${os.cpus()[0]?.model} x${os.cpus().length}; medians of ${REPEATS} fresh processes; bare process RSS ${baseline.toFixed(0)} MiB\n\n`);
  process.stdout.write("| template | weights | model file | time | peak RSS | peak RSS / file | (RSS − bare) / file |\n|---|---|---:|---:|---:|---:|---:|\n");
  for (const template of templates) {
    for (const mode of ["export-template", "export-template-fp16"]) {
      const out = path.join(dir, `${template}-${mode}.onnx`);
      const runs = Array.from({ length: REPEATS }, () => measure([mode, `${template}=${out}`]));
      const fileMiB = fs.statSync(out).size / 2 ** 20;
      const rss = median(runs.map((r) => r.maxRssMB));
      process.stdout.write(`| ${template} | ${mode.endsWith("fp16") ? "float16" : "float32"} | ${fileMiB.toFixed(1)} MiB | ${median(runs.map((r) => r.ms)).toFixed(0)} ms | ${rss.toFixed(0)} MiB | ${(rss / fileMiB).toFixed(2)}× | ${((rss - baseline) / fileMiB).toFixed(2)}× |\n`);
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
