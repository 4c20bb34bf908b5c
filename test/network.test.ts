import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { UsageError } from "../src/core/errors.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { createSession } from "../src/core/ep/session.js";
import { exportNetwork } from "../src/core/export/network.js";
import { compileNetwork } from "../src/core/network/compile.js";
import { parseNetworkYaml, SpecError } from "../src/core/network/spec.js";
import { loadTemplate, templateNames } from "../src/core/network/templates.js";
import { encodeModel } from "../src/core/onnx/codec.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { tempDir } from "./helpers.js";

test("built-in templates have the parameter counts of torchvision and transformers", () => {
  const expected: Record<string, number> = {
    resnet18: 11_689_512, // torchvision.models.resnet18
    resnet50: 25_557_032, // torchvision.models.resnet50
    mobilenet_v2: 3_504_872, // torchvision.models.mobilenet_v2
    "bert-tiny": 4_385_920, // transformers BertModel, L=2 H=128 A=2 I=512
    mlp: 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10,
  };
  assert.deepEqual(templateNames(), Object.keys(expected).sort());
  for (const [name, count] of Object.entries(expected)) {
    assert.equal(compileNetwork(loadTemplate(name), { countOnly: true }).parameters, count, name);
  }
});

test("unknown templates are refused with the list of known ones", () => {
  assert.throws(() => loadTemplate("resnet51"), (e) => e instanceof UsageError && /unknown template 'resnet51'/.test(e.message) && /resnet50/.test(e.hint ?? ""));
});

async function run(bytes: Uint8Array | string, feeds: Record<string, unknown>) {
  const { session } = await createSession(bytes, { ep: "cpu" });
  const out = await session.run(feeds as never);
  await session.release();
  return out;
}

function stats(data: Float32Array) {
  let min = Infinity, max = -Infinity;
  for (const v of data) (min = Math.min(min, v)), (max = Math.max(max, v));
  return { min, max, finite: data.every(Number.isFinite) };
}

test("resnet18 and mobilenet_v2 run at two batch sizes with finite, varied logits", async () => {
  const ort = await loadOrt();
  for (const name of ["resnet18", "mobilenet_v2"]) {
    const bytes = encodeModel(compileNetwork(loadTemplate(name)).model);
    for (const batch of [1, 3]) {
      const x = new ort.Tensor("float32", Float32Array.from({ length: batch * 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.001)), [batch, 3, 224, 224]);
      const y = (await run(bytes, { input: x })).output!;
      assert.deepEqual(y.dims, [batch, 1000], name);
      const s = stats(y.data as Float32Array);
      assert.ok(s.finite && s.max - s.min > 0.1 && Math.max(-s.min, s.max) < 1e3, `${name}: logits ${s.min}..${s.max}`);
    }
  }
});

test("the same seed gives the same bytes, another seed other weights", () => {
  const a = encodeModel(compileNetwork(loadTemplate("mlp"), { seed: 1 }).model);
  const b = encodeModel(compileNetwork(loadTemplate("mlp"), { seed: 1 }).model);
  const c = encodeModel(compileNetwork(loadTemplate("mlp"), { seed: 2 }).model);
  assert.deepEqual(Buffer.from(a), Buffer.from(b));
  assert.notDeepEqual(Buffer.from(a), Buffer.from(c));
});

test("bert-tiny: dynamic batch and sequence, and padding masked out", async () => {
  const ort = await loadOrt();
  const bytes = encodeModel(compileNetwork(loadTemplate("bert-tiny")).model);
  const ids = (last: bigint) => new ort.Tensor("int64", BigInt64Array.from([101n, 2023n, 2003n, 1037n, last, 101n, 7592n, 2088n, 102n, 0n]), [2, 5]);
  const mask = new ort.Tensor("int64", BigInt64Array.from([1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n, 0n]), [2, 5]);
  const a = await run(bytes, { input_ids: ids(102n), attention_mask: mask });
  const b = await run(bytes, { input_ids: ids(999n), attention_mask: mask });
  assert.deepEqual(a.last_hidden_state!.dims, [2, 5, 128]);
  assert.deepEqual(a.pooler_output!.dims, [2, 128]);
  const ha = a.last_hidden_state!.data as Float32Array;
  const hb = b.last_hidden_state!.data as Float32Array;
  // Changing a masked token changes nothing at the unmasked positions of its sequence.
  for (let i = 0; i < 4 * 128; i++) assert.ok(Math.abs(ha[i]! - hb[i]!) < 1e-5, `position ${Math.floor(i / 128)} moved`);
  assert.ok(Math.abs(ha[4 * 128]! - hb[4 * 128]!) > 1e-4, "the masked position itself should change");
  assert.ok(stats(a.pooler_output!.data as Float32Array).finite);
});

test("--batch N fixes dim 0; --fp16-weights halves the file and stays close to float32", async (t) => {
  const dir = tempDir(t);
  const ort = await loadOrt();
  const full = exportNetwork({ template: "mlp" }, path.join(dir, "mlp.onnx"), { batch: 4 });
  const half = exportNetwork({ template: "mlp" }, path.join(dir, "mlp16.onnx"), { batch: 4, fp16Weights: true });
  assert.deepEqual(describeModelFile(full.path).inputs[0]!.shape, [4, 784]);
  assert.ok(half.bytes < full.bytes * 0.55, `${half.bytes} vs ${full.bytes}`);
  assert.deepEqual(describeModelFile(half.path).weights.byDtype.map((d) => d.dtype), ["float16"]);
  const x = new ort.Tensor("float32", Float32Array.from({ length: 4 * 784 }, (_, i) => Math.cos(i)), [4, 784]);
  const y32 = (await run(full.path, { input: x })).output!.data as Float32Array;
  const y16 = (await run(half.path, { input: x })).output!.data as Float32Array;
  const err = Math.max(...y32.map((v, i) => Math.abs(v - y16[i]!)));
  const scale = Math.max(...y32.map(Math.abs));
  assert.ok(err < scale * 5e-3, `fp16 weights moved outputs by ${err} (scale ${scale})`);
  await assert.rejects(run(full.path, { input: new ort.Tensor("float32", new Float32Array(784), [1, 784]) }));
});

const spec = (layers: string, extra = "") => `name: t\ninputs:\n  x: { dtype: float32, shape: [batch, 3, 8, 8] }\n${extra}layers:\n${layers}outputs:\n  y: out\n`;

function specFails(text: string, pattern: RegExp) {
  assert.throws(() => compileNetwork(parseNetworkYaml(text, "net.yaml")), (e) => {
    assert.ok(e instanceof SpecError, `not a SpecError: ${e}`);
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

test("network definition errors name the file, line and layer", () => {
  specFails("inputs: [x\nlayers: ]\n", /^net\.yaml:\d+:\d+: malformed YAML/);
  specFails(spec("  - { type: conv2d, name: out, out: 4, kernal: 3 }\n"), /^net\.yaml:5:5: layer out \(conv2d\): unknown key 'kernal'/);
  specFails(spec("  - { type: relu }\n  - { type: swish, name: out }\n"), /^net\.yaml:6:5: unknown layer type 'swish'/);
  specFails(spec("  - { type: add, name: out, inputs: [x, missing] }\n"), /^net\.yaml:5:5: unknown input reference 'missing'/);
  specFails(spec("  - { type: conv2d, name: a, out: 4, kernel: 3 }\n  - { type: add, name: out, inputs: [a, x] }\n"), /^net\.yaml:6:5: layer out \(add\): shapes do not match: a \[batch,4,6,6\] and x \[batch,3,8,8\]/);
  specFails(spec("  - { type: relu, name: out }\n  - { type: relu, name: out }\n"), /^net\.yaml:6:5: duplicate name 'out'/);
  specFails(spec("  - { type: block, block: nope, name: out }\n"), /unknown block 'nope'/);
  specFails(spec("  - { type: block, block: b, name: out, args: { widht: 3 } }\n", "blocks:\n  b:\n    args: { width: 1 }\n    layers:\n      - { type: relu }\n"), /block b has no argument 'widht'/);
  specFails(spec("  - { type: transpose, name: out, perm: [0, 1] }\n"), /layer out \(transpose\): perm \[0,1\] is not a permutation of the 4 axes of \[batch,3,8,8\]/);
  specFails(spec("  - { type: reshape, name: out, shape: [0, 5, -1] }\n"), /cannot reshape \[batch,3,8,8\] to \[0,5,-1\]/);
  specFails(spec("  - { type: conv2d, name: out, out: 4, kernel: 3, groups: 2 }\n"), /groups 2 must divide input channels 3/);
  specFails(spec("  - { type: relu, name: r }\n").replace("y: out", "y: nothing"), /unknown input reference 'nothing'/);
});

test("blocks, repeats and $input expand into dotted names with inferred shapes", () => {
  const text = spec(
    "  - { type: block, block: res, name: stage, repeat: 2 }\n  - { type: globalavgpool, name: pool }\n  - { type: flatten, name: flat }\n  - { type: linear, name: out, out: 5 }\n",
    "blocks:\n  res:\n    args: { c: 3 }\n    layers:\n      - { type: conv2d, name: conv, out: $c, kernel: 3, pad: 1 }\n      - { type: add, name: sum, inputs: [conv, $input] }\n",
  );
  const net = compileNetwork(parseNetworkYaml(text, "net.yaml"));
  const names = net.model.graph!.initializer.map((t) => t.name);
  assert.deepEqual(names, ["stage.0.conv.weight", "stage.0.conv.bias", "stage.1.conv.weight", "stage.1.conv.bias", "out.weight", "out.bias"]);
  assert.deepEqual(net.outputs, [{ name: "y", kind: "tensor", dtype: "float32", shape: ["batch", 5] }]);
  assert.equal(net.parameters, 2 * (3 * 3 * 9 + 3) + 3 * 5 + 5);
});

test("exported templates pass the ONNX checker (full check, opset 17)", (t) => {
  // The onnx package may belong to Debian's python (python3-onnx) rather than the first python3 on PATH.
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import onnx"]).status === 0);
  if (!python) return t.skip("no python3 with the onnx package (apt-get install python3-onnx)");
  const dir = tempDir(t);
  for (const name of ["mlp", "bert-tiny", "mobilenet_v2", "resnet18"]) {
    const file = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(file, encodeModel(compileNetwork(loadTemplate(name)).model));
    const r: ReturnType<typeof spawnSync> = spawnSync(python, ["-c", "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)", file], { encoding: "utf8" });
    assert.equal(r.status, 0, `${name}: ${String(r.stderr)}`);
  }
});

test("the example in docs/network-yaml.md compiles and runs", async () => {
  const doc = fs.readFileSync(new URL("../../docs/network-yaml.md", import.meta.url), "utf8");
  const yaml = doc.match(/```yaml\n([\s\S]*?)```/)![1]!;
  const net = compileNetwork(parseNetworkYaml(yaml, "docs/network-yaml.md"));
  assert.deepEqual(net.outputs.map((o) => [o.name, o.shape]), [["logits", ["batch", 10]]]);
  const ort = await loadOrt();
  const y = (await run(encodeModel(net.model), { image: new ort.Tensor("float32", new Float32Array(2 * 3 * 32 * 32).fill(0.5), [2, 3, 32, 32]) })).logits!;
  assert.deepEqual(y.dims, [2, 10]);
});
