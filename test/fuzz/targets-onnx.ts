/**
 * ONNX: sniffing, the streaming scanner (describeModelFile, what `trtx inspect` runs), the full decode (loadModel)
 * and inlining external data. Seeds are the committed fixtures plus models generated here (subgraphs, external data).
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { DataLocation, encodeModel, make, type GraphProto, type TensorProto } from "../../src/core/onnx/codec.js";
import { GraphBuilder, attr } from "../../src/core/onnx/builder.js";
import { DataType } from "../../src/core/onnx/dtype.js";
import { inlineExternalData } from "../../src/core/onnx/external-data.js";
import { describeModelFile, loadModel } from "../../src/core/onnx/model-file.js";
import { scanModel } from "../../src/core/onnx/scan.js";
import { sniffSource } from "../../src/core/onnx/sniff.js";
import { BufferSource } from "../../src/core/onnx/wire.js";
import { FIXTURES } from "../helpers.js";
import { caseDir, FIFO, type CaseEntry } from "./case-dir.js";
import { ContractViolation, guardReads, mustRefuse, parseOrRefuse, type Target } from "./harness.js";
import { mutatedBytes, rarely, sweepPrefixes } from "./mutate.js";
import { cat, int, len, nestLen, str } from "./wire-writer.js";

const WEIGHTS = "weights.bin";

/** A model whose initializer lives in weights.bin, and one with an If whose branches hold initializers. */
function generatedSeeds(): Uint8Array[] {
  const ext = new GraphBuilder("ext");
  const x = ext.input("x", DataType.FLOAT, ["batch", 4]);
  const w = ext.weight("w", [4], new Float32Array([1, 2, 3, 4]));
  ext.output(ext.op("Add", [x, w], {}, { output: "y" }), DataType.FLOAT, ["batch", 4]);
  const extModel = ext.model({ metadata: { author: "fuzz" } });
  const t = extModel.graph!.initializer[0]!;
  t.rawData = new Uint8Array(0);
  t.dataLocation = DataLocation.EXTERNAL;
  t.externalData = [make.entry("location", WEIGHTS), make.entry("offset", "0"), make.entry("length", "16")];

  const branch = (name: string) => {
    const b = new GraphBuilder(name);
    const c = b.weight(`${name}_c`, [2], new Float32Array([1, 2]));
    b.output(b.op("Identity", [c], {}, { output: `${name}_out` }), DataType.FLOAT, [2]);
    return b.model().graph!;
  };
  const outer = new GraphBuilder("outer");
  const cond = outer.input("cond", DataType.BOOL, []);
  outer.output(outer.op("If", [cond], { then_branch: attr.graph(branch("then")), else_branch: attr.graph(branch("else")) }, { output: "z" }), DataType.FLOAT, [2]);
  return [encodeModel(extModel), encodeModel(outer.model({ opset: 17 }))];
}

let seedCache: Uint8Array[] | undefined;
function seeds(): Uint8Array[] {
  return (seedCache ??= [
    ...fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".onnx")).sort().map((f) => new Uint8Array(fs.readFileSync(path.join(FIXTURES, f)))),
    ...generatedSeeds(),
  ]);
}

/** Sniff and scan from memory: what every command does first with a model. */
function scanBytes(b: Uint8Array): void {
  parseOrRefuse("sniffSource", b, () => sniffSource(new BufferSource(b)));
  parseOrRefuse("scanModel", b, () => scanModel(new BufferSource(b), "model.onnx"));
}

/** describeModelFile, loadModel and inlineExternalData on a model in the case folder, reads confined to it. */
function throughFiles(label: string, model: Uint8Array, files: Record<string, CaseEntry>) {
  const dir = caseDir();
  // Beside every model: a named pipe and a link to /dev/zero, which external data must never open (one blocks forever,
  // the other never ends).
  const file = dir.reset({ "model.onnx": model, fifo: FIFO, zero: { link: "/dev/zero" }, ...files });
  return guardReads(dir.dir, () => {
    const described = parseOrRefuse(`${label}: describeModelFile`, model, () => describeModelFile(file));
    // (They may disagree: the full decode stops at protobuf's recursion limit of 100 messages, about 32 nested
    // subgraphs, while the scanner describes up to 128; both refusals are clean.)
    const loaded = parseOrRefuse(`${label}: loadModel`, model, () => loadModel(file));
    const inlined = loaded.ok ? parseOrRefuse(`${label}: inlineExternalData`, model, () => inlineExternalData(loaded.value.proto, loaded.value.dir)) : undefined;
    return { file, described, loaded, inlined };
  });
}

// ---- structure-aware models ------------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const dimArb = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: 8n }) },
  { weight: 3, arbitrary: fc.constantFrom(INT64_MAX, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n + 1n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 62n) },
  { weight: 1, arbitrary: fc.constantFrom(-1n, INT64_MIN) },
  { weight: 1, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
);
/** Element types in the enum, at its edges, and far outside it. */
const dtypeArb = fc.oneof(fc.integer({ min: 0, max: 27 }), fc.constantFrom(-1, 99, 2 ** 31 - 1, -(2 ** 31)));
const nameArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("x", "w", "w", "y", "") }, { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: "binary" }) });
/** Byte offsets and lengths as ONNX writes them (decimal strings), and as they should never be. */
const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("0", "4", "16", "64", "4096", "65536", "-1", "-16", "abc", "1e3", "0x10", " 8", "8 ", "", "1.5", "NaN", "Infinity", "18446744073709551616", "9007199254740993"),
  fc.nat({ max: 200 }).map(String),
);
const optionalText: fc.Arbitrary<string | null> = fc.option(numberTextArb, { nil: null });
/** Where external data may claim to live: inside the folder, outside it, a folder, nothing. */
const locationArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(WEIGHTS, WEIGHTS, `./${WEIGHTS}`, "sub/w.bin", "missing.bin") },
  {
    weight: 3,
    arbitrary: fc.constantFrom("../outside.bin", "sub/../../outside.bin", "./../outside.bin", "@OUTSIDE@", "/etc/passwd", "..", "../m/weights.bin", "/", "sub/../../../outside.bin"),
  },
  { weight: 1, arbitrary: fc.constantFrom("", ".", "sub", "sub/", "fifo", "zero", "weights.bin\u0000x", "C:\\outside.bin", "..\\outside.bin", "\u00e9.bin") },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

interface InitSpec {
  name: string;
  dataType: number;
  dims: bigint[];
  rawBytes: number;
  floats: number;
  external: { location: string; offset: string | null; length: string | null; extra: boolean } | null;
  markedExternal: boolean;
}

const initArb: fc.Arbitrary<InitSpec> = fc.record({
  name: nameArb,
  dataType: dtypeArb,
  dims: fc.array(dimArb, { maxLength: 5 }),
  rawBytes: fc.oneof(fc.constantFrom(0, 4, 16), fc.nat({ max: 64 })),
  floats: fc.nat({ max: 6 }),
  external: fc.option(fc.record({ location: locationArb, offset: optionalText, length: optionalText, extra: fc.boolean() }), { freq: 2 }),
  markedExternal: fc.boolean(),
});

const valueInfoArb = fc.record({
  name: nameArb,
  elemType: dtypeArb,
  dims: fc.option(fc.array(fc.oneof(dimArb.filter((d) => d >= INT64_MIN && d <= INT64_MAX), fc.constantFrom("batch", "", "N"), fc.constant(null)), { maxLength: 5 })),
});

const modelSpecArb = fc.record({
  irVersion: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(3n, 8n, 10n) }, { weight: 1, arbitrary: fc.constantFrom(0n, -1n, 65n, INT64_MAX) }),
  opset: fc.oneof(fc.constantFrom(17n, 1n), fc.constantFrom(0n, -1n, INT64_MAX)),
  inputs: fc.array(valueInfoArb, { maxLength: 3 }),
  outputs: fc.array(valueInfoArb, { maxLength: 2 }),
  initializers: fc.array(initArb, { maxLength: 4 }),
  /** Initializers of a subgraph (an If branch) nested this deep. */
  subgraphDepth: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.constantFrom(127, 128, 129, 200)),
  subInitializers: fc.array(initArb, { maxLength: 2 }),
  weightsBytes: fc.constantFrom(0, 16, 100, 4096),
  /** One bit flipped somewhere in the encoded model, for a quarter of the cases. */
  mutate: rarely(fc.constant(true), 4),
});
type ModelSpec = typeof modelSpecArb extends fc.Arbitrary<infer T> ? T : never;

function buildTensor(s: InitSpec, outside: (loc: string) => string): TensorProto {
  const t = make.tensor({ name: s.name, dataType: s.dataType, dims: s.dims });
  if (s.rawBytes > 0) t.rawData = new Uint8Array(s.rawBytes).fill(7);
  if (s.floats > 0) t.floatData = Array.from({ length: s.floats }, (_, i) => i);
  if (s.external) {
    const e = s.external;
    t.externalData = [
      make.entry("location", outside(e.location)),
      ...(e.offset === null ? [] : [make.entry("offset", e.offset)]),
      ...(e.length === null ? [] : [make.entry("length", e.length)]),
      ...(e.extra ? [make.entry("checksum", "x"), make.entry("location", "second-location.bin")] : []),
    ];
  }
  if (s.markedExternal || s.external) t.dataLocation = DataLocation.EXTERNAL;
  return t;
}

function valueInfo(v: { name: string; elemType: number; dims: (bigint | string | null)[] | null }) {
  const vi = make.tensorValueInfo(v.name, v.elemType, v.dims === null ? null : v.dims.map((d) => (typeof d === "bigint" ? 0 : d)));
  // tensorValueInfo takes numbers; put the exact int64 dims in afterwards.
  const shape = vi.type?.value.case === "tensorType" ? vi.type.value.value.shape : undefined;
  v.dims?.forEach((d, i) => {
    if (typeof d === "bigint" && shape) shape.dim[i]!.value = { case: "dimValue", value: d };
  });
  return vi;
}

function buildModel(spec: ModelSpec, outside: (loc: string) => string): Uint8Array {
  let sub: GraphProto | undefined;
  for (let depth = 0; depth < spec.subgraphDepth; depth++) {
    sub = make.graph({
      name: `sub${depth}`,
      initializer: depth === 0 ? spec.subInitializers.map((s) => buildTensor(s, outside)) : [],
      node: sub ? [make.node({ opType: "If", input: ["c"], output: ["o"], attribute: [make.attribute({ name: "then_branch", g: sub })] })] : [],
    });
  }
  const graph = make.graph({
    name: "g",
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
    initializer: spec.initializers.map((s) => buildTensor(s, outside)),
    node: sub ? [make.node({ opType: "If", input: ["c"], output: ["o"], attribute: [make.attribute({ name: "then_branch", g: sub, graphs: [sub] })] })] : [],
  });
  return encodeModel(make.model({ irVersion: spec.irVersion, opsetImport: [make.opset("", spec.opset)], graph }));
}

/** True when the location names something outside the model's folder (what must be refused, never read). */
function escapes(dir: string, location: string): boolean {
  const rel = path.relative(dir, path.resolve(dir, location));
  return path.isAbsolute(location) || rel.startsWith("..") || path.isAbsolute(rel);
}

/** What an external data offset or length must look like: a decimal byte count (surrounding blanks allowed, as Python's int() does). */
const canonicalInt = (s: string | null) => s === null || (/^\d+$/.test(s.trim()) && Number.isSafeInteger(Number(s)));

/** Why this model must be refused, when it must: an external tensor the scanner sees whose location or byte range is wrong. */
function mustBeRefused(spec: ModelSpec, dir: string, outside: (loc: string) => string, sizes: Record<string, number>): string | undefined {
  const all = [...spec.initializers, ...(spec.subgraphDepth > 0 && spec.subgraphDepth <= 128 ? spec.subInitializers : [])];
  for (const s of all) {
    if (!s.external) continue;
    const location = outside(s.external.location);
    if (location !== "" && escapes(dir, location)) return `external data location ${JSON.stringify(location)} leaves the model's folder`;
    if (!canonicalInt(s.external.offset) || !canonicalInt(s.external.length)) return `external data offset ${s.external.offset} / length ${s.external.length} is not a byte range`;
    const size = sizes[path.normalize(location)];
    const offset = Number(s.external.offset ?? 0);
    if (s.external.length !== null && size !== undefined && offset + Number(s.external.length) > size) return `external data [${offset}, +${s.external.length}) runs past the end of ${location} (${size} bytes)`;
  }
  return undefined;
}

export const onnxTargets: Target[] = [
  {
    name: "onnx.sniff-scan-mutated",
    runs: 1500,
    // Truncation at every boundary of every seed (2,500 cuts spread over the larger ones).
    sweep: () => sweepPrefixes(seeds(), scanBytes, 2500),
    property: () => fc.property(mutatedBytes(seeds()), (b) => scanBytes(b)),
  },
  {
    name: "onnx.files-mutated",
    runs: 400,
    property: () =>
      fc.property(mutatedBytes(seeds()), fc.constantFrom(0, 16, 4096), (b, weights) => {
        throughFiles("mutated model", b, { [WEIGHTS]: new Uint8Array(weights), "sub/w.bin": new Uint8Array(8) });
      }),
  },
  {
    name: "onnx.files-structured",
    runs: 700,
    property: () =>
      fc.property(modelSpecArb, fc.integer(), (spec, flipAt) => {
        const dir = caseDir();
        const outside = (loc: string) => dir.location(loc);
        let model = buildModel(spec, outside);
        if (spec.mutate && model.length) {
          model = Uint8Array.from(model);
          model[Math.abs(flipAt) % model.length]! ^= 1 << (Math.abs(flipAt) % 8);
        }
        const sizes = { [WEIGHTS]: spec.weightsBytes, "sub/w.bin": 8 };
        scanBytes(model);
        const { described, loaded, inlined } = throughFiles("structured model", model, { [WEIGHTS]: new Uint8Array(spec.weightsBytes), "sub/w.bin": new Uint8Array(8) });
        const why = spec.mutate ? undefined : mustBeRefused(spec, dir.dir, outside, sizes);
        if (why !== undefined && (described.ok || loaded.ok || inlined?.ok)) throw new ContractViolation(`accepted a model that must be refused: ${why}`);
      }),
  },
  {
    name: "onnx.external-refused",
    runs: 400,
    property: () =>
      fc.property(
        fc.constantFrom("../outside.bin", "sub/../../outside.bin", "@OUTSIDE@", "/etc/passwd", "..", ".", "sub", "", "../m/../outside.bin", "fifo", "zero", "/dev/zero"),
        optionalText,
        optionalText,
        fc.boolean(),
        (location, offset, length, inSubgraph) => {
          // Every one of these must be refused by describe and load, and the file outside never opened.
          const dir = caseDir();
          const init: InitSpec = { name: "w", dataType: 1, dims: [4n], rawBytes: 0, floats: 0, external: { location, offset, length, extra: false }, markedExternal: true };
          const spec: ModelSpec = { irVersion: 8n, opset: 17n, inputs: [], outputs: [], initializers: inSubgraph ? [] : [init], subgraphDepth: inSubgraph ? 1 : 0, subInitializers: inSubgraph ? [init] : [], weightsBytes: 16, mutate: null };
          const model = buildModel(spec, (l) => dir.location(l));
          const { described, loaded, inlined } = throughFiles(`external location ${location}`, model, { [WEIGHTS]: new Uint8Array(16), sub: null });
          if (described.ok || loaded.ok || inlined?.ok) throw new ContractViolation(`external data at ${JSON.stringify(location)} was accepted`);
        },
      ),
  },
  {
    name: "onnx.external-range",
    runs: 400,
    property: () =>
      fc.property(optionalText, optionalText, fc.constantFrom(0, 16, 100), (offset, length, size) => {
        // A tensor of 4 float32 in weights.bin: refused exactly when its byte range is malformed or runs past the file's end.
        const init: InitSpec = { name: "w", dataType: 1, dims: [4n], rawBytes: 0, floats: 0, external: { location: WEIGHTS, offset, length, extra: false }, markedExternal: true };
        const spec: ModelSpec = { irVersion: 8n, opset: 17n, inputs: [], outputs: [], initializers: [init], subgraphDepth: 0, subInitializers: [], weightsBytes: size, mutate: null };
        const model = buildModel(spec, (l) => l);
        const { described, loaded, inlined } = throughFiles(`external offset ${offset} length ${length} of ${size}`, model, { [WEIGHTS]: new Uint8Array(size) });
        const end = canonicalInt(offset) && canonicalInt(length) ? Number(offset ?? 0) + Number(length ?? 16) : NaN;
        const fits = end <= size;
        if (!fits) {
          if (described.ok || loaded.ok || inlined?.ok) throw new ContractViolation(`external data offset ${offset} length ${length} in a ${size}-byte file was accepted`);
        } else if (!described.ok || !loaded.ok || !inlined?.ok) {
          const e = [described, loaded, inlined].find((o) => o && !o.ok);
          throw new ContractViolation(`a valid external range (offset ${offset}, length ${length}, file ${size} bytes) was refused: ${e && !e.ok ? e.error.message : "?"}`);
        }
      }),
  },
  {
    name: "onnx.deep",
    runs: 40,
    fuzzShare: 0.05,
    shrink: false,
    property: () =>
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 2_000 }), fc.boolean(), (typeDepth, graphDepth, lie) => {
        // A graph input whose type is seq(seq(...(tensor))) typeDepth deep, and If subgraphs graphDepth deep.
        const tensorType = len(1, int(1, 1));
        const type = nestLen(Array.from({ length: typeDepth * 2 }, (_, i) => (i % 2 === 0 ? 4 : 1)), tensorType);
        const input = len(11, cat(str(1, "x"), len(2, type)));
        // GraphProto → NodeProto (1) → AttributeProto (5) → g (6) → GraphProto ...
        const graphs = nestLen(Array.from({ length: graphDepth * 3 }, (_, i) => [1, 5, 6][i % 3]!), str(2, "leaf"));
        const graph = cat(input, graphs);
        const model = cat(int(1, 8), len(7, graph, lie ? graph.length + 5 : undefined), len(8, int(2, 17)));
        scanBytes(model);
        throughFiles(`type ${typeDepth} deep, subgraphs ${graphDepth} deep`, model, {});
        if (graphDepth > 128) mustRefuse(`subgraphs ${graphDepth} deep`, model, () => scanModel(new BufferSource(model), "m"), "subgraphs nested beyond the scanner's limit");
      }),
  },
];
