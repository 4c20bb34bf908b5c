import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

test("export --template writes the model and reports it as JSON", (t) => {
  const out = path.join(tempDir(t), "mlp.onnx");
  const r = runCli(["export", "--template", "mlp", "--seed", "7", "-o", out, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.schema, "trtx.export/1");
  assert.equal(report.source, "template:mlp");
  assert.equal(report.details.parameters, 535_818);
  assert.equal(report.bytes, fs.statSync(out).size);
  const info = describeModelFile(out);
  assert.deepEqual(info.inputs[0]!.shape, ["batch", 784]);
  assert.deepEqual(info.metadata, { "trtx.source": "template:mlp", "trtx.seed": "7" });
});

test("export --list names every template with its parameter count", () => {
  const r = runCli(["export", "--list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout).templates as { name: string; parameters: number }[];
  assert.deepEqual(Object.fromEntries(rows.map((x) => [x.name, x.parameters])), {
    "bert-tiny": 4_385_920,
    mlp: 535_818,
    mobilenet_v2: 3_504_872,
    resnet18: 11_689_512,
    resnet50: 25_557_032,
  });
});

test("export --onnx without rewrites is a byte-identical copy; with them, the changes are reported", (t) => {
  const dir = tempDir(t);
  const copy = path.join(dir, "copy.onnx");
  assert.equal(runCli(["export", "--onnx", fixture("cnn_small.onnx"), "-o", copy]).code, 0);
  assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(fixture("cnn_small.onnx")));

  const fixed = path.join(dir, "fixed.onnx");
  assert.equal(runCli(["export", "--template", "mlp", "--batch", "2", "-o", fixed]).code, 0);
  const dynamic = path.join(dir, "dynamic.onnx");
  const r = runCli(["export", "--onnx", fixed, "--dynamic-batch", "-o", dynamic, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).details.changes.slice(0, 2), ["input input: [2,784] → [batch,784]", "output output: [2,10] → [batch,10]"]);
  assert.deepEqual(describeModelFile(dynamic).inputs[0]!.shape, ["batch", 784]);
});

test("export --spec reports a broken definition at its line, and writes nothing", (t) => {
  const dir = tempDir(t);
  const spec = path.join(dir, "net.yaml");
  fs.writeFileSync(spec, "name: n\ninputs:\n  x: { dtype: float32, shape: [batch, 8] }\nlayers:\n  - { type: linear, name: a, out: 4 }\n  - { type: add, name: b, inputs: [a, x] }\noutputs:\n  y: b\n");
  fails(["export", "--spec", spec, "-o", path.join(dir, "n.onnx")], 1, /net\.yaml:6:5: layer b \(add\): shapes do not match: a \[batch,4\] and x \[batch,8\]/);
  fs.writeFileSync(spec, "name: n\ninputs: { x: [1\n");
  fails(["export", "--spec", spec, "-o", path.join(dir, "n.onnx")], 1, /net\.yaml:\d+:\d+: malformed YAML/);
  assert.deepEqual(fs.readdirSync(dir), ["net.yaml"]);
});

test("export refuses bad input with one line and a non-zero exit", (t) => {
  const dir = tempDir(t);
  fails(["export", "--template", "resnet51"], 2, /unknown template 'resnet51' — built-in templates: bert-tiny, mlp, mobilenet_v2, resnet18, resnet50/);
  fails(["export", "--onnx", fixture("mlp_dynbatch.onnx"), "--fix-shapes", "image:1x64", "-o", path.join(dir, "x.onnx")], 2, /no input named image; its inputs are input/);
  fails(["export", "--onnx", fixture("mlp_dynbatch.onnx"), "--fix-shapes", "input:-1x64", "-o", path.join(dir, "x.onnx")], 2, /input:-1x64/);
  fails(["export", "--template", "mlp", "-o", path.join(dir, "missing", "m.onnx")], 1, /folder .*missing does not exist/);
  fails(["export", "--onnx", fixture("mlp_dynbatch.onnx"), "-o", fixture("mlp_dynbatch.onnx")], 2, /refusing to overwrite the input model/);
  fails(["export", "--template", "mlp", "--dynamic-batch"], 2, /--dynamic-batch does not apply to --template/);
  fails(["export"], 2, /nothing to export/);
  fails(["export", "--template", "mlp", "--batch", "0"], 2, /--batch 0 is not valid/);
  fails(["export", "--torch", "model.py", "--input", "x:1", "-o", path.join(dir, "t.onnx")], 2, /--torch model.py is not FILE.py:FACTORY/);
  assert.deepEqual(fs.readdirSync(dir), []);
});
