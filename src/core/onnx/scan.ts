/**
 * Describes a model by walking its protobuf wire format without decoding weights: tensor payloads
 * (raw_data, float_data, ...) are skipped by length, so the cost depends on the graph's structure, not on
 * the size of its weights. Field numbers are those of onnx.proto (IR 13).
 */
import { ModelFormatError } from "../errors.js";
import { decodeValueInfo, type TypeProto } from "./codec.js";
import { dtypeInfo, dtypeName } from "./dtype.js";
import { batchVerdict, type Dim, type DtypeTotals, type ExternalDataFile, type ModelInfo, type ValueDesc } from "./model-info.js";
import { openSource } from "./sniff.js";
import { WireError, WireReader, type ByteSource } from "./wire.js";

/** Deeper nesting than this is refused rather than recursed into (If inside Loop inside ... is never this deep). */
const MAX_SUBGRAPH_DEPTH = 128;

interface Tally {
  nodes: number;
  subgraphs: number;
  ops: Map<string, { domain: string; op: string; count: number }>;
  dtypes: Map<string, DtypeTotals>;
  external: Map<string, ExternalDataFile>;
}

interface Weight {
  name: string;
  dtype: number;
  elements: number;
  /** Bytes of payload stored inline (any of the data fields). */
  inlineBytes: number;
  external?: { location: string; offset: number; length?: number };
}

export function scanModelFile(file: string): ModelInfo {
  const src = openSource(file);
  try {
    return scanModel(src, file);
  } finally {
    src.close();
  }
}

export function scanModel(src: ByteSource, label: string): ModelInfo {
  try {
    return walkModel(new WireReader(src), src.size);
  } catch (e) {
    if (e instanceof WireError) {
      const what = e.truncated ? "is truncated" : "is corrupt";
      throw new ModelFormatError(`${label} ${what}: ${e.message}`, { hint: "re-export or re-download the model" });
    }
    throw e;
  }
}

function walkModel(r: WireReader, end: number): ModelInfo {
  const info: ModelInfo = {
    fileBytes: end,
    irVersion: 0,
    producer: { name: "", version: "" },
    domain: "",
    modelVersion: 0,
    docString: "",
    opsets: [],
    graphName: "",
    inputs: [],
    outputs: [],
    nodeCount: 0,
    subgraphCount: 0,
    ops: [],
    functions: [],
    weights: { tensors: 0, parameters: 0, bytes: 0, byDtype: [] },
    externalData: [],
    metadata: {},
    batch: { batchable: false, reason: "" },
  };
  const tally: Tally = { nodes: 0, subgraphs: 0, ops: new Map(), dtypes: new Map(), external: new Map() };
  let graph: { inputs: ValueDesc[]; outputs: ValueDesc[]; initializerNames: Set<string>; name: string } | undefined;

  while (r.pos < end) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        info.irVersion = Number(r.int64());
        break;
      case 2:
        info.producer.name = r.string(end);
        break;
      case 3:
        info.producer.version = r.string(end);
        break;
      case 4:
        info.domain = r.string(end);
        break;
      case 5:
        info.modelVersion = Number(r.int64());
        break;
      case 6:
        info.docString = r.string(end);
        break;
      case 7:
        graph = walkGraph(r, r.lengthPrefixed(end), tally, 0);
        break;
      case 8: {
        const stop = r.lengthPrefixed(end);
        const opset = { domain: "", version: 0 };
        while (r.pos < stop) {
          const [f, w] = r.tag();
          if (f === 1) opset.domain = r.string(stop);
          else if (f === 2) opset.version = Number(r.int64());
          else r.skip(w, stop);
        }
        info.opsets.push(opset);
        break;
      }
      case 14: {
        const [key, value] = readEntry(r, r.lengthPrefixed(end));
        info.metadata[key] = value;
        break;
      }
      case 25:
        info.functions.push(readFunctionName(r, r.lengthPrefixed(end)));
        break;
      default:
        r.skip(wire, end);
    }
  }
  if (!graph) throw new ModelFormatError("the model has no graph");
  const initializerNames = graph.initializerNames;
  info.graphName = graph.name;
  info.inputs = graph.inputs.filter((v) => !initializerNames.has(v.name));
  info.outputs = graph.outputs;
  info.nodeCount = tally.nodes;
  info.subgraphCount = tally.subgraphs;
  info.ops = [...tally.ops.values()].sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  const byDtype = [...tally.dtypes.values()].sort((a, b) => b.bytes - a.bytes);
  info.weights = {
    tensors: byDtype.reduce((s, d) => s + d.tensors, 0),
    parameters: byDtype.reduce((s, d) => s + d.parameters, 0),
    bytes: byDtype.reduce((s, d) => s + d.bytes, 0),
    byDtype,
  };
  info.externalData = [...tally.external.values()];
  info.batch = batchVerdict(info.inputs, info.outputs);
  return info;
}

function walkGraph(r: WireReader, end: number, tally: Tally, depth: number) {
  if (depth > MAX_SUBGRAPH_DEPTH) throw new ModelFormatError(`subgraphs are nested more than ${MAX_SUBGRAPH_DEPTH} deep`);
  const inputs: ValueDesc[] = [];
  const outputs: ValueDesc[] = [];
  const initializerNames = new Set<string>();
  let name = "";
  while (r.pos < end) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        walkNode(r, r.lengthPrefixed(end), tally, depth);
        break;
      case 2:
        name = r.string(end);
        break;
      case 5: {
        const w = readTensor(r, r.lengthPrefixed(end));
        initializerNames.add(w.name);
        addWeight(tally, w);
        break;
      }
      case 15: {
        const stop = r.lengthPrefixed(end);
        while (r.pos < stop) {
          const [f, fw] = r.tag();
          if (f === 1) {
            const values = readTensor(r, r.lengthPrefixed(stop));
            initializerNames.add(values.name);
            addWeight(tally, values);
          } else r.skip(fw, stop);
        }
        break;
      }
      case 11:
        inputs.push(readValueInfo(r, r.lengthPrefixed(end)));
        break;
      case 12:
        outputs.push(readValueInfo(r, r.lengthPrefixed(end)));
        break;
      default:
        r.skip(wire, end);
    }
  }
  return { inputs, outputs, initializerNames, name };
}

function walkNode(r: WireReader, end: number, tally: Tally, depth: number): void {
  let op = "";
  let domain = "";
  while (r.pos < end) {
    const [field, wire] = r.tag();
    if (field === 4) op = r.string(end);
    else if (field === 7) domain = r.string(end);
    else if (field === 5) walkAttribute(r, r.lengthPrefixed(end), tally, depth);
    else r.skip(wire, end);
  }
  tally.nodes++;
  if (domain === "ai.onnx") domain = "";
  const key = `${domain}\u0000${op}`;
  const entry = tally.ops.get(key);
  if (entry) entry.count++;
  else tally.ops.set(key, { domain, op, count: 1 });
}

function walkAttribute(r: WireReader, end: number, tally: Tally, depth: number): void {
  while (r.pos < end) {
    const [field, wire] = r.tag();
    if (field === 6 || field === 11) {
      tally.subgraphs++;
      walkGraph(r, r.lengthPrefixed(end), tally, depth + 1);
    } else {
      r.skip(wire, end);
    }
  }
}

function readTensor(r: WireReader, end: number): Weight {
  const dims: bigint[] = [];
  const w: Weight = { name: "", dtype: 0, elements: 0, inlineBytes: 0 };
  let externalEntries: [string, string][] | undefined;
  let location = 0;
  while (r.pos < end) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.int64s(wire, end, dims);
        break;
      case 2:
        w.dtype = Number(r.int64());
        break;
      case 8:
        w.name = r.string(end);
        break;
      case 13:
        (externalEntries ??= []).push(readEntry(r, r.lengthPrefixed(end)));
        break;
      case 14:
        location = Number(r.int64());
        break;
      case 4:
      case 5:
      case 6:
      case 7:
      case 9:
      case 10:
      case 11: {
        const before = r.pos;
        r.skip(wire, end);
        w.inlineBytes += r.pos - before;
        break;
      }
      default:
        r.skip(wire, end);
    }
  }
  let elements = 1;
  for (const d of dims) {
    if (d < 0n) throw new ModelFormatError(`initializer ${w.name || "(unnamed)"} has a negative dimension ${d}`);
    elements *= Number(d);
  }
  w.elements = elements;
  if (location === 1 && externalEntries) {
    const get = (k: string) => externalEntries!.find(([key]) => key === k)?.[1];
    const length = get("length");
    w.external = {
      location: get("location") ?? "",
      offset: byteCount(get("offset"), "offset", w.name) ?? 0,
      ...(length !== undefined ? { length: byteCount(length, "length", w.name)! } : {}),
    };
  }
  return w;
}

/**
 * An external data offset or length: a decimal byte count as onnx writes it (blanks around it allowed, as Python's int()
 * does). Number() alone let "abc" through as NaN, which passed the file-size check (NaN compares false), and "-16" or
 * "1e3" as numbers no ONNX reader takes (found by fuzzing).
 */
function byteCount(text: string | undefined, what: string, name: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n)) {
    throw new ModelFormatError(`initializer ${name || "(unnamed)"} has external data ${what} ${JSON.stringify(text)}, which is not a byte count`, { hint: "re-export the model" });
  }
  return n;
}

function addWeight(tally: Tally, w: Weight): void {
  const bits = dtypeInfo(w.dtype)?.bits ?? 0;
  const bytes = w.external?.length ?? (bits > 0 ? Math.ceil((w.elements * bits) / 8) : w.inlineBytes);
  const name = dtypeName(w.dtype);
  const totals = tally.dtypes.get(name) ?? { dtype: name, tensors: 0, parameters: 0, bytes: 0 };
  totals.tensors++;
  totals.parameters += w.elements;
  totals.bytes += bytes;
  tally.dtypes.set(name, totals);
  if (w.external) {
    const file = tally.external.get(w.external.location) ?? { location: w.external.location, tensors: 0, bytes: 0, end: 0 };
    file.tensors++;
    file.bytes += bytes;
    file.end = Math.max(file.end, w.external.offset + bytes);
    tally.external.set(w.external.location, file);
  }
}

function readEntry(r: WireReader, end: number): [string, string] {
  let key = "";
  let value = "";
  while (r.pos < end) {
    const [field, wire] = r.tag();
    if (field === 1) key = r.string(end);
    else if (field === 2) value = r.string(end);
    else r.skip(wire, end);
  }
  return [key, value];
}

function readFunctionName(r: WireReader, end: number): string {
  let name = "";
  let domain = "";
  while (r.pos < end) {
    const [field, wire] = r.tag();
    if (field === 1) name = r.string(end);
    else if (field === 10) domain = r.string(end);
    else r.skip(wire, end);
  }
  return domain ? `${domain}:${name}` : name;
}

function readValueInfo(r: WireReader, end: number): ValueDesc {
  const at = r.pos;
  let vi;
  try {
    vi = decodeValueInfo(r.bytes(end - r.pos));
  } catch (e) {
    throw new WireError(`graph input/output at offset ${at} does not decode (${(e as Error).message})`, at, false);
  }
  return describeType(vi.name, vi.type);
}

function describeType(name: string, type: TypeProto | undefined): ValueDesc {
  const v = type?.value;
  switch (v?.case) {
    case "tensorType":
    case "sparseTensorType": {
      const shape: Dim[] | null = v.value.shape
        ? v.value.shape.dim.map((d) =>
            d.value.case === "dimValue" ? Number(d.value.value) : d.value.case === "dimParam" ? d.value.value : null,
          )
        : null;
      return { name, kind: v.case === "tensorType" ? "tensor" : "sparse_tensor", dtype: dtypeName(v.value.elemType), shape };
    }
    case "sequenceType":
      return { name, kind: "sequence", dtype: typeString(type), shape: null };
    case "mapType":
      return { name, kind: "map", dtype: typeString(type), shape: null };
    case "optionalType":
      return { name, kind: "optional", dtype: typeString(type), shape: null };
    default:
      return { name, kind: "unknown", dtype: "?", shape: null };
  }
}

function typeString(type: TypeProto | undefined): string {
  const v = type?.value;
  switch (v?.case) {
    case "tensorType":
      return `tensor(${dtypeName(v.value.elemType)})`;
    case "sparseTensorType":
      return `sparse_tensor(${dtypeName(v.value.elemType)})`;
    case "sequenceType":
      return `seq(${typeString(v.value.elemType)})`;
    case "mapType":
      return `map(${dtypeName(v.value.keyType)},${typeString(v.value.valueType)})`;
    case "optionalType":
      return `optional(${typeString(v.value.elemType)})`;
    default:
      return "?";
  }
}
