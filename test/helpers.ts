import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tests run from dist/test). */
export const ROOT = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const FIXTURES = path.join(ROOT, "fixtures");
export const fixture = (name: string) => path.join(FIXTURES, name);

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-test-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would (bin/trtx.js), without a terminal. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "trtx.js"), ...args], {
    encoding: "utf8",
    ...(cwd !== undefined ? { cwd } : {}),
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI refused: the given exit code and one line on stderr that matches, with no stack trace. */
export function fails(args: string[], code: number, pattern: RegExp): void {
  const r = runCli(args);
  assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}
