import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { exportNetwork } from "../src/core/export/network.js";
import { fails, tempDir } from "./helpers.js";

/** A 64 KiB tmpfs: a full disk on demand. Mounting needs root (CI and this machine run as root); skipped otherwise. */
function tinyDisk(t: { after: (fn: () => void) => void }): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-disk-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0;
  t.after(() => {
    if (mounted) spawnSync("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return mounted ? dir : undefined;
}

const canMount = process.getuid?.() === 0;

test("a full disk: one clear line, exit 1, and nothing half-written on it", { skip: !canMount && "mounting a tmpfs needs root" }, (t) => {
  const disk = tinyDisk(t);
  if (disk === undefined) return t.skip("mount failed");
  const model = path.join(tempDir(t), "mlp.onnx");
  exportNetwork({ template: "mlp" }, model);
  fails(["export", "--template", "resnet18", "-o", path.join(disk, "m.onnx")], 1, /cannot write .*m\.onnx: no space left on the device \(ENOSPC\) — free some space/);
  fails(["build", "--onnx", model, "--fp16", "--saveEngine", path.join(disk, "b.trtx")], 1, /no space left on the device \(ENOSPC\)/);
  fails(["repo", "init", "mlp", "--onnx", model, "--repo", path.join(disk, "repo")], 1, /no space left on the device \(ENOSPC\)/);
  const left = fs.readdirSync(disk).flatMap((e) => (fs.statSync(path.join(disk, e)).isDirectory() ? [e, ...fs.readdirSync(path.join(disk, e)).map((f) => `${e}/${f}`)] : [e]));
  assert.deepEqual(left, ["repo"], "only the repository folder the user named is created; no temp files, no partial model");
});
