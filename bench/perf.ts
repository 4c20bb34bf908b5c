/**
 * `npm run bench:perf`: is `trtx perf` honest? Its throughput against the loop a user would write by hand
 * (`for (;;) await session.run(feeds)` on the main thread, same model, batch, provider and threads), alternating
 * A, B, A, B in one process so that drift hits both. A ratio near 1 means the harness (worker thread, clock reads,
 * window bookkeeping) costs nothing measurable.
 *
 *   node dist/bench/perf.js [--ep cpu|cuda] [--seconds 1.5] [--rounds 5] [--threads N] [model.onnx:batch ...]
 * With no models: the mlp and cnn_small fixtures and the resnet18 template (exported to a temporary folder).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSession } from "../src/core/ep/session.js";
import { loadOrt } from "../src/core/ep/ort.js";
import type { EpChoice } from "../src/core/ep/providers.js";
import { exportNetwork } from "../src/core/export/network.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { perfFeeds } from "../src/core/perf/batch-feeds.js";
import { bindingFloorUs } from "../src/core/perf/floor.js";
import { measurePoint } from "../src/core/perf/measure.js";
import { toOrtTensor } from "../src/core/run/ort-tensor.js";

const { values, positionals } = parseArgs({ options: { ep: { type: "string", default: "cpu" }, seconds: { type: "string", default: "1.5" }, rounds: { type: "string", default: "5" }, threads: { type: "string" } }, allowPositionals: true });
const ep = values.ep as EpChoice;
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const threads = values.threads === undefined ? undefined : Number(values.threads);
const root = path.resolve(import.meta.dirname, "../..");

function models(): { file: string; batch: number }[] {
  if (positionals.length > 0) return positionals.map((p) => ({ file: p.split(":")[0]!, batch: Number(p.split(":")[1] ?? 1) }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-bench-perf-"));
  const resnet18 = path.join(dir, "resnet18.onnx");
  exportNetwork({ template: "resnet18" }, resnet18);
  return [
    { file: path.join(root, "fixtures/mlp_dynbatch.onnx"), batch: 1 },
    { file: path.join(root, "fixtures/cnn_small.onnx"), batch: 1 },
    { file: resnet18, batch: 1 },
    { file: resnet18, batch: 8 },
  ];
}

const ort = await loadOrt();
async function bareLoop(file: string, feeds: Map<string, import("../src/core/tensor/host-tensor.js").HostTensor>, batch: number): Promise<number> {
  const options = threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const { session } = await createSession(file, { ep, options });
  try {
    const ortFeeds = Object.fromEntries([...feeds].map(([n, t]) => [n, toOrtTensor(ort, t)]));
    const warmEnd = performance.now() + 200;
    while (performance.now() < warmEnd) await session.run(ortFeeds);
    let queries = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    let now = start;
    while (now < end) {
      await session.run(ortFeeds);
      queries++;
      now = performance.now();
    }
    return (batch * queries * 1000) / (now - start);
  } finally {
    await session.release();
  }
}

async function trtxPerf(file: string, feeds: Map<string, import("../src/core/tensor/host-tensor.js").HostTensor>, batch: number): Promise<number> {
  const r = await measurePoint({ model: file, ep, ...(threads === undefined ? {} : { intraOpThreads: threads }), feeds, batch, concurrency: 1, warmUpMs: 200, windowMs: (seconds * 1000) / 3, iterations: 10, maxWindows: 3, stabilityPercent: 10, percentiles: [99] });
  return r.point.throughput;
}

console.log(`ep ${ep}, ${seconds} s per measurement, ${rounds} rounds of bare/trtx alternated; threads ${threads ?? "ORT default"}; ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores`);
console.log(`binding floor: ${(await bindingFloorUs()).toFixed(1)} µs per await run()`);
console.log("| model | batch | bare loop infer/s | trtx perf infer/s | trtx / bare (median of rounds) | range |");
console.log("|---|---:|---:|---:|---:|---|");
for (const { file, batch } of models()) {
  const info = describeModelFile(file);
  const feeds = perfFeeds(info.inputs, { batch, batched: info.batch.batchable, data: "random", seed: 1 });
  const bare: number[] = [];
  const trtx: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await bareLoop(file, feeds, batch));
    trtx.push(await trtxPerf(file, feeds, batch));
  }
  // Each round's ratio pairs measurements taken seconds apart; the median of them resists one noisy round.
  const ratios = trtx.map((t, i) => t / bare[i]!).sort((a, b) => a - b);
  const median = (xs: number[]) => (xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2);
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  console.log(`| ${path.basename(file)} | ${batch} | ${median(sorted(bare)).toFixed(0)} | ${median(sorted(trtx)).toFixed(0)} | ${median(ratios).toFixed(3)} | ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)} |`);
}
