import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { createSession } from "../src/core/ep/session.js";
import { loadOrt } from "../src/core/ep/ort.js";
import { loadModel } from "../src/core/onnx/model-file.js";
import { fromFloat16Bits, toFloat16Array } from "../src/core/tensor/float16.js";
import { makeFixtures } from "../scripts/make-fixtures.js";
import { FIXTURES, fixture, tempDir } from "./helpers.js";

test("the committed fixtures are exactly what the generator writes", (t) => {
  const dir = tempDir(t);
  const written = makeFixtures(dir);
  assert.deepEqual([...written].sort(), fs.readdirSync(FIXTURES).filter((f) => f.includes(".onnx")).sort());
  for (const name of written) {
    assert.deepEqual(fs.readFileSync(path.join(dir, name)), fs.readFileSync(fixture(name)), `${name} differs: run npm run fixtures`);
  }
});

function weights(file: string): Map<string, Float32Array> {
  const m = loadModel(file).proto;
  return new Map(m.graph!.initializer.filter((t) => t.rawData.length).map((t) => [t.name, new Float32Array(new Uint8Array(t.rawData).buffer)]));
}

test("the MLP fixture computes relu(x·W1 + b1)·W2 + b2 in ONNX Runtime", async () => {
  const w = weights(fixture("mlp_dynbatch.onnx"));
  const batch = 3;
  const x = Float32Array.from({ length: batch * 64 }, (_, i) => Math.cos(i * 0.37));
  const ort = await loadOrt();
  const { session } = await createSession(fixture("mlp_dynbatch.onnx"), { ep: "cpu" });
  const y = (await session.run({ input: new ort.Tensor("float32", x, [batch, 64]) })).output!;
  await session.release();
  assert.deepEqual(y.dims, [batch, 10]);
  const [w1, b1, w2, b2] = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"].map((n) => w.get(n)!);
  let maxErr = 0;
  let spread = 0;
  for (let b = 0; b < batch; b++) {
    const h = Array.from({ length: 128 }, (_, j) => {
      let s = b1![j]!;
      for (let k = 0; k < 64; k++) s += x[b * 64 + k]! * w1![k * 128 + j]!;
      return Math.max(0, s);
    });
    for (let o = 0; o < 10; o++) {
      let s = b2![o]!;
      for (let j = 0; j < 128; j++) s += h[j]! * w2![j * 10 + o]!;
      const got = (y.data as Float32Array)[b * 10 + o]!;
      maxErr = Math.max(maxErr, Math.abs(got - s));
      spread = Math.max(spread, Math.abs(s));
    }
  }
  assert.ok(maxErr < 1e-4, `max error ${maxErr}`);
  assert.ok(spread > 0.1, "outputs should not be near zero (weights are initialised to keep activations in range)");
});

test("every fixture loads in ONNX Runtime and runs at two batch sizes", async () => {
  const ort = await loadOrt();
  const feeds: Record<string, (batch: number) => Record<string, unknown>> = {
    "mlp_dynbatch.onnx": (n) => ({ input: new ort.Tensor("float32", new Float32Array(n * 64).fill(0.5), [n, 64]) }),
    "cnn_small.onnx": (n) => ({ input: new ort.Tensor("float32", new Float32Array(n * 3 * 32 * 32).fill(0.5), [n, 3, 32, 32]) }),
    "fp16_io.onnx": (n) => ({ input: new ort.Tensor("float16", toFloat16Array(new Float32Array(n * 16).fill(0.5)), [n, 16]) }),
    "external_data.onnx": (n) => ({ input: new ort.Tensor("float32", new Float32Array(n * 256).fill(0.5), [n, 256]) }),
    "two_input.onnx": (n) => ({
      tokens: new ort.Tensor("int64", BigInt64Array.from({ length: n * 5 }, (_, i) => BigInt(i % 100)), [n, 5]),
      features: new ort.Tensor("float32", new Float32Array(n * 16).fill(1), [n, 16]),
    }),
  };
  for (const [name, feed] of Object.entries(feeds)) {
    const { session } = await createSession(fixture(name), { ep: "cpu" });
    for (const batch of [1, 4]) {
      const out = (await session.run(feed(batch) as never)).output!;
      assert.equal(out.dims[0], batch, name);
      const values = out.type === "float16" ? Array.from(out.data as Uint16Array, fromFloat16Bits) : Array.from(out.data as Float32Array);
      assert.ok(values.every(Number.isFinite), `${name}: non-finite output`);
    }
    await session.release();
  }
});
