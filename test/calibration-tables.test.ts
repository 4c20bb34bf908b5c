import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { encodeCalibrationJson, parseCalibrationJson } from "../src/core/calibration/calibration-json.js";
import { decodeOrtCalibrationTable, encodeOrtCalibrationTable } from "../src/core/calibration/ort-table.js";
import { pythonFloatRepr } from "../src/core/calibration/python-float.js";
import { int8Scale, type ActivationRange } from "../src/core/calibration/ranges.js";
import { CALIBRATION_FILES, writeCalibrationTables } from "../src/core/calibration/tables.js";
import { encodeTensorRtCache, parseTensorRtCache, tensorRtVersionNumber } from "../src/core/calibration/tensorrt-cache.js";
import { DataFormatError, FileError, TrtxError } from "../src/core/errors.js";
import { SeededRandom } from "../src/core/tensor/random.js";
import { tempDir } from "./helpers.js";

/** The reference example (peer-tools.md §5.4): amax 2.7 for `input`, 6.0 for `conv1_out`, in that order. */
const REFERENCE = new Map<string, ActivationRange>([
  ["input", { min: -2.7, max: 1.5 }],
  ["conv1_out", { min: 0, max: 6.0 }],
]);

const ORT_REFERENCE_HEX = `
0c000000 00000600 08000400 06000000 04000000 02000000 08000000 2c000000 e0ffffff 08000000
0c000000 03000000 322e3700 05000000 696e7075 74000000 08000c00 08000400 08000000 08000000
0c000000 03000000 362e3000 09000000 636f6e76 315f6f75 74000000`;

const PYTHON = "/usr/bin/python3";
const hasPython = spawnSync(PYTHON, ["-c", "pass"]).status === 0;

/** An error that is one line, of the given class, matching the pattern, with a hint. */
function oneLine(kind: new (...args: never[]) => TrtxError, pattern: RegExp) {
  return (e: unknown) => e instanceof kind && pattern.test(e.message) && !e.message.includes("\n") && !!e.hint;
}

/** Names as real exporters produce them, and a few that stress each format. */
const NAMES = ["input", "/conv1/Conv_output_0", "(Unnamed Layer* 64) [Shuffle]_output", "123", "x y", "héllo", "😀", "\uffff", "__proto__", "a,b"];

function randomRanges(seed: number, n: number): Map<string, ActivationRange> {
  const rng = new SeededRandom(seed);
  const ranges = new Map<string, ActivationRange>();
  for (let i = 0; i < n; i++) {
    // Ranges as float32 tensors give them, spanning tiny to large magnitudes and both signs.
    const scale = 10 ** rng.uniform(-6, 4);
    const a = Math.fround(rng.uniform(-1, 1) * scale);
    const b = Math.fround(rng.uniform(-1, 1) * scale);
    ranges.set(`${NAMES[i % NAMES.length]}_${i}`, { min: Math.min(a, b), max: Math.max(a, b) });
  }
  return ranges;
}

test("TensorRT cache: the reference example byte for byte, lines in the Map's order", () => {
  assert.equal(encodeTensorRtCache(REFERENCE, { trtVersion: "8.6.1" }), "TRT-8601-EntropyCalibration2\ninput: 3cae291f\nconv1_out: 3d418306\n");
  const reversed = new Map([...REFERENCE].reverse());
  assert.equal(encodeTensorRtCache(reversed, { trtVersion: "10.14.1", algorithm: "MinMaxCalibration" }), "TRT-101401-MinMaxCalibration\nconv1_out: 3d418306\ninput: 3cae291f\n");
});

test("TensorRT version number: M*1000+m*100+p up to 9, M*10000+m*100+p from 10", () => {
  const cases: [string, number][] = [
    ["10.14.1", 101401],
    ["8.6.1", 8601],
    ["10.0.0", 100000],
    ["10.14.1.48", 101401],
    ["8.6.1.6", 8601],
    ["9.3.0", 9300],
    ["11.1.0", 110100],
    ["7.2.3", 7203],
  ];
  for (const [version, expected] of cases) assert.equal(tensorRtVersionNumber(version), expected, version);
  for (const bad of ["", "10", "10.14", "v10.14.1", "10.x.1", "10.14.1-ga", "0.1.0", "8.10.1", "10.100.0", "10.1.100", " 10.1.0"]) {
    assert.throws(() => tensorRtVersionNumber(bad), oneLine(TrtxError, /is not a TensorRT version/), JSON.stringify(bad));
  }
  assert.throws(() => encodeTensorRtCache(REFERENCE, { trtVersion: "10.14" }), oneLine(TrtxError, /'10\.14' is not a TensorRT version/));
});

test("TensorRT cache: a zero scale is 0 and small scales are not zero-padded, as std::hex prints them", () => {
  const ranges = new Map([
    ["zero", { min: 0, max: 0 }],
    ["negzero", { min: -0, max: -0 }],
    ["tiny", { min: 0, max: 1e-30 * 127 }],
  ]);
  const text = encodeTensorRtCache(ranges, { trtVersion: "10.14.1" });
  assert.equal(text, "TRT-101401-EntropyCalibration2\nzero: 0\nnegzero: 0\ntiny: da24260\n");
  const back = parseTensorRtCache(text, "c").scales;
  assert.equal(back.get("zero"), 0);
  assert.equal(back.get("tiny"), int8Scale(1e-30 * 127));
});

test("TensorRT cache: a name with ':' or a line break is refused, naming the tensor", () => {
  for (const name of ["encoder:0", "a\nb", "a\rb"]) {
    const ranges = new Map([["ok", { min: 0, max: 1 }], [name, { min: 0, max: 1 }]]);
    assert.throws(() => encodeTensorRtCache(ranges, { trtVersion: "10.14.1" }), oneLine(TrtxError, /^tensor '.+' cannot be written to a TensorRT calibration cache/));
  }
  assert.throws(() => encodeTensorRtCache(new Map([["encoder:0", { min: 0, max: 1 }]]), { trtVersion: "10.14.1" }), /tensor 'encoder:0'/);
});

test("ranges no table can carry are refused", () => {
  const bad: [string, ActivationRange, RegExp][] = [
    ["nan", { min: NaN, max: 1 }, /tensor 'nan' is \[NaN, 1\]/],
    ["inf", { min: 0, max: Infinity }, /tensor 'inf'/],
    ["inverted", { min: 2, max: 1 }, /tensor 'inverted' is \[2, 1\]/],
    ["huge", { min: 0, max: 1e300 }, /overflows float32/],
    ["", { min: 0, max: 1 }, /empty name/],
  ];
  for (const [name, range, pattern] of bad) {
    const ranges = new Map([[name, range]]);
    assert.throws(() => encodeTensorRtCache(ranges, { trtVersion: "10.14.1" }), oneLine(TrtxError, pattern), name);
    assert.throws(() => encodeOrtCalibrationTable(ranges), oneLine(TrtxError, pattern), name);
    assert.throws(() => encodeCalibrationJson(ranges, { method: "entropy", samples: 1 }), oneLine(TrtxError, pattern), name);
  }
});

test("TensorRT cache: malformed files fail on one line that names the line", () => {
  const cases: [string, RegExp][] = [
    ["", /^c:1: '' is not a TensorRT calibration cache header/],
    ["input: 3cae291f\n", /^c:1: /],
    ["TRT-8601\n", /^c:1: /],
    ["TRT-8601-EntropyCalibration2\ninput: 3cae291f\nconv1_out 3d418306\n", /^c:3: 'conv1_out 3d418306' is not 'name: <hex scale>'/],
    ["TRT-8601-EntropyCalibration2\ninput: 3cae291g\n", /^c:2: /],
    ["TRT-8601-EntropyCalibration2\ninput: 13cae291f\n", /^c:2: /],
    ["TRT-8601-EntropyCalibration2\ninput: 7fc00000\n", /^c:2: tensor 'input' has scale NaN/],
    ["TRT-8601-EntropyCalibration2\ninput: bcae291f\n", /^c:2: tensor 'input' has scale -0\.02/],
    ["TRT-8601-EntropyCalibration2\ninput: 3cae291f\n\ninput: 3d418306\n", /^c:4: tensor 'input' appears twice/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseTensorRtCache(text, "c"), oneLine(DataFormatError, pattern), JSON.stringify(text));
});

test("TensorRT cache: the reference example and CRLF files parse", () => {
  const parsed = parseTensorRtCache("TRT-8601-EntropyCalibration2\r\ninput: 3cae291f\r\nconv1_out: 3D418306\r\n", "c");
  assert.equal(parsed.version, 8601);
  assert.equal(parsed.algorithm, "EntropyCalibration2");
  assert.deepEqual([...parsed.scales.keys()], ["input", "conv1_out"]);
  assert.equal(parsed.scales.get("input"), Math.fround(2.7 / 127));
  assert.equal(parsed.scales.get("conv1_out"), Math.fround(6 / 127));
  // TensorRT writes names verbatim, so a name with ': ' in a cache it wrote still reads by the last one.
  assert.equal(parseTensorRtCache("TRT-8601-EntropyCalibration2\na: b: 3f800000\n", "c").scales.get("a: b"), 1);
});

test("TensorRT cache: seeded random ranges round-trip to float32(amax/127), in order", () => {
  for (const seed of [1, 2, 3]) {
    const ranges = randomRanges(seed, 200);
    const parsed = parseTensorRtCache(encodeTensorRtCache(ranges, { trtVersion: "10.14.1" }), "c");
    assert.equal(parsed.version, 101401);
    assert.deepEqual([...parsed.scales.keys()], [...ranges.keys()]);
    for (const [name, { min, max }] of ranges) assert.equal(parsed.scales.get(name), Math.fround(Math.max(-min, max) / 127), name);
  }
});

test("ORT table: the reference example byte for byte", () => {
  const expected = Buffer.from(ORT_REFERENCE_HEX.replace(/\s+/g, ""), "hex");
  assert.equal(expected.length, 108);
  const bytes = encodeOrtCalibrationTable(REFERENCE);
  assert.equal(Buffer.from(bytes).toString("hex"), expected.toString("hex"));
  // The Map's order does not matter: ORT sorts the keys before building.
  assert.deepEqual(encodeOrtCalibrationTable(new Map([...REFERENCE].reverse())), bytes);
  assert.deepEqual([...decodeOrtCalibrationTable(expected, "t")], [["input", 2.7], ["conv1_out", 6]]);
});

test("ORT table: entries are reverse-sorted by code point, values are str(amax) of the symmetric range", () => {
  const ranges = new Map<string, ActivationRange>([
    ["b", { min: -8, max: 2 }], // asymmetric: the negative side is the larger one
    ["\uffff", { min: 0, max: 1e-5 }], // after "😀" by UTF-16 units, before it by code point
    ["😀", { min: -1e16, max: 0 }],
    ["a", { min: 0, max: 0 }],
  ]);
  const bytes = encodeOrtCalibrationTable(ranges);
  const table = decodeOrtCalibrationTable(bytes, "t");
  assert.deepEqual([...table.keys()], ["😀", "\uffff", "b", "a"]);
  assert.deepEqual([...table.values()], [1e16, 1e-5, 8, 0]);
  // The texts themselves, each as a flatbuffers string: u32 length, bytes, NUL.
  for (const value of ["8.0", "1e-05", "1e+16", "0.0"]) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(value.length);
    assert.ok(Buffer.from(bytes).includes(Buffer.concat([length, Buffer.from(`${value}\0`)])), value);
  }
});

test("ORT table: seeded random ranges round-trip to exactly amax", () => {
  for (const seed of [4, 5, 6]) {
    const ranges = randomRanges(seed, 200);
    const table = decodeOrtCalibrationTable(encodeOrtCalibrationTable(ranges), "t");
    assert.equal(table.size, ranges.size);
    for (const [name, { min, max }] of ranges) assert.equal(table.get(name), Math.max(-min, max), name);
  }
  assert.equal(decodeOrtCalibrationTable(encodeOrtCalibrationTable(new Map()), "t").size, 0);
});

test("ORT table: damaged files fail on one line instead of reading garbage", () => {
  const good = Buffer.from(ORT_REFERENCE_HEX.replace(/\s+/g, ""), "hex");
  const edit = (at: number, bytes: number[]) => {
    const copy = Buffer.from(good);
    copy.set(bytes, at);
    return copy;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /the root offset at byte 0 lies outside the 0-byte file/],
    ["truncated", good.subarray(0, 60), /outside|past the end|ends first/],
    ["root offset out of range", edit(0, [0xff, 0, 0, 0]), /outside/],
    ["huge entry count", edit(20, [0xff, 0xff, 0, 0]), /the dict claims 65535 entries/],
    ["string length past the end", edit(52, [0xff, 0, 0, 0]), /entry 0's key runs past the end/],
    ["value not a number", edit(48, [0x78]), /the value of 'input' is 'x\.7'/],
    ["negative value", edit(48, [0x2d, 0x37, 0x2e]), /'input' is '-7\.', not a finite non-negative number/],
    ["no value field", edit(70, [0, 0]), /entry 'input' has no value/],
    ["bad UTF-8", edit(56, [0xff]), /not UTF-8/],
    ["duplicate key", edit(92, [5, 0, 0, 0, ...Buffer.from("input\0")]), /tensor 'input' appears twice/],
  ];
  for (const [what, bytes, pattern] of cases) assert.throws(() => decodeOrtCalibrationTable(bytes, "t"), oneLine(DataFormatError, new RegExp(`^t: .*${pattern.source}`)), what);
});

test("pythonFloatRepr matches CPython's repr on known values", () => {
  const table: [number, string][] = [
    [0.1, "0.1"],
    [1 / 3, "0.3333333333333333"],
    [2.7, "2.7"],
    [6.0, "6.0"],
    [1e-5, "1e-05"],
    [123456789.0, "123456789.0"],
    [1e16, "1e+16"],
    [1.5e-7, "1.5e-07"],
    [3.4028234663852886e38, "3.4028234663852886e+38"],
    [0, "0.0"],
    [-0, "-0.0"],
    [-2.5, "-2.5"],
    [1e-4, "0.0001"],
    [0.00012345, "0.00012345"],
    [9999999999999998.0, "9999999999999998.0"],
    [1234567890123456.8, "1234567890123456.8"],
    [1e22, "1e+22"],
    [1.2345e21, "1.2345e+21"],
    [1e100, "1e+100"],
    [1e-100, "1e-100"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [Math.fround(2.7), "2.700000047683716"],
    [100, "100.0"],
    [0.5, "0.5"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
  ];
  for (const [x, expected] of table) assert.equal(pythonFloatRepr(x), expected, String(x));
});

test("pythonFloatRepr matches python3's repr on seeded random doubles", { skip: hasPython ? false : `${PYTHON} not found` }, () => {
  const rng = new SeededRandom(7);
  const u32 = () => Math.floor(rng.next() * 2 ** 32);
  const values: number[] = [];
  const view = new DataView(new ArrayBuffer(8));
  while (values.length < 400) {
    const kind = values.length % 4;
    if (kind === 0) {
      // any bit pattern: every exponent, subnormals, both signs
      view.setUint32(0, u32());
      view.setUint32(4, u32());
      values.push(view.getFloat64(0));
    } else if (kind === 1) values.push(Math.fround(rng.uniform(-1, 1) * 10 ** rng.uniform(-8, 8)));
    else if (kind === 2) values.push(Math.round(rng.uniform(0, 1e6)) / 10 ** Math.floor(rng.uniform(0, 12)));
    else values.push(10 ** Math.floor(rng.uniform(-20, 25)) * (1 + Math.floor(rng.uniform(0, 9))));
  }
  const hex = values.map((x) => {
    view.setFloat64(0, x);
    return view.getBigUint64(0).toString(16).padStart(16, "0");
  });
  const script = "import sys, struct\nfor h in sys.stdin.read().split():\n    print(repr(struct.unpack('>d', bytes.fromhex(h))[0]))";
  const r = spawnSync(PYTHON, ["-c", script], { input: hex.join("\n"), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const expected = r.stdout.trimEnd().split("\n");
  assert.equal(expected.length, values.length);
  values.forEach((x, i) => assert.equal(pythonFloatRepr(x), expected[i], hex[i]));
});

test("calibration.json: fields, and a round trip through the reader", () => {
  const text = encodeCalibrationJson(REFERENCE, { method: "entropy", samples: 512 });
  assert.ok(text.endsWith("}\n"));
  assert.deepEqual(JSON.parse(text), {
    schema: "trtx.calibration/1",
    method: "entropy",
    samples: 512,
    tensors: {
      input: { min: -2.7, max: 1.5, amax: 2.7, scale: Math.fround(2.7 / 127) },
      conv1_out: { min: 0, max: 6, amax: 6, scale: Math.fround(6 / 127) },
    },
  });
  const ranges = randomRanges(8, 100);
  const back = parseCalibrationJson(encodeCalibrationJson(ranges, { method: "minmax", samples: 3 }), "j");
  assert.equal(back.method, "minmax");
  assert.equal(back.samples, 3);
  assert.deepEqual(back.ranges, ranges);
  // Names that a plain object would treat specially stay ordinary keys.
  const special = new Map([["__proto__", { min: -1, max: 1 }], ["123", { min: 0, max: 2 }]]);
  assert.deepEqual(parseCalibrationJson(encodeCalibrationJson(special, { method: "entropy", samples: 1 }), "j").ranges, special);
  assert.throws(() => encodeCalibrationJson(REFERENCE, { method: "entropy", samples: 1.5 }), oneLine(TrtxError, /sample count 1\.5/));
});

test("calibration.json: files that are not one are refused on one line", () => {
  const good = JSON.parse(encodeCalibrationJson(REFERENCE, { method: "entropy", samples: 1 }));
  const cases: [string, RegExp][] = [
    ["{", /^j: not JSON/],
    [JSON.stringify({ ...good, schema: "trtx.calibration/2" }), /^j: not a trtx\.calibration\/1 file/],
    [JSON.stringify({ ...good, method: "percentile" }), /^j: method "percentile" is not one of entropy, minmax/],
    [JSON.stringify({ ...good, samples: -1 }), /^j: samples -1/],
    [JSON.stringify({ ...good, tensors: [] }), /^j: tensors is not an object/],
    [JSON.stringify({ ...good, tensors: { a: { min: 1, max: 0, amax: 1, scale: 0 } } }), /^j: tensor 'a' has no numeric min ≤ max/],
    [JSON.stringify({ ...good, tensors: { ...good.tensors, input: { ...good.tensors.input, amax: 3 } } }), /^j: tensor 'input': amax 3 and scale .* do not follow/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseCalibrationJson(text, "j"), oneLine(DataFormatError, pattern), text);
});

test("writeCalibrationTables writes the three tables and returns their paths", (t) => {
  const dir = tempDir(t);
  const paths = writeCalibrationTables(dir, REFERENCE, { trtVersion: "8.6.1", method: "entropy", samples: 16 });
  assert.deepEqual(paths, {
    tensorRt: path.join(dir, "calibration.cache"),
    ort: path.join(dir, "calibration.flatbuffers"),
    json: path.join(dir, "calibration.json"),
  });
  assert.deepEqual(fs.readdirSync(dir).sort(), Object.values(CALIBRATION_FILES).sort());
  assert.equal(fs.readFileSync(paths.tensorRt, "utf8"), "TRT-8601-EntropyCalibration2\ninput: 3cae291f\nconv1_out: 3d418306\n");
  assert.equal(fs.readFileSync(paths.ort).toString("hex"), ORT_REFERENCE_HEX.replace(/\s+/g, ""));
  assert.equal(parseCalibrationJson(fs.readFileSync(paths.json, "utf8"), paths.json).samples, 16);

  const minmax = writeCalibrationTables(dir, REFERENCE, { trtVersion: "10.14.1", method: "minmax", samples: 16 });
  assert.match(fs.readFileSync(minmax.tensorRt, "utf8"), /^TRT-101401-MinMaxCalibration\n/);
});

test("writeCalibrationTables writes nothing when one table refuses the ranges", (t) => {
  const dir = tempDir(t);
  const ranges = new Map([["ok", { min: 0, max: 1 }], ["encoder:0", { min: 0, max: 1 }]]);
  assert.throws(() => writeCalibrationTables(dir, ranges, { trtVersion: "10.14.1", method: "entropy", samples: 1 }), /tensor 'encoder:0'/);
  assert.deepEqual(fs.readdirSync(dir), []);
  assert.throws(() => writeCalibrationTables(path.join(dir, "missing"), REFERENCE, { trtVersion: "10.14.1", method: "entropy", samples: 1 }), FileError);
});
