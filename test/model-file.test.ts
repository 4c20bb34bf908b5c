import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { FileError, ModelFormatError } from "../src/core/errors.js";
import { createSession } from "../src/core/ep/session.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { encodeModel } from "../src/core/onnx/codec.js";
import { describeModelFile, loadModel, saveModel } from "../src/core/onnx/model-file.js";
import { mlpDynbatch } from "../scripts/make-fixtures.js";
import { fixture, tempDir } from "./helpers.js";

const write = (dir: string, name: string, bytes: Uint8Array | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

function rejects(file: string, kind: new (...a: never[]) => Error, pattern: RegExp) {
  assert.throws(() => describeModelFile(file), (e) => e instanceof kind && pattern.test((e as Error).message) && !(e as Error).message.includes("\n"));
  assert.throws(() => loadModel(file), (e) => e instanceof kind);
}

test("bad inputs are refused with a one-line message that names the problem", (t) => {
  const dir = tempDir(t);
  const mlp = fs.readFileSync(fixture("mlp_dynbatch.onnx"));
  rejects(path.join(dir, "missing.onnx"), FileError, /no such file/);
  rejects(dir, FileError, /is a directory/);
  rejects(write(dir, "empty.onnx", ""), ModelFormatError, /is empty \(0 bytes\)/);
  rejects(write(dir, "random.onnx", Buffer.from("7f3a9c0012ee41d5b6a1c2d3e4f5061728394a5b", "hex")), ModelFormatError, /is not an ONNX model/);
  rejects(write(dir, "cut.onnx", mlp.subarray(0, mlp.length - 100)), ModelFormatError, /truncated ONNX model/);
  rejects(write(dir, "config.pbtxt", 'name: "m"\nplatform: "onnxruntime_onnx"\n'), ModelFormatError, /Triton model configuration/);
  rejects(write(dir, "plan.onnx", "ftrt\u0000\u0000\u0000\u0000"), ModelFormatError, /TensorRT engine/);
});

test("a directory that holds a model points at it", (t) => {
  const dir = tempDir(t);
  fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(dir, "model.onnx"));
  assert.throws(() => describeModelFile(dir), (e) => e instanceof FileError && e.hint === `pass ${path.join(dir, "model.onnx")}`);
});

test("external data must exist, lie inside the model's folder and be long enough", (t) => {
  const dir = tempDir(t);
  fs.copyFileSync(fixture("external_data.onnx"), path.join(dir, "m.onnx"));
  rejects(path.join(dir, "m.onnx"), FileError, /external data file external_data.onnx.data is missing/);
  fs.writeFileSync(path.join(dir, "external_data.onnx.data"), new Uint8Array(1000));
  rejects(path.join(dir, "m.onnx"), ModelFormatError, /is 1000 bytes but its tensors need 263168/);

  const model = loadModel(fixture("external_data.onnx")).proto;
  model.graph!.initializer[0]!.externalData.find((e) => e.key === "location")!.value = "../../etc/passwd";
  const escaping = write(dir, "escape.onnx", encodeModel(model));
  rejects(escaping, ModelFormatError, /points outside the model's folder/);
});

test("an unmodified model saves byte-identical, atomically, with no temp files left", (t) => {
  const dir = tempDir(t);
  const dest = path.join(dir, "copy.onnx");
  fs.writeFileSync(dest, "previous contents");
  const loaded = loadModel(fixture("cnn_small.onnx"));
  saveModel(loaded.proto, dest);
  assert.deepEqual(fs.readFileSync(dest), fs.readFileSync(fixture("cnn_small.onnx")));
  assert.deepEqual(fs.readdirSync(dir), ["copy.onnx"]);
});

test("a failed save leaves the previous file intact", (t) => {
  const dir = tempDir(t);
  const dest = path.join(dir, "missing-folder", "m.onnx");
  assert.throws(() => saveModel(mlpDynbatch(), dest), (e) => e instanceof FileError && /does not exist/.test(e.message));
  assert.deepEqual(fs.readdirSync(dir), []);
});

test("weights over the inline limit go to an external file that ORT reads with identical results", async (t) => {
  const dir = tempDir(t);
  const proto = mlpDynbatch();
  const before = encodeModel(proto);
  const inline = path.join(dir, "inline.onnx");
  const split = path.join(dir, "split.onnx");
  saveModel(proto, inline);
  const result = saveModel(proto, split, { maxInlineBytes: 10_000 });
  assert.deepEqual(result.externalData, ["split.onnx.data"]);
  assert.deepEqual(Buffer.from(encodeModel(proto)), Buffer.from(before), "saveModel must not change the model it was given");
  const info = describeModelFile(split);
  assert.equal(info.externalData[0]!.location, "split.onnx.data");
  assert.ok(info.fileBytes < 2000, `model file is ${info.fileBytes} bytes`);
  assert.equal(info.weights.parameters, describeModelFile(inline).weights.parameters);

  const ort = await loadOrt();
  const x = new ort.Tensor("float32", Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i)), [3, 64]);
  const run = async (file: string) => {
    const { session } = await createSession(file, { ep: "cpu" });
    const y = (await session.run({ input: x })).output!.data as Float32Array;
    await session.release();
    return Array.from(y);
  };
  assert.deepEqual(await run(split), await run(inline));
});

test("saving elsewhere carries external data files along", (t) => {
  const dir = tempDir(t);
  const loaded = loadModel(fixture("external_data.onnx"));
  const result = saveModel(loaded.proto, path.join(dir, "moved.onnx"), { sourceDir: loaded.dir });
  assert.deepEqual(result.externalData, ["external_data.onnx.data"]);
  assert.deepEqual(fs.readFileSync(path.join(dir, "external_data.onnx.data")), fs.readFileSync(fixture("external_data.onnx.data")));
  assert.doesNotThrow(() => describeModelFile(path.join(dir, "moved.onnx")));
});
