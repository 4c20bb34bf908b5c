import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FileError } from "../src/core/errors.js";
import { parseModelConfig } from "../src/core/triton/pbtxt-parse.js";
import { renderModelConfig } from "../src/core/triton/pbtxt-render.js";
import { listRepository, type RepositoryModel } from "../src/core/triton/repository.js";
import { fails, runCli, tempDir } from "./helpers.js";

const FIXTURE_DIR = fileURLToPath(new URL("../../test/fixtures-pbtxt/", import.meta.url));
const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURE_DIR, name), "utf8");
const canonical = (text: string) => renderModelConfig(parseModelConfig(text, "t"));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("trtx repo fmt", () => {
  test("one file: exactly its canonical rendering, no header", () => {
    const r = runCli(["repo", "fmt", path.join(FIXTURE_DIR, "version-specific.pbtxt")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, canonical(fixtureText("version-specific.pbtxt")));
    assert.match(r.stdout, /^name: "versioned"\nplatform: "onnxruntime_onnx"\nversion_policy \{\n  specific \{\n    versions: \[ 1, 3 \]/);
  });

  test("several files: each after a ==> path <== line", () => {
    const a = path.join(FIXTURE_DIR, "version-specific.pbtxt");
    const b = path.join(FIXTURE_DIR, "reshape.pbtxt");
    const r = runCli(["repo", "fmt", a, b]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `==> ${a} <==\n${canonical(fixtureText("version-specific.pbtxt"))}\n==> ${b} <==\n${canonical(fixtureText("reshape.pbtxt"))}`);
  });

  test("--check: silent and 0 when canonical, lists the others and exits 3", (t) => {
    const dir = tempDir(t);
    const good = path.join(dir, "good.pbtxt");
    const bad = path.join(dir, "bad.pbtxt");
    fs.writeFileSync(good, canonical(fixtureText("ensemble.pbtxt")));
    fs.writeFileSync(bad, fixtureText("reshape.pbtxt"));
    const ok = runCli(["repo", "fmt", "--check", good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "");
    const r = runCli(["repo", "fmt", "--check", good, bad]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, `${bad}\n`);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, new RegExp(`1 of 2 file\\(s\\) not in canonical form: ${escape(bad)} — run trtx repo fmt --write`));
    assert.equal(fs.readFileSync(bad, "utf8"), fixtureText("reshape.pbtxt"), "--check never writes");
  });

  test("--write rewrites what is not canonical, atomically, and then --check passes", (t) => {
    const dir = tempDir(t);
    const good = path.join(dir, "good.pbtxt");
    const bad = path.join(dir, "bad.pbtxt");
    fs.writeFileSync(good, canonical(fixtureText("ensemble.pbtxt")));
    fs.writeFileSync(bad, fixtureText("dynamic-priority.pbtxt"));
    const before = fs.statSync(good).mtimeMs;
    const r = runCli(["repo", "fmt", "--write", good, bad]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(fs.readFileSync(bad, "utf8"), canonical(fixtureText("dynamic-priority.pbtxt")));
    assert.equal(fs.statSync(good).mtimeMs, before, "a canonical file is left alone");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["bad.pbtxt", "good.pbtxt"], "no temporary files left");
    assert.equal(runCli(["repo", "fmt", "--check", good, bad]).code, 0);
  });

  test("a parse error exits 1 with line:col and writes nothing", (t) => {
    const dir = tempDir(t);
    const first = path.join(dir, "first.pbtxt");
    const broken = path.join(dir, "broken.pbtxt");
    fs.writeFileSync(first, fixtureText("reshape.pbtxt"));
    fs.writeFileSync(broken, 'name: "m"\n\ninput { nme: "x" }\n');
    fails(["repo", "fmt", "--write", first, broken], 1, new RegExp(`${escape(broken)}:3:9: `));
    assert.equal(fs.readFileSync(first, "utf8"), fixtureText("reshape.pbtxt"));
  });

  test("--check with --write is a usage error", () => {
    fails(["repo", "fmt", "--check", "--write", path.join(FIXTURE_DIR, "reshape.pbtxt")], 2, /--check and --write cannot be used together/);
  });
});

/** A repository with a good model, a mislabelled ensemble, an unparsable config and a folder without one. */
function makeRepository(dir: string): string {
  const repo = path.join(dir, "model_repository");
  const model = (name: string, config: string | undefined, versions: string[]) => {
    for (const v of versions) fs.mkdirSync(path.join(repo, name, v), { recursive: true });
    fs.mkdirSync(path.join(repo, name), { recursive: true });
    if (config !== undefined) fs.writeFileSync(path.join(repo, name, "config.pbtxt"), config);
  };
  model("resnet", fixtureText("instance-groups.pbtxt").replace('"multi_instance"', '"resnet"'), ["2", "10", "1", "01", "0", "latest"]);
  model("ensemble", fixtureText("ensemble.pbtxt"), []);
  model("broken", "max_batch_size: eight\n", ["1"]);
  model("empty", undefined, ["1"]);
  model("batcher", `${fixtureText("dynamic-priority.pbtxt").replace('"priority_model"', '"batcher"').replace("max_batch_size: 32", "max_batch_size: 16")}`, ["1"]);
  fs.writeFileSync(path.join(repo, "README.md"), "not a model");
  return repo;
}

describe("listRepository", () => {
  test("one entry per model folder, sorted, with what its config says", (t) => {
    const byName = new Map(listRepository(makeRepository(tempDir(t))).map((m) => [m.name, m]));
    assert.deepEqual([...byName.keys()], ["batcher", "broken", "empty", "ensemble", "resnet"]);
    assert.deepEqual(byName.get("resnet"), {
      name: "resnet",
      // Triton reads version folders with std::stoll: 0 is a version, 01 is 1 again, latest is skipped.
      versions: [0, 1, 2, 10],
      backend: "tensorrt",
      maxBatchSize: 8,
      dynamicBatching: false,
      instanceGroups: "1x KIND_GPU [0], 2x KIND_GPU [1, 2], 2x KIND_CPU, KIND_MODEL",
      problems: [],
    } satisfies RepositoryModel);
    const batcher = byName.get("batcher")!;
    assert.equal(batcher.dynamicBatching, true);
    assert.equal(batcher.instanceGroups, "default");
    assert.deepEqual(batcher.problems, ["preferred-batch-size: dynamic_batching.preferred_batch_size[2]: preferred batch size 32 must be from 1 to max_batch_size (16)"]);
  });

  test("broken models are entries with an error or problems, not exceptions", (t) => {
    const byName = new Map(listRepository(makeRepository(tempDir(t))).map((m) => [m.name, m]));
    assert.match(byName.get("broken")!.error!, /broken[/\\]config\.pbtxt:1:17: /);
    assert.equal(byName.get("empty")!.error, "no config.pbtxt");
    assert.deepEqual(byName.get("ensemble")!.problems, ['config name "ensemble_model" is not the folder name', "no version folders"]);
    assert.equal(byName.get("ensemble")!.platform, "ensemble");
  });

  test("a missing or empty repository is a FileError naming it", (t) => {
    const dir = tempDir(t);
    assert.throws(() => listRepository(path.join(dir, "nope")), (e: unknown) => e instanceof FileError && /cannot read model repository .*nope: ENOENT/.test(e.message));
    assert.throws(() => listRepository(dir), (e: unknown) => e instanceof FileError && e.message.includes(`model repository ${dir} has no model folders`));
  });
});

describe("trtx repo ls", () => {
  test("a table with a row per model and the problems below it, exit 0", (t) => {
    const repo = makeRepository(tempDir(t));
    const r = runCli(["repo", "ls", repo]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /│ resnet +│ 0, 1, 2, 10 +│ tensorrt +│ 8 +│ no +│ 1x KIND_GPU \[0\], 2x KIND_GPU \[1, 2\], 2x KIND_CPU, KIND_MODEL │ ok +│/);
    assert.match(r.stdout, /│ broken +│ 1 +│ error +│/);
    assert.match(r.stdout, /│ batcher +│ 1 +│ onnxruntime +│ 16 +│ yes +│ default +│ 1 problem\(s\) │/);
    assert.match(r.stdout, /\nempty: no config\.pbtxt\n/);
    assert.match(r.stdout, /\nbroken: .*config\.pbtxt:1:17: /);
  });

  test("--json has the same entries", (t) => {
    const repo = makeRepository(tempDir(t));
    const r = runCli(["repo", "ls", repo, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { schema: string; repository: string; models: RepositoryModel[] };
    assert.equal(json.schema, "trtx.repo-ls/1");
    assert.deepEqual(json.models, JSON.parse(JSON.stringify(listRepository(repo))));
  });

  test("a missing or empty repository exits 1 with one line naming it", (t) => {
    const dir = tempDir(t);
    fails(["repo", "ls", path.join(dir, "nope")], 1, new RegExp(`cannot read model repository ${escape(path.join(dir, "nope"))}: ENOENT`));
    fails(["repo", "ls", dir], 1, new RegExp(`model repository ${escape(dir)} has no model folders`));
  });
});
