import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DataFormatError, FileError, ModelFormatError, UsageError } from "../src/core/errors.js";
import { decodeTensor, encodeTensor, make } from "../src/core/onnx/codec.js";
import { dtypeName } from "../src/core/onnx/dtype.js";
import { scanModelFile } from "../src/core/onnx/scan.js";
import { toFloat16Array } from "../src/core/tensor/float16.js";
import { allocate, NUMERIC_DTYPES, type HostTensor } from "../src/core/tensor/host-tensor.js";
import { encodePolygraphyJson, readPerfAnalyzerJson, readPolygraphyJson } from "../src/core/tensor/json-inputs.js";
import { loadTensorFile, safeFileName, saveNpy } from "../src/core/tensor/load.js";
import { encodeNpy } from "../src/core/tensor/npy.js";
import { readRawBin } from "../src/core/tensor/raw-bin.js";
import { encodeTensorProto, readTensorProto } from "../src/core/tensor/tensor-proto.js";
import { ROOT, tempDir } from "./helpers.js";

const CONFORMANCE = path.resolve(ROOT, "..", "shared", "onnx-conformance");
const haveConformance = fs.existsSync(CONFORMANCE);
const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import onnx, numpy"]).status === 0);

function oneLine(kind: new (...a: never[]) => Error, pattern: RegExp) {
  return (e: unknown) => e instanceof kind && pattern.test((e as Error).message) && !(e as Error).message.includes("\n");
}

function pbFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pbFiles(path.join(dir, e.name)) : e.name.endsWith(".pb") ? [path.join(dir, e.name)] : []));
}

const bytesOf = (t: HostTensor) => (Array.isArray(t.data) ? Buffer.alloc(0) : Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));

function sample(dtype: HostTensor["dtype"], dims: number[]): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (dtype === "string") return { dtype, dims, data: Array.from({ length: n }, (_, i) => `s${i}é`) };
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(i) * 3000000000n;
    else data[i] = dtype === "bool" ? i % 2 : i + 1;
  }
  return { dtype, dims, data };
}

test("every .pb of the ONNX conformance data reads, except the documented refusals", { skip: haveConformance ? false : `${CONFORMANCE} is absent` }, () => {
  const files = pbFiles(CONFORMANCE);
  assert.ok(files.length > 400, `only ${files.length} .pb files`);
  let refused = 0;
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const onnxType = dtypeName(decodeTensor(bytes).dataType);
    const feedable = [...NUMERIC_DTYPES, "string"].includes(onnxType);
    if (feedable) {
      const { tensor } = readTensorProto(bytes, file, path.dirname(file));
      assert.equal(tensor.dtype, onnxType, file);
      assert.equal(tensor.data.length, tensor.dims.reduce((a, b) => a * b, 1), file);
    } else {
      refused++;
      assert.throws(() => readTensorProto(bytes, file), oneLine(DataFormatError, new RegExp(`is ${onnxType}, which onnxruntime-node cannot feed$`)), file);
    }
  }
  assert.ok(refused <= 2, `${refused} refusals`);
});

test("conformance inputs and outputs match their models' names, dtypes and fixed dims", { skip: haveConformance ? false : `${CONFORMANCE} is absent` }, () => {
  let checked = 0;
  for (const suite of ["node", "simple"]) {
    for (const name of fs.readdirSync(path.join(CONFORMANCE, suite))) {
      const info = scanModelFile(path.join(CONFORMANCE, suite, name, "model.onnx"));
      const dataDir = path.join(CONFORMANCE, suite, name, "test_data_set_0");
      for (const [prefix, values] of [["input", info.inputs], ["output", info.outputs]] as const) {
        values.forEach((desc, i) => {
          const file = path.join(dataDir, `${prefix}_${i}.pb`);
          if (!fs.existsSync(file) || !["float32", "float16", "int64", "int32", "uint8", "int8", "bool", "float64", "string"].includes(desc.dtype)) return;
          const { name: tensorName, tensor } = readTensorProto(fs.readFileSync(file), file, dataDir);
          if (tensorName) assert.equal(tensorName, desc.name, file);
          assert.equal(tensor.dtype, desc.dtype, file);
          if (desc.shape) {
            assert.equal(tensor.dims.length, desc.shape.length, file);
            desc.shape.forEach((d, k) => typeof d === "number" && assert.equal(tensor.dims[k], d, `${file} dim ${k}`));
          }
          checked++;
        });
      }
    }
  }
  assert.ok(checked > 300, `checked ${checked}`);
  // Known values: test_add's output is the float32 sum of its inputs.
  const dir = path.join(CONFORMANCE, "node", "test_add", "test_data_set_0");
  const [a, b, sum] = ["input_0", "input_1", "output_0"].map((f) => readTensorProto(fs.readFileSync(path.join(dir, `${f}.pb`)), f).tensor);
  assert.deepEqual(sum!.dims, [3, 4, 5]);
  const x = a!.data as Float32Array;
  const y = b!.data as Float32Array;
  assert.deepEqual(sum!.data, x.map((v, i) => Math.fround(v + y[i]!)));
  assert.ok(x.some((v) => v !== 0 && !Number.isInteger(v)), "test_add's inputs are random floats");
});

test("conformance tensors equal what onnx.numpy_helper reads", { skip: !haveConformance ? `${CONFORMANCE} is absent` : python ? false : "no python3 with onnx and numpy" }, () => {
  const script = `
import glob, hashlib, json, sys
import onnx
from onnx import numpy_helper
for f in sorted(glob.glob(sys.argv[1] + "/**/*.pb", recursive=True)):
    t = onnx.load_tensor(f)
    if t.data_type == onnx.TensorProto.BFLOAT16:
        continue
    a = numpy_helper.to_array(t)
    if t.data_type == onnx.TensorProto.STRING:
        print(json.dumps({"file": f, "dtype": "string", "shape": list(a.shape), "strings": [s.decode() if isinstance(s, bytes) else s for s in a.flatten()]}))
    else:
        b = a.astype(a.dtype.newbyteorder("<")).tobytes(order="C")
        print(json.dumps({"file": f, "dtype": str(a.dtype), "shape": list(a.shape), "sha": hashlib.sha256(b).hexdigest()}))
`;
  const r = spawnSync(python!, ["-c", script, CONFORMANCE], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; dtype: string; shape: number[]; sha?: string; strings?: string[] });
  assert.ok(lines.length > 400);
  for (const ref of lines) {
    const { tensor } = readTensorProto(fs.readFileSync(ref.file), ref.file, path.dirname(ref.file));
    assert.equal(tensor.dtype, ref.dtype, ref.file);
    assert.deepEqual(tensor.dims, ref.shape, ref.file);
    if (ref.strings) assert.deepEqual(tensor.data, ref.strings, ref.file);
    else assert.equal(createHash("sha256").update(bytesOf(tensor)).digest("hex"), ref.sha, ref.file);
  }
});

test("encodeTensorProto round-trips every dtype through raw_data (strings through string_data)", () => {
  for (const dtype of [...NUMERIC_DTYPES, "string" as const]) {
    for (const dims of [[], [0], [2, 3]]) {
      const t = sample(dtype, dims);
      const bytes = encodeTensorProto("x:0", t);
      assert.deepEqual(readTensorProto(bytes, "t.pb"), { name: "x:0", tensor: t }, `${dtype} [${dims}]`);
      const proto = decodeTensor(bytes);
      if (dtype === "string") assert.equal(proto.stringData.length, t.data.length);
      else assert.equal(proto.rawData.length, bytesOf(t).length);
    }
  }
});

test("typed fields are read as onnx.proto assigns them", () => {
  const read = (init: Parameters<typeof make.tensor>[0]) => readTensorProto(encodeTensor(make.tensor({ name: "t", ...init })), "t.pb").tensor;
  assert.deepEqual(read({ dataType: 1, dims: [2n], floatData: [1.5, -2] }), { dtype: "float32", dims: [2], data: new Float32Array([1.5, -2]) });
  assert.deepEqual(read({ dataType: 11, dims: [1n], doubleData: [Math.PI] }).data, new Float64Array([Math.PI]));
  // float16 travels as its bits in int32_data.
  assert.deepEqual(read({ dataType: 10, dims: [2n], int32Data: [0x3c00, 0xc000] }), { dtype: "float16", dims: [2], data: toFloat16Array([1, -2]) });
  assert.deepEqual(read({ dataType: 9, dims: [3n], int32Data: [1, 0, 1] }), { dtype: "bool", dims: [3], data: new Uint8Array([1, 0, 1]) });
  assert.deepEqual(read({ dataType: 3, dims: [2n], int32Data: [-128, 127] }).data, new Int8Array([-128, 127]));
  assert.deepEqual(read({ dataType: 2, dims: [1n], int32Data: [255] }).data, new Uint8Array([255]));
  assert.deepEqual(read({ dataType: 5, dims: [1n], int32Data: [-300] }).data, new Int16Array([-300]));
  assert.deepEqual(read({ dataType: 4, dims: [1n], int32Data: [65535] }).data, new Uint16Array([65535]));
  assert.deepEqual(read({ dataType: 6, dims: [2n], int32Data: [-7, 2 ** 31 - 1] }).data, new Int32Array([-7, 2 ** 31 - 1]));
  assert.deepEqual(read({ dataType: 7, dims: [1n, 2n], int64Data: [-(2n ** 63n), 5n] }), { dtype: "int64", dims: [1, 2], data: new BigInt64Array([-(2n ** 63n), 5n]) });
  assert.deepEqual(read({ dataType: 12, dims: [1n], uint64Data: [4294967295n] }).data, new Uint32Array([4294967295]));
  assert.deepEqual(read({ dataType: 13, dims: [1n], uint64Data: [2n ** 64n - 1n] }).data, new BigUint64Array([2n ** 64n - 1n]));
  assert.deepEqual(read({ dataType: 8, dims: [2n], stringData: [Buffer.from("héllo"), Buffer.from("")] }).data, ["héllo", ""]);
});

test("external data is read relative to the .pb's folder", (t) => {
  const dir = tempDir(t);
  const values = new Float32Array([1, 2, 3, 4]);
  fs.writeFileSync(path.join(dir, "weights.bin"), Buffer.concat([Buffer.alloc(8, 0xee), Buffer.from(values.buffer)]));
  const external = (entries: [string, string][]) =>
    encodeTensor(make.tensor({ name: "w", dataType: 1, dims: [2n, 2n], dataLocation: 1, externalData: entries.map(([k, v]) => make.entry(k, v)) }));
  const pb = path.join(dir, "w.pb");
  fs.writeFileSync(pb, external([["location", "weights.bin"], ["offset", "8"], ["length", "16"]]));
  assert.deepEqual(loadTensorFile(pb), { dtype: "float32", dims: [2, 2], data: values });
  assert.deepEqual(readTensorProto(fs.readFileSync(pb), pb, dir).tensor.data, values);
  assert.throws(() => readTensorProto(fs.readFileSync(pb), pb), oneLine(DataFormatError, /external file, and its folder is unknown/));
  const bad = (entries: [string, string][], kind: new (...a: never[]) => Error, pattern: RegExp) => assert.throws(() => readTensorProto(external(entries), pb, dir), oneLine(kind, pattern));
  bad([["location", "weights.bin"], ["offset", "8"], ["length", "32"]], DataFormatError, /offset 8, length 32 does not fit .*\(24 bytes\)/);
  bad([["location", "weights.bin"], ["offset", "12"]], DataFormatError, /has 12 bytes of float32 data but its dims need 16/);
  bad([["location", "missing.bin"]], FileError, /cannot read its external data .*missing\.bin \(ENOENT\)/);
  bad([["location", "../weights.bin"]], ModelFormatError, /points outside/);
});

test("broken .pb files get one-line errors", () => {
  const good = encodeTensorProto("x", { dtype: "float32", dims: [4, 4], data: new Float32Array(16) });
  assert.throws(() => readTensorProto(good.subarray(0, good.length - 10), "cut.pb"), oneLine(DataFormatError, /^cut\.pb does not decode as an ONNX TensorProto \(/));
  assert.throws(() => readTensorProto(new Uint8Array(0), "empty.pb"), oneLine(DataFormatError, /empty\.pb has no valid data type \(0\)/));
  const short = encodeTensor(make.tensor({ name: "x", dataType: 1, dims: [3n], rawData: new Uint8Array(8) }));
  assert.throws(() => readTensorProto(short, "s.pb"), oneLine(DataFormatError, /s\.pb \(tensor x\) has 8 bytes of float32 data but its dims need 12/));
  const few = encodeTensor(make.tensor({ name: "x", dataType: 7, dims: [3n], int64Data: [1n] }));
  assert.throws(() => readTensorProto(few, "f.pb"), oneLine(DataFormatError, /holds 1 values but its dims \[3\] need 3/));
  for (const [type, name] of [[16, "bfloat16"], [17, "float8e4m3fn"], [22, "int4"]] as const) {
    const t = encodeTensor(make.tensor({ name: "x", dataType: type, dims: [2n], rawData: new Uint8Array(4) }));
    assert.throws(() => readTensorProto(t, "q.pb"), oneLine(DataFormatError, new RegExp(`is ${name}, which onnxruntime-node cannot feed`)));
  }
  assert.throws(() => readTensorProto(encodeTensor(make.tensor({ dataType: 99 })), "u.pb"), oneLine(DataFormatError, /no valid data type \(99\)/));
});

test("raw .bin: the byte count must match dims × dtype size", () => {
  const bytes = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
  assert.deepEqual(readRawBin(bytes, "in.bin", "float32", [2, 3]), { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(readRawBin(new Uint8Array(16), "in.bin", "int64", [2]).data, new BigInt64Array(2));
  assert.throws(() => readRawBin(bytes, "in.bin", "float32", [1, 3, 224, 224]), oneLine(DataFormatError, /^in\.bin is 24 bytes but float32 \[1,3,224,224\] needs 602112 \(150528 × 4\)$/));
  assert.throws(() => readRawBin(bytes, "in.bin", "float16", [2, 3]), oneLine(DataFormatError, /is 24 bytes but float16 \[2,3\] needs 12/));
  assert.throws(() => readRawBin(bytes, "in.bin", "string", [1]), oneLine(DataFormatError, /string tensors have no raw binary form/));
});

test("perf_analyzer input JSON as in its docs", () => {
  const ones = JSON.stringify(Array(16).fill(1));
  const flat = readPerfAnalyzerJson(`{"data": [{"INPUT0": ${ones}, "INPUT1": ${ones}}, {"INPUT0": ${ones}, "INPUT1": ${ones}}]}`, "in.json");
  assert.equal(flat.length, 2);
  assert.deepEqual([...flat[1]!.keys()], ["INPUT0", "INPUT1"]);
  assert.deepEqual(flat[0]!.get("INPUT0"), { values: Array(16).fill(1) });

  const b64 = readPerfAnalyzerJson('{"data": [{"INPUT0": {"b64": "YmFzZTY0IGRlY29kZXI="}, "INPUT1": {"b64": "YmFzZTY0IGRlY29kZXI="}}]}', "in.json");
  assert.equal(Buffer.from(b64[0]!.get("INPUT0")!.values as Uint8Array).toString(), "base64 decoder");

  const shaped = readPerfAnalyzerJson(
    `{"data": [{"INPUT": {"content": ${ones}, "shape": [2,8]}}, {"INPUT": {"content": ${ones}}}, {"INPUT": {"content": {"b64": "AAAAAA=="}, "shape": [1]}}]}`,
    "in.json",
  );
  assert.deepEqual(shaped[0]!.get("INPUT"), { values: Array(16).fill(1), shape: [2, 8] });
  assert.deepEqual(shaped[1]!.get("INPUT"), { values: Array(16).fill(1) });
  assert.deepEqual(shaped[2]!.get("INPUT"), { values: new Uint8Array(4), shape: [1] });

  const strings = readPerfAnalyzerJson('{"data": [{"INPUT": ["1"]}, {"INPUT": ["2"]}], "validation_data": [{"OUT": [0]}]}', "in.json");
  assert.deepEqual(strings.map((r) => r.get("INPUT")!.values), [["1"], ["2"]]);
  // Booleans are 0/1; integers beyond 2^53 keep every digit.
  const mixed = readPerfAnalyzerJson('{"data": [{"B": [true, false], "IDS": [9007199254740993, -9223372036854775808, 1], "F": [1.25e-3, 1234567890123456789.5]}]}', "in.json");
  assert.deepEqual(mixed[0]!.get("B")!.values, [1, 0]);
  assert.deepEqual(mixed[0]!.get("IDS")!.values, [9007199254740993n, -9223372036854775808n, 1n]);
  assert.deepEqual(mixed[0]!.get("F")!.values, [1.25e-3, 1234567890123456789.5]);
});

test("bad perf_analyzer JSON is refused with the place it goes wrong", () => {
  const bad = (text: string, pattern: RegExp) => assert.throws(() => readPerfAnalyzerJson(text, "in.json"), oneLine(DataFormatError, pattern), pattern.source);
  bad('{"data": [', /^in\.json is not valid JSON: /);
  bad("[1, 2]", /in\.json has no "data" list/);
  bad('{"data": []}', /"data" is empty/);
  bad('{"data": [[{"INPUT": ["1"]}], [{"INPUT": ["2"]}]]}', /data\[0\] is a sequence stream/);
  bad('{"data": [{"INPUT": [[1, 2], [3, 4]]}]}', /data\[0\]\.INPUT is a nested list/);
  bad('{"data": [{"INPUT": [1, "a"]}]}', /data\[0\]\.INPUT holds "a" among numbers/);
  bad('{"data": [{"INPUT": [9007199254740993, 0.5]}]}', /mixes integers beyond 2\^53 with 0\.5/);
  bad('{"data": [{"INPUT": {"b64": "not base64!"}}]}', /data\[0\]\.INPUT: "b64" is not a base64 string/);
  bad('{"data": [{"INPUT": {"shape": [2]}}]}', /has neither "content" nor "b64"/);
  bad('{"data": [{"INPUT": {"content": [1, 2], "shape": [2, -1]}}]}', /INPUT\.shape is not a list of non-negative integers/);
  bad('{"data": [{"INPUT": 3}]}', /data\[0\]\.INPUT is neither a list of values/);
  bad('{"data": [{"ipc_stream": "python3 x.py"}]}', /ipc_stream/);
});

test("Polygraphy JSON: our writer's output reads back, in Polygraphy's layout", () => {
  const iterations = [
    new Map<string, HostTensor>([
      ["x", { dtype: "float32", dims: [1, 3], data: new Float32Array([1, 2, 3]) }],
      ["ids", { dtype: "int64", dims: [2], data: new BigInt64Array([5n, -1n]) }],
    ]),
    new Map<string, HostTensor>([
      ["x", { dtype: "float32", dims: [1, 3], data: new Float32Array([4, 5, 6]) }],
      ["ids", { dtype: "int64", dims: [2], data: new BigInt64Array([7n, 8n]) }],
    ]),
  ];
  const text = encodePolygraphyJson(iterations);
  const doc = JSON.parse(text);
  assert.deepEqual(Object.keys(doc[0].x), ["array", "polygraphy_class"]);
  assert.equal(doc[0].x.polygraphy_class, "ndarray");
  assert.deepEqual(Buffer.from(doc[1].ids.array, "base64"), Buffer.from(encodeNpy(iterations[1]!.get("ids")!)));
  assert.match(text, /^\[\n {4}\{\n {8}"x": \{\n {12}"array": "/);
  assert.deepEqual(readPolygraphyJson(text, "inputs.json"), iterations);
  // The key older Polygraphy used instead of polygraphy_class, and its latin-1 text instead of base64.
  const npyBytes = Buffer.from(encodeNpy({ dtype: "uint8", dims: [2], data: new Uint8Array([200, 7]) }));
  const legacy = JSON.stringify([{ y: { array: npyBytes.toString("latin1"), __polygraphy_encoded_ndarray: "polygraphy_serialized_json_type" } }]);
  assert.deepEqual(readPolygraphyJson(legacy, "old.json")[0]!.get("y"), { dtype: "uint8", dims: [2], data: new Uint8Array([200, 7]) });
});

test("bad Polygraphy JSON is refused", () => {
  const bad = (text: string, pattern: RegExp) => assert.throws(() => readPolygraphyJson(text, "inputs.json"), oneLine(DataFormatError, pattern), pattern.source);
  bad("[{", /^inputs\.json is not valid JSON/);
  bad('{"lst": [], "polygraphy_class": "RunResults"}', /holds Polygraphy run results \(--save-outputs\), not inputs/);
  bad('{"x": 1}', /is not a list of iterations/);
  bad("[1]", /iteration 0 is not an object/);
  bad('[{"x": [1, 2]}]', /iteration 0 input x is not an encoded NumPy array/);
  bad('[{"x": {"polygraphy_class": "FormattedArray", "array": ""}}]', /input x is a FormattedArray/);
  bad('[{"x": {"array": "AAAA", "polygraphy_class": "ndarray"}}]', /iteration 0 input x is not a \.npy file/);
  bad(`[{"x": {"array": "${Buffer.from("PK\x03\x04rest").toString("base64")}", "polygraphy_class": "ndarray"}}]`, /\.npz archive/);
});

test("Polygraphy JSON as numpy writes it", { skip: python ? false : "no python3 with numpy" }, (t) => {
  // What polygraphy/json/serde.py's ndarray encoder produces: np.save bytes, base64, and the class marker.
  const script = `
import base64, io, json, sys
import numpy as np
def enc(a):
    f = io.BytesIO(); np.save(f, a, allow_pickle=False)
    return {"array": base64.b64encode(f.getvalue()).decode(), "polygraphy_class": "ndarray"}
feeds = [{"x": enc(np.asfortranarray(np.arange(6, dtype=np.float16).reshape(2, 3))), "mask": enc(np.array([True, False]))}]
json.dump(feeds, open(sys.argv[1], "w"), indent=4)
`;
  const file = path.join(tempDir(t), "inputs.json");
  const r = spawnSync(python!, ["-c", script, file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [feeds] = readPolygraphyJson(fs.readFileSync(file, "utf8"), file);
  assert.deepEqual(feeds!.get("x"), { dtype: "float16", dims: [2, 3], data: toFloat16Array([0, 1, 2, 3, 4, 5]) });
  assert.deepEqual(feeds!.get("mask"), { dtype: "bool", dims: [2], data: new Uint8Array([1, 0]) });
});

test("loadTensorFile picks the reader by content and extension", (t) => {
  const dir = tempDir(t);
  const t23: HostTensor = { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const write = (name: string, bytes: Uint8Array | string) => {
    fs.writeFileSync(path.join(dir, name), bytes);
    return path.join(dir, name);
  };
  assert.deepEqual(loadTensorFile(write("a.npy", encodeNpy(t23))), t23);
  // .npy content wins over a misleading extension.
  assert.deepEqual(loadTensorFile(write("a.dat", encodeNpy(t23))), t23);
  assert.deepEqual(loadTensorFile(write("a.pb", encodeTensorProto("a", t23))), t23);
  const raw = write("a.bin", bytesOf(t23));
  assert.deepEqual(loadTensorFile(raw, { dtype: "float32", dims: [2, 3] }), t23);
  assert.deepEqual(loadTensorFile(write("a.raw", bytesOf(t23)), { dtype: "float32", dims: [6] }).dims, [6]);
  assert.throws(() => loadTensorFile(raw, { dtype: "float32" }), oneLine(UsageError, /a\.bin: raw \.bin needs --shapes name:dims$/));
  assert.throws(() => loadTensorFile(raw, { dtype: "float32", dims: [7] }), oneLine(DataFormatError, /is 24 bytes but float32 \[7\] needs 28/));
  assert.throws(() => loadTensorFile(write("b.npy", "not numpy")), oneLine(DataFormatError, /b\.npy is not a \.npy file/));
  assert.throws(() => loadTensorFile(write("c.txt", "1 2 3")), oneLine(FileError, /c\.txt: cannot tell what kind of tensor file this is/));
  assert.throws(() => loadTensorFile(path.join(dir, "missing.npy")), oneLine(FileError, /missing\.npy: no such file$/));
  assert.throws(() => loadTensorFile(dir), oneLine(FileError, /is a directory, not a tensor file$/));
});

test("saveNpy writes <dir>/<safe name>.npy atomically", (t) => {
  const dir = tempDir(t);
  const tensor: HostTensor = { dtype: "int32", dims: [2], data: new Int32Array([3, 4]) };
  const file = saveNpy(dir, "encoder/layer.0:out put", tensor);
  assert.equal(file, path.join(dir, "encoder_layer.0_out_put.npy"));
  assert.deepEqual(loadTensorFile(file), tensor);
  assert.deepEqual(fs.readdirSync(dir), ["encoder_layer.0_out_put.npy"]);
  assert.equal(safeFileName("logits-1_a.B"), "logits-1_a.B");
  assert.equal(safeFileName("../../etc"), ".._.._etc");
  assert.equal(safeFileName(""), "_");
  assert.throws(() => saveNpy(path.join(dir, "nope"), "x", tensor), oneLine(FileError, /folder .* does not exist/));
});
