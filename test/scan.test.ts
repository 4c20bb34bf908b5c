import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { TrtxError, ModelFormatError } from "../src/core/errors.js";
import { attr, GraphBuilder, tensor } from "../src/core/onnx/builder.js";
import { encodeModel, make } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { batchVerdict } from "../src/core/onnx/model-info.js";
import { scanModel, scanModelFile } from "../src/core/onnx/scan.js";
import { BufferSource, FileSource } from "../src/core/onnx/wire.js";
import { SeededRandom } from "../src/core/tensor/random.js";
import { fixture, tempDir } from "./helpers.js";

const scanBytes = (bytes: Uint8Array) => scanModel(new BufferSource(bytes), "model");

test("the MLP fixture is described fully", () => {
  const info = scanModelFile(fixture("mlp_dynbatch.onnx"));
  assert.equal(info.irVersion, 8);
  assert.deepEqual(info.opsets, [{ domain: "", version: 17 }]);
  assert.equal(info.producer.name, "trtx");
  assert.deepEqual(info.inputs, [{ name: "input", kind: "tensor", dtype: "float32", shape: ["batch", 64] }]);
  assert.deepEqual(info.outputs, [{ name: "output", kind: "tensor", dtype: "float32", shape: ["batch", 10] }]);
  assert.equal(info.nodeCount, 5);
  assert.deepEqual(info.ops.map((o) => [o.op, o.count]), [["Add", 2], ["MatMul", 2], ["Relu", 1]]);
  assert.equal(info.weights.parameters, 64 * 128 + 128 + 128 * 10 + 10);
  assert.equal(info.weights.bytes, 4 * info.weights.parameters);
  assert.equal(info.batch.batchable, true);
});

test("float16 and int64 inputs and external data are reported", () => {
  const fp16 = scanModelFile(fixture("fp16_io.onnx"));
  assert.equal(fp16.inputs[0]!.dtype, "float16");
  assert.deepEqual(fp16.weights.byDtype, [{ dtype: "float16", tensors: 1, parameters: 128, bytes: 256 }]);
  const two = scanModelFile(fixture("two_input.onnx"));
  assert.deepEqual(two.inputs.map((v) => [v.name, v.dtype, v.shape]), [["tokens", "int64", ["batch", "sequence"]], ["features", "float32", ["batch", 16]]]);
  const ext = scanModelFile(fixture("external_data.onnx"));
  assert.deepEqual(ext.externalData, [{ location: "external_data.onnx.data", tensors: 2, bytes: 256 * 256 * 4 + 256 * 4, end: 263168 }]);
});

test("initializers listed as graph inputs (IR < 4 style) are not reported as inputs", () => {
  const g = new GraphBuilder("ir3");
  g.input("x", DataType.FLOAT, [1, 4]);
  g.input("w", DataType.FLOAT, [4, 2]);
  g.weight("w", [4, 2], new Float32Array(8));
  g.op("MatMul", ["x", "w"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [1, 2]);
  const info = scanBytes(encodeModel(g.model({ irVersion: 3, opset: 9 })));
  assert.deepEqual(info.inputs.map((v) => v.name), ["x"]);
});

test("ops inside If branches are counted, with the subgraphs", () => {
  const branch = (op: string) => {
    const b = new GraphBuilder(op);
    b.op(op, ["x"], {}, { output: `${op}_y` });
    b.output(`${op}_y`, DataType.FLOAT, [4]);
    return b.model().graph!;
  };
  const g = new GraphBuilder("cond");
  g.input("c", DataType.BOOL, []);
  g.input("x", DataType.FLOAT, [4]);
  g.node("If", ["c"], { then_branch: attr.graph(branch("Relu")), else_branch: attr.graph(branch("Sigmoid")) }, { outputs: ["y"] });
  g.output("y", DataType.FLOAT, [4]);
  const info = scanBytes(encodeModel(g.model()));
  assert.equal(info.subgraphCount, 2);
  assert.equal(info.nodeCount, 3);
  assert.deepEqual(info.ops.map((o) => o.op).sort(), ["If", "Relu", "Sigmoid"]);
  assert.equal(info.batch.batchable, false);
  assert.match(info.batch.reason, /input c is a scalar/);
});

test("a 32 MB initializer is skipped, not read", (t) => {
  const g = new GraphBuilder("big");
  g.input("x", DataType.FLOAT, ["n", 2048]);
  g.weight("w", [2048, 4096], new Float32Array(2048 * 4096));
  g.op("MatMul", ["x", "w"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, ["n", 4096]);
  const file = path.join(tempDir(t), "big.onnx");
  fs.writeFileSync(file, encodeModel(g.model()));
  const src = FileSource.open(file);
  try {
    const info = scanModel(src, file);
    assert.equal(info.weights.parameters, 2048 * 4096);
    assert.ok(src.bytesRead < 256 * 1024, `read ${src.bytesRead} bytes of ${src.size}`);
  } finally {
    src.close();
  }
});

test("batchability follows Triton's rule", () => {
  const t = (name: string, shape: (number | string | null)[] | null) => ({ name, kind: "tensor" as const, dtype: "float32", shape });
  assert.equal(batchVerdict([t("x", ["b", 3])], [t("y", [-1, 2])]).batchable, true);
  assert.equal(batchVerdict([t("x", [null, 3])], [t("y", ["b"])]).batchable, true);
  assert.match(batchVerdict([t("x", [1, 3])], [t("y", ["b"])]).reason, /input x has a fixed first dimension \(1\)/);
  assert.match(batchVerdict([t("x", ["b"])], [t("y", null)]).reason, /output y has no shape/);
  assert.equal(batchVerdict([], []).batchable, false);
});

test("a negative initializer dimension is refused", () => {
  const g = new GraphBuilder("neg");
  g.input("x", DataType.FLOAT, [1]);
  g.output("x", DataType.FLOAT, [1]);
  const model = g.model();
  model.graph!.initializer.push(make.tensor({ name: "bad", dataType: 1, dims: [-5n] }));
  assert.throws(() => scanBytes(encodeModel(model)), (e) => e instanceof ModelFormatError && /negative dimension -5/.test(e.message));
});

test("subgraphs nested absurdly deep are refused, not recursed into", () => {
  const inner = new GraphBuilder("leaf");
  inner.output("c", DataType.BOOL, []);
  let graph = inner.model().graph!;
  for (let i = 0; i < 200; i++) {
    const g = new GraphBuilder(`level${i}`);
    g.node("If", ["c"], { then_branch: attr.graph(graph) }, { outputs: ["c"] });
    g.output("c", DataType.BOOL, []);
    graph = g.model().graph!;
  }
  const model = make.model({ irVersion: 8n, opsetImport: [make.opset("", 17n)], graph });
  assert.throws(() => scanBytes(encodeModel(model)), (e) => e instanceof ModelFormatError && /nested more than/.test(e.message));
});

test("corrupted models give a typed error or a description, never a crash", () => {
  const bytes = fs.readFileSync(fixture("cnn_small.onnx"));
  const rng = new SeededRandom(11);
  for (let i = 0; i < 500; i++) {
    const copy = Buffer.from(bytes);
    for (let k = 0; k < 1 + (i % 4); k++) copy[Math.floor(rng.next() * copy.length)] ^= 1 << Math.floor(rng.next() * 8);
    try {
      scanBytes(copy);
    } catch (e) {
      assert.ok(e instanceof TrtxError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
});

test("initializer payloads in typed fields count toward weights", () => {
  const g = new GraphBuilder("typed");
  g.input("x", DataType.FLOAT, [3]);
  g.op("Add", ["x", "b"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [3]);
  const model = g.model();
  model.graph!.initializer.push(make.tensor({ name: "b", dataType: 1, dims: [3n], floatData: [1, 2, 3] }));
  model.graph!.initializer.push(tensor("unused", DataType.INT64, [2], new BigInt64Array([1n, 2n])));
  const info = scanBytes(encodeModel(model));
  assert.deepEqual(info.weights.byDtype.map((d) => [d.dtype, d.parameters, d.bytes]), [["int64", 2, 16], ["float32", 3, 12]]);
});
