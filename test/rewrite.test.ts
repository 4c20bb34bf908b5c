import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { Tensor } from "onnxruntime-node";
import { FileError, ModelFormatError, TrtxError, UsageError } from "../src/core/errors.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { createSession } from "../src/core/ep/session.js";
import { attr, GraphBuilder } from "../src/core/onnx/builder.js";
import { encodeModel, make, type GraphProto, type ModelProto } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { inlineExternalData, parseByteSize } from "../src/core/onnx/external-data.js";
import { describeModelFile, loadModel, saveModel } from "../src/core/onnx/model-file.js";
import { rewriteModel, type RewriteOptions } from "../src/core/onnx/rewrite.js";
import { fixture, tempDir } from "./helpers.js";

const ort = await loadOrt();
const load = (name: string) => loadModel(fixture(name)).proto;
const floats = (n: number, seed = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
const f32 = (dims: number[], seed = 0) => new ort.Tensor("float32", floats(dims.reduce((a, b) => a * b, 1), seed), dims);

interface Output {
  dims: readonly number[];
  data: number[];
}

/** Runs a model (proto or file) on ORT's CPU provider and returns every output as plain arrays. */
async function run(model: ModelProto | string, feeds: Record<string, Tensor>): Promise<Record<string, Output>> {
  const { session } = await createSession(typeof model === "string" ? model : encodeModel(model), { ep: "cpu" });
  try {
    const result = await session.run(feeds);
    return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, { dims: v.dims, data: Array.from(v.data as Float32Array) }]));
  } finally {
    await session.release();
  }
}

/** The input and output shapes ORT reads from the model. */
async function io(model: ModelProto): Promise<{ inputs: Record<string, unknown>; outputs: Record<string, unknown> }> {
  const { session } = await createSession(encodeModel(model), { ep: "cpu" });
  const shapes = (meta: typeof session.inputMetadata) => Object.fromEntries(meta.map((m) => [m.name, m.isTensor ? m.shape : "not a tensor"]));
  const result = { inputs: shapes(session.inputMetadata), outputs: shapes(session.outputMetadata) };
  await session.release();
  return result;
}

async function refuses(model: ModelProto, options: RewriteOptions, kind: new (...a: never[]) => Error, pattern: RegExp) {
  await assert.rejects(rewriteModel(model, options), (e) => e instanceof kind && pattern.test((e as Error).message) && !(e as Error).message.includes("\n"));
}

/** x [1,64] → MatMul → mm [1,10]; a [1,10] bias through Identity (not batch data); Add → Relu → y [1,10]. */
function fixedBatchModel(): ModelProto {
  const g = new GraphBuilder("fixed_batch");
  g.input("x", DataType.FLOAT, [1, 64]);
  const mm = g.op("MatMul", ["x", g.weight("w", [64, 10], floats(640, 1))], {}, { output: "mm" });
  const bias = g.op("Identity", [g.weight("b", [1, 10], floats(10, 2))], {}, { output: "bias_id" });
  const flat = g.op("Reshape", [mm, g.initializer("flat_shape", DataType.INT64, [2], BigInt64Array.from([-1n, 10n]))]);
  g.op("Relu", [g.op("Add", [flat, bias])], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [1, 10]);
  const model = g.model();
  model.graph!.valueInfo.push(make.tensorValueInfo("mm", DataType.FLOAT, [1, 10]), make.tensorValueInfo("bias_id", DataType.FLOAT, [1, 10]));
  return model;
}

test("fixShapes sets an input's shape exactly: ORT reports it, runs it, and refuses another batch", async () => {
  const original = load("mlp_dynbatch.onnx");
  const model = load("mlp_dynbatch.onnx");
  const report = await rewriteModel(model, { fixShapes: new Map([["input", [2, 64]]]) });
  assert.deepEqual(report.changes, ["input input: [batch,64] → [2,64]", "output output: [batch,10] → [2,10]"]);
  assert.deepEqual(await io(model), { inputs: { input: [2, 64] }, outputs: { output: [2, 10] } });
  assert.deepEqual(await run(model, { input: f32([2, 64]) }), await run(original, { input: f32([2, 64]) }));
  await assert.rejects(run(model, { input: f32([3, 64]) }), /invalid dimensions/i);
});

test("a symbolic dim fixed in one input takes its value in every input, output and value_info", async () => {
  const model = load("two_input.onnx");
  model.graph!.valueInfo.push(make.tensorValueInfo("Gather_1_out", DataType.FLOAT, ["batch", "sequence", 16]));
  const report = await rewriteModel(model, { fixShapes: new Map([["tokens", [4, 7]]]) });
  assert.deepEqual(await io(model), { inputs: { tokens: [4, 7], features: [4, 16] }, outputs: { output: [4, 16] } });
  assert.deepEqual(report.changes, [
    "input tokens: [batch,sequence] → [4,7]",
    "input features: [batch,16] → [4,16]",
    "output output: [batch,16] → [4,16]",
    "1 intermediate value (value_info) updated to match",
  ]);
  const gather = model.graph!.valueInfo[0]!.type!.value.value as { shape: { dim: { value: { value: unknown } }[] } };
  assert.deepEqual(gather.shape.dim.map((d) => d.value.value), [4n, 7n, 16n]);
  const tokens = new ort.Tensor("int64", BigInt64Array.from({ length: 28 }, (_, i) => BigInt(i % 100)), [4, 7]);
  assert.deepEqual((await run(model, { tokens, features: f32([4, 16]) })).output!.dims, [4, 16]);
});

test("fixShapes gives an input of unknown rank the whole shape", async () => {
  const g = new GraphBuilder("rankless");
  g.input("x", DataType.FLOAT, []);
  g.op("Relu", ["x"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, null);
  const model = g.model();
  model.graph!.input[0] = make.tensorValueInfo("x", DataType.FLOAT, null);
  const report = await rewriteModel(model, { fixShapes: new Map([["x", [2, 3]]]) });
  assert.deepEqual(report.changes, ["input x: ? → [2,3]"]);
  assert.deepEqual((await io(model)).inputs, { x: [2, 3] });
});

test("fixShapes refuses unknown inputs, rank mismatches, changed fixed dims and conflicting sizes", async () => {
  const usage = (name: string, shapes: [string, number[]][], pattern: RegExp) => refuses(load(name), { fixShapes: new Map(shapes) }, UsageError, pattern);
  await usage("two_input.onnx", [["ids", [1, 2]]], /no input named ids; its inputs are tokens, features/);
  await usage("mlp_dynbatch.onnx", [["input", [2, 64, 1]]], /input input is \[batch,64\] but the shape given is \[2,64,1\]: rank 2 vs 3/);
  await usage("mlp_dynbatch.onnx", [["input", [2, 32]]], /would change its fixed dim 1 from 64 to 32/);
  await usage("two_input.onnx", [["tokens", [2, 7]], ["features", [3, 16]]], /dim batch would be 2 in input tokens but 3 in input features/);
  await refuses(load("mlp_dynbatch.onnx"), { fixShapes: new Map([["input", [2, 64]]]), dynamicBatch: true }, UsageError, /cannot be combined/);
});

test("dynamicBatch lets a fixed-batch model run batch 3, row for row as batch 1", async () => {
  const original = fixedBatchModel();
  const model = fixedBatchModel();
  await assert.rejects(run(original, { x: f32([3, 64]) }), /invalid dimensions/i);
  const report = await rewriteModel(model, { dynamicBatch: true });
  assert.deepEqual(report.changes, ["input x: [1,64] → [batch,64]", "output y: [1,10] → [batch,10]", "1 intermediate value (value_info) updated to match"]);
  assert.deepEqual(await io(model), { inputs: { x: ["batch", 64] }, outputs: { y: ["batch", 10] } });
  // mm carries the batch; bias_id is a [1,10] weight whose dim 0 only happens to equal the old batch.
  const dim0 = (name: string) => (model.graph!.valueInfo.find((v) => v.name === name)!.type!.value.value as { shape: { dim: { value: { value: unknown } }[] } }).shape.dim[0]!.value.value;
  assert.equal(dim0("mm"), "batch");
  assert.equal(dim0("bias_id"), 1n);

  const x = f32([3, 64], 5);
  const batched = (await run(model, { x })).y!;
  assert.deepEqual(batched.dims, [3, 10]);
  for (let row = 0; row < 3; row++) {
    const single = new ort.Tensor("float32", (x.data as Float32Array).slice(row * 64, row * 64 + 64), [1, 64]);
    assert.deepEqual(batched.data.slice(row * 10, row * 10 + 10), (await run(original, { x: single })).y!.data);
  }
});

test("dynamicBatch refuses disagreeing inputs, hard-coded Reshape batches and outputs without the batch", async () => {
  const g = new GraphBuilder("disagree");
  g.input("a", DataType.FLOAT, [1, 4]);
  g.input("b", DataType.FLOAT, [2, 4]);
  g.op("Add", ["a", "b"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [2, 4]);
  const notUsage = (e: unknown) => !(e instanceof UsageError);
  await assert.rejects(rewriteModel(g.model(), { dynamicBatch: true }), (e) => e instanceof TrtxError && notUsage(e) && /inputs disagree on dim 0 \(a 1, b 2\)/.test(e.message));

  const r = new GraphBuilder("reshape");
  r.input("x", DataType.FLOAT, [1, 4, 4]);
  r.op("Reshape", ["x", r.initializer("shape", DataType.INT64, [2], BigInt64Array.from([1n, 16n]))], {}, { output: "y", name: "flatten_reshape" });
  r.output("y", DataType.FLOAT, [1, 16]);
  await refuses(r.model(), { dynamicBatch: true }, TrtxError, /Reshape node flatten_reshape hard-codes the batch size: its shape shape is a constant that starts with 1/);

  const t = new GraphBuilder("transpose");
  t.input("x", DataType.FLOAT, [1, 4]);
  t.op("Transpose", ["x"], { perm: attr.ints([1, 0]) }, { output: "y" });
  t.output("y", DataType.FLOAT, [4, 1]);
  await refuses(t.model(), { dynamicBatch: true }, TrtxError, /output y has dim 0 = 4, which is not the inputs' batch \(1\)/);
});

test("dynamicBatch renames a batch symbol the model already has, and refuses inputs that mix it with a fixed size", async () => {
  const build = (second: (string | number)[] | undefined) => {
    const g = new GraphBuilder("symbolic");
    g.input("x", DataType.FLOAT, ["N", 4]);
    if (second) g.input("state", DataType.FLOAT, second);
    g.op("Relu", ["x"], {}, { output: "y" });
    g.output("y", DataType.FLOAT, ["N", 4]);
    const model = g.model();
    model.graph!.valueInfo.push(make.tensorValueInfo("unused", DataType.FLOAT, [4, "N"]));
    return model;
  };
  const model = build(undefined);
  const report = await rewriteModel(model, { dynamicBatch: true });
  assert.deepEqual(report.changes, ["input x: [N,4] → [batch,4]", "output y: [N,4] → [batch,4]", "1 intermediate value (value_info) updated to match"]);
  assert.deepEqual(await io(model), { inputs: { x: ["batch", 4] }, outputs: { y: ["batch", 4] } });
  // Like a past-state input that carries the batch in dim 1: its dim 0 is not the batch.
  await refuses(build([2, "N", 8]), { dynamicBatch: true }, TrtxError, /inputs disagree on dim 0 \(x N, state 2\)/);
});

test("renamed inputs are fed under their new names and give the same outputs", async () => {
  const model = load("two_input.onnx");
  const report = await rewriteModel(model, { renameInputs: new Map([["tokens", "ids"], ["features", "dense"]]) });
  assert.deepEqual(report.changes, ["input tokens renamed to ids", "input features renamed to dense"]);
  const tokens = new ort.Tensor("int64", BigInt64Array.from({ length: 6 }, (_, i) => BigInt(i * 7)), [2, 3]);
  const features = f32([2, 16]);
  assert.deepEqual(Object.keys((await io(model)).inputs), ["ids", "dense"]);
  assert.deepEqual(await run(model, { ids: tokens, dense: features }), await run(fixture("two_input.onnx"), { tokens, features }));
});

test("renaming an input reaches subgraphs that read it, but not one that defines its own value of that name", async () => {
  const branch = (name: string, op: string, shadow = false) => {
    const b = new GraphBuilder(name);
    b.op(op, [shadow ? b.op("Identity", ["x"], {}, { output: "x" }) : "x"], {}, { output: `${name}_out` });
    b.output(`${name}_out`, DataType.FLOAT, [3]);
    return b.model().graph!;
  };
  const ifModel = (thenBranch: GraphProto, elseBranch: GraphProto) => {
    const g = new GraphBuilder("if");
    g.input("cond", DataType.BOOL, []);
    g.input("x", DataType.FLOAT, [3]);
    g.op("If", ["cond"], { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) }, { output: "y" });
    g.output("y", DataType.FLOAT, [3]);
    return g.model();
  };
  const model = ifModel(branch("then", "Identity"), branch("else", "Neg"));
  await rewriteModel(model, { renameInputs: new Map([["x", "data"]]) });
  const data = new ort.Tensor("float32", Float32Array.from([1, -2, 3]), [3]);
  const cond = (v: boolean) => new ort.Tensor("bool", Uint8Array.from([v ? 1 : 0]), []);
  assert.deepEqual((await run(model, { cond: cond(true), data })).y!.data, [1, -2, 3]);
  assert.deepEqual((await run(model, { cond: cond(false), data })).y!.data, [-1, 2, -3]);

  const shadowing = branch("shadow", "Neg", true);
  const plain = branch("plain", "Neg");
  await rewriteModel(ifModel(shadowing, plain), { renameInputs: new Map([["x", "data"]]) });
  assert.deepEqual(shadowing.node.map((n) => n.input[0]), ["x", "x"], "a subgraph's own x is not the outer input");
  assert.deepEqual(plain.node.map((n) => n.input[0]), ["data"]);
});

test("a renamed output follows its producer and every node that reads it", async () => {
  const g = new GraphBuilder("consumed");
  g.input("x", DataType.FLOAT, [2]);
  g.op("Relu", ["x"], {}, { output: "y" });
  g.op("Neg", ["y"], {}, { output: "z" });
  g.output("y", DataType.FLOAT, [2]);
  g.output("z", DataType.FLOAT, [2]);
  const model = g.model();
  const report = await rewriteModel(model, { renameOutputs: new Map([["y", "relu"]]) });
  assert.deepEqual(report.changes, ["output y renamed to relu"]);
  const out = await run(model, { x: new ort.Tensor("float32", Float32Array.from([-1, 2]), [2]) });
  assert.deepEqual(Object.keys(out), ["relu", "z"]);
  assert.deepEqual([out.relu!.data, out.z!.data], [[0, 2], [-0, -2]]);
});

test("renames refuse unknown names and names the model already uses", async () => {
  await refuses(load("two_input.onnx"), { renameInputs: new Map([["input", "x"]]) }, UsageError, /no input named input; its inputs are tokens, features/);
  await refuses(load("mlp_dynbatch.onnx"), { renameOutputs: new Map([["logits", "x"]]) }, UsageError, /no output named logits; its outputs are output/);
  await refuses(load("mlp_dynbatch.onnx"), { renameInputs: new Map([["fc1.weight", "w"]]) }, UsageError, /no input named fc1.weight/);
  await refuses(load("mlp_dynbatch.onnx"), { renameInputs: new Map([["input", "output"]]) }, UsageError, /cannot rename input input to output: the model already has a value named output/);
  await refuses(load("mlp_dynbatch.onnx"), { renameOutputs: new Map([["output", "Relu_1_out"]]) }, UsageError, /already has a value named Relu_1_out/);
});

test("renames happen before fixShapes, which then names inputs by their new names", async () => {
  const model = load("mlp_dynbatch.onnx");
  const report = await rewriteModel(model, { renameInputs: new Map([["input", "x"]]), fixShapes: new Map([["x", [1, 64]]]) });
  assert.deepEqual(report.changes, ["input input renamed to x", "input x: [batch,64] → [1,64]", "output output: [batch,10] → [1,10]"]);
  assert.equal(report.nodesBefore, 5);
  assert.equal(report.nodesAfter, 5);
  await refuses(load("mlp_dynbatch.onnx"), { renameInputs: new Map([["input", "x"]]), fixShapes: new Map([["input", [1, 64]]]) }, UsageError, /no input named input; its inputs are x/);
});

test("addOutputs returns the intermediate tensor, typed from value_info when the model has it", async () => {
  const model = load("mlp_dynbatch.onnx");
  model.graph!.valueInfo.push(make.tensorValueInfo("MatMul_1_out", DataType.FLOAT, ["batch", 128]));
  const report = await rewriteModel(model, { addOutputs: ["MatMul_1_out", "Relu_1_out"] });
  assert.deepEqual(report.changes, ["output MatMul_1_out added", "output Relu_1_out added (no type in the model: left to the runtime)"]);
  assert.equal(model.graph!.valueInfo.length, 0, "graph outputs do not stay in value_info");
  assert.deepEqual((await io(model)).outputs.MatMul_1_out, ["batch", 128]);

  const x = f32([2, 64], 3);
  const out = await run(model, { input: x });
  assert.deepEqual(out.output, (await run(fixture("mlp_dynbatch.onnx"), { input: x })).output);
  // Relu(x·W1 + b1), computed here from the model's own weights.
  const weight = (name: string) => new Float32Array(new Uint8Array(model.graph!.initializer.find((t) => t.name === name)!.rawData).buffer);
  const [w1, b1, xs] = [weight("fc1.weight"), weight("fc1.bias"), x.data as Float32Array];
  assert.deepEqual(out.Relu_1_out!.dims, [2, 128]);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 128; c++) {
      let sum = b1[c]!;
      for (let k = 0; k < 64; k++) sum += xs[r * 64 + k]! * w1[k * 128 + c]!;
      assert.ok(Math.abs(out.Relu_1_out!.data[r * 128 + c]! - Math.max(0, sum)) < 1e-4, `Relu_1_out[${r},${c}]`);
    }
  }
});

test("addOutputs refuses names that no node of the main graph produces", async () => {
  const adding = (name: string, pattern: RegExp) => refuses(load("mlp_dynbatch.onnx"), { addOutputs: [name] }, UsageError, pattern);
  await adding("input", /cannot add output input: it is a graph input/);
  await adding("fc1.weight", /it is an initializer/);
  await adding("MatMul_1", /no node of the main graph produces it/);
  await adding("output", /output is already a graph output/);
});

/** y = x + w·2 with w and two listed as graph inputs, as IR < 4 exporters wrote them. */
function weightsAsInputs(irVersion: number): ModelProto {
  const g = new GraphBuilder("weights_as_inputs");
  g.input("x", DataType.FLOAT, [2, 4]);
  g.input("w", DataType.FLOAT, [4]);
  g.input("two", DataType.FLOAT, [1]);
  const scaled = g.op("Mul", [g.weight("w", [4], floats(4, 9)), g.weight("two", [1], Float32Array.from([2]))]);
  g.op("Add", ["x", scaled], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [2, 4]);
  return g.model({ irVersion, opset: 8 });
}

test("stripInitializerInputs turns weights listed as inputs into constants, moving IR 3 models to IR 4", async () => {
  const model = weightsAsInputs(3);
  const report = await rewriteModel(model, { stripInitializerInputs: true });
  assert.deepEqual(report.changes, ["removed 2 graph inputs that are initializers: w, two", "IR version 3 → 4 (IR 3 requires initializers to be inputs)"]);
  assert.deepEqual(model.graph!.input.map((v) => v.name), ["x"]);
  assert.equal(model.irVersion, 4n);
  const x = f32([2, 4]);
  assert.deepEqual(await run(model, { x }), await run(weightsAsInputs(3), { x }));

  // From IR 4 on, ORT lets callers override an initializer that is also an input, so it cannot fold it.
  const kept = await rewriteModel(weightsAsInputs(8), { foldConstants: true });
  const stripped = await rewriteModel(weightsAsInputs(8), { foldConstants: true, stripInitializerInputs: true });
  assert.deepEqual([kept.nodesAfter, stripped.nodesAfter], [2, 1]);
});

test("foldConstants folds a Constant chain into one initializer, keeping outputs and the model's metadata", async () => {
  const build = () => {
    const g = new GraphBuilder("chain");
    g.input("x", DataType.FLOAT, ["batch", 3]);
    const constant = (values: number[]) => g.op("Constant", [], { value: attr.tensor(make.tensor({ dataType: DataType.FLOAT, dims: [3n], floatData: values })) });
    const sum = g.op("Add", [constant([1, 2, 3]), constant([10, 20, 30])]);
    g.op("Add", ["x", g.op("Mul", [sum, constant([0.5, 0.5, 0.5])])], {}, { output: "y" });
    g.output("y", DataType.FLOAT, ["batch", 3]);
    return g.model({ docString: "a chain", metadata: { author: "trtx tests" } });
  };
  const model = build();
  const report = await rewriteModel(model, { foldConstants: true });
  assert.deepEqual([report.nodesBefore, report.nodesAfter], [6, 1]);
  assert.deepEqual(report.changes, ["folded constants with onnxruntime's basic optimizer: 6 → 1 nodes"]);
  assert.deepEqual(model.graph!.node.map((n) => n.opType), ["Add"]);
  assert.deepEqual(model.opsetImport.map((o) => o.domain), [""], "no unused ORT domains are imported");
  assert.deepEqual([model.producerName, model.docString, model.metadataProps.map((p) => [p.key, p.value])], ["trtx", "a chain", [["author", "trtx tests"]]]);
  const x = f32([2, 3]);
  assert.deepEqual(await run(model, { x }), await run(build(), { x }));
});

test("foldConstants refuses to write the float32 Casts that ORT's CPU provider adds to float16 models", async () => {
  const model = load("fp16_io.onnx");
  await refuses(model, { foldConstants: true }, TrtxError, /would add 2 Casts between float16 and float32/);
  assert.deepEqual(model.graph!.node.map((n) => n.opType), ["MatMul", "Relu"], "the model is left as it was");
});

test("foldConstants reads a model's external data from the folder it came from", async () => {
  const loaded = loadModel(fixture("external_data.onnx"));
  await rewriteModel(loaded.proto, { foldConstants: true, modelDir: loaded.dir });
  assert.ok(loaded.proto.graph!.initializer.every((t) => t.externalData.length === 0 && t.rawData.length > 0));
  const x = f32([2, 256]);
  assert.deepEqual(await run(loaded.proto, { input: x }), await run(fixture("external_data.onnx"), { input: x }));
});

test("saving with an external threshold moves exactly the tensors that large, and ORT reads them back", async (t) => {
  const dir = tempDir(t);
  const proto = load("mlp_dynbatch.onnx");
  const before = encodeModel(proto);
  const split = saveModel(proto, path.join(dir, "split.onnx"), { externalThreshold: parseByteSize("1KiB") });
  assert.deepEqual(split.externalData, ["split.onnx.data"]);
  assert.deepEqual(Buffer.from(encodeModel(proto)), Buffer.from(before), "saveModel must not change the model it was given");
  // fc1.weight (32 KiB) and fc2.weight (5 KiB) move; the biases (512 and 40 bytes) stay inline.
  assert.deepEqual(describeModelFile(split.path).externalData.map((e) => [e.location, e.tensors, e.bytes]), [["split.onnx.data", 2, 32768 + 5120]]);
  const x = f32([3, 64]);
  assert.deepEqual(await run(split.path, { input: x }), await run(proto, { input: x }));

  const none = saveModel(proto, path.join(dir, "none.onnx"), { externalThreshold: parseByteSize("1MiB") });
  assert.deepEqual(none.externalData, []);
  assert.equal(fs.existsSync(path.join(dir, "none.onnx.data")), false, "no empty weights file is written");
});

test("saving with external data refuses to overwrite the weights file the model reads", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "a.onnx");
  saveModel(load("mlp_dynbatch.onnx"), file, { externalThreshold: 1024 });
  const weights = fs.readFileSync(`${file}.data`);
  const proto = loadModel(file).proto;
  assert.throws(() => saveModel(proto, file, { externalThreshold: 1 }), (e) => e instanceof ModelFormatError && /external tensors already read that file/.test(e.message));
  assert.deepEqual(fs.readFileSync(`${file}.data`), weights);
});

test("inlining external data gives a self-contained model with identical outputs", async (t) => {
  const dir = tempDir(t);
  const loaded = loadModel(fixture("external_data.onnx"));
  // length is optional in ONNX: without it, the tensor's dims and dtype say how much to read.
  const bias = loaded.proto.graph!.initializer.find((t) => t.name === "fc.bias")!;
  bias.externalData = bias.externalData.filter((e) => e.key !== "length");
  assert.deepEqual(inlineExternalData(loaded.proto, loaded.dir), { tensors: 2, bytes: 256 * 256 * 4 + 256 * 4 });
  const file = path.join(dir, "inline.onnx");
  assert.deepEqual(saveModel(loaded.proto, file).externalData, []);
  assert.deepEqual(fs.readdirSync(dir), ["inline.onnx"]);
  assert.deepEqual(describeModelFile(file).externalData, []);
  const x = f32([2, 256]);
  assert.deepEqual(await run(file, { input: x }), await run(fixture("external_data.onnx"), { input: x }));
});

test("inlining refuses missing, short and escaping external data files", (t) => {
  const dir = tempDir(t);
  const proto = () => loadModel(fixture("external_data.onnx")).proto;
  assert.throws(() => inlineExternalData(proto(), dir), (e) => e instanceof FileError && /external data file external_data.onnx.data is missing/.test(e.message));
  fs.writeFileSync(path.join(dir, "external_data.onnx.data"), new Uint8Array(1000));
  assert.throws(() => inlineExternalData(proto(), dir), (e) => e instanceof ModelFormatError && /is 1000 bytes but tensor fc.weight needs 262144/.test(e.message));
  const escaping = proto();
  escaping.graph!.initializer[0]!.externalData.find((e) => e.key === "location")!.value = "../weights.bin";
  assert.throws(() => inlineExternalData(escaping, dir), (e) => e instanceof ModelFormatError && /points outside the model's folder/.test(e.message));
});

test("byte sizes take binary and decimal units; anything else is a usage error", () => {
  const cases: [string, number][] = [["2048", 2048], ["4k", 4096], ["1KiB", 1024], ["1kb", 1000], ["1MB", 1_000_000], ["1.5MiB", 1_572_864], ["2G", 2 ** 31], ["512B", 512], ["0", 0]];
  for (const [text, bytes] of cases) assert.equal(parseByteSize(text), bytes, text);
  for (const bad of ["", "abc", "1XB", "-1", "1e3", "k"]) {
    assert.throws(() => parseByteSize(bad), (e) => e instanceof UsageError && /is not a byte size/.test(e.message), bad);
  }
});
