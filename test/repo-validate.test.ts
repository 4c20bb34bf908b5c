import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

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

test("a renamed input is reported on both sides", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /name: "tokens"/, 'name: "token_ids"');
  expectFinding(repo, /^two: input-missing-in-model: config input "token_ids" is not an input of the model/m);
  expectFinding(repo, /^two: input-missing-in-config: model input "tokens"/m);
});

test("a changed data_type names both types", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /TYPE_INT64/, "TYPE_INT32");
  expectFinding(repo, /^two: data-type: input "tokens": config data_type TYPE_INT32, model version 1 has int64 \(TYPE_INT64\)/m);
});

test("batch-dim mistakes get the hint; an unbatched config with the full shape is valid", (t) => {
  const repo = makeRepo(t);
  edit(repo, "mlp", /max_batch_size: 8\n/, "");
  expectFinding(repo, /^mlp: dims: input "input": config dims \[64\] \(max_batch_size 0\) do not match the model's shape \[batch,64\].*did you mean max_batch_size > 0 and dims without it\?/m);
  edit(repo, "mlp", /dims: \[ 64 \]/, "dims: [ -1, 64 ]");
  edit(repo, "mlp", /dims: \[ 10 \]/, "dims: [ -1, 10 ]");
  const unbatched = JSON.parse(runCli(["repo", "validate", repo, "--json"]).stdout);
  assert.deepEqual(unbatched.models.find((m: { name: string }) => m.name === "mlp").findings, []);
  edit(repo, "mlp", /platform:/, "max_batch_size: 4\nplatform:");
  expectFinding(repo, /^mlp: dims: input "input": config dims \[-1, 64\] \(max_batch_size 4\) do not match the model's shape \[batch,64\].*did you mean max_batch_size > 0/m);
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

test("a non-numeric version folder and a missing model file", (t) => {
  const repo = makeRepo(t);
  fs.mkdirSync(path.join(repo, "mlp", "latest"));
  fs.mkdirSync(path.join(repo, "two", "2"));
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^mlp: version-dir: folder "latest" is not a version number/m);
  assert.match(r.stdout, /^two: model-file: version 2 has no model\.onnx/m);
});

test("an unparsable config gives line:col; an unknown TensorRT accelerator key is a finding", (t) => {
  const repo = makeRepo(t);
  edit(repo, "two", /max_batch_size: 8/, "max_batch_size: eight");
  fs.appendFileSync(
    configPath(repo, "mlp"),
    'optimization { execution_accelerators { gpu_execution_accelerator: [ { name: "tensorrt" parameters { key: "precision_mode" value: "FP16" } parameters { key: "trt_fp16_enable" value: "1" } } ] } }\n',
  );
  const r = runCli(["repo", "validate", repo]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^two: config-parse: .*config\.pbtxt:4:\d+: /m);
  assert.match(r.stdout, /^mlp: accelerator-key: .*unknown parameter "trt_fp16_enable"/m);
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
  expectFinding(repo, /mlp: label-file: output output: label_filename "labels\.txt" is not in the model folder/);
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
