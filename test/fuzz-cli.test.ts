/**
 * The fuzz suite's contract through the real CLI: corrupted and forged files given to `inspect`, `repo lint`,
 * `run --input/--load-inputs`, `build --config`, `perf --baseline` and `export --spec` end with exit 1, 2 or 3, a
 * few lines on stderr and no stack trace, in bounded time. Each case is one that fuzzing found crashing or hanging,
 * or a class the brief names (truncation, absurd sizes, escaping paths, deep nesting, bad UTF-8, int64 overflow).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DataLocation, encodeModel, encodeTensor, make } from "../src/core/onnx/codec.js";
import { encodeNpy } from "../src/core/tensor/npy.js";
import { FIXTURES, ROOT, tempDir } from "./helpers.js";
import { npyBytes } from "./fuzz/targets-tensor.js";
import { cat, int, len, nestLen, str } from "./fuzz/wire-writer.js";

/** Seconds one invocation may take: a refusal takes well under a second; the super-linear parses found took 13 s to minutes. */
/** Past this the process is killed. */
const LIMIT_S = 30;
const MLP = path.join(FIXTURES, "mlp_dynbatch.onnx");

interface Case {
  what: string;
  args: (dir: string) => string[];
  /** Files to write into the case's folder first. */
  files: Record<string, Uint8Array | string>;
  /** Named pipes to make there. */
  fifos?: string[];
  /** Symbolic links to make there: name → target. */
  links?: Record<string, string>;
  codes: number[];
}

function externalModel(location: string, offset = "0", length = "16"): Uint8Array {
  const t = make.tensor({ name: "w", dataType: 1, dims: [4n], dataLocation: DataLocation.EXTERNAL });
  t.externalData = [make.entry("location", location), make.entry("offset", offset), make.entry("length", length)];
  return encodeModel(make.model({ irVersion: 8n, opsetImport: [make.opset("", 17n)], graph: make.graph({ name: "g", initializer: [t] }) }));
}

const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
const cnn = fixture("cnn_small.onnx");
const pbtxt = fs.readFileSync(path.join(ROOT, "test", "fixtures-pbtxt", "onnx-resnet50.pbtxt"), "utf8");

const CASES: Case[] = [
  // inspect
  { what: "inspect: a model cut in half", files: { "m.onnx": cnn.subarray(0, cnn.length >> 1) }, args: (d) => ["inspect", path.join(d, "m.onnx")], codes: [1] },
  {
    what: "inspect: a graph length of 2^63",
    files: { "m.onnx": cat(int(1, 8), len(7, str(2, "g"), 2n ** 63n - 1n)) },
    args: (d) => ["inspect", path.join(d, "m.onnx")],
    codes: [1],
  },
  { what: "inspect: external data at ../outside.bin", files: { "m/m.onnx": externalModel("../outside.bin"), "outside.bin": new Uint8Array(64) }, args: (d) => ["inspect", path.join(d, "m", "m.onnx")], codes: [1] },
  { what: "inspect: external data at an absolute path", files: { "m.onnx": externalModel("/etc/passwd") }, args: (d) => ["inspect", path.join(d, "m.onnx")], codes: [1] },
  { what: "inspect: external data in a folder", files: { "m.onnx": externalModel("."), "w.bin": new Uint8Array(64) }, args: (d) => ["inspect", path.join(d, "m.onnx")], codes: [1] },
  {
    what: "export --inline-data: external data in a folder",
    files: { "m.onnx": externalModel("."), "w.bin": new Uint8Array(64) },
    args: (d) => ["export", "--onnx", path.join(d, "m.onnx"), "--inline-data", "-o", path.join(d, "out.onnx")],
    codes: [1],
  },
  { what: "inspect: external data offset NaN", files: { "m.onnx": externalModel("w.bin", "abc"), "w.bin": new Uint8Array(64) }, args: (d) => ["inspect", path.join(d, "m.onnx")], codes: [1] },
  { what: "inspect: external data past the end", files: { "m.onnx": externalModel("w.bin", "60", "16"), "w.bin": new Uint8Array(64) }, args: (d) => ["inspect", path.join(d, "m.onnx")], codes: [1] },
  {
    what: "inspect: subgraphs 2,000 deep and an input type 20,000 deep",
    files: {
      "m.onnx": cat(
        int(1, 8),
        len(7, cat(len(11, cat(str(1, "x"), len(2, nestLen(Array.from({ length: 40_000 }, (_, i) => (i % 2 ? 1 : 4)), len(1, int(1, 1)))))), nestLen(Array.from({ length: 6000 }, (_, i) => [1, 5, 6][i % 3]!), str(2, "leaf")))),
      ),
    },
    args: (d) => ["inspect", path.join(d, "m.onnx")],
    codes: [1],
  },
  // repo lint
  { what: "repo lint: a config cut mid-string", files: { "config.pbtxt": pbtxt.slice(0, pbtxt.indexOf('"') + 3) }, args: (d) => ["repo", "lint", path.join(d, "config.pbtxt")], codes: [1] },
  { what: "repo lint: a 300 KB string literal", files: { "config.pbtxt": `name: "${"a".repeat(300_000)}"\nbogus: 1\n` }, args: (d) => ["repo", "lint", path.join(d, "config.pbtxt")], codes: [1] },
  { what: "repo lint: int64 overflow", files: { "config.pbtxt": `${pbtxt}\nmax_batch_size: 9223372036854775808\n` }, args: (d) => ["repo", "lint", path.join(d, "config.pbtxt")], codes: [1] },
  { what: "repo lint: 10,000-deep nesting", files: { "config.pbtxt": "optimization { ".repeat(10_000) }, args: (d) => ["repo", "lint", path.join(d, "config.pbtxt")], codes: [1] },
  { what: "repo lint: bad UTF-8 in a string", files: { "config.pbtxt": Buffer.concat([Buffer.from('name: "a'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"\nbackend: "\\xff"\n')]) }, args: (d) => ["repo", "lint", path.join(d, "config.pbtxt")], codes: [1] },
  // run --input / --load-inputs
  { what: "run --input: a '<U0' .npy of 2^40 elements", files: { "x.npy": npyBytes("{'descr': '<U0', 'fortran_order': False, 'shape': (1099511627776,), }") }, args: (d) => ["run", "--onnx", MLP, "--input", `input:${path.join(d, "x.npy")}`], codes: [1] },
  { what: "run --input: an object array", files: { "x.npy": npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 64), }", new Uint8Array(16)) }, args: (d) => ["run", "--onnx", MLP, "--input", `input:${path.join(d, "x.npy")}`], codes: [1] },
  {
    what: "run --input: a header that claims 65,535 bytes",
    files: { "x.npy": (() => { const b = Buffer.from(encodeNpy({ dtype: "float32", dims: [1, 64], data: new Float32Array(64) })); b.writeUInt16LE(0xffff, 8); return b; })() },
    args: (d) => ["run", "--onnx", MLP, "--input", `input:${path.join(d, "x.npy")}`],
    codes: [1],
  },
  {
    what: "run --input: a .pb whose external data is a named pipe",
    files: { "x.pb": encodeTensor(make.tensor({ name: "input", dataType: 1, dims: [1n, 64n], dataLocation: DataLocation.EXTERNAL, externalData: [make.entry("location", "pipe")] })) },
    fifos: ["pipe"],
    args: (d) => ["run", "--onnx", MLP, "--input", `input:${path.join(d, "x.pb")}`],
    codes: [1],
  },
  {
    what: "run --input: a .pb whose external data links to /dev/zero",
    files: { "x.pb": encodeTensor(make.tensor({ name: "input", dataType: 1, dims: [1n, 64n], dataLocation: DataLocation.EXTERNAL, externalData: [make.entry("location", "zero"), make.entry("length", "256")] })) },
    links: { zero: "/dev/zero" },
    args: (d) => ["run", "--onnx", MLP, "--input", `input:${path.join(d, "x.pb")}`],
    codes: [1],
  },
  { what: "run --load-inputs: b64 data of 3 bytes", files: { "in.json": '{"data": [{"input": {"content": {"b64": "AAAA"}, "shape": [1, 64]}}]}' }, args: (d) => ["run", "--onnx", MLP, "--load-inputs", path.join(d, "in.json")], codes: [1] },
  { what: "run --load-inputs: 200 KB of unterminated escapes", files: { "in.json": `{"data": "${'\\"'.repeat(100_000)}` }, args: (d) => ["run", "--onnx", MLP, "--load-inputs", path.join(d, "in.json")], codes: [1] },
  // build --config
  { what: "build --config: 400 nested complex keys", files: { "b.yaml": "? ".repeat(400) }, args: (d) => ["build", "--config", path.join(d, "b.yaml")], codes: [2] },
  { what: "build --config: 10,000-deep flow nesting", files: { "b.yaml": `onnx: ${"[".repeat(10_000)}` }, args: (d) => ["build", "--config", path.join(d, "b.yaml")], codes: [2] },
  { what: "build --config: a billion laughs", files: { "b.yaml": ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `a${i}: &a${i} [${Array(10).fill(i ? `*a${i - 1}` : "*a").join(", ")}]`)].join("\n") }, args: (d) => ["build", "--config", path.join(d, "b.yaml")], codes: [2] },
  { what: "build --config: an anchor inside itself", files: { "b.yaml": "onnx: &a [*a]\nfp16: true\n" }, args: (d) => ["build", "--config", path.join(d, "b.yaml")], codes: [2] },
  // perf --baseline
  { what: "perf --baseline: 100,000-deep JSON", files: { "b.json": "[".repeat(100_000) + "]".repeat(100_000) }, args: (d) => ["perf", "--onnx", MLP, "--baseline", path.join(d, "b.json")], codes: [1] },
  { what: "perf --baseline: a truncated report", files: { "b.json": '{"schema": "trtx.perf/1", "model": {"sha256": "ab", "path": "m.onnx"}, "points": [{"batch": 1, "concurrency": 1, "throughput": 1' }, args: (d) => ["perf", "--onnx", MLP, "--baseline", path.join(d, "b.json")], codes: [1] },
  // export --spec
  { what: "export --spec: a name whose toString is a number", files: { "n.yaml": "name: {toString: 1}\ninputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers: [{type: relu}]\n" }, args: (d) => ["export", "--spec", path.join(d, "n.yaml"), "-o", path.join(d, "n.onnx")], codes: [1] },
  { what: "export --spec: 5,000 nested sequences", files: { "n.yaml": `inputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers:\n${"- ".repeat(5000)}x\n` }, args: (d) => ["export", "--spec", path.join(d, "n.yaml"), "-o", path.join(d, "n.onnx")], codes: [1] },
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
}

function trtx(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, "bin", "trtx.js"), ...args], { stdio: ["ignore", "ignore", "pipe"], timeout: LIMIT_S * 1000, killSignal: "SIGKILL" });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("close", (code, signal) => resolve({ code, signal, stderr, seconds: (performance.now() - start) / 1000 }));
  });
}

test("corrupted files through the CLI: exit 1/2/3, a few lines, no stack trace, in bounded time", async (t) => {
  const root = tempDir(t);
  const dirs = CASES.map((c, i) => {
    const dir = path.join(root, String(i));
    for (const [name, data] of Object.entries(c.files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), data);
    }
    for (const name of c.fifos ?? []) execFileSync("mkfifo", [path.join(dir, name)]);
    for (const [name, target] of Object.entries(c.links ?? {})) fs.symlinkSync(target, path.join(dir, name));
    return dir;
  });
  // Two at a time: each is a Node process of its own.
  const runs: Run[] = new Array(CASES.length);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < CASES.length) {
        const i = next++;
        runs[i] = await trtx(CASES[i]!.args(dirs[i]!));
      }
    }),
  );
  for (const [i, c] of CASES.entries()) {
    await t.test(c.what, () => {
      const r = runs[i]!;
      const shown = `${c.what}: exit ${r.code} signal ${r.signal} after ${r.seconds.toFixed(1)} s\n${r.stderr.slice(0, 2000)}`;
      assert.equal(r.signal, null, `killed (over ${LIMIT_S} s, or crashed): ${shown}`);
      assert.ok(c.codes.includes(r.code!), `expected exit ${c.codes.join(" or ")}: ${shown}`);
      const lines = r.stderr.trim().split("\n");
      assert.ok(lines.length <= 3, `more than 3 lines on stderr: ${shown}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, shown);
      assert.doesNotMatch(r.stderr, /internal error|Warning/, shown);
    });
  }
});
