import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";
import { BufferSource } from "../src/core/onnx/wire.js";
import { sniffFile, sniffSource } from "../src/core/onnx/sniff.js";
import { SeededRandom } from "../src/core/tensor/random.js";
import { fixture } from "./helpers.js";

const sniff = (bytes: Uint8Array | string) => sniffSource(new BufferSource(typeof bytes === "string" ? Buffer.from(bytes) : bytes));

test("ONNX fixtures are recognised as ONNX", () => {
  for (const name of ["mlp_dynbatch.onnx", "fp16_io.onnx", "external_data.onnx"]) assert.equal(sniffFile(fixture(name)).kind, "onnx");
});

test("a cut-short ONNX model is told apart from garbage", () => {
  const bytes = fs.readFileSync(fixture("mlp_dynbatch.onnx"));
  for (const cut of [20, 100, bytes.length / 2, bytes.length - 1]) {
    assert.equal(sniff(bytes.subarray(0, Math.floor(cut))).kind, "onnx-truncated", `cut at ${cut}`);
  }
});

test("other kinds of file are named", () => {
  assert.equal(sniff(new Uint8Array(0)).kind, "empty");
  assert.equal(sniff('name: "resnet"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 8\n').kind, "triton-config");
  assert.equal(sniff('# comment\ninput [ { name: "x" } ]\n').kind, "triton-config");
  assert.equal(sniff('{"inputs": []}').kind, "json");
  assert.equal(sniff("hello world\n").kind, "text");
  assert.equal(sniff(Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY\x01\x00")])).kind, "npy");
  assert.equal(sniff(Buffer.from("PK\x03\x04rest", "latin1")).kind, "zip");
  assert.equal(sniff(Buffer.from("ftrt\x00\x00\x00\x00", "latin1")).kind, "tensorrt-plan");
  assert.equal(sniff(Buffer.from("\x10\x00\x00\x00ORTM\x00\x00", "latin1")).kind, "ort");
});

test("random bytes are never taken for a model", () => {
  const rng = new SeededRandom(7);
  for (let i = 0; i < 300; i++) {
    const bytes = Uint8Array.from({ length: 16 + Math.floor(rng.next() * 2000) }, () => Math.floor(rng.next() * 256));
    assert.notEqual(sniff(bytes).kind, "onnx", `case ${i}`);
  }
});
