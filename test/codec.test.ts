import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { encodeModelChunks } from "../src/core/onnx/chunked-encode.js";
import { decodeModel, encodeModel, make } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { fixture } from "./helpers.js";

const FIXTURE_NAMES = ["mlp_dynbatch.onnx", "cnn_small.onnx", "fp16_io.onnx", "external_data.onnx", "two_input.onnx"];

test("every fixture decodes and re-encodes byte-identically", () => {
  for (const name of FIXTURE_NAMES) {
    const bytes = fs.readFileSync(fixture(name));
    assert.deepEqual(Buffer.from(encodeModel(decodeModel(bytes))), bytes, name);
  }
});

test("unknown fields survive a round trip (a newer ONNX's fields are not dropped)", () => {
  const bytes = fs.readFileSync(fixture("mlp_dynbatch.onnx"));
  // field 1000, varint 7: tag = 1000 << 3 = 8000 → varint bytes c0 3e
  const withUnknown = Buffer.concat([bytes, Buffer.from([0xc0, 0x3e, 0x07])]);
  const model = decodeModel(withUnknown);
  assert.deepEqual(Buffer.from(encodeModel(model)), withUnknown);
});

test("fields onnx-proto 8 loses (node metadata_props, overload, model configuration) are kept", () => {
  const model = decodeModel(fs.readFileSync(fixture("mlp_dynbatch.onnx")));
  const node = model.graph!.node[0]!;
  node.metadataProps.push(make.entry("origin", "fc1"));
  node.overload = "v2";
  const again = decodeModel(encodeModel(model));
  assert.equal(again.graph!.node[0]!.overload, "v2");
  assert.deepEqual(again.graph!.node[0]!.metadataProps.map((e) => [e.key, e.value]), [["origin", "fc1"]]);
});

test("a change to the model changes its bytes", () => {
  const bytes = fs.readFileSync(fixture("mlp_dynbatch.onnx"));
  const model = decodeModel(bytes);
  model.producerName = "someone-else";
  assert.notDeepEqual(Buffer.from(encodeModel(model)), bytes);
});

test("chunked encoding equals the codec's bytes, with large payloads passed through uncopied", () => {
  for (const name of FIXTURE_NAMES) {
    const model = decodeModel(fs.readFileSync(fixture(name)));
    assert.deepEqual(Buffer.concat(encodeModelChunks(model)), Buffer.from(encodeModel(model)), name);
  }
  const g = new GraphBuilder("big");
  g.input("x", DataType.FLOAT, ["n", 256]);
  const weights = new Float32Array(256 * 256).fill(0.25);
  g.weight("w", [256, 256], weights);
  g.op("MatMul", ["x", "w"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, ["n", 256]);
  const model = g.model({ metadata: { after: "graph" } });
  model.graph!.initializer[0]!.metadataProps.push(make.entry("k", "v")); // a field after raw_data
  const withUnknown = decodeModel(Buffer.concat([encodeModel(model), Buffer.from([0xc0, 0x3e, 0x07])]));
  const chunks = encodeModelChunks(withUnknown);
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(encodeModel(withUnknown)));
  assert.ok(chunks.some((c) => c.buffer === withUnknown.graph!.initializer[0]!.rawData.buffer), "raw_data should be passed through, not copied");
});
