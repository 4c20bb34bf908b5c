/**
 * `npm run bench:int8`: throughput of float32 against INT8 (QDQ, cpu target: U8S8, minmax calibration on 8
 * seeded samples) on ONNX Runtime's CPU provider with 2 intra-op threads, side by side in one process. Each
 * (template, batch, precision) is warmed up, then run for about 3 s; the median run time gives inferences/s.
 * It also counts the QLinearConv nodes in ORT's optimized int8 graph: a Conv left in float shows up there.
 *
 *   node dist/bench/int8.js [template ...]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import { createSession } from "../src/core/ep/session.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { compileNetwork } from "../src/core/network/compile.js";
import { loadTemplate } from "../src/core/network/templates.js";
import { loadModel, saveModel } from "../src/core/onnx/model-file.js";
import { quantizeInt8 } from "../src/core/precision/int8/index.js";
import { SeededRandom } from "../src/core/tensor/random.js";

const templates = process.argv.slice(2).length ? process.argv.slice(2) : ["resnet50", "mobilenet_v2"];
const BATCHES = [1, 8];
const THREADS = 2;
const WARMUP = 3;
const SECONDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ort = await loadOrt();
const options: InferenceSession.SessionOptions = { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: "all" };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-bench-int8-"));

function images(seed: number, batch: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: batch * 3 * 224 * 224 }, () => rng.normal());
}

async function inferencesPerSecond(file: string, batch: number): Promise<{ perSecond: number; runs: number }> {
  const { session } = await createSession(file, { ep: "cpu", options });
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", images(7, batch), [batch, 3, 224, 224]) };
    for (let i = 0; i < WARMUP; i++) await session.run(feeds);
    const times: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end || times.length < 5) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    return { perSecond: (batch * 1000) / median(times), runs: times.length };
  } finally {
    await session.release();
  }
}

async function fusedOps(file: string): Promise<Map<string, number>> {
  const optimized = path.join(dir, "optimized.onnx");
  const { session } = await createSession(file, { ep: "cpu", options: { ...options, optimizedModelFilePath: optimized } });
  await session.release();
  const counts = new Map<string, number>();
  for (const n of loadModel(optimized).proto.graph!.node) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  return counts;
}

try {
  process.stdout.write(`node ${process.version}; ${os.cpus()[0]?.model} x${os.cpus().length}; ORT CPU, ${THREADS} intra-op threads; median of ~${SECONDS} s per cell\n\n`);
  const rows: string[] = [];
  for (const template of templates) {
    const model = compileNetwork(loadTemplate(template)).model;
    const fp32 = saveModel(model, path.join(dir, `${template}.onnx`));
    const samples = Array.from({ length: 8 }, (_, i) => new Map([["input", { dtype: "float32" as const, dims: [1, 3, 224, 224], data: images(100 + i, 1) }]]));
    const report = await quantizeInt8(model, { samples }, { method: "minmax", target: "cpu" });
    const int8 = saveModel(model, path.join(dir, `${template}-int8.onnx`));
    const convs = report.quantizedNodes.find((q) => q.op === "Conv")?.count ?? 0;
    const fused = await fusedOps(int8.path);
    const floatLeft = ["Conv", "FusedConv", "Gemm", "MatMul", "FusedGemm"].map((op) => fused.get(op) ?? 0).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${template}: ${(fp32.bytes / 2 ** 20).toFixed(1)} → ${(int8.bytes / 2 ** 20).toFixed(1)} MiB; calibrate ${report.ms.calibrate.toFixed(0)} ms, quantize ${report.ms.quantize.toFixed(0)} ms; ` +
        `ORT runs ${fused.get("QLinearConv") ?? 0}/${convs} Convs as QLinearConv, ${floatLeft} float Conv/Gemm/MatMul left\n`,
    );
    for (const batch of BATCHES) {
      const a = await inferencesPerSecond(fp32.path, batch);
      const b = await inferencesPerSecond(int8.path, batch);
      rows.push(`| ${template} | ${batch} | ${a.perSecond.toFixed(1)} (${a.runs} runs) | ${b.perSecond.toFixed(1)} (${b.runs} runs) | ${(b.perSecond / a.perSecond).toFixed(2)}× |`);
    }
  }
  process.stdout.write(`\n| template | batch | float32 inf/s | int8 inf/s | int8 / float32 |\n|---|---:|---:|---:|---:|\n${rows.join("\n")}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
