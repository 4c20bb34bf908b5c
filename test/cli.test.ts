import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fixture, runCli, tempDir } from "./helpers.js";

/** A user error: the given exit code, one line on stderr, no stack trace, nothing on stdout. */
function assertUserError(r: ReturnType<typeof runCli>, code: number, pattern: RegExp) {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^trtx: error: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stdout, "");
}

test("inspect --json prints the model description with its schema, and only that, on stdout", () => {
  const r = runCli(["inspect", "--onnx", fixture("two_input.onnx"), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.schema, "trtx.inspect/1");
  assert.deepEqual(json.inputs.map((v: { name: string }) => v.name), ["tokens", "features"]);
  assert.deepEqual(json.inputs[0].shape, ["batch", "sequence"]);
  assert.equal(json.batch.batchable, true);
  assert.equal(json.weights.parameters, 1600);
});

test("inspect's table names the I/O, ops and batching, and has no colour codes off a terminal", () => {
  const r = runCli(["inspect", fixture("cnn_small.onnx")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /input\s+│ float32 │ \[batch,3,32,32\]/);
  assert.match(r.stdout, /Ops\s+8 nodes: Conv 2, Relu 2/);
  assert.match(r.stdout, /dynamic batch/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
});

test("each bad input is one line naming the problem, with a non-zero exit", (t) => {
  const dir = tempDir(t);
  const write = (name: string, data: string | Uint8Array) => (fs.writeFileSync(path.join(dir, name), data), path.join(dir, name));
  const mlp = fs.readFileSync(fixture("mlp_dynbatch.onnx"));
  fs.copyFileSync(fixture("external_data.onnx"), path.join(dir, "no_weights.onnx"));
  assertUserError(runCli(["inspect", "--onnx", path.join(dir, "nope.onnx")]), 1, /no such file — check the path/);
  assertUserError(runCli(["inspect", "--onnx", dir]), 1, /is a directory/);
  assertUserError(runCli(["inspect", "--onnx", write("empty.onnx", "")]), 1, /is empty \(0 bytes\)/);
  assertUserError(runCli(["inspect", "--onnx", write("random.bin", Buffer.from("e1f2a3b4c5d6e7f8091a2b3c4d5e6f70", "hex"))]), 1, /is not an ONNX model/);
  assertUserError(runCli(["inspect", "--onnx", write("cut.onnx", mlp.subarray(0, 3000))]), 1, /truncated ONNX model/);
  assertUserError(runCli(["inspect", "--onnx", write("config.pbtxt", 'name: "m"\nbackend: "onnxruntime"\nmax_batch_size: 8\n')]), 1, /Triton model configuration.*trtx repo validate/);
  assertUserError(runCli(["inspect", "--onnx", path.join(dir, "no_weights.onnx")]), 1, /external data file external_data.onnx.data is missing/);
  assertUserError(runCli(["doctor", "--ep", "gpu"]), 2, /unknown execution provider 'gpu' — use --ep auto, cpu, cuda or tensorrt/);
  assertUserError(runCli(["inspect"]), 2, /no model given/);
  assertUserError(runCli(["inspect", "--frobnicate"]), 2, /unknown option '--frobnicate'/);
});

test("--json errors also come as a JSON object on stdout", () => {
  const r = runCli(["inspect", "--onnx", "missing.onnx", "--json"]);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.stdout);
  assert.deepEqual([json.schema, json.kind, json.exitCode], ["trtx.error/1", "FileError", 1]);
});

test("--version and --help exit 0 on stdout", () => {
  const v = runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
  const h = runCli(["inspect", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--onnx <path>/);
  assert.match(h.stdout, /--json/);
});

test("doctor reports cpu as available, with a self-test, and auto's choice", () => {
  const r = runCli(["doctor", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.schema, "trtx.doctor/1");
  assert.equal(report.onnxruntimeNode, "1.29.0");
  const cpu = report.providers.find((p: { provider: string }) => p.provider === "cpu");
  assert.equal(cpu.available, true);
  for (const p of report.providers) if (!p.available) assert.ok(p.reason, `${p.provider} unavailable without a reason`);
  assert.ok(["tensorrt", "cuda", "cpu"].includes(report.autoSelects));
  assert.equal(runCli(["doctor", "--ep", "cpu", "--json"]).code, 0);
});

test("demo (npm start) runs the whole pipeline: bundles with accuracy gates, a valid repository, its deployments, a sample, perf", (t) => {
  const dir = tempDir(t);
  const r = runCli(["demo", "--template", "resnet18", "--dir", dir, "-b", "1,2", "--perf-seconds", "0.3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.schema, "trtx.demo/1");
  assert.deepEqual(s.variants.map((v: { name: string }) => v.name), ["fp32", "fp16", "int8"]);
  for (const v of s.variants) {
    assert.deepEqual(v.perf.map((p: { batch: number }) => p.batch), [1, 2]);
    assert.ok(v.perf.every((p: { throughput: number }) => p.throughput > 0));
  }
  assert.ok(s.variants.slice(1).every((v: { accuracyPassed: boolean; minCosine: number; cosineFloor: number }) => v.accuracyPassed && v.minCosine >= v.cosineFloor));
  assert.ok(s.variants[2].bytes < s.variants[1].bytes && s.variants[1].bytes < s.variants[0].bytes, "int8 < fp16 < fp32 in size");
  assert.equal(s.repository.findings, 0);
  assert.equal(s.repository.served, path.join(dir, s.provider === "cpu" ? "resnet18_int8.trtx" : "resnet18_fp16.trtx"));
  assert.deepEqual(fs.readdirSync(dir).sort(), ["deploy", "deploy-compose", "model_repository", "resnet18.onnx", "resnet18_fp16.trtx", "resnet18_int8.trtx"]);
  assert.equal(runCli(["repo", "validate", path.join(dir, "model_repository")]).code, 0);
  // Deployments of that repository, valid offline: the manifests name the model folder's hash and the INT8/FP16 bundle's TensorRT cache.
  assert.deepEqual(s.deploy, { k8s: path.join(dir, "deploy"), compose: path.join(dir, "deploy-compose"), objects: 7, findings: 0 });
  assert.equal(runCli(["deploy", "validate", path.join(dir, "deploy")]).code, 0);
  assert.match(fs.readFileSync(path.join(dir, "deploy", "deployment.yaml"), "utf8"), /mountPath: \/tmp\/trtx_engines/);
  // A second run reuses the bundles, which are up to date, and serves the same one.
  const again = JSON.parse(runCli(["demo", "--template", "resnet18", "--dir", dir, "-b", "1", "--perf-seconds", "0.2", "--json"]).stdout);
  assert.deepEqual(again.variants.map((v: { upToDate?: boolean; perf: unknown[] }) => [v.upToDate ?? false, v.perf.length]), [[false, 1], [true, 1], [true, 1]]);
  assert.equal(again.repository.served, s.repository.served);
});

test("demo reports a bundle that fails its accuracy gate, serves the next best, and exits 3", (t) => {
  // mobilenet_v2's depthwise convolutions do not survive INT8 with random calibration ranges (cosine ≈ 0.96).
  const dir = tempDir(t);
  const r = runCli(["demo", "--template", "mobilenet_v2", "--dir", dir, "-b", "1", "--perf-seconds", "0.2"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /│ int8 +│ not written │ .* FAIL/);
  assert.match(r.stdout, /from .*mobilenet_v2_fp16\.trtx: validates/);
  assert.match(r.stderr, /int8 failed the accuracy gate \(not written\)/);
});

test("demo refuses bad batch sizes, durations and templates, writing nothing", () => {
  assertUserError(runCli(["demo", "-b", "0"]), 2, /-b 0 is not a list of batch sizes/);
  assertUserError(runCli(["demo", "--perf-seconds", "0"]), 2, /--perf-seconds 0 is not valid/);
  const dir = path.join(os.tmpdir(), `trtx-demo-nosuch-${process.pid}`);
  assertUserError(runCli(["demo", "--template", "nosuch", "--dir", dir]), 2, /unknown template 'nosuch' — built-in templates: bert-tiny, mlp/);
  assert.equal(fs.existsSync(dir), false, "nothing written for an unknown template");
});

test("--verbose logs the resolved options to stderr and leaves stdout to the result", () => {
  const r = runCli(["inspect", "--json", "-v", fixture("fp16_io.onnx")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /trtx inspect \{"args":\[".*fp16_io.onnx"\].*"verbose":true/);
  assert.equal(JSON.parse(r.stdout).inputs[0].dtype, "float16");
});

test("repo validate and add-version are built: a missing repository is a user error", () => {
  assertUserError(runCli(["repo", "validate", "no_such_model_repository"]), 1, /cannot read model repository no_such_model_repository/);
  assertUserError(runCli(["repo", "add-version", "m", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", "no_such_model_repository"]), 1, /model m not found/);
});
