/**
 * The real Triton server of the server-backed tests, as .ci/install-peers leaves it in .peers/ (npm test's pretest
 * runs it). Without it those tests fail, saying how to get it; TRTX_SKIP_SERVER_TESTS=1 skips them instead, by name.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./helpers.js";

const PEERS = path.join(ROOT, ".peers");
export const TRITONSERVER = path.join(PEERS, "bin", "tritonserver");
export const BACKENDS = path.join(PEERS, "backends");
const PEER_PYTHON = path.join(PEERS, "venv", "bin", "python");

/** A test option: skip (with the reason) only when asked to by TRTX_SKIP_SERVER_TESTS=1. */
export const serverSkip: { skip: string | false } = {
  skip: process.env.TRTX_SKIP_SERVER_TESTS === "1" ? "TRTX_SKIP_SERVER_TESTS=1: the real tritonserver tests are skipped" : false,
};

/** Fails the test, loudly, when the peers are not installed. */
export function requirePeers(): void {
  for (const file of [TRITONSERVER, path.join(BACKENDS, "onnxruntime", "model.py"), PEER_PYTHON]) {
    assert.ok(fs.existsSync(file), `${file} is missing: run \`bash .ci/install-peers\` (needs PyPI), or set TRTX_SKIP_SERVER_TESTS=1 to skip the server tests`);
  }
}

/** Runs a script of test/peers with the peers' Python; its stdout as JSON. */
export function peerPython(script: string, input: unknown): unknown {
  const r = spawnSync(PEER_PYTHON, [path.join(ROOT, "test", "peers", script)], { input: JSON.stringify(input), encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `${script}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
