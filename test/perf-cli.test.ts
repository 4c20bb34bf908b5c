import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { sha256File } from "../src/core/build/hash.js";
import { exportNetwork } from "../src/core/export/network.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { perfFeeds } from "../src/core/perf/batch-feeds.js";
import { measurePoint } from "../src/core/perf/measure.js";
import { saveNpy } from "../src/core/tensor/load.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

const MLP = fixture("mlp_dynbatch.onnx");
/** Short windows: these tests check what is measured and reported, not how fast anything is. */
const QUICK = ["--duration", "0.3", "--warmUp", "50"];

function perfJson(args: string[]) {
  const r = runCli(["perf", ...QUICK, ...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("perf --json: one point per batch × concurrency with trtexec's statistics and the facts to reproduce it", () => {
  const report = perfJson(["--onnx", MLP, "-b", "1,4", "--concurrency", "1,2", "--percentile", "50,99"]);
  assert.equal(report.schema, "trtx.perf/1");
  assert.equal(report.model.sha256, sha256File(MLP));
  assert.equal(report.provider, "cpu");
  assert.ok(report.bindingFloorUs > 0);
  assert.deepEqual(report.settings.batches, [1, 4]);
  assert.deepEqual(report.points.map((p: { batch: number; concurrency: number }) => [p.batch, p.concurrency]), [[1, 1], [1, 2], [4, 1], [4, 2]]);
  for (const p of report.points) {
    assert.equal(p.streams, p.concurrency);
    assert.ok(p.windows.length >= 3, "statistics come from three windows at least");
    assert.ok(p.queries >= 10, "--iterations 10 by default");
    // Throughput counts inferences: batch × queries over the windows' wall time.
    assert.ok(Math.abs(p.throughput - (p.batch * p.queries * 1000) / p.wallMs) < 1e-6 * p.throughput);
    assert.ok(Math.abs(p.throughput - p.batch * p.queriesPerSecond) < 1e-6 * p.throughput);
    assert.equal(p.latency.count, p.queries);
    assert.deepEqual(Object.keys(p.latency.percentiles), ["50", "99"]);
    assert.ok(p.latency.min <= p.latency.median && p.latency.median <= p.latency.percentiles["99"] && p.latency.percentiles["99"] <= p.latency.max);
    assert.equal(typeof p.stable, "boolean");
    assert.ok(p.warmup.queries > 0);
    // Above concurrency 1 the cores are shared out between sessions.
    assert.equal(p.intraOpThreads === undefined, p.concurrency === 1);
  }
});

test("--csv and --export-times: perf_analyzer's columns sorted by throughput, and every timed query", (t) => {
  const dir = tempDir(t);
  const csv = path.join(dir, "perf.csv");
  const times = path.join(dir, "times.json");
  const report = perfJson(["--onnx", MLP, "-b", "1,8", "--csv", csv, "--export-times", times]);
  const lines = fs.readFileSync(csv, "utf8").trimEnd().split("\n");
  assert.equal(lines[0], "Batch,Concurrency,Inferences/Second,Avg latency,p50 latency,p90 latency,p95 latency,p99 latency");
  const rates = lines.slice(1).map((l) => Number(l.split(",")[2]));
  assert.deepEqual(rates, [...rates].sort((a, b) => a - b));
  const records = JSON.parse(fs.readFileSync(times, "utf8"));
  assert.equal(records.length, report.points[0].queries + report.points[1].queries);
  assert.deepEqual(Object.keys(records[0]), ["batch", "concurrency", "stream", "startMs", "endMs", "latencyMs"]);
  assert.equal(records[0].startMs, 0);
});

test("a human run prints the table on stdout and nothing else", () => {
  const r = runCli(["perf", ...QUICK, "--onnx", MLP]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /on cpu; warm-up 50 ms, windows of 100 ms; binding floor [\d.]+ µs per run/);
  assert.match(r.stdout, /│ batch │ conc │ infer\/s │ queries\/s │ mean +│ median │ p90 +│ p95 +│ p99 +│ CoV +│ stable │/);
  assert.doesNotMatch(r.stdout, /warning/);
});

test("--baseline: exit 3 with the diff when throughput fell beyond --max-regression, 0 within it", (t) => {
  const dir = tempDir(t);
  const report = perfJson(["--onnx", MLP]);
  const faster = { ...report, points: report.points.map((p: { throughput: number }) => ({ ...p, throughput: p.throughput * 10 })) };
  const baseline = path.join(dir, "base.json");
  fs.writeFileSync(baseline, JSON.stringify(faster));
  const r = runCli(["perf", ...QUICK, "--onnx", MLP, "--baseline", baseline]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /REGRESSED/);
  assert.match(r.stderr, /performance regressed against .*base\.json: batch 1 × 1: throughput fell/);
  // Within: throughput 1.5× today's (a fall of a third, under 99%) and latencies 10× today's, so that a busy machine's
  // noise (p99 doubling on two loaded cores) cannot turn the latency comparison into a regression.
  const scaled = (l: { percentiles: Record<string, number>; [k: string]: unknown }) => ({ ...l, percentiles: Object.fromEntries(Object.entries(l.percentiles).map(([k, v]) => [k, v * 10])) });
  const within = { ...report, points: report.points.map((p: { throughput: number; latency: { percentiles: Record<string, number> } }) => ({ ...p, throughput: p.throughput * 1.5, latency: scaled(p.latency) })) };
  fs.writeFileSync(baseline, JSON.stringify(within));
  const j = runCli(["perf", ...QUICK, "--onnx", MLP, "--baseline", baseline, "--max-regression", "99%", "--json"]);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(JSON.parse(j.stdout).baseline.regressed, false);
});

test("--require-stable exits 3 when the windows cannot agree (0% allowed)", () => {
  const r = runCli(["perf", ...QUICK, "--onnx", MLP, "--stability-percentage", "0", "--max-trials", "3", "--require-stable"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /not stable/);
});

test("bad input: one line, non-zero exit, before anything is measured", (t) => {
  const dir = tempDir(t);
  fails(["perf", "--onnx", MLP, "-b", "0"], 2, /-b 0: "0" is not a positive integer/);
  fails(["perf", "--onnx", MLP, "-b", "8,x"], 2, /"x" is not a positive integer/);
  fails(["perf", "--onnx", MLP, "--duration", "0"], 2, /--duration 0 is not valid/);
  fails(["perf", "--onnx", MLP, "--duration", "-1"], 2, /--duration -1 is not valid/);
  fails(["perf", "--onnx", MLP, "--percentile", "101"], 2, /101/);
  fails(["perf", "--onnx", MLP, "--streams", "2", "--concurrency", "2"], 2, /--streams or --concurrency, not both/);
  fails(["perf", "--onnx", MLP, "--input-data", "nonsense"], 2, /--input-data nonsense is not random, zero or a folder/);
  fails(["perf", "--onnx", path.join(dir, "none.onnx")], 1, /no such file/);
  fails(["perf"], 2, /no model given/);
  const fixed = path.join(dir, "fixed.onnx");
  exportNetwork({ template: "mlp" }, fixed, { batch: 2 });
  fails(["perf", "--onnx", fixed, "-b", "4"], 2, /-b 4: the model's batch is fixed/);
  const notPerf = path.join(dir, "other.json");
  fs.writeFileSync(notPerf, JSON.stringify({ schema: "trtx.run/1" }));
  fails(["perf", "--onnx", MLP, "--baseline", notPerf], 1, /trtx\.run\/1/);
  fails(["perf", "--onnx", MLP, "--baseline", path.join(dir, "missing.json")], 1, /no such file/);
  // A worker's failure (here: the provider) reaches the CLI as the same one-line error.
  fails(["perf", "--onnx", MLP, "--ep", "tensorrt", ...QUICK], 1, /execution provider tensorrt is unavailable/);
});

test("a baseline of another model is refused", (t) => {
  const dir = tempDir(t);
  const other = perfJson(["--onnx", fixture("cnn_small.onnx")]);
  const file = path.join(dir, "cnn.json");
  fs.writeFileSync(file, JSON.stringify(other));
  fails(["perf", "--onnx", MLP, ...QUICK, "--baseline", file], 2, /another model/);
});

test("a fixed-batch model runs at its own batch; throughput counts its rows", (t) => {
  const fixed = path.join(tempDir(t), "fixed.onnx");
  exportNetwork({ template: "mlp" }, fixed, { batch: 2 });
  const report = perfJson(["--onnx", fixed]);
  assert.equal(report.points[0].batch, 2);
});

test("a bundle's profiles bound the batch sizes", (t) => {
  const bundle = path.join(tempDir(t), "mlp.trtx");
  const b = runCli(["build", "--onnx", MLP, "--saveEngine", bundle, "--minShapes", "input:1x64", "--optShapes", "input:4x64", "--maxShapes", "input:8x64"]);
  assert.equal(b.code, 0, b.stderr);
  fails(["perf", "--loadEngine", bundle, "-b", "16"], 2, /batch 16 is outside the bundle's profiles \(batch 1\.\.8\)/);
  assert.equal(perfJson(["--loadEngine", bundle, "-b", "8"]).points[0].batch, 8);
});

test("input data: zeros, or a folder of one-sample files repeated up to the batch", (t) => {
  const dir = tempDir(t);
  const info = describeModelFile(MLP);
  const zeros = perfFeeds(info.inputs, { batch: 3, batched: true, data: "zero", seed: 1 }).get("input")!;
  assert.deepEqual(zeros.dims, [3, 64]);
  assert.ok((zeros.data as Float32Array).every((v) => v === 0));
  const sample = Float32Array.from({ length: 128 }, (_, i) => i);
  saveNpy(dir, "input", { dtype: "float32", dims: [2, 64], data: sample });
  const fed = perfFeeds(info.inputs, { batch: 5, batched: true, data: { dir }, seed: 1 }).get("input")!;
  assert.deepEqual(fed.dims, [5, 64]);
  const rows = Array.from({ length: 5 }, (_, r) => (fed.data as Float32Array)[r * 64]);
  assert.deepEqual(rows, [0, 64, 0, 64, 0], "rows cycle through the file's samples");
  assert.throws(() => perfFeeds(info.inputs, { batch: 1, batched: true, data: { dir: tempDir(t) }, seed: 1 }), { name: "UsageError", message: /has no file for input input/ });
  assert.equal(perfJson(["--onnx", MLP, "-b", "4", "--input-data", dir]).points[0].batch, 4);
});

test("measurePoint keeps measuring until the last three windows hold --iterations queries", async () => {
  const feeds = perfFeeds(describeModelFile(MLP).inputs, { batch: 1, batched: true, data: "random", seed: 1 });
  const r = await measurePoint({ model: MLP, ep: "cpu", feeds, batch: 1, concurrency: 1, warmUpMs: 10, windowMs: 20, iterations: 3000, maxWindows: 3, stabilityPercent: 100, percentiles: [99] });
  assert.ok(r.point.queries >= 3000, `${r.point.queries} queries`);
  assert.equal(r.times.length, r.point.queries);
  assert.equal(r.provider, "cpu");
});
