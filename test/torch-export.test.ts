import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { FileError, TrtxError, UsageError } from "../src/core/errors.js";
import { exportFromTorch, parseTorchTarget, type TorchExportRequest } from "../src/core/export/torch.js";
import { JOB_MARKER, torchExportScript, type TorchExportJob } from "../src/core/export/torch-script.js";
import { createSession } from "../src/core/ep/session.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { fixture, tempDir } from "./helpers.js";

// torch is never installed here: the real script runs against the real python3 for its error paths, against
// a fake torch package for everything up to torch.onnx.export, and fake pythons stand in for the export itself.
const python3 = spawnSync("python3", ["--version"]).status === 0;
const torchHere = python3 && spawnSync("python3", ["-c", "import torch"]).status === 0;
const needsPython = { skip: python3 ? false : "python3 is not installed" };
/** A Python with torch and onnx, for the one test that exports for real (TRTX_TORCH_PYTHON=/path/to/python). */
const torchPython = process.env.TRTX_TORCH_PYTHON ?? (torchHere ? "python3" : undefined);

const JOB: TorchExportJob = {
  module: `/models/it's "ünï" 😀/model.py`,
  factory: "make_model",
  inputs: [
    { name: "images", shape: [1, 3, 224, 224], dtype: "float32" },
    { name: 'mask "m"', shape: [1, 224], dtype: "bool" },
  ],
  outputs: ["logits"],
  dynamicBatch: true,
  opset: 17,
  path: "/out/.m.onnx.x/m.onnx",
};

/** The JOB assignment of a generated script, as Python reads it. */
function jobAsPythonReadsIt(script: string): unknown {
  const read = `import ast, json, sys
tree = ast.parse(sys.stdin.read())
call = next(n.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "JOB")
print(json.dumps(json.loads(ast.literal_eval(call.args[0]))))`;
  const r = spawnSync("python3", ["-c", read], { input: script, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const request = (dir: string, over: Partial<TorchExportRequest> = {}): TorchExportRequest => ({
  module: path.join(dir, "model.py"),
  factory: "make",
  inputs: [{ name: "input", shape: [2, 64] }],
  dynamicBatch: true,
  opset: 17,
  output: path.join(dir, "out", "model.onnx"),
  ...over,
});

/** A model file and an output folder in `dir`. */
function project(dir: string, source = "def make():\n    pass\n"): void {
  fs.writeFileSync(path.join(dir, "model.py"), source);
  fs.mkdirSync(path.join(dir, "out"));
}

function executable(file: string, text: string): string {
  fs.writeFileSync(file, text, { mode: 0o755 });
  return file;
}

/** A stand-in for python that reads the generated script from stdin, finds the job in its first line, then runs `body`. */
function fakePython(dir: string, body: string): string {
  return executable(
    path.join(dir, "fake-python"),
    `#!/usr/bin/env python3
import json, shutil, sys
script = sys.stdin.read()
job = json.loads(script.splitlines()[0][len(${JSON.stringify(JOB_MARKER)}):])
def emit(**event):
    print(json.dumps(event), flush=True)
${body}
`,
  );
}

async function rejection(promise: Promise<unknown>): Promise<TrtxError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof TrtxError, `expected a TrtxError, got ${(e as Error).stack}`);
    assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
    return e;
  }
  assert.fail("expected a rejection");
}

test("parseTorchTarget splits on the last colon and needs both parts", () => {
  assert.deepEqual(parseTorchTarget("models/net.py:make_model"), { module: "models/net.py", factory: "make_model" });
  assert.deepEqual(parseTorchTarget("a:b/net.py:Net"), { module: "a:b/net.py", factory: "Net" });
  for (const bad of ["models/net.py", "models/net.py:", ":make_model", ""]) {
    assert.throws(() => parseTorchTarget(bad), (e) => e instanceof UsageError && /is not FILE.py:FACTORY/.test(e.message) && /--torch/.test(e.hint ?? ""));
  }
});

test("the script carries the job as JSON in its first line, ASCII only, and parses as Python", needsPython, () => {
  const script = torchExportScript(JOB);
  const first = script.split("\n")[0]!;
  assert.ok(first.startsWith(JOB_MARKER));
  assert.deepEqual(JSON.parse(first.slice(JOB_MARKER.length)), JOB);
  assert.match(script, /^[\x09\x0a\x20-\x7e]*$/, "7-bit ASCII");
  const parsed = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], { input: script, encoding: "utf8" });
  assert.equal(parsed.status, 0, parsed.stderr);
  assert.deepEqual(jobAsPythonReadsIt(script), JOB, "quotes and unicode survive into Python");
});

test("the script asks for dynamic_axes only with dynamic batch, the requested opset, and no dynamo exporter", () => {
  const dynamic = torchExportScript(JOB);
  const fixed = torchExportScript({ ...JOB, dynamicBatch: false, opset: 13 });
  assert.match(dynamic, /options\["dynamic_axes"\] = \{n: \{0: "batch"\} for n in input_names \+ output_names\}/);
  assert.doesNotMatch(fixed, /dynamic_axes/);
  assert.match(dynamic, /opset_version=17,/);
  assert.match(fixed, /opset_version=13,/);
  assert.match(dynamic, /if "dynamo" in inspect\.signature\(torch\.onnx\.export\)\.parameters:\n\s+options\["dynamo"\] = False/);
  assert.match(dynamic, /do_constant_folding=True/);
  assert.match(dynamic, /spec_from_file_location/);
});

test("bad requests are refused before python runs", async (t) => {
  const dir = tempDir(t);
  project(dir);
  const python = fakePython(dir, 'open(job["path"], "w").write("ran")');
  const cases: [Partial<TorchExportRequest>, RegExp][] = [
    [{ inputs: [] }, /at least one input/],
    [{ inputs: [{ name: "x", shape: [0, 3] }] }, /input x has shape \[0, 3\]; dimensions must be positive integers/],
    [{ inputs: [{ name: "x", shape: [1.5] }] }, /dimensions must be positive integers/],
    [{ inputs: [{ name: "x", shape: [] }] }, /input x is a scalar/],
    [{ inputs: [{ name: "x", shape: [1], dtype: "float64" as never }] }, /input x has dtype float64/],
    [{ inputs: [{ name: "", shape: [1] }] }, /empty name/],
    [{ inputs: [{ name: "x", shape: [1] }, { name: "x", shape: [1] }] }, /x is named twice/],
    [{ outputs: ["input"] }, /input is named twice among the inputs and outputs/],
    [{ opset: 6 }, /opset 6 is outside 7\.\.21/],
    [{ opset: 22 }, /opset 22 is outside 7\.\.21/],
    [{ module: path.join(dir, "model.txt") }, /model\.txt is not a \.py file/],
    [{ factory: "make.model" }, /"make.model" is not a Python name/],
    [{ python: "" }, /--python is empty/],
  ];
  for (const [over, pattern] of cases) {
    const e = await rejection(exportFromTorch(request(dir, { python, ...over })));
    assert.ok(e instanceof UsageError && pattern.test(e.message), `${JSON.stringify(over)}: ${e.message}`);
    assert.ok(e.hint, `${JSON.stringify(over)} has a hint`);
  }
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), []);
});

test("a missing module file, destination folder or python is named, and nothing is written", async (t) => {
  const dir = tempDir(t);
  project(dir);
  let e = await rejection(exportFromTorch(request(dir, { module: path.join(dir, "nope.py") })));
  assert.ok(e instanceof FileError && e.message === `${path.join(dir, "nope.py")} not found`);
  e = await rejection(exportFromTorch(request(dir, { output: path.join(dir, "missing", "m.onnx") })));
  assert.ok(e instanceof FileError && /folder .*missing does not exist/.test(e.message) && e.hint === "create it first");
  e = await rejection(exportFromTorch(request(dir, { output: path.join(dir, "out") })));
  assert.ok(e instanceof FileError && /out is a directory/.test(e.message));
  const python = path.join(dir, "no-such-python3");
  e = await rejection(exportFromTorch(request(dir, { python })));
  assert.ok(e instanceof FileError && e.message === `${python} not found`);
  assert.equal(e.hint, "install Python 3 with torch, or pass --python");
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), []);
});

test("the real python3 without torch says torch is not installed", { skip: !python3 ? "python3 is not installed" : torchHere ? "torch is installed here" : false }, async (t) => {
  const dir = tempDir(t);
  project(dir);
  const progress: string[] = [];
  const e = await rejection(exportFromTorch(request(dir), (line) => progress.push(line)));
  assert.match(e.message, /^torch is not installed for python3 \(\/.*python3?[\d.]*\)$/);
  assert.match(e.hint ?? "", /pip install torch/);
  assert.deepEqual(progress, ["importing torch"]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), []);
});

test("a successful export is checked, moved into place atomically, and reports progress", needsPython, async (t) => {
  const dir = tempDir(t);
  project(dir);
  const dest = path.join(dir, "out", "model.onnx");
  fs.writeFileSync(dest, "the previous model");
  const python = fakePython(
    dir,
    `emit(event="progress", message="exporting to " + job["path"])
print("a native library writing to stdout")
shutil.copyfile(${JSON.stringify(fixture("mlp_dynbatch.onnx"))}, job["path"])
emit(event="done", path=job["path"], torch="2.6.0+fake")`,
  );
  const progress: string[] = [];
  const result = await exportFromTorch(request(dir, { python }), (line) => progress.push(line));
  assert.deepEqual(fs.readFileSync(dest), fs.readFileSync(fixture("mlp_dynbatch.onnx")));
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), ["model.onnx"], "no temporary files remain");
  assert.equal(result.path, dest);
  assert.equal(result.bytes, fs.statSync(dest).size);
  assert.equal(result.torchVersion, "2.6.0+fake");
  assert.deepEqual(result.inputs, ["input"]);
  assert.deepEqual(result.outputs, ["output"]);
  assert.deepEqual(result.info, describeModelFile(dest));
  assert.equal(progress.length, 1);
  const temp = progress[0]!.replace("exporting to ", "");
  assert.equal(path.dirname(path.dirname(temp)), path.join(dir, "out"), "python writes beside the destination");
  assert.match(path.basename(path.dirname(temp)), /^\.model\.onnx\./, "in a hidden folder");
});

test("external data that the exporter writes moves with the model", needsPython, async (t) => {
  const dir = tempDir(t);
  project(dir);
  const python = fakePython(
    dir,
    `import os
shutil.copyfile(${JSON.stringify(fixture("external_data.onnx"))}, job["path"])
shutil.copyfile(${JSON.stringify(fixture("external_data.onnx.data"))}, os.path.join(os.path.dirname(job["path"]), "external_data.onnx.data"))
emit(event="done", path=job["path"], torch="2.6.0")`,
  );
  const result = await exportFromTorch(request(dir, { python }));
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")).sort(), ["external_data.onnx.data", "model.onnx"]);
  assert.equal(describeModelFile(result.path).externalData[0]!.location, "external_data.onnx.data");
});

test("a python that fails after a partial write leaves no files and the destination untouched", needsPython, async (t) => {
  const dir = tempDir(t);
  project(dir);
  const dest = path.join(dir, "out", "model.onnx");
  fs.writeFileSync(dest, "the previous model");
  const python = fakePython(
    dir,
    `open(job["path"], "wb").write(b"\\x08\\x08\\x12")
for i in range(8):
    print(f"stderr line {i}", file=sys.stderr)
sys.exit(1)`,
  );
  const e = await rejection(exportFromTorch(request(dir, { python })));
  assert.match(e.message, /fake-python exited with code 1 before the export finished: stderr line 3 \| .* \| stderr line 7$/);
  assert.equal(fs.readFileSync(dest, "utf8"), "the previous model");
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), ["model.onnx"]);
});

test("a python that reports success but writes no ONNX model fails the check", needsPython, async (t) => {
  const dir = tempDir(t);
  project(dir);
  const python = fakePython(dir, `open(job["path"], "w").write('{"not": "onnx"}')\nemit(event="done", path=job["path"], torch="2.6.0")`);
  const e = await rejection(exportFromTorch(request(dir, { python })));
  assert.match(e.message, /^torch\.onnx\.export did not write a readable model: /);
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), []);
});

/** A torch package that records what torch.onnx.export was asked and writes the mlp fixture instead. */
function fakeTorch(dir: string, options: { dynamo: boolean }): { python: string; record: string } {
  const pkg = path.join(dir, "fake-site", "torch");
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(
    path.join(pkg, "__init__.py"),
    `__version__ = "9.9.0+fake"
class dtype:
    def __init__(self, name):
        self.name = name
float32, float16, int64, int32, bool = (dtype(n) for n in ("float32", "float16", "int64", "int32", "bool"))
class Tensor:
    def __init__(self, shape, dtype):
        self.shape, self.dtype = list(shape), dtype
def randn(shape, dtype=None):
    return Tensor(shape, dtype)
def zeros(shape, dtype=None):
    return Tensor(shape, dtype)
class no_grad:
    def __enter__(self):
        pass
    def __exit__(self, *exc):
        return False
from . import nn, onnx
`,
  );
  fs.writeFileSync(
    path.join(pkg, "nn.py"),
    `class Module:
    training = True
    def eval(self):
        self.training = False
        return self
    def __call__(self, *args):
        return self.forward(*args)
`,
  );
  const record = path.join(dir, "export-call.json");
  fs.writeFileSync(
    path.join(pkg, "onnx.py"),
    `import json, shutil
def _export(model, args, f, **options):
    call = dict(options, eval=not model.training, shapes=[a.shape for a in args], dtypes=[a.dtype.name for a in args])
    with open(${JSON.stringify(record)}, "w") as out:
        json.dump(call, out)
    shutil.copyfile(${JSON.stringify(fixture("mlp_dynbatch.onnx"))}, f)
${
  options.dynamo
    ? "def export(model, args=(), f=None, *, input_names=None, output_names=None, opset_version=None, dynamo=True, dynamic_axes=None, do_constant_folding=True):\n    return _export(model, args, f, input_names=input_names, output_names=output_names, opset_version=opset_version, dynamo=dynamo, dynamic_axes=dynamic_axes, do_constant_folding=do_constant_folding)"
    : "def export(model, args, f, input_names=None, output_names=None, opset_version=None, dynamic_axes=None, do_constant_folding=True):\n    return _export(model, args, f, input_names=input_names, output_names=output_names, opset_version=opset_version, dynamic_axes=dynamic_axes, do_constant_folding=do_constant_folding)"
}
`,
  );
  const python = executable(path.join(dir, "python-with-fake-torch"), `#!/bin/sh\nPYTHONPATH='${path.dirname(pkg)}' exec python3 "$@"\n`);
  return { python, record };
}

const MODEL = `import torch
from torch import nn
from helper import WIDTH

print("the model's own output goes to stderr")


class Net(nn.Module):
    def forward(self, x, tokens):
        return x, {"tokens": tokens}


class Broken(nn.Module):
    def forward(self, x, tokens):
        raise ValueError("shapes\\ndo not match")


def make():
    return Net()


def not_a_model():
    return WIDTH
`;

/** The model above in a folder whose name needs quoting in Python and in JSON. */
function torchProject(dir: string): string {
  const folder = path.join(dir, `it's "ünï" 😀`);
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, "model.py"), MODEL);
  fs.writeFileSync(path.join(folder, "helper.py"), "WIDTH = 8\n");
  fs.mkdirSync(path.join(dir, "out"));
  return path.join(folder, "model.py");
}

test("the script loads the module beside its siblings, runs the factory and asks torch for a dynamic-batch export", needsPython, async (t) => {
  const dir = tempDir(t);
  const module = torchProject(dir);
  const { python, record } = fakeTorch(dir, { dynamo: true });
  const inputs = [
    { name: "x", shape: [2, 3] },
    { name: "tokens", shape: [2, 5], dtype: "int64" as const },
  ];
  const progress: string[] = [];
  const result = await exportFromTorch(request(dir, { module, python, inputs, opset: 13 }), (line) => progress.push(line));
  assert.equal(result.torchVersion, "9.9.0+fake");
  assert.deepEqual(JSON.parse(fs.readFileSync(record, "utf8")), {
    input_names: ["x", "tokens"],
    output_names: ["output_0", "output_1"],
    opset_version: 13,
    dynamo: false,
    dynamic_axes: { x: { 0: "batch" }, tokens: { 0: "batch" }, output_0: { 0: "batch" }, output_1: { 0: "batch" } },
    do_constant_folding: true,
    eval: true,
    shapes: [[2, 3], [2, 5]],
    dtypes: ["float32", "int64"],
  });
  assert.deepEqual(progress, [
    "importing torch",
    `torch 9.9.0+fake; loading ${module}`,
    "calling make()",
    "running the model on example inputs",
    "exporting x, tokens -> output_0, output_1 to ONNX opset 13",
  ]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), ["model.onnx"]);
});

test("with a torch that predates dynamo and no dynamic batch, neither option is passed", needsPython, async (t) => {
  const dir = tempDir(t);
  const module = torchProject(dir);
  const { python, record } = fakeTorch(dir, { dynamo: false });
  const inputs = [
    { name: "x", shape: [1, 3] },
    { name: "tokens", shape: [1, 5], dtype: "int32" as const },
  ];
  await exportFromTorch(request(dir, { module, python, inputs, outputs: ["scores", "tokens_out"], dynamicBatch: false }));
  const call = JSON.parse(fs.readFileSync(record, "utf8"));
  assert.deepEqual(call.output_names, ["scores", "tokens_out"]);
  assert.equal(call.dynamic_axes, null);
  assert.equal("dynamo" in call, false);
  assert.equal(call.opset_version, 17);
});

test("errors inside python come back typed, on one line, with what would fix them", needsPython, async (t) => {
  const dir = tempDir(t);
  const module = torchProject(dir);
  const { python } = fakeTorch(dir, { dynamo: true });
  const inputs = [
    { name: "x", shape: [1, 3] },
    { name: "tokens", shape: [1, 5], dtype: "int64" as const },
  ];
  const run = (over: Partial<TorchExportRequest>) => rejection(exportFromTorch(request(dir, { module, python, inputs, ...over })));

  let e = await run({ factory: "make_model" });
  assert.ok(e instanceof UsageError);
  assert.equal(e.message, `${module} has no make_model; it defines Broken, Net, make, not_a_model`);
  assert.equal(e.hint, `pass --torch ${module}:NAME, where NAME() returns the nn.Module`);

  e = await run({ factory: "not_a_model" });
  assert.ok(e instanceof UsageError && e.message === "not_a_model() returned int, not a torch.nn.Module");

  e = await run({ factory: "Broken" });
  assert.equal(e.message, "running the model on the example inputs failed at model.py:15: ValueError: shapes do not match");
  assert.match(e.hint ?? "", /--input shapes and dtypes/);

  e = await run({ outputs: ["only_one"] });
  assert.ok(e instanceof UsageError && e.message === "the model returns 2 tensors but 1 output names were given");

  fs.writeFileSync(module, "import timm_is_not_here\n");
  e = await run({});
  assert.match(e.message, /^loading model\.py needs the Python module timm_is_not_here, which .*python-with-fake-torch does not have$/);
  assert.match(e.hint ?? "", /^pip install timm_is_not_here/);
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), []);
});

test("a real torch export runs in ONNX Runtime at another batch size", { skip: torchPython ? false : "no torch: set TRTX_TORCH_PYTHON" }, async (t) => {
  const dir = tempDir(t);
  project(
    dir,
    `from torch import nn

def make():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
`,
  );
  const result = await exportFromTorch(request(dir, { python: torchPython!, inputs: [{ name: "images", shape: [1, 3, 16, 16] }], outputs: ["logits"] }));
  assert.deepEqual(result.info.inputs[0]!.shape, ["batch", 3, 16, 16]);
  assert.deepEqual(result.info.outputs[0]!.shape, ["batch", 10]);
  assert.equal(result.info.opsets.find((o) => o.domain === "")?.version, 17);
  const ort = await loadOrt();
  const { session } = await createSession(result.path, { ep: "cpu" });
  const y = await session.run({ images: new ort.Tensor("float32", new Float32Array(3 * 3 * 16 * 16).fill(0.5), [3, 3, 16, 16]) });
  await session.release();
  assert.deepEqual(y.logits!.dims, [3, 10]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "out")), ["model.onnx"]);
});
