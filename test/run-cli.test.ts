import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { encodeNpy } from "../src/core/tensor/npy.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

const npy = (dir: string, name: string, dtype: "float32" | "float64" | "int64", dims: number[], values: number[]) => {
  const data = dtype === "int64" ? BigInt64Array.from(values, BigInt) : dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeNpy({ dtype, dims, data }));
  return file;
};

test("run on random inputs reports the provider, inputs and output statistics as JSON", () => {
  const r = runCli(["run", "--onnx", fixture("cnn_small.onnx"), "--seed", "3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.schema, "trtx.run/1");
  assert.ok(["cpu", "cuda", "tensorrt"].includes(report.provider));
  assert.equal(report.inputs.input.source, "random (seed 3)");
  assert.deepEqual(report.inputs.input.dims, [1, 3, 32, 32]);
  assert.deepEqual(report.outputs.output.dims, [1, 10]);
  assert.ok(report.outputs.output.stats.max > report.outputs.output.stats.min);
});

test("saved outputs compare equal on a rerun and fail (exit 3) against a changed reference", (t) => {
  const dir = tempDir(t);
  const ins = path.join(dir, "in");
  const outs = path.join(dir, "out");
  assert.equal(runCli(["run", "--onnx", fixture("mlp_dynbatch.onnx"), "--shapes", "input:2x64", "--save-inputs", ins, "--save-outputs", outs]).code, 0);
  assert.deepEqual(fs.readdirSync(outs).sort(), ["output.npy", "summary.json"]);
  const again = runCli(["run", "--onnx", fixture("mlp_dynbatch.onnx"), "--input", `input:${path.join(ins, "input.npy")}`, "--compare-to", outs, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).comparison.result.passed, true);

  const changed = path.join(dir, "changed");
  fs.mkdirSync(changed);
  npy(changed, "output.npy", "float32", [2, 10], Array.from({ length: 20 }, (_, i) => i));
  const r = runCli(["run", "--onnx", fixture("mlp_dynbatch.onnx"), "--input", `input:${path.join(ins, "input.npy")}`, "--compare-to", changed, "--json"]);
  assert.equal(r.code, 3, r.stderr);
  const report = JSON.parse(r.stdout); // one JSON document: the result carries the verdict
  assert.equal(report.comparison.result.passed, false);
  assert.match(r.stderr, /outputs differ from reference outputs/);
});

test("--compare-onnx and --compare-ep compare the same inputs; tolerances decide", (t) => {
  const dir = tempDir(t);
  const full = path.join(dir, "mlp.onnx");
  const half = path.join(dir, "mlp16.onnx");
  assert.equal(runCli(["export", "--template", "mlp", "-o", full]).code, 0);
  assert.equal(runCli(["export", "--template", "mlp", "--fp16-weights", "-o", half]).code, 0);
  const strict = runCli(["run", "--onnx", half, "--compare-onnx", full, "--json"]);
  assert.equal(strict.code, 3, strict.stderr);
  const needed = JSON.parse(strict.stdout).comparison.result.outputs[0].errors.requiredAtol;
  const loose = runCli(["run", "--onnx", half, "--compare-onnx", full, "--atol", `output:${needed * 1.01}`]);
  assert.equal(loose.code, 0, loose.stderr);
  assert.match(loose.stdout, /PASSED/);
  assert.equal(runCli(["run", "--onnx", fixture("two_input.onnx"), "--shapes", "tokens:2x5", "--compare-ep", "cpu"]).code, 0);
});

test("--top-k lists the largest logits with their labels", (t) => {
  const dir = tempDir(t);
  const labels = path.join(dir, "labels.txt");
  fs.writeFileSync(labels, Array.from({ length: 10 }, (_, i) => `class ${i}`).join("\n"));
  const r = runCli(["run", "--onnx", fixture("cnn_small.onnx"), "--top-k", "2", "--labels", labels, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const top = JSON.parse(r.stdout).outputs.output.topK[0];
  assert.equal(top.length, 2);
  assert.ok(top[0].value >= top[1].value);
  assert.equal(top[0].label, `class ${top[0].index}`);
});

test("an engine bundle runs its model.onnx", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "mlp.trtx");
  fs.mkdirSync(bundle);
  fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(bundle, "model.onnx"));
  fs.writeFileSync(path.join(bundle, "manifest.json"), JSON.stringify({ schema: "trtx.bundle/1", source: { path: "missing.onnx" } }));
  assert.equal(runCli(["run", "--loadEngine", bundle]).code, 0);
  fails(["run", "--loadEngine", bundle, "--compare-onnx"], 2, /--compare-onnx without a model needs/);
  fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(dir, "source.onnx"));
  fs.writeFileSync(path.join(bundle, "manifest.json"), JSON.stringify({ schema: "trtx.bundle/1", source: { path: "../source.onnx" } }));
  const r = runCli(["run", "--loadEngine", bundle, "--compare-onnx", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).comparison.against, /model source\.onnx/);
  fails(["run", "--loadEngine", fixture("mlp_dynbatch.onnx")], 1, /is not an engine bundle/);
});

test("bad inputs get one line that names both sides", (t) => {
  const dir = tempDir(t);
  const m = fixture("mlp_dynbatch.onnx");
  fails(["run", "--onnx", m, "--input", "image:x.npy"], 2, /--input names image, which is not an input of the model — its inputs: input/);
  fails(["run", "--onnx", fixture("two_input.onnx"), "--input", `features:${npy(dir, "f.npy", "float32", [1, 16], new Array(16).fill(0))}`], 2, /missing input tokens \(int64 \[batch,sequence\]\)/);
  fails(["run", "--onnx", m, "--input", `input:${npy(dir, "d.npy", "float64", [1, 64], new Array(64).fill(0))}`], 2, /input input: the model takes float32, d\.npy holds float64/);
  fails(["run", "--onnx", m, "--input", `input:${npy(dir, "r.npy", "float32", [64], new Array(64).fill(0))}`], 2, /the model takes \[batch,64\], r\.npy has shape \[64\]/);
  fs.writeFileSync(path.join(dir, "bad.npy"), Buffer.from("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}\n", "latin1"));
  fails(["run", "--onnx", m, "--input", `input:${path.join(dir, "bad.npy")}`], 1, /bad\.npy/);
  fs.writeFileSync(path.join(dir, "cut.pb"), fs.readFileSync(path.join(dir, "d.npy")).subarray(0, 7));
  fails(["run", "--onnx", m, "--input", `input:${path.join(dir, "cut.pb")}`], 1, /cut\.pb/);
  fails(["run", "--onnx", m, "--shapes", "input:2x32"], 2, /input/);
  fails(["run", "--onnx", m, "--atol", "-1"], 2, /--atol/);
  fails(["run", "--onnx", m, "--compare-to", path.join(dir, "nothing")], 1, /no such file or folder/);
});

test("inputs load from perf_analyzer and Polygraphy JSON, and images from PNG", async (t) => {
  const dir = tempDir(t);
  const pa = path.join(dir, "pa.json");
  fs.writeFileSync(pa, JSON.stringify({ data: [{ tokens: { content: [1, 2, 3], shape: [1, 3] }, features: new Array(16).fill(0.5) }] }));
  const r = runCli(["run", "--onnx", fixture("two_input.onnx"), "--load-inputs", pa, "--shapes", "features:1x16", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual([report.inputs.tokens.dims, report.inputs.tokens.dtype, report.inputs.features.stats.mean], [[1, 3], "int64", 0.5]);

  const { encodePolygraphyJson } = await import("../src/core/tensor/json-inputs.js");
  const poly = path.join(dir, "poly.json");
  fs.writeFileSync(poly, encodePolygraphyJson([new Map([["input", { dtype: "float32", dims: [2, 64], data: new Float32Array(128).fill(1) }]])]));
  const p = runCli(["run", "--onnx", fixture("mlp_dynbatch.onnx"), "--load-inputs", poly, "--json"]);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(JSON.parse(p.stdout).outputs.output.dims, [2, 10]);

  const { PNG } = await import("pngjs");
  const png = new PNG({ width: 40, height: 40 });
  png.data.fill(128);
  const image = path.join(dir, "gray.png");
  fs.writeFileSync(image, PNG.sync.write(png));
  const i = runCli(["run", "--onnx", fixture("cnn_small.onnx"), "--input", `input:${image}`, "--preprocess", "imagenet", "--json"]);
  assert.equal(i.code, 0, i.stderr);
  assert.deepEqual(JSON.parse(i.stdout).inputs.input.dims, [1, 3, 32, 32]);
  fails(["run", "--onnx", fixture("mlp_dynbatch.onnx"), "--input", `input:${image}`, "--preprocess", "imagenet"], 2, /input input takes \[batch,64\], but gray\.png would be an image \[1,3,H,W\]/);
});
