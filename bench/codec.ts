/**
 * `npm run bench:codec`: the measurement behind src/core/onnx/codec.ts's choice of protobuf library. Both
 * candidates read ONNX 1.20's schema (onnx-buf's): onnx-buf on @bufbuild/protobuf, and protobufjs 8 driven by
 * the same descriptor. For every model in ../shared (when present) and the fixtures: does decode → encode give
 * the same bytes? Then decode/encode time on one large raw_data model, side by side in this process.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { file_onnx } from "onnx-buf";
import { GraphBuilder } from "../src/core/onnx/builder.js";
import { decodeModel, encodeModel } from "../src/core/onnx/codec.js";
import { DataType } from "../src/core/onnx/dtype.js";

const require = createRequire(import.meta.url);
const pb = require("protobufjs");
const descriptor = require("protobufjs/ext/descriptor");
pb.Reader.discardUnknown = false; // protobufjs drops unknown fields unless told otherwise

const root = pb.Root.fromDescriptor(
  descriptor.FileDescriptorSet.decode(toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [file_onnx.proto] }))),
);
const PbModel = root.lookupType("onnx.ModelProto");
const codecs = {
  "onnx-buf": { decode: decodeModel, encode: encodeModel as (m: unknown) => Uint8Array },
  "protobufjs 8": { decode: (b: Uint8Array) => PbModel.decode(b), encode: (m: unknown) => PbModel.encode(m).finish() as Uint8Array },
};

const repo = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const modelFiles = [path.join(repo, "fixtures"), path.join(repo, "..", "shared", "onnx-conformance"), path.join(repo, "..", "shared", "real-models")]
  .filter((d) => fs.existsSync(d))
  .flatMap((d) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".onnx")).map((e) => path.join(e.parentPath, e.name)));

process.stdout.write(`round trip on ${modelFiles.length} models (fixtures, ../shared/onnx-conformance, ../shared/real-models):\n`);
for (const [name, codec] of Object.entries(codecs)) {
  let identical = 0;
  for (const file of modelFiles) {
    const bytes = fs.readFileSync(file);
    if (Buffer.compare(Buffer.from(codec.encode(codec.decode(bytes))), bytes) === 0) identical++;
  }
  process.stdout.write(`  ${name}: ${identical}/${modelFiles.length} byte-identical\n`);
}

const g = new GraphBuilder("large");
let h = g.input("x", DataType.FLOAT, ["n", 1024]);
for (let i = 0; i < 25; i++) h = g.op("MatMul", [h, g.weight(`w${i}`, [1024, 1024], new Float32Array(1024 * 1024).fill(i))]);
for (let i = 0; i < 5000; i++) h = g.op("Relu", [h]);
g.output(h, DataType.FLOAT, ["n", 1024]);
const large = encodeModel(g.model());
const median = (f: () => void) => {
  const t: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[2]!;
};
process.stdout.write(`\n${(large.length / 2 ** 20).toFixed(0)} MiB model (25 raw_data initializers, 5,025 nodes), median of 5:\n`);
process.stdout.write("| codec | decode | encode |\n|---|---:|---:|\n");
for (const [name, codec] of Object.entries(codecs)) {
  const decoded = codec.decode(large);
  process.stdout.write(`| ${name} | ${median(() => codec.decode(large)).toFixed(1)} ms | ${median(() => codec.encode(decoded)).toFixed(1)} ms |\n`);
}
