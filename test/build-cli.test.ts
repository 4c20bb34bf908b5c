import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseCalibrationJson } from "../src/core/calibration/calibration-json.js";
import { decodeOrtCalibrationTable } from "../src/core/calibration/ort-table.js";
import { parseTensorRtCache } from "../src/core/calibration/tensorrt-cache.js";
import { decodeModel } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { fixture, ROOT, runCli, tempDir } from "./helpers.js";

const MLP = fixture("mlp_dynbatch.onnx");

const build = (args: string[]) => runCli(["build", ...args]);

function oneLineError(r: { code: number; stderr: string }, code: number, pattern: RegExp) {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test("an fp16 bundle of the mlp: files, manifest, a float16 model.onnx that passes accuracy and runs with --loadEngine", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "mlp.trtx");
  const profile = ["--minShapes", "input:1x64", "--optShapes", "input:4x64", "--maxShapes", "input:8x64"];
  const r = build(["--onnx", MLP, "--fp16", "--saveEngine", bundle, ...profile, "--workspace", "4G", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.upToDate, false);
  assert.equal(report.paths.bundle, bundle);
  assert.deepEqual(fs.readdirSync(bundle).sort(), ["manifest.json", "model.onnx", "model.opt.onnx"]);
  const m = JSON.parse(fs.readFileSync(path.join(bundle, "manifest.json"), "utf8"));
  assert.equal(m.schema, "trtx.bundle/1");
  assert.equal(m.source.path, path.relative(bundle, MLP));
  assert.match(m.source.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(m.precision, { ...m.precision, fp16: true, int8: false, ioFp16: false });
  assert.ok(m.precision.blockOps.includes("TopK"));
  assert.deepEqual(m.profiles, [{ input: { min: [1, 64], opt: [4, 64], max: [8, 64] } }]);
  assert.equal(m.onnxruntimeNode, "1.29.0");
  assert.ok(["cpu", "cuda", "tensorrt"].includes(m.provider));
  assert.equal(m.optimized.provider, m.provider);
  assert.ok(m.fingerprint.cpu.model && m.fingerprint.platform);
  assert.equal(m.accuracy.passed, true);
  assert.equal(m.accuracy.samples, 8);
  assert.ok(m.accuracy.outputs[0].minCosine >= 0.999);
  assert.equal(m.accuracy.outputs[0].top1Agreement, 1);
  assert.deepEqual(m.tensorrt, {
    trt_fp16_enable: true,
    trt_int8_enable: false,
    trt_engine_cache_enable: true,
    trt_engine_cache_prefix: m.model.sha256.slice(0, 16),
    trt_profile_min_shapes: "input:1x64",
    trt_profile_opt_shapes: "input:4x64",
    trt_profile_max_shapes: "input:8x64",
    trt_max_workspace_size: 4 * 1024 ** 3,
  });
  const model = decodeModel(fs.readFileSync(path.join(bundle, "model.onnx")));
  assert.ok(model.graph!.initializer.length > 0);
  assert.ok(model.graph!.initializer.every((i) => i.dataType === DataType.FLOAT16), "weights are float16");
  assert.equal(model.graph!.input[0]!.type!.value.case === "tensorType" && model.graph!.input[0]!.type!.value.value.elemType, DataType.FLOAT, "float32 I/O by default");

  const run = runCli(["run", "--loadEngine", bundle, "--shapes", "input:2x64", "--compare-onnx", "--atol", "1e-2", "--rtol", "1e-1", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).comparison.result.passed, true);

  // Same inputs: up to date, nothing rebuilt (the bundle's files are the ones already there, untouched).
  const before = fs.readFileSync(path.join(bundle, "manifest.json"), "utf8");
  const modelTime = fs.statSync(path.join(bundle, "model.onnx")).mtimeMs;
  const again = build(["--onnx", MLP, "--fp16", "--saveEngine", bundle, ...profile, "--workspace", "4G"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /is up to date/);
  assert.equal(fs.readFileSync(path.join(bundle, "manifest.json"), "utf8"), before);
  assert.equal(fs.statSync(path.join(bundle, "model.onnx")).mtimeMs, modelTime);
  assert.equal(JSON.parse(fs.readFileSync(path.join(bundle, "manifest.json"), "utf8")).createdAt, m.createdAt);

  // A changed flag rebuilds; so does --force.
  const changed = build(["--onnx", MLP, "--fp16", "--saveEngine", bundle, ...profile, "--workspace", "2G", "--json"]);
  assert.equal(changed.code, 0, changed.stderr);
  const rebuilt = JSON.parse(changed.stdout);
  assert.equal(rebuilt.upToDate, false);
  assert.notEqual(rebuilt.inputsHash, m.inputsHash);
  assert.equal(rebuilt.tensorrt.trt_max_workspace_size, 2 * 1024 ** 3);
  const forced = build(["--onnx", MLP, "--fp16", "--saveEngine", bundle, ...profile, "--workspace", "2G", "--force", "--json"]);
  assert.equal(JSON.parse(forced.stdout).upToDate, false);
  assert.deepEqual(fs.readdirSync(dir), ["mlp.trtx"], "no temp folders or locks left behind");
});

test("--io-fp16 makes the graph's inputs float16; the accuracy check feeds them", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "io.trtx");
  const r = build(["--onnx", MLP, "--fp16", "--io-fp16", "--saveEngine", bundle, "--accuracy-samples", "2", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.equal(m.precision.ioFp16, true);
  assert.equal(m.accuracy.passed, true);
  const model = decodeModel(fs.readFileSync(path.join(bundle, "model.onnx")));
  const input = model.graph!.input[0]!.type!.value;
  assert.equal(input.case === "tensorType" && input.value.elemType, DataType.FLOAT16);
  oneLineError(build(["--onnx", MLP, "--io-fp16", "--saveEngine", bundle]), 2, /--io-fp16 needs --fp16/);
  oneLineError(build(["--onnx", MLP, "--fp16", "--io-fp16", "--keep-io-types", "--saveEngine", bundle]), 2, /contradict/);
});

test("--int8 --calib random on cnn_small writes calibration tables that parse, and a QDQ model", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "cnn.trtx");
  const r = build(["--onnx", fixture("cnn_small.onnx"), "--int8", "--calib", "random", "--calib-samples", "4", "--saveEngine", bundle, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: --calib random: activation ranges from random data are meaningless/);
  const m = JSON.parse(r.stdout);
  assert.equal(m.precision.int8, true);
  assert.equal(m.calibration.samples, 4);
  assert.equal(m.calibration.method, "entropy");
  assert.equal(m.tensorrt.trt_int8_enable, true);
  assert.equal("trt_int8_calibration_table_name" in m.tensorrt, false, "a QDQ model must not get a table");
  const names = fs.readdirSync(bundle).sort();
  for (const f of ["calibration.cache", "calibration.flatbuffers", "calibration.json", "manifest.json", "model.onnx"]) assert.ok(names.includes(f), f);
  const ort = decodeOrtCalibrationTable(fs.readFileSync(path.join(bundle, "calibration.flatbuffers")), "flatbuffers");
  const trt = parseTensorRtCache(fs.readFileSync(path.join(bundle, "calibration.cache"), "utf8"), "cache");
  const json = parseCalibrationJson(fs.readFileSync(path.join(bundle, "calibration.json"), "utf8"), "json");
  assert.equal(ort.size, m.calibration.tensors);
  assert.ok(ort.has("input"));
  assert.equal(trt.algorithm, "EntropyCalibration2");
  assert.equal(trt.version, 100900);
  assert.equal(trt.scales.size, ort.size);
  assert.equal(json.ranges.size, ort.size);
  assert.equal(json.samples, 4);
  const ops = decodeModel(fs.readFileSync(path.join(bundle, "model.onnx"))).graph!.node.map((n) => n.opType);
  assert.ok(ops.includes("QuantizeLinear") && ops.includes("DequantizeLinear"));

  oneLineError(build(["--onnx", fixture("cnn_small.onnx"), "--int8", "--saveEngine", bundle]), 2, /--int8 needs calibration data/);
});

test("an accuracy failure exits 3 after the report and writes nothing, unless --keep-failed", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "bad.trtx");
  const r = build(["--onnx", MLP, "--fp16", "--min-cosine", "1.1", "--accuracy-samples", "2", "--saveEngine", bundle]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /FAIL/);
  assert.match(r.stdout, /nothing written/);
  assert.match(r.stderr, /fails the accuracy check on output; nothing written/);
  assert.deepEqual(fs.readdirSync(dir), []);

  const kept = build(["--onnx", MLP, "--fp16", "--min-cosine", "1.1", "--accuracy-samples", "2", "--saveEngine", bundle, "--keep-failed"]);
  assert.equal(kept.code, 3, kept.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(bundle, "manifest.json"), "utf8")).accuracy.passed, false);
  // A kept failure is never "up to date": the same command builds (and fails) again.
  const again = build(["--onnx", MLP, "--fp16", "--min-cosine", "1.1", "--accuracy-samples", "2", "--saveEngine", bundle, "--keep-failed"]);
  assert.equal(again.code, 3);
  assert.doesNotMatch(again.stdout, /up to date/);
});

test("the default bundle is <model basename>.trtx in the current folder", (t) => {
  const dir = tempDir(t);
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "trtx.js"), "build", "--onnx", MLP, "--accuracy-samples", "1"], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mlp_dynbatch\.trtx  fp32 on /);
  assert.deepEqual(fs.readdirSync(path.join(dir, "mlp_dynbatch.trtx")).sort(), ["manifest.json", "model.onnx", "model.opt.onnx"]);
});

test("--config YAML drives a build; flags override it; unknown keys are named", (t) => {
  const dir = tempDir(t);
  fs.copyFileSync(MLP, path.join(dir, "m.onnx"));
  const config = path.join(dir, "build.yaml");
  fs.writeFileSync(config, "onnx: m.onnx\nsave-engine: out.trtx\nfp16: true\naccuracy-samples: 2\nfp16ExcludeOps: [Relu]\n");
  const r = build(["--config", config, "--accuracy-samples", "3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.equal(m.paths.bundle, path.join(dir, "out.trtx"));
  assert.equal(m.accuracy.samples, 3);
  assert.ok(m.precision.blockOps.includes("Relu"));
  fs.writeFileSync(config, "onnx: m.onnx\nfp16: true\nbatch-size: 4\n");
  oneLineError(build(["--config", config]), 2, /build\.yaml: unknown key 'batch-size'/);
});

test("bad destinations and shapes: a missing parent folder, profiles for a static model, a non-bundle folder", (t) => {
  const dir = tempDir(t);
  oneLineError(build(["--onnx", MLP, "--saveEngine", path.join(dir, "no", "such", "m.trtx")]), 1, /folder .*no\/such does not exist/);
  const fixed = path.join(dir, "fixed.onnx");
  assert.equal(runCli(["export", "--onnx", MLP, "--fix-shapes", "input:1x64", "-o", fixed]).code, 0);
  oneLineError(build(["--onnx", fixed, "--optShapes", "input:1x64", "--saveEngine", path.join(dir, "f.trtx")]), 2, /all fixed-size; shape profiles do not apply/);
  const other = path.join(dir, "notes");
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, "readme.txt"), "mine");
  oneLineError(build(["--onnx", MLP, "--saveEngine", other, "--force"]), 1, /not a trtx bundle/);
  assert.equal(fs.readFileSync(path.join(other, "readme.txt"), "utf8"), "mine");
});

test("a lock held by a live build refuses a second build; a dead build's lock is taken over", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "m.trtx");
  fs.writeFileSync(`${bundle}.lock`, `${process.pid}\n`);
  oneLineError(build(["--onnx", MLP, "--saveEngine", bundle]), 1, new RegExp(`m\\.trtx\\.lock is held by another build \\(pid ${process.pid}\\)`));
  assert.equal(fs.existsSync(bundle), false);
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  fs.writeFileSync(`${bundle}.lock`, `${dead}\n`);
  const r = build(["--onnx", MLP, "--saveEngine", bundle, "--accuracy-samples", "1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(dir), ["m.trtx"], "the stale lock is gone");
});

test("run --loadEngine refuses a bundle built for a provider or GPU not here, unless --allow-foreign", (t) => {
  const dir = tempDir(t);
  const bundle = path.join(dir, "m.trtx");
  assert.equal(build(["--onnx", MLP, "--saveEngine", bundle, "--accuracy-samples", "1"]).code, 0);
  const file = path.join(bundle, "manifest.json");
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.writeFileSync(file, JSON.stringify({ ...m, provider: "cuda", fingerprint: { ...m.fingerprint, gpu: { name: "Imaginary GPU 9000", computeCapability: "42.0" } } }));
  oneLineError(runCli(["run", "--loadEngine", bundle]), 1, /was not built for this machine: .*(not available here|Imaginary GPU 9000).*--allow-foreign/);
  const r = runCli(["run", "--loadEngine", bundle, "--allow-foreign", "--ep", "cpu"]);
  assert.equal(r.code, 0, r.stderr);
});
