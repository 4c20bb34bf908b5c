/**
 * Every shape of repository trtx writes, loaded by the real Triton server (2.51.0, the stand-in onnxruntime backend
 * of test/peers) and asked over HTTP and gRPC with NVIDIA's tritonclient: each model loads READY, `repo validate`
 * has no failing finding for it, and both protocols answer with `trtx run`'s outputs for the same inputs (trtx runs
 * onnxruntime-node 1.29.0, the stand-in onnxruntime 1.32.0 in Python, both on the CPU).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { saveModel } from "../src/core/onnx/model-file.js";
import { safeFileName } from "../src/core/tensor/load.js";
import { encodeNpy, readNpy } from "../src/core/tensor/npy.js";
import { TritonServer } from "../src/core/triton/server.js";
import { failing } from "../src/core/triton/lint.js";
import { validateRepository } from "../src/core/triton/validate.js";
import { fixture, runCli, tempDir } from "./helpers.js";
import { accumulatorModel, controlsModel } from "./sequence-models.js";
import { BACKENDS, peerPython, requirePeers, serverSkip, TRITONSERVER } from "./triton-peer.js";

/** One model of the repository: how repo init makes it, and the request `trtx run` and Triton get. */
interface Shape {
  name: string;
  /** repo init's arguments after the name (--repo is added). */
  init: string[];
  /** trtx run's shapes for the request (trtexec syntax), when the model's dims are not all fixed. */
  shapes?: string;
  /** trtx run's --val-range, for inputs whose values must stay in range (token ids). */
  valRange?: string;
  /** `trtx build` flags: the model is this bundle of fixtures/mlp_dynbatch.onnx, served with `--loadEngine`. */
  build?: string[];
  /** The served model computes in fp16 (an fp16 bundle): answers are compared at fp16's precision. */
  fp16Compute?: boolean;
}

const SHAPES: Shape[] = [
  { name: "mlp_dynamic", init: ["--onnx", fixture("mlp_dynbatch.onnx")], shapes: "input:3x64" },
  { name: "mlp_no_batcher", init: ["--onnx", fixture("mlp_dynbatch.onnx"), "--no-dynamic-batching", "--max-batch", "4"], shapes: "input:2x64" },
  { name: "mlp_unbatched", init: ["--onnx", fixture("mlp_dynbatch.onnx"), "--max-batch", "0"], shapes: "input:2x64" },
  { name: "mlp_cpu_instances", init: ["--onnx", fixture("mlp_dynbatch.onnx"), "--kind", "cpu", "--instances", "2", "--preferred", "4,8", "--max-queue-delay-us", "100"], shapes: "input:1x64" },
  { name: "cnn", init: ["--onnx", fixture("cnn_small.onnx"), "--warmup"], shapes: "input:2x3x32x32" },
  { name: "fp16_io", init: ["--onnx", fixture("fp16_io.onnx"), "--warmup"], shapes: "input:2x16" },
  { name: "two_input", init: ["--onnx", fixture("two_input.onnx"), "--warmup", "--shapes", "tokens:1x12,features:1x16"], shapes: "tokens:2x12,features:2x16", valRange: "tokens:[0,50]" },
  { name: "external_data", init: ["--onnx", fixture("external_data.onnx"), "--warmup"], shapes: "input:2x256" },
  { name: "mlp", init: ["--warmup"] },
  { name: "bundle_fp16", init: ["--kind", "cpu"], build: ["--fp16"], shapes: "input:2x64", fp16Compute: true },
  { name: "bundle_int8", init: ["--kind", "cpu"], build: ["--int8", "--calib", "random", "--minShapes", "input:1x64", "--optShapes", "input:4x64", "--maxShapes", "input:8x64"], shapes: "input:4x64" },
  { name: "bert-tiny", init: ["--warmup", "--shapes", "input_ids:1x16,attention_mask:1x16"], shapes: "input_ids:2x16,attention_mask:2x16", valRange: "input_ids:[0,100]" },
];

/** `repo validate` has no failing finding for any model of the repository (warnings are advice). */
function assertValidates(repo: string): void {
  for (const m of validateRepository(repo)) assert.deepEqual(failing(m.findings), [], `repo validate on ${m.name}`);
}

/** repo init for a model file built in a test: KIND_CPU instances and a warm-up. */
function initCpuModel(repo: string, name: string, onnx: string, ...flags: string[]): void {
  const r = runCli(["repo", "init", name, "--onnx", onnx, "--kind", "cpu", "--warmup", ...flags, "--repo", repo]);
  assert.equal(r.code, 0, `repo init ${name}: ${r.stderr}`);
}

/** The model file Triton serves for a model folder: <v>/model.onnx, or the external-data folder's model.onnx. */
function servedModel(repo: string, name: string): string {
  const file = path.join(repo, name, "1", "model.onnx");
  return fs.statSync(file).isDirectory() ? path.join(file, "model.onnx") : file;
}

/** Where `trtx run --save-inputs/--save-outputs DIR` put a tensor. */
const npyFile = (dir: string, name: string) => path.join(dir, `${safeFileName(name)}.npy`);

function readTensor(file: string) {
  return readNpy(fs.readFileSync(file), file);
}

/**
 * Element-wise closeness of two tensors of one dtype and shape; fp16 tensors (read as their raw bits) within 2 ulps.
 * A model that computes in fp16 is held to fp16's precision, not to its output type's: onnxruntime 1.29 (trtx run)
 * and 1.32 (the stand-in backend) round an fp16 Gemm differently; the demo's 784-wide mlp differs by up to 7.6e-4
 * on outputs near 0.07 (about 12 fp16 ulps), measured.
 */
function assertClose(actual: ReturnType<typeof readTensor>, expected: ReturnType<typeof readTensor>, what: string, fp16Compute = false): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.dims, expected.dims, `${what}: shape`);
  const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
  const e = Array.from(expected.data as ArrayLike<number | bigint>, Number);
  const [abs, rel] = actual.dtype === "float16" ? [2, 0] : fp16Compute ? [2e-3, 2e-2] : [1e-4, 1e-4];
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]!) <= abs + rel * Math.abs(e[i]!), `${what}[${i}]: ${v} vs ${e[i]}`));
}

/** Writes a model with repo init and the request's inputs and expected outputs with trtx run. */
function prepare(repo: string, work: string, s: Shape): Request {
  const dir = path.join(work, s.name);
  const source: string[] = [];
  if (s.build !== undefined) {
    const bundle = path.join(dir, `${s.name}.trtx`);
    fs.mkdirSync(dir, { recursive: true });
    const build = runCli(["build", "--onnx", fixture("mlp_dynbatch.onnx"), ...s.build, "--saveEngine", bundle]);
    assert.equal(build.code, 0, `build ${s.name}: ${build.stderr}`);
    source.push("--loadEngine", bundle);
  }
  const init = runCli(["repo", "init", s.name, ...source, ...s.init, "--repo", repo]);
  assert.equal(init.code, 0, `repo init ${s.name}: ${init.stderr}`);
  return request(servedModel(repo, s.name), dir, s);
}

/** One request: `trtx run` on the served model file saves its inputs and outputs. */
interface Request {
  inputs: Record<string, string>;
  /** The dims Triton answers for a model tensor of these dims (the config's dims, not the model's), when they differ. */
  servedDims?: (dims: number[]) => number[];
  /** The model computes in fp16 (Shape.fp16Compute). */
  fp16Compute?: boolean;
  outputs: string[];
  /** The folder of trtx run's outputs. */
  expected: string;
}

function request(model: string, dir: string, s: Pick<Shape, "shapes" | "valRange" | "fp16Compute">): Request {
  const run = runCli([
    "run", "--onnx", model, "--ep", "cpu", "--seed", "7",
    ...(s.shapes !== undefined ? ["--shapes", s.shapes] : []),
    ...(s.valRange !== undefined ? ["--val-range", s.valRange] : []),
    "--save-inputs", path.join(dir, "in"), "--save-outputs", path.join(dir, "out"), "--json",
  ]);
  assert.equal(run.code, 0, `trtx run ${model}: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
  return {
    inputs: Object.fromEntries(Object.keys(report.inputs).map((name) => [name, npyFile(path.join(dir, "in"), name)])),
    outputs: Object.keys(report.outputs),
    expected: path.join(dir, "out"),
    fp16Compute: s.fp16Compute,
  };
}

test("every repository shape trtx writes loads READY in the real Triton and answers over HTTP and gRPC as trtx run does", serverSkip, async (t) => {
  requirePeers();
  const root = tempDir(t);
  const repo = path.join(root, "model_repository");
  const requests = new Map(SHAPES.map((s) => [s.name, prepare(repo, path.join(root, "work"), s)]));
  assertValidates(repo);
  const server = await TritonServer.start(repo, { binary: TRITONSERVER, backendDirectory: BACKENDS });
  try {
    for (const s of SHAPES) await t.test(s.name, () => loadAndAsk(server, s.name, requests.get(s.name)!, path.join(root, "answers", s.name)));
    // An ensemble over one of them: Triton's ensemble scheduler maps its own tensor names onto the step's.
    writeEnsemble(repo, "ensemble_mlp", "mlp_dynamic");
    const direct = requests.get("mlp_dynamic")!;
    const viaEnsemble = { ...direct, inputs: { INPUT: direct.inputs.input! }, outputs: ["OUTPUT"], expectedNames: { OUTPUT: "output" } };
    await t.test("ensemble_mlp", () => loadAndAsk(server, "ensemble_mlp", viaEnsemble, path.join(root, "answers", "ensemble_mlp")));
  } finally {
    await server.stop();
  }
});

test("npm start's repository (the demo's, for the mlp template) loads READY and answers as trtx run does", serverSkip, async (t) => {
  requirePeers();
  const root = tempDir(t);
  const demo = runCli(["demo", "--template", "mlp", "--dir", path.join(root, "demo"), "--batch", "1", "--perf-seconds", "0.2"]);
  // The demo exits 3 when a bundle fails its accuracy gate (random calibration); the repository is written either way.
  assert.ok(demo.code === 0 || demo.code === 3, demo.stderr);
  const repo = path.join(root, "demo", "model_repository");
  assertValidates(repo);
  const asked = request(servedModel(repo, "mlp"), path.join(root, "work"), { shapes: "input:2x784", fp16Compute: true }); // the demo serves its fp16 bundle
  const server = await TritonServer.start(repo, { binary: TRITONSERVER, backendDirectory: BACKENDS });
  try {
    await loadAndAsk(server, "mlp", asked, path.join(root, "answers"));
  } finally {
    await server.stop();
  }
});

test("models built here: a fixed batch, rank-0 tensors as dims [1], and a [batch] tensor as dims [1] reshaped to a scalar per request", serverSkip, async (t) => {
  requirePeers();
  const root = tempDir(t);
  const repo = path.join(root, "model_repository");
  const doubler = (name: string, shape: (string | number)[]) => {
    const g = new GraphBuilder(name);
    g.op("Mul", [g.input("x", DataType.FLOAT, shape), g.initializer("two", DataType.FLOAT, [], new Float32Array([2]))], {}, { output: "y" });
    g.output("y", DataType.FLOAT, shape);
    const file = path.join(root, `${name}.onnx`);
    saveModel(g.model({ opset: 13 }), file);
    initCpuModel(repo, name, file);
    return file;
  };
  const fixed = doubler("fixed_batch", [2, 4]);
  const scalar = doubler("scalar", []);
  const perRequest = doubler("scalar_batched", ["batch"]);
  assertValidates(repo);
  // What a client sends: the config's dims (with the batch dim first when the model batches).
  const served = (r: Request, dims: (d: number[]) => number[]): Request => {
    for (const file of Object.values(r.inputs)) {
      const tensor = readTensor(file);
      fs.writeFileSync(file, encodeNpy({ ...tensor, dims: dims(tensor.dims) }));
    }
    return { ...r, servedDims: dims };
  };
  const server = await TritonServer.start(repo, { binary: TRITONSERVER, backendDirectory: BACKENDS });
  try {
    await loadAndAsk(server, "fixed_batch", request(fixed, path.join(root, "work", "fixed_batch"), {}), path.join(root, "answers", "fixed_batch"));
    await loadAndAsk(server, "scalar", served(request(scalar, path.join(root, "work", "scalar"), {}), () => [1]), path.join(root, "answers", "scalar"));
    const batched = request(perRequest, path.join(root, "work", "scalar_batched"), { shapes: "x:3" });
    await loadAndAsk(server, "scalar_batched", served(batched, (d) => [...d, 1]), path.join(root, "answers", "scalar_batched"));
  } finally {
    await server.stop();
  }
});

test("sequence models: Triton's sequence batcher feeds the controls repo init declared, and the implicit state's first value", serverSkip, async (t) => {
  requirePeers();
  const root = tempDir(t);
  const repo = path.join(root, "model_repository");
  initCpuModel(repo, "seq_controls", controlsModel(path.join(root, "controls.onnx")));
  initCpuModel(repo, "seq_state", accumulatorModel(path.join(root, "accumulator.onnx")), "--sequence-state", "INPUT_STATE:OUTPUT_STATE");
  assertValidates(repo);
  const server = await TritonServer.start(repo, { binary: TRITONSERVER, backendDirectory: BACKENDS });
  const npy = (name: string, dtype: "int32" | "float32", data: number[], dims: number[]) => {
    const file = path.join(root, `${name}.npy`);
    fs.writeFileSync(file, encodeNpy({ dtype, dims, data: dtype === "int32" ? Int32Array.from(data) : Float32Array.from(data) }));
    return file;
  };
  /** Each step of one sequence (id 42 over HTTP, 43 over gRPC): its answers, per protocol. */
  const ask = (model: string, output: string, steps: { input: string; start: boolean; end: boolean }[]) =>
    steps.map((step, i) => {
      const answered = peerPython("triton_infer.py", {
        http: server.httpUrl.replace(/^http:\/\//, ""),
        grpc: server.grpcAddress,
        model,
        inputs: { INPUT: step.input },
        outputs: [output],
        out: path.join(root, "answers", model, String(i)),
        sequence: { id: 42, start: step.start, end: step.end },
      }) as Record<"http" | "grpc", string[]>;
      return { http: Array.from(readTensor(answered.http[0]!).data as ArrayLike<number>), grpc: Array.from(readTensor(answered.grpc[0]!).data as ArrayLike<number>) };
    });
  try {
    for (const model of ["seq_controls", "seq_state"]) {
      const verdict = await server.load(model);
      assert.equal(verdict.state, "READY", `${model}: ${verdict.message}`);
    }
    // OUTPUT = INPUT + 10·READY + 100·START + 1000·END + 10000·CORRID (test/sequence-models.ts).
    const five = npy("five", "int32", [5], [1, 1]);
    const controls = ask("seq_controls", "OUTPUT", [{ input: five, start: true, end: false }, { input: five, start: false, end: true }]);
    assert.deepEqual(controls, [
      { http: [5 + 10 + 100 + 420000], grpc: [5 + 10 + 100 + 430000] },
      { http: [5 + 10 + 1000 + 420000], grpc: [5 + 10 + 1000 + 430000] },
    ]);
    // OUTPUT = INPUT + INPUT_STATE, and the sequence's first state is zeros, fed by Triton. Carrying OUTPUT_STATE to
    // the next request is the backend's part (onnxruntime.cc calls TRITONBACKEND_StateNew and StateUpdate), which
    // the Python backend 2.51 does not offer a stand-in: each later step starts from zeros again, so only the
    // first step is compared.
    const state = ask("seq_state", "OUTPUT", [{ input: npy("x1", "float32", [1, 2, 3, 4], [1, 4]), start: true, end: true }]);
    assert.deepEqual(state, [{ http: [1, 2, 3, 4], grpc: [1, 2, 3, 4] }]);
  } finally {
    await server.stop();
  }
});

/** Loads a model (READY or the test fails with Triton's reason), asks it over both protocols, compares, unloads. */
async function loadAndAsk(server: TritonServer, model: string, r: Request & { expectedNames?: Record<string, string> }, out: string): Promise<void> {
  const verdict = await server.load(model);
  assert.equal(verdict.state, "READY", `${model}: ${verdict.message}`);
  const answered = peerPython("triton_infer.py", {
    http: server.httpUrl.replace(/^http:\/\//, ""),
    grpc: server.grpcAddress,
    model,
    inputs: r.inputs,
    outputs: r.outputs,
    out,
  }) as Record<"http" | "grpc", string[]>;
  for (const protocol of ["http", "grpc"] as const) {
    r.outputs.forEach((name, i) => {
      const expected = npyFile(r.expected, r.expectedNames?.[name] ?? name);
      const want = readTensor(expected);
      if (r.servedDims !== undefined) want.dims = r.servedDims(want.dims);
      assertClose(readTensor(answered[protocol][i]!), want, `${model} ${protocol} ${name}`, r.fp16Compute);
    });
  }
  await server.unload(model);
}

/** A one-step ensemble written by hand around a model repo init wrote (trtx writes no ensembles itself). */
function writeEnsemble(repo: string, name: string, step: string): void {
  fs.mkdirSync(path.join(repo, name, "1"), { recursive: true });
  fs.writeFileSync(
    path.join(repo, name, "config.pbtxt"),
    [
      `name: "${name}"`,
      'platform: "ensemble"',
      "max_batch_size: 8",
      'input [ { name: "INPUT" data_type: TYPE_FP32 dims: [ 64 ] } ]',
      'output [ { name: "OUTPUT" data_type: TYPE_FP32 dims: [ 10 ] } ]',
      `ensemble_scheduling { step [ { model_name: "${step}" model_version: -1 input_map { key: "input" value: "INPUT" } output_map { key: "output" value: "OUTPUT" } } ] }`,
      "",
    ].join("\n"),
  );
  assert.deepEqual(failing(validateRepository(repo).find((m) => m.name === name)?.findings ?? []), []);
}
