import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { BUNDLE_SCHEMA, tensorRtOptions } from "../src/core/build/manifest.js";
import type { ShapeProfile } from "../src/core/shapes/profiles.js";
import { exportNetwork } from "../src/core/export/network.js";
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { saveModel } from "../src/core/onnx/model-file.js";
import { batchVerdict, type ValueDesc } from "../src/core/onnx/model-info.js";
import { parseModelConfig } from "../src/core/triton/pbtxt-parse.js";
import { planRepository, resolveRepoSource, type RepoInitOptions, type RepoPlan } from "../src/core/triton/plan-repository.js";
import { writeRepoPlan } from "../src/core/triton/repo-write.js";
import { fails, fixture, ROOT, runCli, tempDir } from "./helpers.js";
import { accumulatorModel, controlsModel } from "./sequence-models.js";

const GOLDEN = path.join(ROOT, "test", "golden-configs");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function configOf(plan: RepoPlan): string {
  const file = plan.files.find((f) => f.path === "config.pbtxt");
  assert.ok(file && "content" in file, "the plan writes config.pbtxt");
  return file.content;
}

/** The rendered config equals its golden file (UPDATE_GOLDEN=1 rewrites it) and parses back to the plan's config object. */
function assertGolden(plan: RepoPlan, golden: string): void {
  const text = configOf(plan);
  if (UPDATE) fs.writeFileSync(path.join(GOLDEN, `${golden}.pbtxt`), text);
  assert.equal(text, fs.readFileSync(path.join(GOLDEN, `${golden}.pbtxt`), "utf8"));
  assert.deepEqual(parseModelConfig(text, golden), plan.config);
}

const plan = (name: string, onnx: string, options: Partial<RepoInitOptions> = {}) =>
  planRepository({ name, repo: "/repo", source: resolveRepoSource({ name, onnx }), ...options });

test("a dynamic-batch model: max_batch_size, dims without the batch dim, dynamic batching and instances", () => {
  const p = plan("mlp_dynbatch", fixture("mlp_dynbatch.onnx"), { dynamicBatching: true, preferred: [4, 8], maxQueueDelayUs: 100, kind: "gpu", instances: 2, gpus: [0, 1] });
  assertGolden(p, "mlp_dynbatch");
  assert.equal(p.modelDir, path.join("/repo", "mlp_dynbatch"));
  assert.deepEqual(p.files.slice(1), [{ path: "1/model.onnx", copyFrom: fixture("mlp_dynbatch.onnx") }]);
});

test("a fixed-batch model: max_batch_size 0 and full dims; --max-batch and --dynamic-batching refused", (t) => {
  const onnx = path.join(tempDir(t), "mlp2.onnx");
  exportNetwork({ template: "mlp" }, onnx, { batch: 2 });
  assertGolden(plan("mlp_fixed", onnx, { kind: "cpu", instances: 2 }), "mlp_fixed");
  assert.throws(() => plan("mlp_fixed", onnx, { maxBatch: 4 }), { name: "UsageError", message: /--max-batch 4 needs a batchable model, but input input has a fixed first dimension \(2\)/ });
  assert.throws(() => plan("mlp_fixed", onnx, { dynamicBatching: true }), { name: "UsageError", message: /--dynamic-batching needs max_batch_size > 0/ });
  // --max-batch 0 asks for what the model already is.
  assert.equal(plan("mlp_fixed", onnx, { maxBatch: 0 }).config.max_batch_size, undefined);
});

test("float16 IO is TYPE_FP16", () => {
  assertGolden(plan("fp16_io", fixture("fp16_io.onnx"), { maxBatch: 16 }), "fp16_io");
});

test("int64 and float inputs, a symbolic sequence dim as -1", () => {
  assertGolden(plan("two_input", fixture("two_input.onnx")), "two_input");
});

test("external data: 1/model.onnx is a folder holding the model and its data", () => {
  const p = plan("external_data", fixture("external_data.onnx"), { version: 3 });
  assertGolden(p, "external_data");
  assert.deepEqual(p.files.slice(1), [
    { path: "3/model.onnx/model.onnx", copyFrom: fixture("external_data.onnx") },
    { path: "3/model.onnx/external_data.onnx.data", copyFrom: fixture("external_data.onnx.data") },
  ]);
});

/** A bundle as trtx build writes it, fp16 with one profile (only the manifest fields repo init reads matter). */
function fakeBundle(dir: string): string {
  const profiles: ShapeProfile[] = [new Map([["input", { min: [1, 64], opt: [4, 64], max: [16, 64] }]])];
  const bundle = path.join(dir, "mlp.trtx");
  fs.mkdirSync(bundle);
  fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(bundle, "model.onnx"));
  fs.writeFileSync(path.join(bundle, "model.opt.onnx"), "not copied");
  const manifest = {
    schema: BUNDLE_SCHEMA,
    precision: { fp16: true, int8: false, ioFp16: false, blockOps: [] },
    profiles: profiles.map((p) => Object.fromEntries(p)),
    provider: "cuda",
    inputsHash: "f".repeat(64),
    fingerprint: { platform: "linux x64", cpu: { model: "EPYC", isa: ["avx2"] }, gpu: { name: "NVIDIA H100 80GB HBM3", computeCapability: "9.0" } },
    tensorrt: tensorRtOptions({ fp16: true, int8: false, modelSha256: "0123456789abcdef0123", profiles, workspace: 1 << 30 }),
  };
  fs.writeFileSync(path.join(bundle, "manifest.json"), JSON.stringify(manifest));
  return bundle;
}

test("a bundle: its model only, the TensorRT accelerator with the backend's keys, a warm-up per profile", (t) => {
  const bundle = fakeBundle(tempDir(t));
  const p = planRepository({ name: "mlp_trt", repo: "/repo", source: resolveRepoSource({ name: "mlp_trt", loadEngine: bundle }) });
  assertGolden(p, "bundle_fp16");
  assert.deepEqual(p.files[1], { path: "1/model.onnx", copyFrom: path.join(bundle, "model.onnx") });
  // Beside the config, where the bundle came from: trtx deploy pins pods to the GPU it names.
  assert.equal(p.files.length, 3);
  const provenance = JSON.parse((p.files[2] as { content: string }).content);
  assert.equal(p.files[2]!.path, "trtx-bundle.json");
  assert.deepEqual([provenance.schema, provenance.bundle, provenance.provider, provenance.builtOn.gpu.name], ["trtx.model-provenance/1", "f".repeat(64), "cuda", "NVIDIA H100 80GB HBM3"]);
  // The profile's max batch is the default max_batch_size, and a warm-up past --max-batch is refused.
  assert.equal(p.config.max_batch_size, 16);
  assert.throws(() => planRepository({ name: "mlp_trt", repo: "/repo", maxBatch: 2, source: resolveRepoSource({ name: "mlp_trt", loadEngine: bundle }) }), {
    name: "UsageError",
    message: /profile 0 warms up at batch 4, over max_batch_size 2/,
  });
});

test("a [batch] tensor gets dims [1] and an empty reshape; tensors Triton cannot type are refused", () => {
  const v = (name: string, dtype: string, shape: ValueDesc["shape"]): ValueDesc => ({ name, kind: "tensor", dtype, shape });
  const inputs = [v("ids", "int32", ["n"]), v("mask", "bool", ["n", "s"])];
  const outputs = [v("score", "float64", ["n"]), v("half", "bfloat16", ["n", 3])];
  const p = planRepository({ name: "m", repo: "r", source: { kind: "template", template: "m", inputs, outputs, batch: batchVerdict(inputs, outputs) } });
  assert.deepEqual(p.config.input, [
    { name: "ids", data_type: "TYPE_INT32", dims: ["1"], reshape: {} },
    { name: "mask", data_type: "TYPE_BOOL", dims: ["-1"] },
  ]);
  assert.deepEqual(p.config.output, [
    { name: "score", data_type: "TYPE_FP64", dims: ["1"], reshape: {} },
    { name: "half", data_type: "TYPE_BF16", dims: ["3"] },
  ]);
  assert.deepEqual(parseModelConfig(configOf(p), "m"), p.config);
  const odd = [v("x", "float8e4m3fn", ["n"])];
  assert.throws(() => planRepository({ name: "m", repo: "r", source: { kind: "template", template: "m", inputs: odd, outputs: odd, batch: batchVerdict(odd, odd) } }), {
    name: "UsageError",
    message: /input x is a float8e4m3fn tensor/,
  });
});

test("names that are not one plain folder name are refused", () => {
  for (const name of ["", "a/b", "..", "x..y", ".hidden", "a\\b"]) {
    assert.throws(() => plan(name, fixture("mlp_dynbatch.onnx")), { name: "UsageError", message: /model name '.*' is not valid/ }, name);
  }
});

test("preferred sizes over max_batch_size and gpus on cpu are refused", () => {
  assert.throws(() => plan("m", fixture("mlp_dynbatch.onnx"), { dynamicBatching: true, preferred: [16] }), /--preferred 16 is not a batch size from 1 to max_batch_size 8/);
  assert.throws(() => plan("m", fixture("mlp_dynbatch.onnx"), { kind: "cpu", gpus: [0] }), /--gpus needs --kind gpu/);
});

test("dynamic batching is the default for a batchable model: no preferred sizes, no delay; off on request", (t) => {
  const mlp = fixture("mlp_dynbatch.onnx");
  assert.deepEqual(plan("m", mlp).config.dynamic_batching, {});
  assert.match(configOf(plan("m", mlp)), /\ndynamic_batching \{ \}\n/);
  assert.deepEqual(plan("m", mlp, { dynamicBatching: true }).config.dynamic_batching, {});
  assert.equal(plan("m", mlp, { dynamicBatching: false }).config.dynamic_batching, undefined);
  assert.doesNotMatch(configOf(plan("m", mlp, { dynamicBatching: false })), /batching/);
  // Tuning needs no --dynamic-batching now, and is refused with the batcher turned off.
  assert.deepEqual(plan("m", mlp, { preferred: [4], maxQueueDelayUs: 50 }).config.dynamic_batching, { preferred_batch_size: [4], max_queue_delay_microseconds: "50" });
  assert.throws(() => plan("m", mlp, { dynamicBatching: false, preferred: [4] }), { name: "UsageError", message: /--preferred and --max-queue-delay-us tune the dynamic batcher, which --no-dynamic-batching turns off/ });
  assert.throws(() => plan("m", mlp, { dynamicBatching: false, maxQueueDelayUs: 10 }), { name: "UsageError", message: /which --no-dynamic-batching turns off/ });
  // A model that cannot batch gets no scheduler by default, and refuses the flags that tune one.
  const onnx = path.join(tempDir(t), "fixed.onnx");
  exportNetwork({ template: "mlp" }, onnx, { batch: 2 });
  assert.equal(plan("f", onnx).config.dynamic_batching, undefined);
  assert.throws(() => plan("f", onnx, { preferred: [1] }), { name: "UsageError", message: /--preferred needs max_batch_size > 0, but the model is not batchable/ });
  assert.throws(() => plan("m", mlp, { maxBatch: 0, maxQueueDelayUs: 5 }), { name: "UsageError", message: /--max-queue-delay-us needs max_batch_size > 0, but --max-batch is 0/ });
});

test("the writer puts the whole folder in place, refuses an existing one, and replaces it with force", (t) => {
  const repo = tempDir(t);
  const p = planRepository({ name: "ext", repo, source: resolveRepoSource({ name: "ext", onnx: fixture("external_data.onnx") }) });
  writeRepoPlan(p);
  assert.deepEqual(fs.readdirSync(repo), ["ext"]);
  assert.equal(fs.readFileSync(path.join(repo, "ext", "config.pbtxt"), "utf8"), configOf(p));
  assert.deepEqual(fs.readdirSync(path.join(repo, "ext", "1", "model.onnx")).sort(), ["external_data.onnx.data", "model.onnx"]);
  assert.throws(() => writeRepoPlan(p), { name: "FileError", message: /already exists/ });
  fs.writeFileSync(path.join(repo, "ext", "stale.txt"), "old");
  writeRepoPlan(p, { force: true });
  assert.deepEqual(fs.readdirSync(path.join(repo, "ext")).sort(), ["1", "config.pbtxt"]);
  assert.deepEqual(fs.readdirSync(repo), ["ext"], "no temporary folder is left behind");
});

test("trtx repo init writes the layout; a second init refuses without --force", (t) => {
  const repo = path.join(tempDir(t), "model_repository");
  const args = ["repo", "init", "mlpd", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", repo, "--dynamic-batching"];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(path.join(repo, "mlpd")).sort(), ["1", "config.pbtxt"]);
  assert.ok(fs.statSync(path.join(repo, "mlpd", "1", "model.onnx")).isFile());
  assert.match(fs.readFileSync(path.join(repo, "mlpd", "config.pbtxt"), "utf8"), /^name: "mlpd"\n[\s\S]*max_batch_size: 8\n[\s\S]*dynamic_batching \{ \}\n/);
  fails(args, 1, /mlpd already exists/);
  assert.equal(runCli([...args, "--force"]).code, 0);
});

test("trtx repo init --dry-run writes nothing; --json prints the plan", (t) => {
  const repo = path.join(tempDir(t), "model_repository");
  const r = runCli(["repo", "init", "ext", "--onnx", fixture("external_data.onnx"), "--repo", repo, "--dry-run", "--version", "2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /would write .*ext\n  config\.pbtxt .*\n  2\/model\.onnx\/model\.onnx  copy of .*\n  2\/model\.onnx\/external_data\.onnx\.data/);
  assert.match(r.stdout, /platform: "onnxruntime_onnx"/);
  assert.equal(fs.existsSync(repo), false);
  const j = runCli(["repo", "init", "ext", "--onnx", fixture("external_data.onnx"), "--repo", repo, "--dry-run", "--json"]);
  const out = JSON.parse(j.stdout);
  assert.equal(out.written, false);
  assert.equal(out.config.name, "ext");
  assert.deepEqual(out.files.map((f: { path: string }) => f.path), ["config.pbtxt", "1/model.onnx/model.onnx", "1/model.onnx/external_data.onnx.data"]);
  assert.equal(fs.existsSync(repo), false);
});

test("trtx repo init refuses bad names and --max-batch on a fixed-batch model", (t) => {
  const dir = tempDir(t);
  for (const name of ["../up", ".hidden"]) fails(["repo", "init", name, "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", dir], 2, /model name '.*' is not valid/);
  const onnx = path.join(dir, "fixed.onnx");
  exportNetwork({ template: "mlp" }, onnx, { batch: 2 });
  fails(["repo", "init", "fixed", "--onnx", onnx, "--repo", dir, "--max-batch", "4"], 2, /--max-batch 4 needs a batchable model, but input input has a fixed first dimension \(2\)/);
  fails(["repo", "init", "nosuch", "--repo", dir], 2, /'nosuch' is not a built-in template/);
  assert.deepEqual(fs.readdirSync(dir), ["fixed.onnx"]);
});

test("trtx repo init mlp exports the template into the version folder", (t) => {
  const repo = path.join(tempDir(t), "models");
  const r = runCli(["repo", "init", "mlp", "--repo", repo, "--kind", "cpu"]);
  assert.equal(r.code, 0, r.stderr);
  const config = parseModelConfig(fs.readFileSync(path.join(repo, "mlp", "config.pbtxt"), "utf8"), "mlp");
  assert.equal(config.name, "mlp");
  assert.equal(config.max_batch_size, 8);
  assert.deepEqual(config.instance_group, [{ kind: "KIND_CPU", count: 1 }]);
  const run = runCli(["inspect", "--onnx", path.join(repo, "mlp", "1", "model.onnx"), "--json"]);
  assert.equal(run.code, 0, run.stderr);
});

/** A file with a TensorRT plan's magic: nothing here can build a real one (no TensorRT). */
function fakePlan(dir: string): string {
  const file = path.join(dir, "yolo.plan");
  fs.writeFileSync(file, Buffer.concat([Buffer.from("ftrt"), Buffer.alloc(60)]));
  return file;
}

test("a TensorRT plan: platform tensorrt_plan, model.plan, tensors from --inputs/--outputs in both spellings", (t) => {
  const file = fakePlan(tempDir(t));
  const source = resolveRepoSource({ name: "yolo", plan: file, inputs: "images:-1x3x640x640:fp16,scale:[-1,2]:TYPE_FP32", outputs: "output0:[-1,84,8400]:float16" });
  const p = planRepository({ name: "yolo", repo: "/repo", source, maxBatch: 4, dynamicBatching: true, warmup: true });
  assertGolden(p, "plan_fp16");
  assert.deepEqual(p.files.slice(1), [{ path: "1/model.plan", copyFrom: file }]);
});

test("a plan needs its tensors, a real plan header and one model flag", (t) => {
  const dir = tempDir(t);
  const file = fakePlan(dir);
  const resolve = (o: Partial<Parameters<typeof resolveRepoSource>[0]>) => () => resolveRepoSource({ name: "m", ...o });
  assert.throws(resolve({ plan: file, inputs: "x:1:fp32" }), { name: "UsageError", message: /--plan needs --inputs and --outputs/ });
  assert.throws(resolve({ plan: fixture("mlp_dynbatch.onnx"), inputs: "x:1:fp32", outputs: "y:1:fp32" }), { name: "UsageError", message: /is an ONNX model, not a TensorRT plan/ });
  assert.throws(resolve({ plan: path.join(dir, "none.plan"), inputs: "x:1:fp32", outputs: "y:1:fp32" }), { name: "FileError", message: /no such file/ });
  assert.throws(resolve({ plan: file, onnx: fixture("mlp_dynbatch.onnx") }), { name: "UsageError", message: /not --onnx and --plan/ });
  assert.throws(resolve({ onnx: fixture("mlp_dynbatch.onnx"), outputs: "y:1:fp32" }), { name: "UsageError", message: /--inputs and --outputs describe a --plan/ });
  for (const [spec, message] of [
    ["x:1x0:fp32", /bad dim "0"/],
    ["x:1:fp8", /unknown data type "fp8"/],
    ["x:fp32", /is not NAME:DIMS:DTYPE/],
    ["x:1:fp32,,y:1:fp32", /empty entry/],
    ["x:1:fp32,x:2:fp32", /input x is given twice/],
  ] as const) {
    assert.throws(resolve({ plan: file, inputs: spec, outputs: "y:1:fp32" }), { name: "UsageError", message }, spec);
  }
});

test("--warmup: batch 1 and max_batch_size; variable dims need --shapes; --shapes alone is refused", () => {
  const warm = plan("mlp", fixture("mlp_dynbatch.onnx"), { warmup: true, maxBatch: 4 }).config.model_warmup;
  const sample = (batch: number) => ({ name: `batch${batch}`, batch_size: batch, inputs: { input: { data_type: "TYPE_FP32", dims: ["64"], random_data: true } } });
  assert.deepEqual(warm, [sample(1), sample(4)]);
  assert.throws(() => plan("two", fixture("two_input.onnx"), { warmup: true }), { name: "UsageError", message: /--warmup needs a size for input .* variable dims/ });
  const two = plan("two", fixture("two_input.onnx"), { warmup: true, maxBatch: 2, shapes: new Map([["tokens", [1, 16]]]) });
  assert.deepEqual((two.config.model_warmup as { batch_size: number; inputs: Record<string, { dims: string[] }> }[]).map((w) => [w.batch_size, w.inputs.tokens!.dims]), [[1, ["16"]], [2, ["16"]]]);
  assert.throws(() => plan("mlp", fixture("mlp_dynbatch.onnx"), { warmup: true, shapes: new Map([["nope", [1]]]) }), { message: /--shapes names nope, which is not an input/ });
  assert.throws(() => plan("mlp", fixture("mlp_dynbatch.onnx"), { shapes: new Map([["input", [1, 64]]]) }), { message: /needs --warmup/ });
});

test("--labels: copied beside config.pbtxt, set on the output, its count checked against the classes", (t) => {
  const dir = tempDir(t);
  const labels = path.join(dir, "classes.txt");
  fs.writeFileSync(labels, Array.from({ length: 10 }, (_, i) => `class ${i}`).join("\n") + "\n");
  const p = plan("mlp", fixture("mlp_dynbatch.onnx"), { labels });
  assert.deepEqual(p.config.output, [{ name: "output", data_type: "TYPE_FP32", dims: ["10"], label_filename: "classes.txt" }]);
  assert.deepEqual(p.files.at(-1), { path: "classes.txt", copyFrom: labels });
  assert.deepEqual(plan("mlp", fixture("mlp_dynbatch.onnx"), { labels: `output=${labels}` }).config.output, p.config.output);
  fs.writeFileSync(labels, "a\nb\n");
  assert.throws(() => plan("mlp", fixture("mlp_dynbatch.onnx"), { labels }), { name: "UsageError", message: /has 2 labels but output output has 10 classes/ });
  assert.throws(() => plan("mlp", fixture("mlp_dynbatch.onnx"), { labels: path.join(dir, "none.txt") }), { name: "FileError" });
  const two = fakePlan(dir);
  const source = resolveRepoSource({ name: "p", plan: two, inputs: "x:-1x4:fp32", outputs: "a:-1x2:fp32,b:-1x2:fp32" });
  assert.throws(() => planRepository({ name: "p", repo: dir, source, labels }), { name: "UsageError", message: /the model has 2 outputs, so say which one/ });
  assert.equal((planRepository({ name: "p", repo: dir, source, labels: `b=${labels}` }).config.output as { label_filename?: string }[])[1]!.label_filename, "classes.txt");
});

test("trtx repo init --plan writes model.plan and repo validate accepts it", (t) => {
  const dir = tempDir(t);
  const repo = path.join(dir, "models");
  const r = runCli(["repo", "init", "yolo", "--plan", fakePlan(dir), "--inputs", "images:-1x3x64x64:fp16", "--outputs", "out:-1x10:fp16", "--repo", repo, "--warmup"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(path.join(repo, "yolo", "1")), ["model.plan"]);
  const v = runCli(["repo", "validate", repo]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

/** y = 2x over `shape` (a rank-0 model when shape is [], one value per request when it is ["batch"]). */
function doubler(file: string, shape: (string | number)[]): string {
  const g = new GraphBuilder("doubler");
  g.input("x", DataType.FLOAT, shape);
  g.op("Mul", ["x", g.initializer("two", DataType.FLOAT, [], new Float32Array([2]))], {}, { output: "y" });
  g.output("y", DataType.FLOAT, shape);
  saveModel(g.model(), file);
  return file;
}

test("a rank-0 tensor of an unbatched model is dims [1] with no reshape; a [batch] tensor keeps its empty reshape", (t) => {
  const dir = tempDir(t);
  const scalar = plan("scalar", doubler(path.join(dir, "scalar.onnx"), []), { warmup: true });
  assert.equal(scalar.config.max_batch_size, undefined);
  assert.deepEqual(scalar.config.input, [{ name: "x", data_type: "TYPE_FP32", dims: ["1"] }]);
  assert.deepEqual(scalar.config.output, [{ name: "y", data_type: "TYPE_FP32", dims: ["1"] }]);
  assert.deepEqual(scalar.config.model_warmup, [{ name: "warmup", batch_size: 1, inputs: { x: { data_type: "TYPE_FP32", dims: ["1"], random_data: true } } }]);
  assert.doesNotMatch(configOf(scalar), /reshape/);
  const perRequest = plan("per_request", doubler(path.join(dir, "per_request.onnx"), ["batch"]));
  assert.deepEqual(perRequest.config.input, [{ name: "x", data_type: "TYPE_FP32", dims: ["1"], reshape: {} }]);
  assert.match(configOf(perRequest), /dims: \[ 1 \]\n    reshape \{ \}\n/);
});

test("warm-up data: zeros for integer and bool inputs (random bytes are no valid ids), random data for floats", (t) => {
  const warm = plan("two", fixture("two_input.onnx"), { warmup: true, maxBatch: 2, shapes: new Map([["tokens", [1, 16]]]) }).config.model_warmup as { inputs: Record<string, Record<string, unknown>> }[];
  const kinds = Object.fromEntries(Object.entries(warm[0]!.inputs).map(([name, v]) => [name, [v.data_type, "zero_data" in v ? "zero" : "random"]]));
  assert.deepEqual(kinds, { tokens: ["TYPE_INT64", "zero"], features: ["TYPE_FP32", "random"] });
  const r = runCli(["repo", "init", "bert-tiny", "--warmup", "--shapes", "input_ids:1x16,attention_mask:1x16", "--repo", tempDir(t), "--dry-run", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const inputs = JSON.parse(r.stdout).config.model_warmup.flatMap((w: { inputs: Record<string, object> }) => Object.values(w.inputs));
  assert.deepEqual(inputs.map((v: object) => Object.keys(v).at(-1)), ["zero_data", "zero_data", "zero_data", "zero_data"]);
});

test("sequence controls named START, END, READY, CORRID: sequence_batching with each type's false/true, no dynamic batching", (t) => {
  const p = plan("controls", controlsModel(path.join(tempDir(t), "controls.onnx")), { kind: "cpu" });
  assertGolden(p, "sequence_controls");
  assert.equal(p.config.dynamic_batching, undefined);
  assert.deepEqual((p.config.input as { name: string }[]).map((i) => i.name), ["INPUT"]);
});

test("--sequence-control names the controls; a warm-up gives them (zeros: false, corrid 0) as Triton feeds no batcher there", (t) => {
  const dir = tempDir(t);
  const onnx = controlsModel(path.join(dir, "controls.onnx"));
  // Named explicitly, only the named inputs are controls; the rest stay ordinary inputs.
  const p = plan("c", onnx, { sequenceControl: { start: "START", ready: "READY" }, warmup: true });
  assert.deepEqual((p.config.input as { name: string }[]).map((i) => i.name), ["INPUT", "END", "CORRID"]);
  assert.deepEqual((p.config.sequence_batching as { control_input: { name: string }[] }).control_input.map((c) => c.name), ["START", "READY"]);
  const warm = p.config.model_warmup as { batch_size: number; inputs: Record<string, Record<string, unknown>> }[];
  assert.deepEqual(warm.map((w) => w.batch_size), [1, 8]);
  assert.deepEqual(warm[0]!.inputs.START, { data_type: "TYPE_INT32", dims: ["1"], zero_data: true });
  assert.deepEqual(warm[0]!.inputs.READY, { data_type: "TYPE_FP32", dims: ["1"], zero_data: true });
  assert.deepEqual(Object.keys(warm[0]!.inputs), ["INPUT", "READY", "START", "END", "CORRID"]);
});

test("sequence models refuse the dynamic batcher's flags and controls Triton's backend would refuse", (t) => {
  const dir = tempDir(t);
  const onnx = controlsModel(path.join(dir, "controls.onnx"));
  assert.throws(() => plan("c", onnx, { dynamicBatching: true }), { name: "UsageError", message: /--dynamic-batching sets the dynamic batcher, but this is a sequence model/ });
  assert.throws(() => plan("c", onnx, { preferred: [2] }), { name: "UsageError", message: /--preferred sets the dynamic batcher/ });
  assert.throws(() => plan("c", onnx, { maxQueueDelayUs: 5 }), { name: "UsageError", message: /--max-queue-delay-us sets the dynamic batcher/ });
  // --no-dynamic-batching asks for what a sequence model is anyway.
  assert.equal(plan("c", onnx, { dynamicBatching: false }).config.dynamic_batching, undefined);
  const wide = controlsModel(path.join(dir, "wide.onnx"), { START: [DataType.INT32, ["batch", 2]] });
  assert.throws(() => plan("c", wide), { name: "UsageError", message: /sequence control start \(input START\) has shape \[batch,2\], but Triton's onnxruntime backend needs \[batch, 1\]/ });
  const int64Start = controlsModel(path.join(dir, "int64.onnx"), { START: [DataType.INT64, ["batch", 1]] });
  assert.throws(() => plan("c", int64Start), { name: "UsageError", message: /sequence control start \(input START\) is TYPE_INT64, which Triton cannot set to false\/true/ });
  const floatCorrid = controlsModel(path.join(dir, "fcorrid.onnx"), { CORRID: [DataType.FLOAT, ["batch", 1]] });
  assert.throws(() => plan("c", floatCorrid), { name: "UsageError", message: /sequence control corrid \(input CORRID\) is TYPE_FP32, which Triton does not take for CORRID/ });
  assert.throws(() => plan("c", onnx, { sequenceControl: { start: "NOPE" } }), { name: "UsageError", message: /--sequence-control start names NOPE, which is not a model input/ });
  assert.throws(() => plan("c", onnx, { sequenceControl: { start: "START", end: "START" } }), { name: "UsageError", message: /input START is given for two sequence controls/ });
  // Unbatched, a control is [1]: a [batch, 1] one keeps its batch dim there and is refused.
  const unbatched = controlsModel(path.join(dir, "unbatched.onnx"), { START: [DataType.INT32, [1]] });
  const fixed = plan("c", unbatched, { sequenceControl: { start: "START" } });
  assert.deepEqual([fixed.config.max_batch_size, (fixed.config.sequence_batching as { control_input: unknown[] }).control_input], [undefined, [{ name: "START", control: [{ int32_false_true: [0, 1] }] }]]);
  assert.throws(() => plan("c", onnx, { maxBatch: 0 }), { name: "UsageError", message: /sequence control start \(input START\) has shape \[batch,1\], but Triton's onnxruntime backend needs \[1\]/ });
});

test("--sequence-state: a state pair off the input and output lists, starting from zeros", (t) => {
  const dir = tempDir(t);
  const p = plan("accumulator", accumulatorModel(path.join(dir, "acc.onnx")), { sequenceState: [{ input: "INPUT_STATE", output: "OUTPUT_STATE" }], kind: "cpu", warmup: true });
  assertGolden(p, "sequence_state");
  const mismatch = accumulatorModel(path.join(dir, "int.onnx"), DataType.INT32);
  assert.throws(() => plan("a", mismatch, { sequenceState: [{ input: "INPUT_STATE", output: "OUTPUT_STATE" }] }), { name: "UsageError", message: /the input is TYPE_INT32 but the output is TYPE_FP32/ });
  assert.throws(() => plan("a", path.join(dir, "acc.onnx"), { sequenceState: [{ input: "INPUT_STATE", output: "NOPE" }] }), { name: "UsageError", message: /names NOPE, which is not a model output/ });
  assert.throws(() => plan("a", path.join(dir, "acc.onnx"), { sequenceState: [{ input: "INPUT_STATE", output: "OUTPUT_STATE" }], dynamicBatching: true }), { name: "UsageError", message: /sequence model/ });
});

test("trtx repo init: dynamic batching by default, --no-dynamic-batching, sequence flags; bad input is one line, exit 2, nothing written", (t) => {
  const dir = tempDir(t);
  const repo = path.join(dir, "models");
  const mlp = fixture("mlp_dynbatch.onnx");
  const json = (args: string[]) => {
    const r = runCli(["repo", "init", ...args, "--repo", repo, "--dry-run", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).config;
  };
  assert.deepEqual(json(["m", "--onnx", mlp]).dynamic_batching, {});
  assert.equal(json(["m", "--onnx", mlp, "--no-dynamic-batching"]).dynamic_batching, undefined);
  assert.deepEqual(json(["m", "--onnx", mlp, "--dynamic-batching", "--preferred", "2,4"]).dynamic_batching, { preferred_batch_size: [2, 4] });
  const acc = accumulatorModel(path.join(dir, "acc.onnx"));
  const seq = json(["a", "--onnx", acc, "--sequence-state", "INPUT_STATE:OUTPUT_STATE"]);
  assert.deepEqual([seq.dynamic_batching, seq.sequence_batching.state[0].input_name], [undefined, "INPUT_STATE"]);
  const controls = controlsModel(path.join(dir, "controls.onnx"));
  assert.deepEqual(json(["c", "--onnx", controls, "--sequence-control", "start=START,corrid=CORRID"]).sequence_batching.control_input.map((c: { name: string }) => c.name), ["START", "CORRID"]);
  for (const [args, message] of [
    [["m", "--onnx", mlp, "--no-dynamic-batching", "--preferred", "4"], /--preferred and --max-queue-delay-us tune the dynamic batcher, which --no-dynamic-batching turns off — drop --no-dynamic-batching/],
    [["c", "--onnx", controls, "--dynamic-batching"], /this is a sequence model/],
    [["c", "--onnx", controls, "--sequence-control", "begin=START"], /--sequence-control "begin=START" is not KIND=NAME/],
    [["c", "--onnx", controls, "--sequence-control", "start=START,start=READY"], /--sequence-control names start twice/],
    [["a", "--onnx", acc, "--sequence-state", "INPUT_STATE"], /--sequence-state "INPUT_STATE" is not INPUT:OUTPUT/],
  ] as const) {
    fails(["repo", "init", ...args, "--repo", repo], 2, message);
  }
  assert.equal(fs.existsSync(repo), false);
});
