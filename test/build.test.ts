import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildBundle } from "../src/core/build/bundle.js";
import { loadCalibrationData } from "../src/core/build/calibration-data.js";
import { foreignReason } from "../src/core/build/fingerprint.js";
import { acquireLock } from "../src/core/build/lock.js";
import { readBuildConfig, resolveBuildRequest } from "../src/core/build/request.js";
import { DataFormatError, UsageError } from "../src/core/errors.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { parseProfiles } from "../src/core/shapes/profiles.js";
import { encodeNpy } from "../src/core/tensor/npy.js";
import { fixture, tempDir } from "./helpers.js";

const MLP = fixture("mlp_dynbatch.onnx");
const npy = (file: string, dims: number[], fill: (i: number) => number = (i) => i / 100, dtype: "float32" | "float64" = "float32") => {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = dtype === "float64" ? Float64Array.from({ length: n }, (_, i) => fill(i)) : Float32Array.from({ length: n }, (_, i) => fill(i));
  fs.writeFileSync(file, encodeNpy({ dtype, dims, data }));
  return file;
};

test("flags and config resolve to one request; the fp16 I/O rules and INT8's need for data are enforced", () => {
  const r = resolveBuildRequest({}, { onnx: "models/net.onnx", fp16: true });
  assert.equal(r.saveEngine, "net.trtx");
  assert.equal(r.minCosine, 0.999);
  assert.equal(r.accuracySamples, 8);
  assert.equal(r.trtVersion, "10.9.0");
  assert.equal(resolveBuildRequest({}, { onnx: "m.onnx", int8: true, calib: "random" }).minCosine, 0.99);
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", ioFp16: true }), /--io-fp16 needs --fp16/);
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", fp16: true, ioFp16: true, keepIoTypes: true }), /contradict/);
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", fp16ExcludeOps: ["Gemm"] }), /--fp16-exclude-ops needs --fp16/);
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", int8: true }), (e) => e instanceof UsageError && /--int8 needs calibration data/.test(e.message));
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", calib: "random" }), /--calib needs --int8/);
  assert.throws(() => resolveBuildRequest({}, { onnx: "m.onnx", workspace: "lots" }), /not a byte size/);
  const w = resolveBuildRequest({ workspace: "4G", fp16ExcludeOps: ["Gemm,Relu"] }, { onnx: "m.onnx", fp16: true });
  assert.equal(w.workspace, 4 * 1024 ** 3);
  assert.deepEqual(w.fp16ExcludeOps, ["Gemm", "Relu"]);
});

test("a YAML config takes kebab-case or camelCase keys, resolves paths against itself, and names unknown keys", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "build.yaml");
  fs.writeFileSync(file, "onnx: models/m.onnx\nsave-engine: out.trtx\nfp16: true\naccuracySamples: 3\nmin-shapes: [\"input:1x64\"]\n");
  const config = readBuildConfig(file);
  assert.equal(config.onnx, path.join(dir, "models/m.onnx"));
  const r = resolveBuildRequest(config, { accuracySamples: "5" });
  assert.equal(r.saveEngine, path.join(dir, "out.trtx"));
  assert.equal(r.accuracySamples, 5, "a flag overrides the config");
  assert.deepEqual(r.minShapes, ["input:1x64"]);
  fs.writeFileSync(file, "onnx: m.onnx\nfp17: true\n");
  assert.throws(() => readBuildConfig(file), (e) => e instanceof UsageError && /unknown key 'fp17'/.test(e.message));
  fs.writeFileSync(file, "onnx: m.onnx\nfp16: yes please\n");
  assert.throws(() => resolveBuildRequest(readBuildConfig(file), {}), /--fp16 "yes please" is not true or false/);
});

test("the build lock refuses a live holder and takes over a dead one", (t) => {
  const dir = tempDir(t);
  const lockPath = path.join(dir, "m.trtx.lock");
  const lock = acquireLock(lockPath);
  assert.equal(fs.readFileSync(lockPath, "utf8").trim(), String(process.pid));
  assert.throws(() => acquireLock(lockPath), /held by this process/);
  lock.release();
  assert.equal(fs.existsSync(lockPath), false);

  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  fs.writeFileSync(lockPath, `${dead}\n`);
  const taken = acquireLock(lockPath);
  assert.equal(taken.tookOverFrom, dead);
  assert.equal(fs.readFileSync(lockPath, "utf8").trim(), String(process.pid));
  taken.release();
});

test("calibration data: <input>_<k>.npy folders, batched files, and shape, dtype and NaN errors naming input and file", (t) => {
  const dir = tempDir(t);
  const inputs = describeModelFile(MLP).inputs;
  const folder = path.join(dir, "calib");
  fs.mkdirSync(folder);
  for (const k of [0, 1, 2, 10]) npy(path.join(folder, `input_${k}.npy`), [1, 64]);
  const data = loadCalibrationData(folder, inputs, undefined, { seed: 1 });
  assert.equal(data.samples.length, 4);
  assert.deepEqual(data.samples[0]!.get("input")!.dims, [1, 64]);
  assert.equal(loadCalibrationData(folder, inputs, undefined, { seed: 1, maxSamples: 2 }).samples.length, 2);

  const profile = parseProfiles({ min: ["input:1x64"], opt: ["input:4x64"], max: ["input:8x64"] })[0];
  const batched = npy(path.join(dir, "all.npy"), [10, 64]);
  const split = loadCalibrationData(batched, inputs, profile, { seed: 1 });
  assert.equal(split.samples.length, 2);
  assert.deepEqual(split.samples[1]!.get("input")!.dims, [4, 64]);
  assert.match(split.warnings[0]!, /last 2 of 10 examples/);

  npy(path.join(folder, "input_3.npy"), [1, 32]);
  assert.throws(() => loadCalibrationData(folder, inputs, undefined, { seed: 1 }), (e) => e instanceof UsageError && /calibration input input: the model takes \[batch,64\], .*input_3\.npy has shape \[1,32\]/.test(e.message));
  npy(path.join(folder, "input_3.npy"), [1, 64], () => 0, "float64");
  assert.throws(() => loadCalibrationData(folder, inputs, undefined, { seed: 1 }), /takes float32, .*input_3\.npy holds float64/);
  npy(path.join(folder, "input_3.npy"), [1, 64], (i) => (i === 5 ? NaN : 0));
  assert.throws(() => loadCalibrationData(folder, inputs, undefined, { seed: 1 }), (e) => e instanceof DataFormatError && /input_3\.npy holds NaN or Inf \(flat index 5\)/.test(e.message));
  fs.rmSync(path.join(folder, "input_3.npy"));
  npy(path.join(folder, "input_4.npy"), [16, 64]);
  assert.throws(() => loadCalibrationData(folder, inputs, profile, { seed: 1 }), /outside the profile \[1,64\]\.\.\[8,64\]/);
  assert.throws(() => loadCalibrationData(path.join(dir, "nope"), inputs, undefined, { seed: 1 }), /no such file or folder/);
});

test("a multi-input model's calibration folder needs <input>_<k>.npy for every input", (t) => {
  const dir = tempDir(t);
  const inputs = describeModelFile(fixture("two_input.onnx")).inputs;
  fs.writeFileSync(path.join(dir, "tokens_0.npy"), encodeNpy({ dtype: "int64", dims: [1, 5], data: new BigInt64Array(5) }));
  assert.throws(() => loadCalibrationData(dir, inputs, undefined, { seed: 1 }), /sample 0 lacks features_0\.npy/);
  npy(path.join(dir, "features_0.npy"), [1, 16]);
  const data = loadCalibrationData(dir, inputs, undefined, { seed: 1 });
  assert.deepEqual([...data.samples[0]!.keys()].sort(), ["features", "tokens"]);
  npy(path.join(dir, "stray.npy"), [1, 16]);
  assert.throws(() => loadCalibrationData(dir, inputs, undefined, { seed: 1 }), /stray\.npy does not name an input/);
});

test("a build that fails midway leaves no temp folder and no partial bundle, and keeps an existing bundle", async (t) => {
  const dir = tempDir(t);
  const dest = path.join(dir, "m.trtx");
  const request = resolveBuildRequest({}, { onnx: MLP, saveEngine: dest, fp16: true, accuracySamples: "2" });
  const boom = (at: string) => (step: string) => {
    if (step === at) throw new Error(`interrupted at ${step}`);
  };
  await assert.rejects(buildBundle(request, { onStep: boom("accuracy") }), /interrupted at accuracy/);
  assert.deepEqual(fs.readdirSync(dir), [], "no temp folder, no bundle, no lock");

  const built = await buildBundle(request);
  assert.equal(built.written, true);
  const before = fs.readFileSync(path.join(dest, "manifest.json"), "utf8");
  await assert.rejects(buildBundle({ ...request, force: true }, { onStep: boom("optimize") }), /interrupted at optimize/);
  assert.deepEqual(fs.readdirSync(dir), ["m.trtx"]);
  assert.equal(fs.readFileSync(path.join(dest, "manifest.json"), "utf8"), before, "the old bundle is untouched");

  // A killed build's temp folder (its pid is gone) is cleared by the next build.
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  fs.mkdirSync(path.join(dir, `.m.trtx.build-${dead}-abc`));
  await buildBundle({ ...request, force: true });
  assert.deepEqual(fs.readdirSync(dir), ["m.trtx"]);
});

test("a bundle is foreign when its provider is missing here or its GPU differs; CPU bundles never are", () => {
  const gpu = (name: string, cc: string) => ({ platform: "linux x64", cpu: { model: "x", isa: [] }, gpu: { name, computeCapability: cc } });
  assert.equal(foreignReason("cpu", gpu("A100", "8.0"), () => gpu("H100", "9.0")), undefined);
  const reason = foreignReason("cuda", gpu("A100", "8.0"), () => gpu("H100", "9.0"));
  assert.ok(reason !== undefined);
  assert.match(reason, /not available here|built on A100 \(compute 8\.0\), this machine has H100 \(compute 9\.0\)/);
});
