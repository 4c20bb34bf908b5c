import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { failing } from "../src/core/triton/lint.js";
import { validateModel, validateRepository, type ValidateFinding } from "../src/core/triton/validate.js";
import { stollVersion } from "../src/core/triton/validate-versions.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";
import type { PairCase } from "./server-pairs.js";
import { ensemblePairs } from "./server-pairs-ensemble.js";
import { lintPairs } from "./server-pairs-lint.js";
import { validatePairs } from "./server-pairs-validate.js";
import { warmupPairs } from "./server-pairs-warmup.js";

/** A repository with mlp (mlp_dynbatch.onnx, max_batch_size 8) and two (two_input.onnx), as repo init writes it. */
function makeRepo(t: { after: (fn: () => void) => void }): string {
  const repo = path.join(tempDir(t), "model_repository");
  for (const [name, onnx] of [["mlp", "mlp_dynbatch.onnx"], ["two", "two_input.onnx"]] as const) {
    const r = runCli(["repo", "init", name, "--onnx", fixture(onnx), "--repo", repo]);
    assert.equal(r.code, 0, r.stderr);
  }
  return repo;
}

const configPath = (repo: string, model: string) => path.join(repo, model, "config.pbtxt");
function edit(repo: string, model: string, from: RegExp, to: string): void {
  const text = fs.readFileSync(configPath(repo, model), "utf8");
  assert.match(text, from);
  fs.writeFileSync(configPath(repo, model), text.replace(from, to));
}

/** validate exits 3 and prints a `model: rule: message` line matching the pattern. */
function expectFinding(repo: string, pattern: RegExp): void {
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, pattern);
  assert.match(r.stderr, /finding\(s\)/);
}

test("a clean repository validates with exit 0; --json has every model", (t) => {
  const repo = makeRepo(t);
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 model\(s\), no findings/);
  const j = JSON.parse(runCli(["repo", "validate", repo, "--json"]).stdout);
  assert.equal(j.schema, "trtx.repo-validate/1");
  assert.deepEqual(j.models, [{ name: "mlp", findings: [] }, { name: "two", findings: [] }]);
});

test("a renamed input is not an input of the model; a missing one breaks the input count", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /name: "tokens"/, 'name: "token_ids"');
  expectFinding(repo, /^two: input-missing-in-model: config input "token_ids" is not an input of the model \(version 1 has tokens, features\)/m);
  edit(repo, "two", /  \{\n    name: "token_ids"[^}]*\},\n/, "");
  expectFinding(repo, /^two: input-count: the configuration expects 1 model inputs .*provides 2; not in the config: "tokens"/m);
});

test("a changed data_type names both types", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /TYPE_INT64/, "TYPE_INT32");
  expectFinding(repo, /^two: data-type: input "tokens": config data_type TYPE_INT32, model version 1 has int64 \(TYPE_INT64\)/m);
});

test("batch-dim mistakes get the hint; an unbatched config with the full shape is valid", (t) => {
  const repo = makeRepo(t);
  edit(repo, "mlp", /max_batch_size: 8\n/, "");
  expectFinding(repo, /^mlp: dims: input "input": config dims \[64\] \(max_batch_size 0\) do not match the model's shape \[-1,64\].*did you mean max_batch_size > 0 and dims without it\?/m);
  edit(repo, "mlp", /dims: \[ 64 \]/, "dims: [ -1, 64 ]");
  edit(repo, "mlp", /dims: \[ 10 \]/, "dims: [ -1, 10 ]");
  const unbatched = JSON.parse(runCli(["repo", "validate", repo, "--json"]).stdout);
  // repo init wrote dynamic_batching, which an unbatched model keeps with a warning only.
  assert.deepEqual(unbatched.models.find((m: { name: string }) => m.name === "mlp").findings.map((f: ValidateFinding) => `${f.severity}:${f.rule}`), ["warning:dynamic-batching-unbatched"]);
  edit(repo, "mlp", /platform:/, "max_batch_size: 4\nplatform:");
  expectFinding(repo, /^mlp: dims: input "input": config dims \[-1,64\] \(max_batch_size 4\) do not match the model's shape \[-1,64\].*did you mean max_batch_size > 0/m);
});

test("a fixed dim that differs is a dims finding", (t) => {
  const repo = makeRepo(t);
  edit(repo, "mlp", /dims: \[ 64 \]/, "dims: [ 32 ]");
  expectFinding(repo, /^mlp: dims: input "input": config dims \[32\] .*expected \[64\]/m);
});

test("a config name that is not the folder's", (t) => {
  const repo = makeRepo(t);
  edit(repo, "mlp", /name: "mlp"/, 'name: "other"');
  expectFinding(repo, /^mlp: config-name: config name "other" is not the folder name "mlp"/m);
});

test("folders Triton skips are not findings; a missing model file is", (t) => {
  const repo = makeRepo(t);
  for (const f of ["latest", "warmup", "configs", "v3"]) fs.mkdirSync(path.join(repo, "mlp", f));
  fs.mkdirSync(path.join(repo, "two", "2"));
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^mlp: warning: version-dir: Triton ignores folder "v3"/m);
  assert.doesNotMatch(r.stdout, /latest|warmup|configs/);
  assert.match(r.stdout, /^two: model-file: version 2 has no model\.onnx/m);
});

test("an unparsable config gives line:col; an unknown TensorRT accelerator key is a warning for default instances", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /max_batch_size: 8/, "max_batch_size: eight");
  fs.appendFileSync(
    configPath(repo, "mlp"),
    'optimization { execution_accelerators { gpu_execution_accelerator: [ { name: "tensorrt" parameters { key: "precision_mode" value: "FP16" } parameters { key: "trt_fp16_enable" value: "1" } } ] } }\n',
  );
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^two: config-parse: .*config\.pbtxt:4:\d+: /m);
  assert.match(r.stdout, /^mlp: warning: accelerator: .*unknown parameter "trt_fp16_enable".*read for GPU instances only/m);
  assert.doesNotMatch(r.stdout, /precision_mode/);
});

test("a missing repository is a one-line file error", (t) => {
  fails(["repo", "validate", path.join(tempDir(t), "nosuch")], 1, /cannot read model repository/);
});

test("add-version adds version 2 for a matching model and refuses a contradicting one", (t) => {
  const repo = makeRepo(t);
  const r = runCli(["repo", "add-version", "mlp", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", repo]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /added mlp version 2/);
  assert.deepEqual(fs.readFileSync(path.join(repo, "mlp", "2", "model.onnx")), fs.readFileSync(fixture("mlp_dynbatch.onnx")));
  assert.equal(runCli(["repo", "validate", repo]).code, 0);

  const before = fs.readdirSync(path.join(repo, "mlp")).sort();
  const bad = runCli(["repo", "add-version", "mlp", "--onnx", fixture("cnn_small.onnx"), "--repo", repo]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stdout, /^mlp: dims: input "input": config dims \[64\]/m);
  assert.match(bad.stderr, /nothing written/);
  assert.deepEqual(fs.readdirSync(path.join(repo, "mlp")).sort(), before);
  assert.deepEqual(before, ["1", "2", "config.pbtxt"]);
});

test("add-version refuses a model that is not in the repository", (t) => {
  const repo = makeRepo(t);
  fails(["repo", "add-version", "nosuch", "--onnx", fixture("mlp_dynbatch.onnx"), "--repo", repo], 1, /model nosuch not found/);
});

test("a label file that is not in the model folder, and a model.plan that is not a plan, are findings", (t) => {
  const repo = makeRepo(t);
  edit(repo, "mlp", /(  \{\n    name: "output"\n    data_type: TYPE_FP32\n    dims: \[ \d+ \]\n)/, '$1    label_filename: "labels.txt"\n');
  expectFinding(repo, /mlp: label-file: output output: label_filename "labels\.txt" is not a file in the model folder/);
  fs.writeFileSync(path.join(repo, "mlp", "labels.txt"), "a\nb\n");
  fs.mkdirSync(path.join(repo, "plan", "1"), { recursive: true });
  fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(repo, "plan", "1", "model.plan"));
  fs.writeFileSync(configPath(repo, "plan"), 'name: "plan"\nplatform: "tensorrt_plan"\ninput { name: "x" data_type: TYPE_FP32 dims: [ 4 ] }\noutput { name: "y" data_type: TYPE_FP32 dims: [ 4 ] }\n');
  expectFinding(repo, /plan: model-file: version 1: model\.plan is not a TensorRT plan \(it looks like onnx\)/);
  fs.writeFileSync(path.join(repo, "plan", "1", "model.plan"), Buffer.concat([Buffer.from("ftrt"), Buffer.alloc(60)]));
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test("symlinks out of the repository are reported, not followed", (t) => {
  const repo = makeRepo(t);
  const outside = tempDir(t);
  // A model folder that is a link to elsewhere, and a version file that links out of the repository.
  fs.cpSync(path.join(repo, "two"), path.join(outside, "two"), { recursive: true });
  fs.rmSync(path.join(repo, "two"), { recursive: true });
  fs.symlinkSync(path.join(outside, "two"), path.join(repo, "two"));
  fs.copyFileSync(path.join(repo, "mlp", "1", "model.onnx"), path.join(outside, "secret.onnx"));
  fs.rmSync(path.join(repo, "mlp", "1", "model.onnx"));
  fs.symlinkSync(path.join(outside, "secret.onnx"), path.join(repo, "mlp", "1", "model.onnx"));
  const r = runCli(["repo", "validate", repo, "--json"]);
  assert.equal(r.code, 3, r.stderr);
  const models = JSON.parse(r.stdout).models as { name: string; findings: { rule: string; message: string }[] }[];
  assert.deepEqual(models.map((m) => m.findings.map((f) => f.rule)), [["symlink-escape"], ["symlink-escape"]]);
  assert.match(models[0]!.findings[0]!.message, /version 1: model\.onnx links to .*secret\.onnx, outside the repository \(not read\)/);
  // A link that stays inside the repository is fine.
  fs.rmSync(path.join(repo, "mlp", "1", "model.onnx"));
  fs.copyFileSync(path.join(outside, "secret.onnx"), path.join(repo, "mlp", "real.onnx"));
  fs.symlinkSync(path.join(repo, "mlp", "real.onnx"), path.join(repo, "mlp", "1", "model.onnx"));
  const again = JSON.parse(runCli(["repo", "validate", repo, "--json"]).stdout).models;
  assert.deepEqual(again[0].findings, []);
});

/** Writes one paired case's folders into `repo` (the server-backed runner writes them the same way). */
function writePairCase(repo: string, c: PairCase): void {
  for (const [model, files] of Object.entries(c.models)) {
    for (const [rel, content] of Object.entries(files)) {
      const target = path.join(repo, model, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (typeof content === "string" || content instanceof Uint8Array) fs.writeFileSync(target, content);
      else fs.copyFileSync(fixture(content.fixture), target);
    }
  }
}


test("every paired case, offline: a refused case reports its rule, its twin has no failing finding", (t) => {
  const repo = tempDir(t);
  const cases = [...validatePairs, ...ensemblePairs, ...lintPairs, ...warmupPairs];
  for (const c of cases) writePairCase(repo, c);
  const byName = new Map(validateRepository(repo).map((m) => [m.name, m.findings]));
  for (const c of cases) {
    const loaded = c.load ?? Object.keys(c.models)[0]!;
    if (c.rule !== undefined) {
      assert.ok(failing(byName.get(loaded) ?? []).some((f) => f.rule === c.rule), `${c.name}: ${c.rule} not in ${JSON.stringify(byName.get(loaded))}`);
    } else {
      for (const model of Object.keys(c.models)) assert.deepEqual(failing(byName.get(model) ?? []), [], `${c.name}: ${model}`);
    }
  }
});

/** A model folder `name` in a fresh repository: config text (or none) and the mlp fixture in each version folder. */
function mlpModel(t: { after: (fn: () => void) => void }, config: string | undefined, versions: string[] = ["1"], name = "m"): string {
  const dir = path.join(tempDir(t), name);
  for (const v of versions) {
    fs.mkdirSync(path.join(dir, v), { recursive: true });
    fs.copyFileSync(fixture("mlp_dynbatch.onnx"), path.join(dir, v, "model.onnx"));
  }
  if (config !== undefined) fs.writeFileSync(path.join(dir, "config.pbtxt"), config);
  return dir;
}

const MLP_IO = 'max_batch_size: 8\ninput { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 10 ] }\n';
const rulesOf = (findings: readonly ValidateFinding[]) => findings.map((f) => `${f.severity === "warning" ? "warning:" : ""}${f.rule}`);

test("version folder names read as std::stoll reads them", () => {
  assert.equal(stollVersion("0"), 0);
  assert.equal(stollVersion("12"), 12);
  assert.equal(stollVersion("2_old"), 2);
  assert.equal(stollVersion(" +3"), 3);
  assert.equal(stollVersion("-1"), -1);
  assert.equal(stollVersion("01"), undefined);
  assert.equal(stollVersion("latest"), undefined);
});

test("version policy: what is left to load, and which folder it is read from", (t) => {
  const policy = (p: string, versions: string[]) => rulesOf(validateModel(mlpModel(t, `platform: "onnxruntime_onnx"\n${MLP_IO}${p}`, versions), "m"));
  assert.deepEqual(policy("", ["0"]), []);
  assert.deepEqual(policy("version_policy { latest { num_versions: 0 } }\n", ["1"]), ["no-versions"]);
  assert.deepEqual(policy("version_policy { all { } }\n", ["1", "2"]), []);
  assert.deepEqual(policy("version_policy { specific { versions: [ 1, 4 ] } }\n", ["1"]), ["warning:version-missing"]);
  assert.deepEqual(policy("version_policy { specific { versions: [ 4 ] } }\n", ["1"]), ["warning:version-missing", "no-versions"]);
  // The second listing of a missing version is loaded (VersionsToLoad's insert finds the first), from a folder that is not there.
  assert.deepEqual(policy("version_policy { specific { versions: [ 4, 4 ] } }\n", ["1"]), ["warning:version-missing", "version-dir"]);
  // "3_old" is version 3, the latest; an older alias is only a warning.
  assert.deepEqual(policy("", ["1", "3_old"]), ["version-dir"]);
  assert.deepEqual(policy("", ["1_old", "2"]), ["warning:version-dir"]);
  assert.deepEqual(policy("", ["01", "1"]), ["warning:version-dir"]);
});

test("platform and backend are inferred from the first subfolder, as Triton does", (t) => {
  assert.deepEqual(rulesOf(validateModel(mlpModel(t, MLP_IO), "m")), []);
  assert.deepEqual(rulesOf(validateModel(mlpModel(t, MLP_IO.replace("[ 64 ]", "[ 32 ]")), "m")), ["dims"]);
  assert.deepEqual(rulesOf(validateModel(mlpModel(t, undefined), "m")), ["warning:config-missing"]);
  const hidden = mlpModel(t, MLP_IO);
  fs.mkdirSync(path.join(hidden, ".cache"));
  assert.deepEqual(rulesOf(validateModel(hidden, "m")), ["platform-unknown"]);
  assert.deepEqual(rulesOf(validateModel(mlpModel(t, `${MLP_IO}default_model_filename: "net.onnx"\n`), "m")), ["platform-unknown"]);
  const custom = path.join(tempDir(t), "m.custom");
  fs.mkdirSync(path.join(custom, "1"), { recursive: true });
  fs.writeFileSync(path.join(custom, "1", "model.custom"), "");
  fs.writeFileSync(path.join(custom, "config.pbtxt"), MLP_IO);
  assert.deepEqual(rulesOf(validateModel(custom, "m.custom")), ["warning:platform-inferred"]);
});

test("accelerators: GPU ones are read for GPU instances only, CPU ones for every instance", (t) => {
  const accel = (groups: string, accelerators: string) =>
    rulesOf(validateModel(mlpModel(t, `platform: "onnxruntime_onnx"\n${MLP_IO}${groups}optimization { execution_accelerators { ${accelerators} } }\n`), "m"));
  const trt = (key: string, value: string) => `gpu_execution_accelerator { name: "tensorrt" parameters { key: "${key}" value: "${value}" } }`;
  const cpu = "instance_group { kind: KIND_CPU }\n";
  const gpu = "instance_group { kind: KIND_GPU }\n";
  assert.deepEqual(accel(cpu, trt("trt_bogus", "1")), []);
  assert.deepEqual(accel(gpu, trt("trt_bogus", "1")), ["accelerator"]);
  assert.deepEqual(accel("", trt("trt_bogus", "1")), ["warning:accelerator"]);
  assert.deepEqual(accel(gpu, trt("precision_mode", "FP16")), []);
  assert.deepEqual(accel(gpu, trt("precision_mode", "fp16")), ["accelerator"]);
  assert.deepEqual(accel(gpu, trt("trt_engine_cache_enable", "True")), []);
  assert.deepEqual(accel(gpu, trt("trt_engine_cache_enable", "yes")), ["accelerator"]);
  assert.deepEqual(accel(gpu, trt("trt_builder_optimization_level", "3x")), []);
  assert.deepEqual(accel(gpu, trt("trt_builder_optimization_level", "x3")), ["accelerator"]);
  assert.deepEqual(accel(gpu, trt("max_workspace_size_bytes", "1073741824")), []);
  assert.deepEqual(accel(gpu, 'gpu_execution_accelerator { name: "cuda" parameters { key: "do_copy_in_default_stream" value: "maybe" } }'), ["accelerator"]);
  assert.deepEqual(accel(gpu, 'gpu_execution_accelerator { name: "openvino" }'), ["accelerator"]);
  assert.deepEqual(accel(gpu, 'cpu_execution_accelerator { name: "openvino" }'), []);
  assert.deepEqual(accel(cpu, 'cpu_execution_accelerator { name: "cuda" }'), ["accelerator"]);
});

test("onnxruntime parameters: the ones the backend parses, as it parses them", (t) => {
  const param = (groups: string, key: string, value: string) =>
    rulesOf(validateModel(mlpModel(t, `platform: "onnxruntime_onnx"\n${MLP_IO}${groups}parameters { key: "${key}" value: { string_value: "${value}" } }\n`), "m"));
  const cpu = "instance_group { kind: KIND_CPU }\n";
  assert.deepEqual(param(cpu, "execution_mode", "1"), []);
  assert.deepEqual(param(cpu, "execution_mode", "2"), ["ort-parameter"]);
  assert.deepEqual(param(cpu, "inter_op_thread_count", " 4 threads"), []);
  assert.deepEqual(param(cpu, "inter_op_thread_count", "many"), ["ort-parameter"]);
  assert.deepEqual(param(cpu, "intra_op_thread_count", "99999999999"), ["ort-parameter"]);
  assert.deepEqual(param(cpu, "enable_mem_pattern", "OFF"), []);
  assert.deepEqual(param(cpu, "enable_mem_pattern", "no"), ["ort-parameter"]);
  assert.deepEqual(param(cpu, "cudnn_conv_algo_search", "3"), []);
  assert.deepEqual(param("instance_group { kind: KIND_GPU }\n", "cudnn_conv_algo_search", "3"), ["accelerator"]);
  assert.deepEqual(param("instance_group { kind: KIND_GPU }\n", "arena_extend_strategy", "1"), []);
  assert.deepEqual(param("instance_group { kind: KIND_GPU }\n", "arena_extend_strategy", "2"), ["accelerator"]);
  assert.deepEqual(param(cpu, "some_future_key", "anything"), []);
});

test("label files must be readable; one outside the model folder is a warning; a runtime may not leave its folder", (t) => {
  const labelled = (file: string) => `platform: "onnxruntime_onnx"\n${MLP_IO.replace("dims: [ 10 ] }", `dims: [ 10 ] label_filename: "${file}" }`)}`;
  const dir = mlpModel(t, labelled("../shared.txt"));
  fs.writeFileSync(path.join(dir, "..", "shared.txt"), "a\n");
  assert.deepEqual(rulesOf(validateModel(dir, "m")), ["warning:label-file"]);
  fs.mkdirSync(path.join(dir, "labels.txt"));
  fs.writeFileSync(path.join(dir, "config.pbtxt"), labelled("labels.txt"));
  assert.deepEqual(rulesOf(validateModel(dir, "m")), ["label-file"]);
  const runtime = (value: string) => {
    fs.writeFileSync(path.join(dir, "config.pbtxt"), `platform: "onnxruntime_onnx"\n${MLP_IO}runtime: "${value}"\n`);
    return rulesOf(validateModel(dir, "m"));
  };
  fs.writeFileSync(path.join(dir, "libtriton_custom.so"), "");
  assert.deepEqual(runtime("libtriton_custom.so"), []);
  assert.deepEqual(runtime("../libtriton_custom.so"), ["runtime-path"]);
  assert.deepEqual(runtime("../../other/libtriton_onnxruntime.so"), ["runtime-path"]);
  assert.deepEqual(runtime("libtriton_onnxruntime.so"), []);
  assert.deepEqual(runtime("model.py"), []);
});

test("onnxruntime IO: inputs compared loosely, outputs exactly; auto-complete fills what the config leaves out", (t) => {
  const io = (config: string) => rulesOf(validateModel(mlpModel(t, `platform: "onnxruntime_onnx"\n${config}`), "m"));
  assert.deepEqual(io('input { name: "input" data_type: TYPE_FP32 dims: [ 2, 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ -1, 10 ] }\n'), []);
  assert.deepEqual(io('input { name: "input" data_type: TYPE_FP32 dims: [ 2, 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 2, 10 ] }\n'), ["dims"]);
  assert.deepEqual(io('input { name: "input" data_type: TYPE_BF16 dims: [ -1, 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ -1, 10 ] }\n'), ["data-type"]);
  // Outputs left out are auto-completed, with max_batch_size 4 for a batchable model.
  assert.deepEqual(io('input { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }\n'), []);
  assert.deepEqual(io('max_batch_size: 8\ninput { name: "input" data_type: TYPE_FP32 dims: [ 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 10 ] }\noutput { name: "probabilities" data_type: TYPE_FP32 dims: [ 10 ] }\n'), ["output-missing-in-model"]);
  assert.deepEqual(io('max_batch_size: 8\ninput { name: "input" data_type: TYPE_FP32 dims: [ 64 ] optional: true }\noutput { name: "output" data_type: TYPE_FP32 dims: [ 10 ] }\n'), ["input-count", "optional-batching"]);
});

test("warm-up batch_size: the onnxruntime backend runs a sample as one batch, so it may not pass max_batch_size (1 unbatched)", (t) => {
  const warmup = (batch: number) => `model_warmup { name: "w" batch_size: ${batch} inputs { key: "input" value { data_type: TYPE_FP32 dims: [ 64 ] zero_data: true } } }\n`;
  const rules = (config: string) => rulesOf(validateModel(mlpModel(t, `platform: "onnxruntime_onnx"\n${config}`), "m"));
  assert.deepEqual(rules(`${MLP_IO}${warmup(8)}`), []);
  assert.deepEqual(rules(`${MLP_IO}${warmup(9)}`), ["warmup-batch-size"]);
  // batch_size 0: GenerateWarmupData skips the sample.
  assert.deepEqual(rules(`${MLP_IO}${warmup(0)}`), []);
  const unbatched = 'input { name: "input" data_type: TYPE_FP32 dims: [ 1, 64 ] }\noutput { name: "output" data_type: TYPE_FP32 dims: [ -1, 10 ] }\n';
  assert.deepEqual(rules(`${unbatched}${warmup(1)}`.replace("dims: [ 64 ] zero", "dims: [ 1, 64 ] zero")), []);
  assert.deepEqual(rules(`${unbatched}${warmup(2)}`.replace("dims: [ 64 ] zero", "dims: [ 1, 64 ] zero")), ["warmup-batch-size"]);
});
