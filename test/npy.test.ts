import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DataFormatError } from "../src/core/errors.js";
import { toFloat16Array } from "../src/core/tensor/float16.js";
import { allocate, NUMERIC_DTYPES, type HostTensor } from "../src/core/tensor/host-tensor.js";
import { encodeNpy, readNpy } from "../src/core/tensor/npy.js";
import { tempDir } from "./helpers.js";

const MAGIC = Buffer.from([0x93, ...Buffer.from("NUMPY")]);

/** A .npy file as numpy lays it out: the header string padded with spaces so that the data starts on 64 bytes. */
function npy(header: string, payload: Uint8Array, version = 1): Buffer {
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 6 + 2 + lengthBytes;
  const padded = header + " ".repeat(64 - ((prefix + header.length + 1) % 64)) + "\n";
  const len = Buffer.alloc(lengthBytes);
  if (version === 1) len.writeUInt16LE(padded.length);
  else len.writeUInt32LE(padded.length);
  return Buffer.concat([MAGIC, Buffer.from([version, 0]), len, Buffer.from(padded, version === 3 ? "utf8" : "latin1"), payload]);
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f32 = (...v: number[]) => bytesOf(new Float32Array(v));

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(
    () => readNpy(bytes, "x.npy"),
    (e) => e instanceof DataFormatError && pattern.test(e.message) && e.message.startsWith("x.npy") && !e.message.includes("\n") && !!e.hint,
    String(pattern),
  );
}

/** Values 1, 2, 3, ... in every dtype (float16 as its bits, bool alternating). */
function sample(dtype: HostTensor["dtype"], dims: number[]): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (dtype === "string") return { dtype, dims, data: Array.from({ length: n }, (_, i) => ["", "a", "héllo", "😀x"][i % 4]!) };
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = dtype === "bool" ? i % 2 : dtype.startsWith("int") ? i - 2 : i + 1;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
    else data[i] = dtype === "float16" ? toFloat16Array([v + 0.5])[0]! : v + (dtype.startsWith("float") ? 0.25 : 0);
  }
  return { dtype, dims, data };
}

test("every dtype round-trips through .npy at every rank", () => {
  for (const dtype of [...NUMERIC_DTYPES, "string" as const]) {
    for (const dims of [[], [0], [5], [2, 3], [2, 1, 3]]) {
      const t = sample(dtype, dims);
      const back = readNpy(encodeNpy(t), "t.npy");
      assert.deepEqual(back, t, `${dtype} [${dims}]`);
    }
  }
});

test("encodeNpy writes exactly np.save's bytes for a float32 [2,3]", () => {
  // numpy: the dict, 20 spaces of room for the first axis to grow to 21 digits, then padding to 64 and '\n'.
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const header = dict + " ".repeat(20 + 38) + "\n";
  assert.equal(10 + header.length, 128);
  const data = f32(1, 2, 3, 4, 5, 6);
  const expected = Buffer.concat([MAGIC, Buffer.from([1, 0, header.length, 0]), Buffer.from(header, "latin1"), data]);
  const t: HostTensor = { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(Buffer.from(encodeNpy(t)), expected);
  // Scalars and vectors are written as Python writes tuples.
  assert.match(Buffer.from(encodeNpy({ dtype: "float64", dims: [], data: new Float64Array([1]) })).toString("latin1"), /'shape': \(\), \}/);
  assert.match(Buffer.from(encodeNpy({ dtype: "bool", dims: [5], data: new Uint8Array(5) })).toString("latin1"), /\{'descr': '\|b1', 'fortran_order': False, 'shape': \(5,\), \}/);
});

test("hand-made headers in numpy's spellings are read", () => {
  const cases: [string, Uint8Array, HostTensor][] = [
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32(1, 2, 3, 4, 5, 6), { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
    ["{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }", bytesOf(new Int32Array([1, -2, 3, -4, 5])), { dtype: "int32", dims: [5], data: new Int32Array([1, -2, 3, -4, 5]) }],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf(new Float64Array([2.5])), { dtype: "float64", dims: [], data: new Float64Array([2.5]) }],
    ["{'descr':'|u1','fortran_order':False,'shape':(3,)}", new Uint8Array([7, 8, 9]), { dtype: "uint8", dims: [3], data: new Uint8Array([7, 8, 9]) }],
    ["{ 'descr' : '|b1' , 'fortran_order' : False , 'shape' : ( 1 , 2 ) , }", new Uint8Array([1, 0]), { dtype: "bool", dims: [1, 2], data: new Uint8Array([1, 0]) }],
    // Python 2 numpy wrote longs; '=' and '|' mean native order; '?' is bool.
    ["{'descr': '=i2', 'fortran_order': False, 'shape': (2L,), }", bytesOf(new Int16Array([-1, 300])), { dtype: "int16", dims: [2], data: new Int16Array([-1, 300]) }],
    ['{"descr": "|f4", "fortran_order": False, "shape": (1,)}', f32(0.5), { dtype: "float32", dims: [1], data: new Float32Array([0.5]) }],
    ["{'descr': '?', 'fortran_order': False, 'shape': (1,), }", new Uint8Array([1]), { dtype: "bool", dims: [1], data: new Uint8Array([1]) }],
    ["{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", bytesOf(new Uint16Array([0x3c00, 0xc000])), { dtype: "float16", dims: [2], data: new Uint16Array([0x3c00, 0xc000]) }],
    ["{'descr': '<u8', 'fortran_order': False, 'shape': (0, 4), }", new Uint8Array(0), { dtype: "uint64", dims: [0, 4], data: new BigUint64Array(0) }],
  ];
  for (const [header, payload, expected] of cases) assert.deepEqual(readNpy(npy(header, payload), "x.npy"), expected, header);
  // Versions 2.0 and 3.0 differ only in a 4-byte header length (and UTF-8 for 3.0).
  for (const version of [2, 3]) {
    assert.deepEqual(readNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32(1, 2), version), "x.npy").data, new Float32Array([1, 2]));
  }
});

test("Fortran order is transposed to C order", () => {
  // [[1,2,3],[4,5,6]] stored column by column.
  const t = readNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f32(1, 4, 2, 5, 3, 6)), "x.npy");
  assert.deepEqual(t, { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  // 3-d: element (i,j,k) = 100i + 10j + k sits at i + 2j + 6k in Fortran order.
  const [a, b, c] = [2, 3, 4];
  const fortran = new Int32Array(a * b * c);
  const cOrder = new Int32Array(a * b * c);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let k = 0; k < c; k++) {
        fortran[i + a * j + a * b * k] = 100 * i + 10 * j + k;
        cOrder[(i * b + j) * c + k] = 100 * i + 10 * j + k;
      }
  const t3 = readNpy(npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", bytesOf(fortran)), "x.npy");
  assert.deepEqual(t3.data, cOrder);
  // Strings transpose too.
  const s = readNpy(npy("{'descr': '<U1', 'fortran_order': True, 'shape': (2, 2), }", utf32(["a", "c", "b", "d"], 1, false)), "x.npy");
  assert.deepEqual(s.data, ["a", "b", "c", "d"]);
});

function utf32(values: string[], width: number, bigEndian: boolean): Uint8Array {
  const out = Buffer.alloc(values.length * width * 4);
  values.forEach((v, i) => [...v].forEach((ch, j) => (bigEndian ? out.writeUInt32BE : out.writeUInt32LE).call(out, ch.codePointAt(0)!, (i * width + j) * 4)));
  return out;
}

test("big-endian data is converted to little-endian", () => {
  const be = (size: number, write: (b: Buffer, v: number, off: number) => void, values: number[]) => {
    const b = Buffer.alloc(values.length * size);
    values.forEach((v, i) => write(b, v, i * size));
    return b;
  };
  assert.deepEqual(readNpy(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", be(4, (b, v, o) => b.writeFloatBE(v, o), [1.5, -2, 1e10])), "x").data, new Float32Array([1.5, -2, 1e10]));
  assert.deepEqual(readNpy(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be(8, (b, v, o) => b.writeDoubleBE(v, o), [Math.PI, -0.1])), "x").data, new Float64Array([Math.PI, -0.1]));
  assert.deepEqual(readNpy(npy("{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }", be(2, (b, v, o) => b.writeUInt16BE(v, o), [0x3c00, 258])), "x").data, new Uint16Array([0x3c00, 258]));
  assert.deepEqual(readNpy(npy("{'descr': '>f2', 'fortran_order': False, 'shape': (1,), }", Buffer.from([0x3c, 0x00])), "x").data, new Uint16Array([0x3c00]));
  const i8 = Buffer.alloc(16);
  i8.writeBigInt64BE(-5n, 0);
  i8.writeBigInt64BE(2n ** 62n + 7n, 8);
  assert.deepEqual(readNpy(npy("{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }", i8), "x").data, new BigInt64Array([-5n, 2n ** 62n + 7n]));
  // Big-endian and Fortran order together.
  assert.deepEqual(readNpy(npy("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 2), }", be(4, (b, v, o) => b.writeInt32BE(v, o), [1, 3, 2, 4])), "x").data, new Int32Array([1, 2, 3, 4]));
  assert.deepEqual(readNpy(npy("{'descr': '>U3', 'fortran_order': False, 'shape': (2,), }", utf32(["ab", "xyz"], 3, true)), "x").data, ["ab", "xyz"]);
});

test("bad files and lying headers are refused, naming the problem", () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const data = f32(1, 2, 3, 4, 5, 6);
  rejects(Buffer.from("not numpy at all"), /is not a \.npy file/);
  rejects(new Uint8Array(0), /is not a \.npy file/);
  rejects(Buffer.concat([Buffer.from("\x93NUMPX", "latin1"), npy(good, data).subarray(6)]), /is not a \.npy file/);
  const v4 = npy(good, data);
  v4[6] = 4;
  rejects(v4, /format version 4\.0/);
  rejects(npy(good, data).subarray(0, 9), /truncated inside the \.npy header/);
  rejects(npy(good, data).subarray(0, 40), /header claims 118 bytes but the file ends after 30/);
  rejects(npy(good, data.subarray(0, 20)), /the data is 20 bytes but shape \(2, 3\) of '<f4' needs 24/);
  rejects(npy(good, Buffer.concat([data, Buffer.alloc(4)])), /4 bytes follow the array data/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", data), /header is not a Python literal \(unexpected end/);
  rejects(npy("{'descr': '<f4' 'fortran_order': False}", data), /expected ',' or '\}'/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} extra", data), /unexpected text after the dict/);
  rejects(npy("{'descr': '<f4', 'fortran_order': Fals, 'shape': (2, 3)}", data), /unexpected 'F'/);
  rejects(npy("{'descr: '<f4'}", data), /not a Python literal/);
  rejects(npy("['descr', '<f4']", data), /header is not a dict/);
  rejects(npy("{'descr': '<f4', 'shape': (2, 3)}", data), /has keys descr, shape; expected descr, fortran_order and shape/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", data), /has keys descr, extra, fortran_order, shape/);
  rejects(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", data), /fortran_order is not True or False/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", data), /shape is not a tuple of non-negative integers/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': 6}", data), /shape is not a tuple/);
  rejects(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", data), /shape is not a tuple/);
  rejects(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /object arrays cannot be read; save with allow_pickle=False from a numeric array/);
  rejects(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /NumPy type '<c8', which has no onnxruntime-node tensor type/);
  rejects(npy("{'descr': '|S4', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(4)), /NumPy type '\|S4'/);
  rejects(npy("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /NumPy type '<M8\[ns\]', which has no onnxruntime-node tensor type/);
  rejects(npy("{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }", Buffer.from([0, 0, 0x11, 0])), /string 0 holds 1114112, which is not a Unicode code point/);
  rejects(npy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8)), /structured array/);
  rejects(npy("{'descr': 'float32!', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(4)), /descr 'float32!' is not a NumPy type string/);
});

// The Debian python may have numpy (python3-onnx pulls it in) when the first python3 on PATH does not.
const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import numpy"]).status === 0);

test("files written by numpy are read, and numpy reads ours byte-identically", { skip: python ? false : "no python3 with numpy" }, (t) => {
  const dir = tempDir(t);
  const ours: Record<string, HostTensor> = {
    f32: { dtype: "float32", dims: [2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    f16: { dtype: "float16", dims: [3], data: toFloat16Array([0.5, -1, 65504]) },
    i64: { dtype: "int64", dims: [2], data: new BigInt64Array([-(2n ** 62n), 2n ** 62n]) },
    b: { dtype: "bool", dims: [1, 3], data: new Uint8Array([1, 0, 1]) },
    u: { dtype: "string", dims: [2], data: ["ab", "héllo😀"] },
    s: { dtype: "float64", dims: [], data: new Float64Array([2.5]) },
  };
  for (const [name, tensor] of Object.entries(ours)) fs.writeFileSync(path.join(dir, `js_${name}.npy`), encodeNpy(tensor));
  const script = `
import io, os, sys
import numpy as np
d = sys.argv[1]
arrays = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "f16": np.array([0.5, -1, 65504], dtype=np.float16),
    "i64": np.array([-(2**62), 2**62], dtype=np.int64),
    "b": np.array([[True, False, True]]),
    "u": np.array(["ab", "h\\u00e9llo\\U0001F600"]),
    "s": np.array(2.5),
}
for name, a in arrays.items():
    path = os.path.join(d, "js_" + name + ".npy")
    back = np.load(path, allow_pickle=False)
    assert back.dtype == a.dtype and back.shape == a.shape and (back == a).all(), name
    f = io.BytesIO(); np.save(f, a)
    assert f.getvalue() == open(path, "rb").read(), name + " bytes differ from np.save"
x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(x))
np.save(os.path.join(d, "bigendian.npy"), x.astype(">f4"))
np.save(os.path.join(d, "bigendian_i8.npy"), np.array([-3, 2**40], dtype=">i8"))
np.save(os.path.join(d, "f16.npy"), np.array([[1.5, -2], [0.1, 65504]], dtype=np.float16))
np.save(os.path.join(d, "bool.npy"), np.array([[True, False], [False, True]]))
np.save(os.path.join(d, "u32.npy"), np.array([0, 2**32 - 1], dtype=np.uint32))
np.save(os.path.join(d, "int64.npy"), np.array([[-(2**63), 2**63 - 1]], dtype=np.int64))
np.save(os.path.join(d, "strings.npy"), np.array([["a", "bc"], ["", "d\\u00e9f"]]))
print("ok")
`;
  const r = spawnSync(python!, ["-c", script, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const read = (name: string) => readNpy(fs.readFileSync(path.join(dir, name)), name);
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  assert.deepEqual(read("fortran.npy"), { dtype: "float32", dims: [2, 3, 4], data: x });
  assert.deepEqual(read("bigendian.npy"), { dtype: "float32", dims: [2, 3, 4], data: x });
  assert.deepEqual(read("bigendian_i8.npy").data, new BigInt64Array([-3n, 2n ** 40n]));
  assert.deepEqual(read("f16.npy"), { dtype: "float16", dims: [2, 2], data: toFloat16Array([1.5, -2, 0.1, 65504]) });
  assert.deepEqual(read("bool.npy"), { dtype: "bool", dims: [2, 2], data: new Uint8Array([1, 0, 0, 1]) });
  assert.deepEqual(read("u32.npy").data, new Uint32Array([0, 2 ** 32 - 1]));
  assert.deepEqual(read("int64.npy"), { dtype: "int64", dims: [1, 2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) });
  assert.deepEqual(read("strings.npy"), { dtype: "string", dims: [2, 2], data: ["a", "bc", "", "déf"] });
});
