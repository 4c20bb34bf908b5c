import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { sweepStaleTemps } from "../src/core/fs/temp-registry.js";
import { fixture, ROOT, runCli, tempDir } from "./helpers.js";

const BIN = path.join(ROOT, "bin", "trtx.js");

/** Starts trtx, waits until `ready(dir)` holds (polling), sends `signal`, and resolves with exit code and stderr. */
function interrupt(args: string[], cwd: string, ready: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; sent: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (!sent && ready()) {
        sent = true;
        child.kill(signal);
      }
    }, 5);
    child.on("exit", (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr, sent });
    });
  });
}

const entries = (dir: string) => fs.readdirSync(dir).sort();
const buildArgs = (dest: string, extra: string[] = []) => ["build", "--onnx", fixture("cnn_small.onnx"), "--int8", "--calib", "random", "--calib-samples", "64", "--saveEngine", dest, ...extra];
const building = (dir: string) => () => fs.readdirSync(dir).some((e) => e.startsWith(".b.trtx.build-"));

test("SIGINT during a build: 'interrupted', exit 130, no bundle, no temp folder, no lock", async (t) => {
  const dir = tempDir(t);
  const r = await interrupt(buildArgs("b.trtx"), dir, building(dir), "SIGINT");
  assert.ok(r.sent, "the build was interrupted while its temp folder existed");
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /trtx: interrupted\n$/);
  assert.deepEqual(entries(dir), []);
});

test("SIGTERM during a rebuild leaves the complete previous bundle (exit 143)", async (t) => {
  const dir = tempDir(t);
  assert.equal(runCli(buildArgs(path.join(dir, "b.trtx"))).code, 0);
  const before = fs.readFileSync(path.join(dir, "b.trtx", "manifest.json"), "utf8");
  const r = await interrupt(buildArgs("b.trtx", ["--force"]), dir, building(dir), "SIGTERM");
  assert.ok(r.sent);
  assert.equal(r.code, 143, r.stderr);
  assert.deepEqual(entries(dir), ["b.trtx"]);
  assert.equal(fs.readFileSync(path.join(dir, "b.trtx", "manifest.json"), "utf8"), before);
});

test("SIGKILL leaves a temp folder and a stale lock; the next build sweeps them and succeeds", async (t) => {
  const dir = tempDir(t);
  const r = await interrupt(buildArgs("b.trtx"), dir, building(dir), "SIGKILL");
  assert.equal(r.signal, "SIGKILL");
  const left = entries(dir);
  assert.ok(left.some((e) => e.startsWith(".b.trtx.build-")), `left behind: ${left.join(", ")}`);
  assert.ok(left.includes("b.trtx.lock"), `the dead build's lock: ${left.join(", ")}`);
  const again = runCli([...buildArgs(path.join(dir, "b.trtx")), "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(entries(dir), ["b.trtx"]);
});

test("export and repo init interrupted at random moments leave the destination absent or complete", async (t) => {
  for (const delay of [0, 40, 120, 300]) {
    const dir = tempDir(t);
    const start = Date.now();
    const ready = () => Date.now() - start >= delay;
    const e = await interrupt(["export", "--template", "resnet18", "-o", "m.onnx"], dir, ready, "SIGINT");
    // Before the launcher installs its handler (delay 0), SIGINT kills the process outright, as for any program.
    const ended = (x: { code: number | null; signal: NodeJS.Signals | null }) => x.code === 0 || x.code === 130 || x.signal === "SIGINT";
    assert.ok(ended(e), `export exit ${e.code}: ${e.stderr}`);
    if (fs.existsSync(path.join(dir, "m.onnx"))) assert.equal(runCli(["inspect", "--onnx", path.join(dir, "m.onnx")]).code, 0, "a written model is complete");
    const r = await interrupt(["repo", "init", "resnet18", "--repo", "models"], dir, ready, "SIGINT");
    assert.ok(ended(r), `repo init exit ${r.code}: ${r.stderr}`);
    if (fs.existsSync(path.join(dir, "models", "resnet18"))) assert.equal(runCli(["repo", "validate", path.join(dir, "models")]).code, 0, "a written model folder is complete");
    const hidden = [...entries(dir), ...(fs.existsSync(path.join(dir, "models")) ? entries(path.join(dir, "models")) : [])].filter((n) => n.startsWith("."));
    assert.deepEqual(hidden, [], `delay ${delay}: temp files left`);
  }
});

test("the sweep removes dead writers' temps and puts a moved-aside previous version back", (t) => {
  const dir = tempDir(t);
  const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
  fs.writeFileSync(path.join(dir, `.m.onnx.${dead}.abc.tmp`), "partial");
  fs.writeFileSync(path.join(dir, `.m.onnx.${process.pid}.abc.tmp`), "mine, in flight");
  fs.mkdirSync(path.join(dir, `.model.${dead}.abc.tmp.old`));
  fs.writeFileSync(path.join(dir, `.model.${dead}.abc.tmp.old`, "config.pbtxt"), "previous");
  fs.mkdirSync(path.join(dir, `.b.trtx.build-${dead}-x1`));
  assert.deepEqual(sweepStaleTemps(path.join(dir, "m.onnx")), [`.m.onnx.${dead}.abc.tmp`]);
  assert.deepEqual(sweepStaleTemps(path.join(dir, "model")), [`.model.${dead}.abc.tmp.old`]);
  assert.equal(fs.readFileSync(path.join(dir, "model", "config.pbtxt"), "utf8"), "previous");
  assert.deepEqual(sweepStaleTemps(path.join(dir, "b.trtx")), [`.b.trtx.build-${dead}-x1`]);
  assert.deepEqual(entries(dir), [`.m.onnx.${process.pid}.abc.tmp`, "model"]);
});

test("two builds into one bundle at once: one builds, the other fails clearly or finds it up to date", async (t) => {
  const dir = tempDir(t);
  const run = () =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...buildArgs("b.trtx")], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([run(), run()]);
  assert.ok(results.some((r) => r.code === 0), results.map((r) => r.stderr).join("\n"));
  for (const r of results.filter((x) => x.code !== 0)) {
    assert.equal(r.code, 1);
    assert.match(r.stderr, /b\.trtx\.lock is held by another build \(pid \d+\)/);
  }
  assert.deepEqual(entries(dir), ["b.trtx"], "one complete bundle, no temps or lock");
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "b.trtx", "manifest.json"), "utf8"));
  for (const f of manifest.files) assert.ok(fs.existsSync(path.join(dir, "b.trtx", f)), f);
});
