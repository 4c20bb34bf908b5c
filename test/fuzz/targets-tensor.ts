/**
 * Tensor and report files: .npy (readNpy), ONNX TensorProto .pb (readTensorProto, with external data), the JSON
 * inputs of perf_analyzer and Polygraphy (loadJsonInputs, what `run --load-inputs` reads), and saved perf reports
 * (parseBaseline, then compareToBaseline as `perf --baseline` does). Seeds are written with trtx's own writers.
 */
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { TensorProto_SegmentSchema } from "onnx-buf";
import { DataLocation, encodeTensor, make } from "../../src/core/onnx/codec.js";
import type { ValueDesc } from "../../src/core/onnx/model-info.js";
import { compareToBaseline, parseBaseline } from "../../src/core/perf/baseline.js";
import { PERF_SCHEMA } from "../../src/core/perf/types.js";
import { loadJsonInputs } from "../../src/core/run/json-feeds.js";
import type { HostTensor } from "../../src/core/tensor/host-tensor.js";
import { encodePolygraphyJson } from "../../src/core/tensor/json-inputs.js";
import { encodeNpy, readNpy } from "../../src/core/tensor/npy.js";
import { encodeTensorProto, readTensorProto } from "../../src/core/tensor/tensor-proto.js";
import { caseDir, FIFO } from "./case-dir.js";
import { ContractViolation, guardReads, parseOrRefuse, type Target } from "./harness.js";
import { amplifiedText, editTree, mutatedBytes, mutatedText, rarely, sweepPrefixes } from "./mutate.js";

const SAMPLE_TENSORS: HostTensor[] = [
  { dtype: "float32", dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { dtype: "float16", dims: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
  { dtype: "float64", dims: [], data: Float64Array.from([Math.PI]) },
  { dtype: "int8", dims: [3], data: Int8Array.from([-1, 0, 1]) },
  { dtype: "uint8", dims: [1, 1, 2], data: Uint8Array.from([0, 255]) },
  { dtype: "int16", dims: [2], data: Int16Array.from([-300, 300]) },
  { dtype: "uint16", dims: [1], data: Uint16Array.from([65535]) },
  { dtype: "int32", dims: [2, 2], data: Int32Array.from([1, -2, 3, -4]) },
  { dtype: "uint32", dims: [1], data: Uint32Array.from([4e9]) },
  { dtype: "int64", dims: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n]) },
  { dtype: "uint64", dims: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
  { dtype: "bool", dims: [2], data: Uint8Array.from([0, 1]) },
  { dtype: "float32", dims: [0, 3], data: new Float32Array(0) },
  { dtype: "string", dims: [2], data: ["héllo", "😀"] },
];

// ---- .npy ------------------------------------------------------------------------------------------------------

/** A .npy file with a header of our choosing (version, the header length it claims) and `data` after it. */
export function npyBytes(header: string, data: Uint8Array = new Uint8Array(0), version = 1, claimedLength?: number): Uint8Array {
  const text = new TextEncoder().encode(`${header}\n`);
  const lengthBytes = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  const claimed = claimedLength ?? text.length;
  if (lengthBytes === 2) view.setUint16(8, claimed & 0xffff, true);
  else view.setUint32(8, claimed >>> 0, true);
  out.set(text, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + text.length);
  return out;
}

let npyCache: Uint8Array[] | undefined;
function npySeeds(): Uint8Array[] {
  return (npyCache ??= [
    ...SAMPLE_TENSORS.map(encodeNpy),
    npyBytes("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(24).fill(0x3f), 2),
    npyBytes("{'descr': '<U3', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(48).fill(0x41), 3),
    npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3L,), }", Uint8Array.from([1, 0, 1])),
  ]);
}

const DESCRS = ["<f4", ">f4", "=f4", "|f4", "<f8", "<f2", "|i1", "|u1", "<i8", ">u8", "|b1", "?", "<U3", ">U2", "<U0", "<U", "<U99999999999999999999", "|O", "<M8[ns]", "<m8", "<c8", "|S3", "|V4", "<f16", "x", "", "<f4[3]"];
/** Bytes per element of a descr, as far as the generator needs it to write data of the right length. */
const itemSize = (descr: string) => (/U(\d+)$/.exec(descr) ? 4 * Number(/U(\d+)$/.exec(descr)![1]) : Number(/(\d+)$/.exec(descr)?.[1] ?? 1));
const DIMS = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 4 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 2 ** 63, -1, -(2 ** 40)).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("1.5", "True", "None", "'3'", "3L", "99999999999999999999999") },
);
/** A header as np.save writes it, or with a key missing, doubled, of the wrong type, its descr a structured one; data of the length the header implies, or not. */
const npyStructured = fc
  .record({
    descr: fc.constantFrom(...DESCRS),
    descrText: rarely(fc.constantFrom("[('a', '<f4'), ('b', '<i4')]", "None", "3", "'<f4'+'x'"), 8),
    fortran: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("False", "True") }, { weight: 1, arbitrary: fc.constantFrom("1", "None", "'False'") }),
    dims: fc.array(DIMS, { maxLength: 4 }),
    shapeText: rarely(fc.constantFrom("[]", "None", "(1, (2,))", "{}", "((((((((((1,),),),),),),),),),)"), 10),
    extra: fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("'extra': 1, ", "'descr': '<i4', ", "'shape': (1,), ") }),
    style: fc.oneof({ weight: 6, arbitrary: fc.constant("normal") }, { weight: 1, arbitrary: fc.constantFrom("nospace", "dquote", "trailing", "unterminated") }),
    version: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2, 3) }, { weight: 1, arbitrary: fc.constantFrom(0, 4, 255) }),
    claimed: rarely(fc.oneof(fc.nat({ max: 0xffff }), fc.constantFrom(0, 1, 0xffff, 2 ** 32 - 1, 2 ** 31)), 10),
    dataDelta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(-1, 1, -4, 4) }, { weight: 1, arbitrary: fc.nat({ max: 100 }) }),
  })
  .map((g) => {
    const q = g.style === "dquote" ? '"' : "'";
    const shape = g.shapeText ?? `(${g.dims.join(", ")}${g.dims.length === 1 ? "," : ""})`;
    const h = `{${q}descr${q}: ${g.descrText ?? `'${g.descr}'`}, ${g.extra}${q}fortran_order${q}: ${g.fortran}, ${q}shape${q}: ${shape}, }`;
    const header = g.style === "nospace" ? h.replace(/ /g, "") : g.style === "trailing" ? `${h} x` : g.style === "unterminated" ? h.slice(0, h.length - 12) : h;
    const need = g.dims.reduce((n, d) => n * Number(d), 1) * itemSize(g.descr);
    const bytes = Math.max(0, Math.min(Number.isFinite(need) && need >= 0 && need < 4096 ? need + g.dataDelta : g.dataDelta, 4096));
    return npyBytes(header, new Uint8Array(bytes).fill(0x41), g.version, g.claimed ?? undefined);
  });

function parseNpy(b: Uint8Array): void {
  parseOrRefuse("readNpy", b, () => readNpy(b, "x.npy"));
}

// ---- TensorProto .pb -------------------------------------------------------------------------------------------

let pbCache: Uint8Array[] | undefined;
function pbSeeds(): Uint8Array[] {
  if (pbCache) return pbCache;
  const ext = make.tensor({ name: "ext", dataType: 1, dims: [2n], dataLocation: DataLocation.EXTERNAL, externalData: [make.entry("location", "data.bin"), make.entry("offset", "8"), make.entry("length", "8")] });
  const typed = make.tensor({ name: "typed", dataType: 7, dims: [3n], int64Data: [1n, -1n, 2n ** 62n] });
  return (pbCache = [...SAMPLE_TENSORS.map((t) => encodeTensorProto("t", t)), encodeTensor(ext), encodeTensor(typed)]);
}

const PB_LOCATIONS = ["data.bin", "data.bin", "./data.bin", "", ".", "sub", "fifo", "zero", "/dev/zero", "../outside.bin", "@OUTSIDE@", "/etc/passwd", "sub/../../outside.bin", "missing.bin", "data.bin\u0000"];
const PB_NUMBERS = ["0", "4", "8", "16", "-1", "abc", "", "1e3", "18446744073709551616", "9007199254740993", "64", "65"];
const pbStructured = fc.record({
  name: fc.constantFrom("t", "", "x\u0000y"),
  dataType: fc.oneof(fc.integer({ min: 0, max: 27 }), fc.constantFrom(-1, 99, 2 ** 31 - 1)),
  dims: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 4n }), fc.constantFrom(-1n, 2n ** 31n, 2n ** 40n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n))), { maxLength: 4 }),
  raw: fc.option(fc.nat({ max: 40 })),
  typed: fc.option(fc.tuple(fc.constantFrom("floatData", "int32Data", "int64Data", "doubleData", "uint64Data", "stringData"), fc.nat({ max: 6 }))),
  segment: fc.boolean(),
  external: fc.option(fc.record({ location: fc.constantFrom(...PB_LOCATIONS), offset: fc.option(fc.constantFrom(...PB_NUMBERS)), length: fc.option(fc.constantFrom(...PB_NUMBERS)) }), { freq: 2 }),
});

function buildPb(s: typeof pbStructured extends fc.Arbitrary<infer T> ? T : never, location: (l: string) => string): Uint8Array {
  const t = make.tensor({ name: s.name, dataType: s.dataType, dims: s.dims });
  if (s.raw !== null) t.rawData = new Uint8Array(s.raw).fill(1);
  if (s.typed) {
    const [field, n] = s.typed;
    const values = Array.from({ length: n }, (_, i) => i);
    if (field === "floatData" || field === "doubleData" || field === "int32Data") t[field] = values;
    else if (field === "stringData") t.stringData = values.map((i) => Uint8Array.of(0xff, i));
    else t[field] = values.map(BigInt);
  }
  if (s.segment) t.segment = create(TensorProto_SegmentSchema, { begin: 0n, end: 1n });
  if (s.external) {
    t.dataLocation = DataLocation.EXTERNAL;
    t.externalData = [make.entry("location", location(s.external.location)), ...(s.external.offset === null ? [] : [make.entry("offset", s.external.offset)]), ...(s.external.length === null ? [] : [make.entry("length", s.external.length)])];
  }
  return encodeTensor(t);
}

function parsePb(b: Uint8Array, mustRefuseWhy?: string): void {
  const dir = caseDir();
  // A named pipe and a link to /dev/zero beside it: external data must never open them (one blocks forever, the other never ends).
  dir.reset({ "t.pb": b, "data.bin": new Uint8Array(64).fill(2), sub: null, fifo: FIFO, zero: { link: "/dev/zero" } });
  const outcome = guardReads(dir.dir, () => parseOrRefuse("readTensorProto", b, () => readTensorProto(b, "t.pb", dir.dir)));
  if (outcome.ok && mustRefuseWhy) throw new ContractViolation(`readTensorProto accepted a tensor that must be refused: ${mustRefuseWhy}`);
}

// ---- perf_analyzer / Polygraphy JSON ---------------------------------------------------------------------------

const DTYPES = ["float32", "float16", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool", "string", "bfloat16", "float8e4m3fn", "int4", "undefined", "dtype(99)"];
const inputDescs: fc.Arbitrary<ValueDesc[]> = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom("x", "y", "INPUT0"),
    kind: fc.constant("tensor" as const),
    dtype: fc.constantFrom(...DTYPES),
    shape: fc.option(fc.array(fc.oneof(fc.nat({ max: 4 }), fc.constantFrom(2 ** 31, 2 ** 40, -1), fc.constantFrom("batch", "N"), fc.constant(null)), { maxLength: 3 })),
  }) as fc.Arbitrary<ValueDesc>,
  { selector: (d) => d.name, minLength: 1, maxLength: 3 },
);

/** A JSON value written as text, so that integer literals beyond 2^53 (and 1e999, -0) reach the parser verbatim. */
const jsonNumberText = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 300 }).map(String) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)) },
  { weight: 2, arbitrary: fc.constantFrom("9007199254740993", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "1e999", "-0", "1.5", "0.1e-400", "true", "false") },
  { weight: 1, arbitrary: fc.constantFrom('"abc"', '"1"', '"9007199254740993"', '"\\u0000bigint:x"', '"\\u0000bigint:12"', "null", "[1]", "{}") },
);
const valuesText = fc.array(jsonNumberText, { maxLength: 8 }).map((v) => `[${v.join(",")}]`);
const b64Text = fc.oneof(fc.uint8Array({ maxLength: 24 }).map((b) => JSON.stringify(Buffer.from(b).toString("base64"))), fc.constantFrom('"AAA"', '"A==="', '"!!!!"', "1", '"AA AA"'));
const shapeText = fc.oneof(fc.array(fc.oneof(fc.nat({ max: 4 }).map(String), fc.constantFrom("1099511627776", "-1", "1.5", "9007199254740993", '"2"')), { maxLength: 3 }).map((d) => `[${d.join(",")}]`), fc.constantFrom("null", "3", '"2x2"'));
const inputText = fc.oneof(
  valuesText,
  fc.tuple(valuesText, fc.option(shapeText)).map(([c, s]) => `{"content": ${c}${s === null ? "" : `, "shape": ${s}`}}`),
  fc.tuple(b64Text, fc.option(shapeText)).map(([b, s]) => `{"content": {"b64": ${b}}${s === null ? "" : `, "shape": ${s}`}}`),
  b64Text.map((b) => `{"b64": ${b}}`),
  fc.constantFrom('{"ipc_stream": 1}', "[[1,2],[3]]", "null", '"x"', '{"shape": [1]}'),
);
/** Values for one model input, mostly as many as its shape needs (so that conversion to its dtype is reached). */
function valuesFor(d: ValueDesc): fc.Arbitrary<string> {
  const dims = (d.shape ?? [1]).map((x) => (typeof x === "number" && x >= 0 && x <= 4 ? x : 2));
  const count = dims.reduce((a, b) => a * b, 1);
  const shape = JSON.stringify(dims);
  return fc.oneof(
    fc.array(jsonNumberText, { minLength: count, maxLength: count }).map((v) => `{"content": [${v.join(",")}], "shape": ${shape}}`),
    fc.uint8Array({ minLength: Math.max(0, count * 4 - 3), maxLength: count * 8 + 3 }).map((b) => `{"content": {"b64": "${Buffer.from(b).toString("base64")}"}, "shape": ${shape}}`),
    inputText,
  );
}
const perfAnalyzerCase = inputDescs.chain((inputs) =>
  fc
    .tuple(fc.tuple(...inputs.map(valuesFor)), fc.subarray(inputs.map((d) => d.name)), fc.array(fc.dictionary(fc.constantFrom("x", "z"), inputText, { maxKeys: 2 }), { maxLength: 1 }))
    .map(([texts, present, more]) => {
      const first = inputs.filter((d) => present.includes(d.name) || present.length === 0).map((d) => `${JSON.stringify(d.name)}: ${texts[inputs.indexOf(d)]}`);
      const rest = more.map((r) => `{${Object.entries(r).map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(", ")}}`);
      return { inputs, text: `{"data": [{${first.join(", ")}}${rest.map((r) => `, ${r}`).join("")}]}` };
    }),
);
const polygraphyDoc = fc
  .array(fc.dictionary(fc.constantFrom("x", "y"), fc.oneof(mutatedBytes(npySeeds()), fc.constantFrom(...npySeeds())), { maxKeys: 2 }), { maxLength: 2 })
  .map((iterations) => JSON.stringify(iterations.map((it) => Object.fromEntries(Object.entries(it).map(([k, b]) => [k, { array: Buffer.from(b).toString("base64"), polygraphy_class: "ndarray" }])))));

const JSON_SEEDS = [
  '{"data": [{"x": [1, 2, 3, 4], "y": {"content": [1.5, 2.5], "shape": [2]}}]}',
  '{"data": [{"INPUT0": {"b64": "AACAPwAAAEA="}}, {"INPUT0": [9007199254740993, 2]}]}',
  encodePolygraphyJson([new Map([["x", SAMPLE_TENSORS[0]!]])]),
];
const JSON_TOKENS = ['"', "\\", "\\u0000", "[", "]", "{", "}", ",", ":", "9007199254740993", "-0", "1e999", "null", "true", '"data"', '"b64"', '"content"', '"shape"', '"polygraphy_class"', "\ufffd"];
const JSON_SNIPPETS = ['\\"', '"', "[", '{"a":', "12345678901234567890,", "1,", " ", '"\\\\'];

function parseJsonFeeds(text: string, inputs: ValueDesc[], shapes: Map<string, number[]> | undefined): void {
  const dir = caseDir();
  const file = dir.reset({ "inputs.json": text });
  parseOrRefuse("loadJsonInputs", text, () => loadJsonInputs(file, inputs, shapes));
}
const shapesArb = rarely(fc.dictionary(fc.constantFrom("x", "y", "INPUT0"), fc.array(fc.oneof(fc.nat({ max: 4 }), fc.constantFrom(2 ** 40, 2 ** 31)), { maxLength: 3 })).map((d) => new Map(Object.entries(d))), 3);

// ---- perf baselines --------------------------------------------------------------------------------------------

const point = (batch: number, concurrency: number) => ({
  batch,
  concurrency,
  streams: 1,
  warmup: { queries: 10, ms: 50 },
  queries: 100,
  wallMs: 1000,
  throughput: 100 * batch,
  queriesPerSecond: 100,
  latency: { count: 100, min: 1, max: 3, mean: 2, median: 2, percentiles: { "90": 2.5, "99": 2.9 }, stdDev: 0.1, covPercent: 5 },
  windows: [{ queries: 50, durationMs: 500, throughput: 100, latencyMs: 2 }],
  stable: true,
  warnings: [],
});
const BASELINE = { schema: PERF_SCHEMA, model: { sha256: "ab".repeat(32), path: "m.onnx" }, provider: "cpu", points: [point(1, 1), point(8, 1), point(8, 2)] };
const baselineValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53 + 2, 1e308, "", "99", [], {}, { "99": "1" }, { "99": null }, { percentiles: [] }, PERF_SCHEMA, "trtx.perf/2"),
  fc.jsonValue({ maxDepth: 2 }),
);

function parseReport(text: string): void {
  const parsed = parseOrRefuse("parseBaseline", text, () => parseBaseline(text, "base.json"));
  if (!parsed.ok) return;
  const current = { model: { sha256: parsed.value.model.sha256 }, points: parsed.value.points };
  parseOrRefuse("compareToBaseline", text, () => compareToBaseline(current, parsed.value, 10));
}

/** Edits nodes of the baseline report (editTree), like a hand-edited or damaged report. */
const baselineDoc = fc
  .array(fc.tuple(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.constantFrom("replace", "delete", "duplicate"), baselineValue, fc.constant("")), { minLength: 1, maxLength: 3 })
  .map((edits) => {
    let doc: unknown = structuredClone(BASELINE);
    // Cloned: fast-check hands out the same constant values, and one edited into another would make a cycle.
    for (const e of edits) doc = editTree(doc, structuredClone(e));
    return JSON.stringify(doc);
  });

// ---- targets ---------------------------------------------------------------------------------------------------

export const tensorTargets: Target[] = [
  {
    name: "npy.truncated",
    runs: 0,
    sweep: () => sweepPrefixes(npySeeds(), parseNpy),
  },
  { name: "npy.mutated", runs: 1500, property: () => fc.property(mutatedBytes(npySeeds()), parseNpy) },
  { name: "npy.structured", runs: 1500, property: () => fc.property(npyStructured, parseNpy) },
  {
    name: "npy.large",
    runs: 20,
    fuzzShare: 0.02,
    shrink: false,
    property: () =>
      fc.property(fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom("(", "[", "{'a': ", "'"), (n, open) => {
        parseNpy(npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': ${open.repeat(n)}`, new Uint8Array(0), 2));
      }),
  },
  {
    name: "pb.truncated",
    runs: 0,
    sweep: () => sweepPrefixes(pbSeeds(), parsePb),
  },
  { name: "pb.mutated", runs: 1000, property: () => fc.property(mutatedBytes(pbSeeds()), (b) => parsePb(b)) },
  {
    name: "pb.structured",
    runs: 1200,
    property: () =>
      fc.property(pbStructured, (s) => {
        const dir = caseDir();
        const location = s.external ? dir.location(s.external.location) : "";
        const rel = path.relative(dir.dir, path.resolve(dir.dir, location));
        const escapes = s.external !== null && location !== "" && (path.isAbsolute(location) || rel.startsWith(".."));
        parsePb(buildPb(s, (l) => dir.location(l)), escapes ? `external data at ${JSON.stringify(location)} outside the tensor's folder` : undefined);
      }),
  },
  {
    name: "json.feeds",
    runs: 1500,
    property: () =>
      fc.property(
        fc.oneof(
          { weight: 3, arbitrary: perfAnalyzerCase },
          { weight: 1, arbitrary: fc.tuple(fc.oneof(polygraphyDoc, mutatedText(JSON_SEEDS, JSON_TOKENS)), inputDescs).map(([text, inputs]) => ({ text, inputs })) },
        ),
        shapesArb,
        ({ text, inputs }, shapes) => parseJsonFeeds(text, inputs, shapes ?? undefined),
      ),
  },
  {
    name: "json.large",
    runs: 20,
    fuzzShare: 0.02,
    shrink: false,
    property: () =>
      fc.property(
        fc.oneof(
          amplifiedText(JSON_SEEDS, JSON_SNIPPETS, 100_000),
          // An unterminated string of escaped quotes (quadratic before its fix: 13 s at this size), and long runs of big integers.
          { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 60_000, max: 150_000 }), fc.constantFrom('\\"', '"\\"')).map(([n, s]) => `{"data": "${s.repeat(n)}`) },
          fc.integer({ min: 1000, max: 50_000 }).map((n) => `{"data": [{"x": [${"12345678901234567890, ".repeat(n)}1]}]}`),
        ),
        inputDescs,
        (text, inputs) => parseJsonFeeds(text, inputs, undefined),
      ),
  },
  {
    name: "baseline.mutated",
    runs: 2000,
    property: () =>
      fc.property(fc.oneof(baselineDoc, mutatedText([JSON.stringify(BASELINE), JSON.stringify(BASELINE, null, 2)], JSON_TOKENS)), parseReport),
  },
  {
    name: "baseline.large",
    runs: 15,
    fuzzShare: 0.02,
    shrink: false,
    property: () => fc.property(amplifiedText([JSON.stringify(BASELINE)], ["[", '{"a":', '"', "\\\"", "1,"], 100_000), parseReport),
  },
];
