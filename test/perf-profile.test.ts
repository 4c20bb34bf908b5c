import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DataFormatError } from "../src/core/errors.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { buildFeeds } from "../src/core/run/feeds.js";
import { diagnose } from "../src/core/perf/profile-diagnose.js";
import { parseOrtProfile, type OrtProfileSummary } from "../src/core/perf/profile-parse.js";
import { profileRun } from "../src/core/perf/profile-run.js";
import { fixture, tempDir } from "./helpers.js";

const close = (actual: number, expected: number, what = "") => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} ≠ ${expected}`);

/** Trace events as onnxruntime-node 1.29 writes them (only the fields the parser reads, plus a few it ignores). */
type Ev = Record<string, unknown>;
const session = (name: string, ts: number, dur: number): Ev => ({ cat: "Session", pid: 1, tid: 1, ph: "X", name, ts, dur, args: {} });
const kernel = (node: string, op: string, ts: number, dur: number, provider = "CPUExecutionProvider"): Ev => ({
  cat: "Node",
  pid: 1,
  tid: 1,
  ph: "X",
  name: `${node}_kernel_time`,
  ts,
  dur,
  args: { op_name: op, provider, node_index: "0", output_size: "4" },
});
/** One run starting at `at`: the kernels back to back from at+2, the executor around them, model_run around all. */
function run(at: number, modelRunUs: number, kernels: [node: string, op: string, us: number, provider?: string][]): Ev[] {
  const events: Ev[] = [];
  let t = at + 2;
  for (const [node, op, us, provider] of kernels) {
    events.push(kernel(node, op, t, us, provider));
    t += us + 1;
  }
  events.push(session("SequentialExecutor::Execute", at + 1, t - at), session("model_run", at, modelRunUs));
  return events;
}
const profile = (...runs: Ev[][]): string => JSON.stringify([session("model_loading_uri", 0, 50), session("session_initialization", 60, 900), ...runs.flat()]);

test("hand-written profile: the first run is left out, ops and nodes are totalled, percents sum to 100", () => {
  const cpuRun = (at: number, modelRun: number, conv: number) => run(at, modelRun, [["conv1", "Conv", conv], ["relu1", "Relu", 10], ["gemm", "Gemm", 30]]);
  const s = parseOrtProfile(profile(cpuRun(1000, 5100, 5000), cpuRun(8000, 200, 100), cpuRun(9000, 200, 140)), "p.json");
  assert.equal(s.runs, 3);
  assert.equal(s.measuredRuns, 2);
  assert.equal(s.firstRunExcluded, true);
  assert.equal(s.firstRunUs, 5100);
  assert.deepEqual(s.session, { loadUs: 50, initUs: 900 });
  assert.deepEqual(s.modelRun, { totalUs: 400, meanUs: 200, minUs: 200, maxUs: 200 });
  // Measured kernels: Conv 100 + 140, Relu 10 + 10, Gemm 30 + 30 = 320 over 2 runs; the first run's 5000 is not in.
  close(s.kernelUsPerRun, 160);
  close(s.computeUsPerRun, 160);
  close(s.transferUsPerRun, 0);
  close(s.ortOverheadUsPerRun, 40);
  assert.deepEqual(s.ops.map((o) => [o.op, o.count, o.totalUs]), [["Conv", 2, 240], ["Gemm", 2, 60], ["Relu", 2, 20]]);
  close(s.ops[0]!.meanUsPerRun, 120);
  close(s.ops[0]!.percent, 75);
  close(s.ops.reduce((a, o) => a + o.percent, 0), 100);
  assert.deepEqual(s.topNodes.map((n) => n.name), ["conv1", "gemm", "relu1"]);
  assert.deepEqual(s.providers.map((p) => [p.provider, p.nodes, p.usPerRun, p.percent]), [["CPUExecutionProvider", 3, 160, 100]]);
  // The executor spans kernels and gaps: 1+(100+1)+(10+1)+(30+1)+1 = 145 in run 2, 185 in run 3.
  close(s.executeUsPerRun!, 165);
  close(s.outsideExecutorUsPerRun!, 35);
  assert.equal(s.unattributedKernels, 0);
});

test("a single run is kept; Memcpy nodes are transfer time; CPU nodes under CUDA are split by provider", () => {
  const cuda = "CUDAExecutionProvider";
  const s = parseOrtProfile(
    profile(run(100, 1200, [["in_copy", "MemcpyFromHost", 300, cuda], ["conv", "Conv", 100, cuda], ["to_host", "MemcpyToHost", 200, cuda], ["nms", "NonMaxSuppression", 400], ["shape", "Shape", 0]])),
    "one.json",
  );
  assert.equal(s.runs, 1);
  assert.equal(s.measuredRuns, 1);
  assert.equal(s.firstRunExcluded, false);
  close(s.modelRun.meanUs, 1200);
  close(s.kernelUsPerRun, 1000);
  assert.equal(s.unattributedKernels, 0);
  close(s.transferUsPerRun, 500);
  close(s.computeUsPerRun, 500);
  assert.deepEqual(s.transfers.map((t) => [t.op, t.totalUs, t.percent]), [["MemcpyFromHost", 300, 30], ["MemcpyToHost", 200, 20]]);
  assert.deepEqual(s.ops.map((o) => [o.op, o.provider]), [["NonMaxSuppression", "CPUExecutionProvider"], ["Conv", cuda], ["Shape", "CPUExecutionProvider"]]);
  close([...s.ops, ...s.transfers].reduce((a, o) => a + o.percent, 0), 100);
  assert.deepEqual(s.providers.map((p) => [p.provider, p.usPerRun, p.ops]), [[cuda, 600, ["MemcpyFromHost", "MemcpyToHost", "Conv"]], ["CPUExecutionProvider", 400, ["NonMaxSuppression", "Shape"]]]);
});

test("kernels of a subgraph count once: the control-flow node keeps only its self time", () => {
  // As ORT records an If: the branch's nodes (and its own executor) lie inside the If node's event.
  const events = [
    kernel("then_Relu", "Relu", 110, 20),
    kernel("then_Abs", "Abs", 135, 10),
    session("SequentialExecutor::Execute", 108, 40),
    kernel("the_if", "If", 100, 60),
    session("SequentialExecutor::Execute", 99, 63),
    session("model_run", 90, 80),
  ];
  const s = parseOrtProfile(JSON.stringify(events), "if.json");
  assert.deepEqual(s.ops.map((o) => [o.op, o.totalUs]), [["If", 30], ["Relu", 20], ["Abs", 10]]);
  close(s.kernelUsPerRun, 60);
  close(s.executeUsPerRun!, 63); // the outermost executor, not the branch's
});

test("files that are not ORT profiles are DataFormatErrors naming the file", () => {
  const bad: [string, RegExp][] = [
    ["", /x\.json is empty: .*endProfiling\(\) or release\(\)/],
    ["{ not json", /x\.json is not an ONNX Runtime profile: not JSON/],
    ['{"traceEvents": []}', /x\.json is not an ONNX Runtime profile: expected a JSON array/],
    ["[1, 2]", /event 0 is not an object/],
    ['[{"cat": "function", "name": "f", "ts": 0, "dur": 1}]', /no Session events/],
    [JSON.stringify([session("model_run", 0, "5" as unknown as number)]), /event 0 \(Session\) lacks a name, ts or dur/],
    [JSON.stringify([session("model_run", 0, 5), { cat: "Node", name: "a_kernel_time", ts: 1, dur: 1, args: {} }]), /node event 1 \(a_kernel_time\) has no args\.op_name/],
    [JSON.stringify([session("model_loading_uri", 0, 5), session("session_initialization", 5, 5)]), /x\.json records no runs/],
  ];
  for (const [text, pattern] of bad) {
    assert.throws(() => parseOrtProfile(text, "x.json"), (e) => e instanceof DataFormatError && pattern.test(e.message), `${text} → ${pattern}`);
  }
});

test("profileRun profiles a fixture on CPU: one model_run per iteration, the model's ops, the raw JSON kept", async (t) => {
  const dir = tempDir(t);
  const model = fixture("cnn_small.onnx");
  const info = describeModelFile(model);
  const feeds = buildFeeds(info.inputs, { random: { seed: 1, ranges: new Map() }, shapes: new Map([["input", [2, 3, 32, 32]]]) });
  // ORT writes under os.tmpdir(), which follows TMPDIR: a folder of this test's own, so that no concurrent test's
  // profile folder can be mistaken for a leftover.
  const tmp = path.join(dir, "tmp");
  fs.mkdirSync(tmp);
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  t.after(() => (savedTmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = savedTmp)));
  assert.equal(os.tmpdir(), tmp);
  const keep = path.join(dir, "profile.json");
  // Optimizations off, so ORT runs the graph's own nodes (at "all" the CPU EP fuses Conv+Relu and adds NCHWc reorders).
  const r = await profileRun({ model, ep: "cpu", feeds, iterations: 5, sessionOptions: { graphOptimizationLevel: "disabled" }, keepAs: keep });
  const s = r.summary;
  assert.equal(r.provider, "cpu");
  assert.equal(s.runs, 5);
  assert.equal(s.measuredRuns, 4);
  assert.equal(s.firstRunExcluded, true);
  assert.equal(s.file, keep);
  assert.equal(r.keptAs, keep);
  assert.deepEqual(s.ops.map((o) => o.op).sort(), info.ops.map((o) => o.op).sort());
  for (const o of info.ops) assert.equal(s.ops.find((row) => row.op === o.op)!.count, o.count * 4, o.op);
  assert.ok(Math.abs(s.ops.reduce((a, o) => a + o.percent, 0) - 100) < 1e-6);
  assert.deepEqual(s.transfers, []);
  assert.deepEqual(s.providers.map((p) => [p.provider, p.nodes]), [["CPUExecutionProvider", 8]]);
  assert.ok(s.kernelUsPerRun > 0 && s.kernelUsPerRun <= s.modelRun.meanUs);
  assert.ok(r.hostQueryMeanUs >= s.modelRun.meanUs * 0.5, `${r.hostQueryMeanUs} vs ${s.modelRun.meanUs}`);
  assert.equal(s.unattributedKernels, 0);
  assert.deepEqual(r.io, { bytes: 2 * 3 * 32 * 32 * 4 + 2 * 10 * 4, tensors: 2 });
  const d = diagnose(s, r.hostQueryMeanUs, { io: r.io });
  assert.equal(d.gpu, false);
  assert.equal(d.transferUsPerRun, 0);
  assert.ok(["compute", "host"].includes(d.bound) && d.advice.length > 0, JSON.stringify(d));

  // The kept file is ORT's own: the first run is the earliest model_run, and the means leave it out.
  const events = JSON.parse(fs.readFileSync(keep, "utf8")) as { name: string; ts: number; dur: number }[];
  const runs = events.filter((e) => e.name === "model_run").sort((a, b) => a.ts - b.ts);
  assert.equal(runs.length, 5);
  assert.equal(s.firstRunUs, runs[0]!.dur);
  assert.equal(s.modelRun.totalUs, runs.slice(1).reduce((a, e) => a + e.dur, 0));
  assert.deepEqual(parseOrtProfile(fs.readFileSync(keep, "utf8"), keep), s);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["profile.json", "tmp"]); // atomic write: no temporary left beside it
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith("trtx-profile-")), []); // ORT's folder is gone
});

test("profileRun at the default optimization level still attributes every kernel", async () => {
  const model = fixture("mlp_dynbatch.onnx");
  const feeds = buildFeeds(describeModelFile(model).inputs, { random: { seed: 2, ranges: new Map() }, shapes: new Map([["input", [4, 64]]]) });
  const r = await profileRun({ model, ep: "cpu", feeds, iterations: 3 });
  assert.equal(r.summary.runs, 3);
  assert.equal(r.summary.unattributedKernels, 0);
  assert.ok(r.summary.ops.length > 0);
  assert.equal(r.keptAs, undefined);
});

const CUDA = "CUDAExecutionProvider";
/** One profiled run (model_run of `modelRunUs`, the executor spanning the kernels back to back) as a summary. */
const summaryOf = (modelRunUs: number, kernels: [string, string, number, string?][]): OrtProfileSummary => parseOrtProfile(profile(run(100, modelRunUs, kernels)), "d.json");

test("diagnose: host overhead at least the compute is host-bound; below it, compute-bound naming the top op", () => {
  // CPU, 900 µs of Conv in a 1000 µs model_run.
  const s = summaryOf(1000, [["conv", "Conv", 900], ["relu", "Relu", 50]]);
  const compute = diagnose(s, 1200);
  assert.equal(compute.bound, "compute");
  close(compute.computeUsPerRun, 950);
  close(compute.hostOverheadUsPerRun, 200);
  close(compute.transferUsPerRun, 0);
  assert.match(compute.advice[0]!, /^compute-bound on CPU \(Conv is 95% of kernel time\): a GPU provider \(--ep cuda\)/);
  assert.equal(compute.advice.length, 1); // 200 µs of host is under a quarter of 950: no line of its own

  const host = diagnose(s, 1000 + 950); // host overhead = compute: ties go to the host
  assert.equal(host.bound, "host");
  assert.match(host.advice[0]!, /^host-bound: 950 µs per query outside ONNX Runtime .*larger batch, or more concurrency \(--concurrency\)/);

  const secondary = diagnose(s, 1000 + 300); // 300 ≥ 25% of 950: named, but not the bound
  assert.equal(secondary.bound, "compute");
  assert.match(secondary.advice[1]!, /host overhead is 300 µs per query/);

  // A harness mean taken without the profiler can fall under model_run: no negative host time.
  assert.equal(diagnose(s, 800).hostOverheadUsPerRun, 0);
});

test("diagnose: Memcpy nodes and boundary copies on a GPU make it transfer-bound, with fp16 IO advice", () => {
  // Executor: 1+(400+1)+(100+1)+(300+1)+1 = 805 µs; model_run 900 leaves 95 µs outside it.
  const s = summaryOf(900, [["in", "MemcpyFromHost", 400, CUDA], ["conv", "Conv", 100, CUDA], ["out", "MemcpyToHost", 300, CUDA]]);
  close(s.outsideExecutorUsPerRun!, 95);
  // io: 200 kB at 10 kB/µs + 2 copies × 15 µs = 50 µs of boundary copies; the other 45 µs are queued GPU work.
  const d = diagnose(s, 950, { io: { bytes: 200_000, tensors: 2 } });
  assert.equal(d.gpu, true);
  assert.equal(d.launchBound, false);
  close(d.transferUsPerRun, 750);
  close(d.computeUsPerRun, 145);
  assert.equal(d.bound, "transfer");
  assert.match(d.advice[0]!, /^transfer-bound: 750 µs per query copying tensors against 145 µs of compute: fp16 IO \(trtx build --fp16 --io-fp16\) halves the bytes copied/);
  // Without io the boundary cannot be split: all of it counts as transfer (an upper bound).
  const upper = diagnose(s, 950);
  close(upper.transferUsPerRun, 795);
  close(upper.computeUsPerRun, 100);
});

test("diagnose: a GPU that kept up with the launches is launch-bound (host), whatever the kernels' sum", () => {
  // Executor 1+501+301+1 = 804; model_run 844 leaves 40 µs, all explained by copies (10 µs of bytes + 2 × 15 µs).
  const s = summaryOf(844, [["conv", "Conv", 500, CUDA], ["relu", "Relu", 300, CUDA]]);
  const d = diagnose(s, 860, { io: { bytes: 100_000, tensors: 2 } });
  assert.equal(d.launchBound, true);
  assert.equal(d.bound, "host");
  close(d.computeUsPerRun, 800);
  assert.match(d.advice[0]!, /^launch-bound: launching the kernels took 800 µs per run and the GPU finished 0 µs after the last one.*--concurrency.*--ep tensorrt/);
  // The same run with 400 µs of GPU work left after the launches: the GPU sets the pace.
  const busy = diagnose(summaryOf(1244, [["conv", "Conv", 500, CUDA], ["relu", "Relu", 300, CUDA]]), 1260, { io: { bytes: 100_000, tensors: 2 } });
  assert.equal(busy.launchBound, false);
  assert.equal(busy.bound, "compute");
  close(busy.computeUsPerRun, 1200);
  assert.match(busy.advice[0]!, /^compute-bound \(Conv is 63% of kernel time\): trtx build --fp16/);
});

test("diagnose names the ops that fell back to CPU under a GPU provider", () => {
  const fallback = summaryOf(2000, [["conv", "Conv", 600, CUDA], ["to_host", "MemcpyToHost", 100, CUDA], ["nms", "NonMaxSuppression", 300], ["from_host", "MemcpyFromHost", 100, CUDA]]);
  const d = diagnose(fallback, 2100, { io: { bytes: 0, tensors: 0 } });
  const line = d.advice.find((a) => a.includes("fell back"));
  assert.match(line!, /^1 node fell back to CPU under CUDAExecutionProvider \(NonMaxSuppression; 27\.3% of kernel time\), with Memcpy nodes moving tensors around them \(200 µs per run\): the provider lacks them/);
  const shape = summaryOf(1000, [["conv", "Conv", 900, CUDA], ["shape", "Shape", 5], ["gather", "Gather", 5]]);
  assert.match(diagnose(shape, 1000).advice.find((a) => a.includes("fell back"))!, /^2 nodes fell back to CPU under CUDAExecutionProvider \(Shape, Gather; 1\.1% of kernel time\): cheap here/);
  assert.equal(diagnose(summaryOf(1000, [["conv", "Conv", 900, CUDA]]), 1000).advice.some((a) => a.includes("fell back")), false);
});
