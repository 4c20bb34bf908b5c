/**
 * Regenerates fixtures/: small models built with trtx's own GraphBuilder, seeded so that every run writes
 * the same bytes (test/fixtures.test.ts checks that the committed files match). Run: npm run fixtures
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { attr as attrs, GraphBuilder } from "../src/core/onnx/builder.js";
import { DataType } from "../src/core/onnx/dtype.js";
import { saveModel } from "../src/core/onnx/model-file.js";
import { toFloat16Array } from "../src/core/tensor/float16.js";
import { SeededRandom } from "../src/core/tensor/random.js";
import type { ModelProto } from "../src/core/onnx/codec.js";

const SEED = 20261123;

/** He-style initialisation keeps activations in range through ReLU stacks. */
function he(rng: SeededRandom, fanIn: number, count: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  return rng.fill(new Float32Array(count), () => rng.normal() * std);
}

function small(rng: SeededRandom, count: number): Float32Array {
  return rng.fill(new Float32Array(count), () => rng.uniform(-0.1, 0.1));
}

/** [batch,64] → Linear(64,128) → ReLU → Linear(128,10) → [batch,10] */
export function mlpDynbatch(): ModelProto {
  const rng = new SeededRandom(SEED);
  const g = new GraphBuilder("mlp_dynbatch");
  const x = g.input("input", DataType.FLOAT, ["batch", 64]);
  let h = g.op("MatMul", [x, g.weight("fc1.weight", [64, 128], he(rng, 64, 64 * 128))]);
  h = g.op("Add", [h, g.weight("fc1.bias", [128], small(rng, 128))]);
  h = g.op("Relu", [h]);
  h = g.op("MatMul", [h, g.weight("fc2.weight", [128, 10], he(rng, 128, 128 * 10))]);
  g.op("Add", [h, g.weight("fc2.bias", [10], small(rng, 10))], {}, { output: "output" });
  g.output("output", DataType.FLOAT, ["batch", 10]);
  return g.model();
}

/** [batch,3,32,32] → Conv/ReLU/MaxPool → Conv/ReLU → GlobalAveragePool → Flatten → Gemm → [batch,10] */
export function cnnSmall(): ModelProto {
  const rng = new SeededRandom(SEED + 1);
  const g = new GraphBuilder("cnn_small");
  const x = g.input("input", DataType.FLOAT, ["batch", 3, 32, 32]);
  const conv = (input: string, cin: number, cout: number, name: string) =>
    g.op("Conv", [input, g.weight(`${name}.weight`, [cout, cin, 3, 3], he(rng, cin * 9, cout * cin * 9)), g.weight(`${name}.bias`, [cout], small(rng, cout))], {
      kernel_shape: attrs.ints([3, 3]),
      pads: attrs.ints([1, 1, 1, 1]),
    });
  let h = g.op("Relu", [conv(x, 3, 8, "conv1")]);
  h = g.op("MaxPool", [h], { kernel_shape: attrs.ints([2, 2]), strides: attrs.ints([2, 2]) });
  h = g.op("Relu", [conv(h, 8, 16, "conv2")]);
  h = g.op("GlobalAveragePool", [h]);
  h = g.op("Flatten", [h], { axis: attrs.int(1) });
  g.op("Gemm", [h, g.weight("fc.weight", [10, 16], he(rng, 16, 160)), g.weight("fc.bias", [10], small(rng, 10))], { transB: attrs.int(1) }, { output: "output" });
  g.output("output", DataType.FLOAT, ["batch", 10]);
  return g.model();
}

/** float16 in and out: [batch,16] → MatMul(fp16 weights) → ReLU → [batch,8] */
export function fp16Io(): ModelProto {
  const rng = new SeededRandom(SEED + 2);
  const g = new GraphBuilder("fp16_io");
  const x = g.input("input", DataType.FLOAT16, ["batch", 16]);
  const w = g.initializer("weight", DataType.FLOAT16, [16, 8], toFloat16Array(he(rng, 16, 128)));
  g.op("Relu", [g.op("MatMul", [x, w])], {}, { output: "output" });
  g.output("output", DataType.FLOAT16, ["batch", 8]);
  return g.model();
}

/** An MLP whose weights live in external_data.onnx.data (256 KiB), as large models store them. */
export function externalData(): ModelProto {
  const rng = new SeededRandom(SEED + 3);
  const g = new GraphBuilder("external_data");
  const x = g.input("input", DataType.FLOAT, ["batch", 256]);
  const h = g.op("Relu", [g.op("MatMul", [x, g.weight("fc.weight", [256, 256], he(rng, 256, 256 * 256))])]);
  g.op("Add", [h, g.weight("fc.bias", [256], small(rng, 256))], {}, { output: "output" });
  g.output("output", DataType.FLOAT, ["batch", 256]);
  return g.model();
}

/** Two inputs of different dtypes: token ids through an embedding, plus dense features. */
export function twoInput(): ModelProto {
  const rng = new SeededRandom(SEED + 4);
  const g = new GraphBuilder("two_input");
  const tokens = g.input("tokens", DataType.INT64, ["batch", "sequence"]);
  const features = g.input("features", DataType.FLOAT, ["batch", 16]);
  const embedded = g.op("Gather", [g.weight("embedding", [100, 16], small(rng, 1600)), tokens], { axis: attrs.int(0) });
  const pooled = g.op("ReduceMean", [embedded], { axes: attrs.ints([1]), keepdims: attrs.int(0) });
  g.op("Add", [pooled, features], {}, { output: "output" });
  g.output("output", DataType.FLOAT, ["batch", 16]);
  return g.model();
}

export const FIXTURES: Record<string, () => ModelProto> = {
  "mlp_dynbatch.onnx": mlpDynbatch,
  "cnn_small.onnx": cnnSmall,
  "fp16_io.onnx": fp16Io,
  "external_data.onnx": externalData,
  "two_input.onnx": twoInput,
};

/** Writes every fixture into `dir`; external_data.onnx always puts its weights beside it. */
export function makeFixtures(dir: string): string[] {
  const written: string[] = [];
  for (const [name, build] of Object.entries(FIXTURES)) {
    const result = saveModel(build(), path.join(dir, name), name === "external_data.onnx" ? { maxInlineBytes: 0 } : {});
    written.push(name, ...result.externalData);
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(fileURLToPath(new URL("../../fixtures", import.meta.url)));
  for (const f of makeFixtures(dir)) process.stdout.write(`wrote fixtures/${f}\n`);
}
