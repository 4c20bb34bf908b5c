/**
 * Input data in JSON as two other tools write it. perf_analyzer (docs/input_data.md): {"data": [request, ...]}
 * where each request maps input names to flattened row-major values, {"content", "shape"} or {"b64"}; dtypes
 * come from the model, so values stay untyped here. Polygraphy (`run --save-inputs`, polygraphy/json/serde.py):
 * a list of iterations, each mapping names to {"array": base64 of np.save bytes, "polygraphy_class": "ndarray"}.
 */
import { DataFormatError } from "../errors.js";
import type { HostTensor } from "./host-tensor.js";
import { encodeNpy, readNpy } from "./npy.js";

export interface PerfAnalyzerInput {
  /** The values in row-major order; integers beyond 2^53 come as bigint, b64 data as its bytes. */
  values: number[] | bigint[] | string[] | Uint8Array;
  shape?: number[];
}

/**
 * JSON.parse would round integers beyond 2^53 (int64 token ids, hashes); such literals outside strings are
 * turned into marked strings first and become bigint in flatValues.
 */
const BIG_MARK = "\u0000bigint:";
// The closing quote is optional so that an unterminated string is consumed to the end in one pass: with it required, every
// quote of an invalid file (`"\"\"\"...`) started a scan to the end, quadratic time (200 KB took 30 s; found by fuzzing).
const BIG_INTEGER = /"(?:[^"\\]|\\.)*"?|(?<![\w.+-])-?\d{16,}(?![\w.])/g;

/** What Python's base64.b64decode(validate=True) accepts. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const PA_HINT = 'see perf_analyzer docs/input_data.md: {"data": [{"INPUT0": [1, 2, 3]}, ...]}';
const POLY_HINT = "pass the file written by polygraphy run --save-inputs";

/** One map per request, in the order of "data". */
export function readPerfAnalyzerJson(text: string, label: string): Map<string, PerfAnalyzerInput>[] {
  const doc = parseJson(markBigIntegers(text), label);
  const data = isObject(doc) ? doc["data"] : undefined;
  if (!Array.isArray(data)) throw new DataFormatError(`${label} has no "data" list`, { hint: PA_HINT });
  if (data.length === 0) throw new DataFormatError(`${label}: "data" is empty`, { hint: PA_HINT });
  return data.map((request, i) => {
    const where = `${label}: data[${i}]`;
    if (Array.isArray(request)) {
      throw new DataFormatError(`${where} is a sequence stream (a list of requests); trtx reads one flat list of requests`, { hint: "list the requests directly in \"data\"" });
    }
    if (!isObject(request)) throw new DataFormatError(`${where} is not an object of input name → values`, { hint: PA_HINT });
    if ("ipc_stream" in request) throw new DataFormatError(`${where} is an ipc_stream command, which only perf_analyzer's dynamic gRPC mode runs`, { hint: PA_HINT });
    return new Map(Object.entries(request).map(([name, value]) => [name, perfAnalyzerInput(value, `${where}.${name}`)]));
  });
}

function perfAnalyzerInput(value: unknown, where: string): PerfAnalyzerInput {
  if (Array.isArray(value)) return { values: flatValues(value, where) };
  if (!isObject(value)) throw new DataFormatError(`${where} is neither a list of values nor an object with "content" or "b64"`, { hint: PA_HINT });
  if ("b64" in value) return { values: base64(value["b64"], where) };
  if (!("content" in value)) throw new DataFormatError(`${where} has neither "content" nor "b64"`, { hint: PA_HINT });
  const content = value["content"];
  const values = isObject(content) && "b64" in content ? base64(content["b64"], `${where}.content`) : Array.isArray(content) ? flatValues(content, `${where}.content`) : undefined;
  if (values === undefined) throw new DataFormatError(`${where}.content is neither a list of values nor {"b64": ...}`, { hint: PA_HINT });
  const shape = value["shape"];
  if (shape === undefined) return { values };
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataFormatError(`${where}.shape is not a list of non-negative integers`, { hint: PA_HINT });
  }
  return { values, shape: shape as number[] };
}

/** Numbers (booleans as 0/1, as perf_analyzer reads BOOL), strings, or integers that needed bigint. */
function flatValues(list: unknown[], where: string): number[] | bigint[] | string[] {
  if (list.some((v) => Array.isArray(v))) throw new DataFormatError(`${where} is a nested list`, { hint: "flatten the values in row-major order and give \"shape\"" });
  if (list.some(isBigMark)) {
    return list.map((v) => {
      // Only marks this file made are integers: a string that merely starts like one ("\u0000bigint:x") would make BigInt() throw.
      if (isBigMark(v) && /^-?\d+$/.test(v.slice(BIG_MARK.length))) return BigInt(v.slice(BIG_MARK.length));
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      throw new DataFormatError(`${where} mixes integers beyond 2^53 with ${JSON.stringify(v)}`, { hint: "64-bit integer data must be all integers" });
    });
  }
  if (list.length > 0 && list.every((v) => typeof v === "string")) return list as string[];
  return list.map((v) => {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    throw new DataFormatError(`${where} holds ${JSON.stringify(v)} among numbers`, { hint: "a tensor's values are all numbers or all strings" });
  });
}

function markBigIntegers(text: string): string {
  return text.replace(BIG_INTEGER, (token) => (token.startsWith('"') || Number.isSafeInteger(Number(token)) ? token : `"\\u0000bigint:${token}"`));
}

function isBigMark(v: unknown): v is string {
  return typeof v === "string" && v.startsWith(BIG_MARK);
}

/** One map per iteration, in order. */
export function readPolygraphyJson(text: string, label: string): Map<string, HostTensor>[] {
  const doc = parseJson(text, label);
  if (isObject(doc) && doc["polygraphy_class"] === "RunResults") {
    throw new DataFormatError(`${label} holds Polygraphy run results (--save-outputs), not inputs`, { hint: POLY_HINT });
  }
  if (!Array.isArray(doc)) throw new DataFormatError(`${label} is not a list of iterations`, { hint: POLY_HINT });
  return doc.map((iteration, i) => {
    if (!isObject(iteration)) throw new DataFormatError(`${label}: iteration ${i} is not an object of input name → array`, { hint: POLY_HINT });
    return new Map(Object.entries(iteration).map(([name, value]) => [name, polygraphyArray(value, `${label}: iteration ${i} input ${name}`)]));
  });
}

function polygraphyArray(value: unknown, where: string): HostTensor {
  // Older Polygraphy marked the type with a key of its own instead of polygraphy_class.
  const isArray = isObject(value) && (value["polygraphy_class"] === "ndarray" || value["__polygraphy_encoded_ndarray"] === "polygraphy_serialized_json_type");
  if (!isArray || typeof value["array"] !== "string") {
    const kind = isObject(value) && typeof value["polygraphy_class"] === "string" ? `a ${value["polygraphy_class"]}` : "not an encoded NumPy array";
    throw new DataFormatError(`${where} is ${kind}`, { hint: POLY_HINT });
  }
  const text = value["array"];
  // As Polygraphy's decoder: base64, else the latin-1 text that its first versions wrote.
  const bytes = STRICT_BASE64.test(text) ? Buffer.from(text, "base64") : Buffer.from(text, "latin1");
  if (bytes.subarray(0, 4).toString("latin1") === "PK\x03\x04") {
    throw new DataFormatError(`${where} is an .npz archive from an old Polygraphy`, { hint: "re-save the inputs with a current Polygraphy" });
  }
  return readNpy(bytes, where);
}

export function encodePolygraphyJson(iterations: readonly Map<string, HostTensor>[]): string {
  const doc = iterations.map((feeds) =>
    Object.fromEntries([...feeds].map(([name, t]) => [name, { array: Buffer.from(encodeNpy(t)).toString("base64"), polygraphy_class: "ndarray" }])),
  );
  // Polygraphy indents with four spaces (constants.TAB).
  return JSON.stringify(doc, null, 4);
}

function base64(value: unknown, where: string): Uint8Array {
  if (typeof value !== "string" || !STRICT_BASE64.test(value.replace(/\s+/g, ""))) {
    throw new DataFormatError(`${where}: "b64" is not a base64 string`, { hint: "encode the raw little-endian bytes with base64" });
  }
  return new Uint8Array(Buffer.from(value, "base64"));
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataFormatError(`${label} is not valid JSON: ${(e as Error).message.split("\n")[0]}`, { hint: "check the file with a JSON validator" });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
