/**
 * `npm run bench:inspect`: how long inspecting a large model takes and how much memory it needs, side by side
 * with decoding the whole protobuf (what a naive inspector does) and with creating an ONNX Runtime session
 * (the other way to read I/O from JS). Each measurement runs in its own process; medians of 3.
 *
 *   node dist/bench/inspect.js [sizeMiB=1024]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { encodeModel } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";

const sizeMiB = Number(process.argv[2] ?? 1024);
const LAYERS = 16;
const REPEATS = 3;
const worker = fileURLToPath(new URL("./worker.js", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/trtx.js", import.meta.url));

/** A chain of LAYERS square MatMuls whose weights add up to about sizeMiB, plus 200 cheap nodes. */
function buildModel(file: string): void {
  const dim = Math.floor(Math.sqrt((sizeMiB * 2 ** 20) / 4 / LAYERS));
  const g = new GraphBuilder("bench_large");
  let h = g.input("input", DataType.FLOAT, ["batch", dim]);
  for (let i = 0; i < LAYERS; i++) {
    h = g.op("MatMul", [h, g.weight(`w${i}`, [dim, dim], new Float32Array(dim * dim).fill(1 / dim))]);
    for (let k = 0; k < 200 / LAYERS; k++) h = g.op("Relu", [h]);
  }
  g.op("Identity", [h], {}, { output: "output" });
  g.output("output", DataType.FLOAT, ["batch", dim]);
  fs.writeFileSync(file, encodeModel(g.model()));
}

function measure(args: string[]): { ms: number; maxRssMB: number } {
  return JSON.parse(execFileSync(process.execPath, [worker, ...args], { encoding: "utf8", maxBuffer: 1 << 20 }));
}

function timeCli(file: string): number {
  const start = performance.now();
  execFileSync(process.execPath, [bin, "inspect", "--json", file], { stdio: ["ignore", "ignore", "inherit"] });
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-bench-"));
try {
  const file = path.join(dir, "large.onnx");
  buildModel(file);
  const fileMB = fs.statSync(file).size / 2 ** 20;
  const baseline = median(Array.from({ length: REPEATS }, () => measure(["baseline", file]).maxRssMB));
  const rows = (["trtx-scan", "full-decode", "ort-session"] as const).map((mode) => {
    const runs = Array.from({ length: REPEATS }, () => measure([mode, file]));
    return { mode, ms: median(runs.map((r) => r.ms)), rssMB: median(runs.map((r) => r.maxRssMB)) - baseline };
  });
  const cliMs = median(Array.from({ length: REPEATS }, () => timeCli(file)));
  const scan = rows[0]!;
  process.stdout.write(`model: ${fileMB.toFixed(0)} MiB (${LAYERS} initializers, ${LAYERS * (1 + Math.floor(200 / LAYERS)) + 1} nodes); node ${process.version}; ${os.cpus()[0]?.model} x${os.cpus().length}\n`);
  process.stdout.write(`process baseline RSS ${baseline.toFixed(0)} MiB (subtracted below); medians of ${REPEATS} runs, each in a fresh process\n\n`);
  process.stdout.write("| method | time | time vs trtx | extra RSS | RSS / file size |\n|---|---:|---:|---:|---:|\n");
  for (const r of rows) {
    process.stdout.write(`| ${r.mode} | ${r.ms.toFixed(1)} ms | ${(r.ms / scan.ms).toFixed(1)}× | ${r.rssMB.toFixed(1)} MiB | ${(r.rssMB / fileMB).toFixed(4)} |\n`);
  }
  process.stdout.write(`\n\`trtx inspect --json\` end to end (node start-up included): ${cliMs.toFixed(0)} ms\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
