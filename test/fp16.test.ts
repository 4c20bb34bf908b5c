import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ModelFormatError, TrtxError, UsageError } from "../src/core/errors.js";
import { compileNetwork } from "../src/core/network/compile.js";
import { loadTemplate } from "../src/core/network/templates.js";
import { attr, GraphBuilder } from "../src/core/onnx/builder.js";
import { encodeModel, make, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { inlineExternalData } from "../src/core/onnx/external-data.js";
import { describeModelFile, graphs, loadModel, saveModel } from "../src/core/onnx/model-file.js";
import { declaredElemType } from "../src/core/precision/elem-types.js";
import { convertToFp16, type Fp16Options, type Fp16Report } from "../src/core/precision/fp16.js";
import { buildFeeds } from "../src/core/run/feeds.js";
import { runModel } from "../src/core/run/run.js";
import { fromFloat16Bits } from "../src/core/tensor/float16.js";
import { toFloat64, type HostTensor } from "../src/core/tensor/host-tensor.js";
import { fixture, tempDir } from "./helpers.js";
import { cosine } from "../src/core/compare/cosine.js";

const { FLOAT, FLOAT16, INT64, BOOL } = DataType;
type Outputs = Map<string, HostTensor>;


/** Every output of `actual` has the reference's dims and a cosine similarity of at least `min` with it. */
function assertClose(actual: Outputs, reference: Outputs, min: number, label: string): void {
  assert.deepEqual([...actual.keys()], [...reference.keys()], label);
  for (const [name, ref] of reference) {
    const got = actual.get(name)!;
    assert.deepEqual(got.dims, ref.dims, `${label} ${name}`);
    assert.equal(got.data.length, ref.data.length);
    const c = cosine(toFloat64(got), toFloat64(ref));
    assert.ok(c >= min, `${label} ${name}: cosine ${c} < ${min}`);
  }
}

const run = async (file: string, feeds: Map<string, HostTensor>) => (await runModel(file, feeds, { ep: "cpu" })).outputs;

/** Seeded random feeds shaped and typed as the model file declares. */
function randomFeeds(file: string, options: { shapes?: Map<string, number[]>; ranges?: Map<string, [number, number]> } = {}): Map<string, HostTensor> {
  return buildFeeds(describeModelFile(file).inputs, { random: { seed: 7, ranges: options.ranges ?? new Map() }, ...(options.shapes ? { shapes: options.shapes } : {}) });
}

/** Saves the float32 model, converts it, saves that too; returns both files and the report. */
function convertAndSave(dir: string, name: string, model: ModelProto, options: Fp16Options = {}): { fp32: string; fp16: string; report: Fp16Report } {
  const fp32 = saveModel(model, path.join(dir, `${name}.onnx`)).path;
  const report = convertToFp16(model, options);
  const fp16 = saveModel(model, path.join(dir, `${name}-fp16.onnx`)).path;
  return { fp32, fp16, report };
}

const allInitializers = (model: ModelProto): TensorProto[] => graphs(model.graph).flatMap((g) => g.initializer);
const nodeProducing = (graph: GraphProto, value: string): NodeProto | undefined => graph.node.find((n) => n.output.includes(value));
const io = (file: string) => {
  const info = describeModelFile(file);
  return [...info.inputs, ...info.outputs].map((v) => `${v.name}:${v.dtype}`);
};

const TEMPLATE_FEEDS: Record<string, Parameters<typeof randomFeeds>[1]> = {
  "bert-tiny": { shapes: new Map([["input_ids", [2, 16]]]), ranges: new Map<string, [number, number]>([["input_ids", [0, 30521]]]) },
};

for (const name of ["mlp", "resnet18", "mobilenet_v2", "bert-tiny"]) {
  test(`template ${name}: float16 weights, float32 I/O, half the file, outputs within cosine 0.999 of float32`, async (t) => {
    const dir = tempDir(t);
    const model = compileNetwork(loadTemplate(name)).model;
    const { fp32, fp16, report } = convertAndSave(dir, name, model);
    assert.equal(allInitializers(model).filter((w) => w.dataType === FLOAT).length, 0, "no float32 weight is left");
    assert.ok(report.convertedInitializers > 0 && report.convertedNodes > 0);
    assert.equal(report.ioFp16, false);
    assert.deepEqual(io(fp16), io(fp32), "graph inputs and outputs keep their types");
    const ratio = fs.statSync(fp16).size / fs.statSync(fp32).size;
    assert.ok(ratio > 0.45 && ratio < 0.55, `size ratio ${ratio}`);
    const feeds = randomFeeds(fp32, TEMPLATE_FEEDS[name]);
    assertClose(await run(fp16, feeds), await run(fp32, feeds), 0.999, name);
  });
}

test("bert-tiny's float32-lowest mask bias is clamped to -65504 and counted", () => {
  const model = compileNetwork(loadTemplate("bert-tiny")).model;
  const report = convertToFp16(model);
  const lowest = allInitializers(model).filter((w) => w.name.endsWith("/lowest"));
  assert.equal(lowest.length, 2, "one mask constant per encoder layer");
  for (const w of lowest) assert.deepEqual([w.dataType, new Uint16Array(w.rawData.slice().buffer)[0]], [FLOAT16, 0xfbff]);
  assert.equal(report.clampedValues, 2);
});

test("keepIoTypes false: graph inputs and outputs become float16, with no Casts, and results still match", async (t) => {
  const dir = tempDir(t);
  const { fp32, fp16, report } = convertAndSave(dir, "cnn_small", loadModel(fixture("cnn_small.onnx")).proto, { keepIoTypes: false });
  assert.deepEqual(io(fp16), ["input:float16", "output:float16"]);
  assert.equal(report.ioFp16, true);
  assert.equal(report.castsInserted, 0);
  const feeds = randomFeeds(fp16);
  const half = feeds.get("input")!;
  const asFloat32 = { dtype: "float32" as const, dims: half.dims, data: Float32Array.from(half.data as Uint16Array, fromFloat16Bits) };
  assertClose(await run(fp16, feeds), await run(fp32, new Map([["input", asFloat32]])), 0.999, "cnn_small");
});

const FIXTURE_SHAPES: Record<string, [string, number[]]> = {
  "cnn_small.onnx": ["input", [2, 3, 32, 32]],
  "mlp_dynbatch.onnx": ["input", [2, 64]],
  "two_input.onnx": ["tokens", [2, 5]],
};

for (const [name, shape] of Object.entries(FIXTURE_SHAPES)) {
  test(`fixture ${name} converts and matches float32`, async (t) => {
    const dir = tempDir(t);
    const { fp32, fp16, report } = convertAndSave(dir, path.basename(name, ".onnx"), loadModel(fixture(name)).proto);
    assert.ok(report.convertedInitializers > 0);
    assert.deepEqual(io(fp16), io(fp32));
    const feeds = randomFeeds(fp32, { shapes: new Map([shape]) });
    assertClose(await run(fp16, feeds), await run(fp32, feeds), 0.999, name);
  });
}

test("external weights are refused before anything changes, and convert once inlined", async (t) => {
  const dir = tempDir(t);
  const loaded = loadModel(fixture("external_data.onnx"));
  const before = encodeModel(loaded.proto);
  assert.throws(() => convertToFp16(loaded.proto), (e) => e instanceof TrtxError && /fc\.weight is external data/.test(e.message) && /inline/.test(e.hint ?? ""));
  assert.deepEqual(encodeModel(loaded.proto), before);
  inlineExternalData(loaded.proto, loaded.dir);
  const { fp32, fp16 } = convertAndSave(dir, "external", loaded.proto);
  const feeds = randomFeeds(fp32, { shapes: new Map([["input", [2, 256]]]) });
  assertClose(await run(fp16, feeds), await run(fp32, feeds), 0.999, "external_data");
});

test("a model that is float16 already is left as it is", async (t) => {
  const dir = tempDir(t);
  const model = loadModel(fixture("fp16_io.onnx")).proto;
  const before = encodeModel(model);
  const { fp32, fp16, report } = convertAndSave(dir, "fp16_io", model);
  assert.deepEqual(report, { convertedInitializers: 0, convertedNodes: 0, keptNodes: [], castsInserted: 0, clampedValues: 0, raisedToMinSubnormal: 0, ioFp16: true });
  assert.deepEqual(encodeModel(model), before);
  const feeds = randomFeeds(fp32, { shapes: new Map([["input", [3, 16]]]) });
  assert.deepEqual(await run(fp16, feeds), await run(fp32, feeds));
});

test("weights beyond float16's range are clamped to ±65504, tiny ones kept as its smallest subnormal, both counted", async (t) => {
  const g = new GraphBuilder("clamp");
  g.input("x", FLOAT, [4]);
  g.op("Mul", ["x", "w"], {}, { output: "y" });
  g.output("y", FLOAT, [4]);
  const model = g.model();
  // Values in float_data (typed) rather than raw_data: the converter writes float16 raw_data either way.
  model.graph!.initializer.push(make.tensor({ name: "w", dataType: FLOAT, dims: [4n], floatData: [1e6, 1e-10, -7e4, 0.5] }));
  const { fp16, report } = convertAndSave(tempDir(t), "clamp", model);
  assert.equal(report.clampedValues, 2);
  assert.equal(report.raisedToMinSubnormal, 1);
  const w = model.graph!.initializer[0]!;
  assert.equal(w.dataType, FLOAT16);
  assert.deepEqual(w.floatData, []);
  assert.deepEqual([...new Uint16Array(w.rawData.slice().buffer)], [0x7bff, 0x0001, 0xfbff, 0x3800]);
  const y = toFloat64((await run(fp16, new Map([["x", { dtype: "float32", dims: [4], data: Float32Array.of(0.5, 1, 0.25, 2) }]]))).get("y")!);
  assert.deepEqual([y[0], y[2], y[3]], [32752, -16376, 1]);
  assert.ok(y[1]! > 0, "the tiny weight did not become 0");
});

/** x [1,8] → Relu → TopK(3) → values · w → y [1,3]; indices [1,3] int64 as a second output. */
function topKModel(): ModelProto {
  const g = new GraphBuilder("topk");
  g.input("x", FLOAT, [1, 8]);
  const relu = g.op("Relu", ["x"], {}, { name: "relu" });
  g.node("TopK", [relu, g.initializer("k", INT64, [1], BigInt64Array.of(3n))], {}, { name: "topk", outputs: ["values", "indices"] });
  g.op("Mul", ["values", g.weight("w", [3], Float32Array.of(0.5, 2, -1.25))], {}, { output: "y" });
  g.output("y", FLOAT, [1, 3]);
  g.output("indices", INT64, [1, 3]);
  return g.model();
}

const xFeed = (n: number) => new Map([["x", { dtype: "float32" as const, dims: [1, n], data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 3) }]]);

test("a blocked op (TopK) stays float32 between Casts, and the model runs as before", async (t) => {
  const dir = tempDir(t);
  const model = topKModel();
  const { fp32, fp16, report } = convertAndSave(dir, "topk", model);
  assert.deepEqual(report.keptNodes, [{ op: "TopK", count: 1 }]);
  const graph = model.graph!;
  const topk = graph.node.find((n) => n.name === "topk")!;
  const before = nodeProducing(graph, topk.input[0]!)!;
  assert.equal(before.opType, "Cast");
  assert.equal(Number(before.attribute[0]!.i), FLOAT);
  assert.equal(topk.output[0], "values", "TopK's outputs keep their names");
  const reader = graph.node.find((n) => n.input.includes("values"))!;
  assert.deepEqual([reader.opType, Number(reader.attribute[0]!.i)], ["Cast", FLOAT16]);
  assert.equal(topk.input[1], "k", "the int64 K is not cast");
  const [got, want] = [await run(fp16, xFeed(8)), await run(fp32, xFeed(8))];
  assert.deepEqual(got.get("indices"), want.get("indices"));
  assertClose(got, want, 0.9999, "topk");
});

test("blockOps replaces the default list and blockNodes keeps named nodes float32", async (t) => {
  const dir = tempDir(t);
  const unblocked = topKModel();
  const none = convertToFp16(unblocked, { blockOps: [] });
  assert.deepEqual(none.keptNodes, []);
  assert.equal(none.castsInserted, 2, "only the graph input and output");
  const byName = topKModel();
  const { fp32, fp16, report } = convertAndSave(dir, "relu-blocked", byName, { blockOps: [], blockNodes: ["relu"] });
  assert.deepEqual(report.keptNodes, [{ op: "Relu", count: 1 }]);
  assert.equal(byName.graph!.node.find((n) => n.name === "relu")!.input[0], "x", "the float32 input feeds the float32 node directly");
  assertClose(await run(fp16, xFeed(8)), await run(fp32, xFeed(8)), 0.9999, "relu blocked");
});

test("blockNodes naming no node of the model is refused before anything changes", () => {
  const model = topKModel();
  const before = encodeModel(model);
  assert.throws(() => convertToFp16(model, { blockNodes: ["relu", "rleu"] }), (e) => e instanceof UsageError && /no node named rleu/.test(e.message));
  assert.deepEqual(encodeModel(model), before);
});

/**
 * If(cond): then x + w_then (a weight of the branch), else max(x · scale, floor) (scale a weight of the outer
 * graph, floor one of the branch, Max a blocked op); then Relu.
 */
function ifModel(): ModelProto {
  const then = new GraphBuilder("then");
  then.op("Add", ["x", then.weight("w_then", [3], Float32Array.of(0.5, -1.5, 2.25))], {}, { output: "then_y", name: "then_add" });
  then.output("then_y", FLOAT, [2, 3]);
  const otherwise = new GraphBuilder("else");
  const scaled = otherwise.op("Mul", ["x", "scale"], {}, { name: "else_mul" });
  otherwise.op("Max", [scaled, otherwise.weight("floor", [3], Float32Array.of(-1, 0.1, -2))], {}, { output: "else_y", name: "else_max" });
  otherwise.output("else_y", FLOAT, [2, 3]);
  const g = new GraphBuilder("if_model");
  g.input("x", FLOAT, [2, 3]);
  g.input("cond", BOOL, []);
  g.weight("scale", [3], Float32Array.of(3, -0.25, 1));
  const chosen = g.op("If", ["cond"], { then_branch: attr.graph(then.model().graph!), else_branch: attr.graph(otherwise.model().graph!) });
  g.op("Relu", [chosen], {}, { output: "y" });
  g.output("y", FLOAT, [2, 3]);
  return g.model();
}

test("If branches convert with the graph: their weights, outputs and the outer values they read", async (t) => {
  const dir = tempDir(t);
  const model = ifModel();
  const { fp32, fp16, report } = convertAndSave(dir, "if", model);
  assert.equal(report.convertedInitializers, 2);
  assert.deepEqual(report.keptNodes, [{ op: "Max", count: 1 }]);
  const graph = model.graph!;
  const [then, otherwise] = graph.node.find((n) => n.opType === "If")!.attribute.map((a) => a.g!);
  assert.deepEqual([then!.initializer[0]!.dataType, otherwise!.initializer[0]!.dataType], [FLOAT16, FLOAT], "floor, read by Max alone, stays float32");
  for (const branch of [then!, otherwise!]) assert.equal(declaredElemType(branch.output[0]!.type), FLOAT16);
  assert.equal(nodeProducing(otherwise!, otherwise!.output[0]!.name)!.opType, "Cast", "the branch's float32 Max output is cast to its float16 output");
  assert.equal(otherwise!.node[0]!.input[0], "x/fp16", "the branch reads a float16 Cast of x");
  assert.ok(nodeProducing(graph, "x/fp16"), "made once in the outer graph");
  for (const cond of [true, false]) {
    const feeds = new Map<string, HostTensor>([
      ["x", { dtype: "float32", dims: [2, 3], data: Float32Array.of(1, -2, 3, -4, 5, -6) }],
      ["cond", { dtype: "bool", dims: [], data: Uint8Array.of(cond ? 1 : 0) }],
    ]);
    assertClose(await run(fp16, feeds), await run(fp32, feeds), 0.9999, `if ${cond}`);
  }
});

test("a Loop body's carried values, weights and constants become float16", async (t) => {
  const body = new GraphBuilder("body");
  body.input("i", INT64, []);
  body.input("cond_in", BOOL, []);
  body.input("v_in", FLOAT, [3]);
  body.op("Identity", ["cond_in"], {}, { output: "cond_out", name: "keep_going" });
  const half = body.op("Constant", [], { value_float: attr.float(0.5) }, { name: "half" });
  body.op("Add", [body.op("Mul", ["v_in", half], {}, { name: "damp" }), "step"], {}, { output: "v_out", name: "advance" });
  body.output("cond_out", BOOL, []);
  body.output("v_out", FLOAT, [3]);
  const g = new GraphBuilder("loop_model");
  g.input("v0", FLOAT, [3]);
  g.weight("step", [3], Float32Array.of(1, 2, 3));
  g.initializer("trip", INT64, [], BigInt64Array.of(4n));
  g.initializer("go", BOOL, [], Uint8Array.of(1));
  g.node("Loop", ["trip", "go", "v0"], { body: attr.graph(body.model().graph!) }, { outputs: ["v_final"] });
  g.output("v_final", FLOAT, [3]);
  const model = g.model();
  const { fp32, fp16 } = convertAndSave(tempDir(t), "loop", model);
  const loopBody = model.graph!.node.find((n) => n.opType === "Loop")!.attribute[0]!.g!;
  const constant = loopBody.node.find((n) => n.name === "half")!;
  assert.deepEqual(constant.attribute.map((a) => [a.name, a.t?.dataType]), [["value", FLOAT16]]);
  const feeds = new Map<string, HostTensor>([["v0", { dtype: "float32", dims: [3], data: Float32Array.of(8, -4, 0.5) }]]);
  assertClose(await run(fp16, feeds), await run(fp32, feeds), 0.9999, "loop");
});

test("Resize keeps float32 scales, ConstantOfShape and value_float make float16, a Cast feeding only Range stays float32", async (t) => {
  const g = new GraphBuilder("attrs");
  g.input("x", FLOAT, [1, 1, 2, 2]);
  g.input("n", INT64, []);
  const scales = g.op("Constant", [], { value: attr.tensor(make.tensor({ dataType: FLOAT, dims: [4n], floatData: [1, 1, 2, 2] })) }, { name: "scales" });
  const resized = g.op("Resize", ["x", "", scales], { mode: attr.string("nearest") }, { name: "resize" });
  const zeros = g.op("ConstantOfShape", [g.initializer("shape", INT64, [4], BigInt64Array.of(1n, 1n, 4n, 4n))], {}, { name: "zeros" });
  const two = g.op("Constant", [], { value_float: attr.float(2) }, { name: "two" });
  g.op("Add", [g.op("Mul", [resized, two]), zeros], {}, { output: "y" });
  const limit = g.op("Cast", ["n"], { to: attr.int(FLOAT) }, { name: "limit" });
  const start = g.op("Constant", [], { value_float: attr.float(0.1) }, { name: "start" });
  const steps = g.op("Range", [start, limit, g.op("Constant", [], { value_float: attr.float(0.3) }, { name: "delta" })], {}, { name: "range" });
  g.op("Mul", [steps, g.weight("gain", [], Float32Array.of(1.5))], {}, { output: "z" });
  g.output("y", FLOAT, [1, 1, 4, 4]);
  g.output("z", FLOAT, [null]);
  const model = g.model();
  const { fp32, fp16, report } = convertAndSave(tempDir(t), "attrs", model);
  const node = (name: string) => model.graph!.node.find((n) => n.name === name)!;
  assert.equal(node("resize").input[2], scales, "Resize reads its scales directly");
  assert.equal(node("scales").attribute[0]!.t!.dataType, FLOAT);
  assert.equal(node("zeros").attribute[0]!.t!.dataType, FLOAT16);
  assert.deepEqual(node("two").attribute.map((a) => [a.name, a.t?.dataType]), [["value", FLOAT16]]);
  assert.equal(Number(node("limit").attribute[0]!.i), FLOAT, "Cast(int64 → float) read only by Range keeps to=FLOAT");
  for (const name of ["start", "delta"]) assert.equal(node(name).attribute[0]!.name, "value_float", `${name} read only by Range stays as it was`);
  assert.deepEqual(report.keptNodes, [{ op: "Range", count: 1 }]);
  const feeds = new Map<string, HostTensor>([
    ["x", { dtype: "float32", dims: [1, 1, 2, 2], data: Float32Array.of(1, -2, 3.5, 4) }],
    ["n", { dtype: "int64", dims: [], data: BigInt64Array.of(3n) }],
  ]);
  const [got, want] = [await run(fp16, feeds), await run(fp32, feeds)];
  assertClose(got, want, 0.9999, "attrs");
  assert.deepEqual(got.get("z")!.dims, [10]);
});

test("a model without a graph is refused", () => {
  assert.throws(() => convertToFp16(make.model({})), (e) => e instanceof ModelFormatError && /no graph/.test(e.message));
});

test("converted models pass the ONNX checker (full check)", (t) => {
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import onnx"]).status === 0);
  if (!python) return t.skip("no python3 with the onnx package (apt-get install python3-onnx)");
  const dir = tempDir(t);
  const files = [
    convertAndSave(dir, "resnet18", compileNetwork(loadTemplate("resnet18")).model).fp16,
    convertAndSave(dir, "bert-tiny", compileNetwork(loadTemplate("bert-tiny")).model, { keepIoTypes: false }).fp16,
    convertAndSave(dir, "topk", topKModel()).fp16,
    convertAndSave(dir, "if", ifModel()).fp16,
  ];
  for (const file of files) {
    const r: ReturnType<typeof spawnSync> = spawnSync(python, ["-c", "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)", file], { encoding: "utf8" });
    assert.equal(r.status, 0, `${path.basename(file)}: ${String(r.stderr)}`);
  }
});
