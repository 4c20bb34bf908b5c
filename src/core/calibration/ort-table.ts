/**
 * The ORT TensorRT EP's own calibration table (calibration.flatbuffers, the file the EP reads when
 * trt_int8_use_native_calibration_table is 0), built as ORT's Python write_calibration_table builds it so
 * that the bytes match:
 *
 *   namespace CalTableFlatBuffers;
 *   table KeyValue { key:string (key, required); value:string; }
 *   table TrtTable { dict:[KeyValue]; }
 *   root_type TrtTable;            // no file identifier
 */
import { Builder } from "flatbuffers";
import { DataFormatError } from "../errors.js";
import { pythonFloatRepr } from "./python-float.js";
import { amaxOf, checkRanges, type ActivationRange, type ActivationRanges } from "./ranges.js";

/** Field slots (vtable offsets 4 and 6 are slots 0 and 1). */
const KEY = 0;
const VALUE = 1;
const DICT = 0;

/** Python's sorted() on str, which compares code points (a plain JS sort compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * ORT writes str(max(highest, lowest)) of the range its calibrator stored, and the EP reads it back with
 * std::stof as the symmetric dynamic range ±value. ORT's calibrators for the TensorRT EP store symmetric
 * ranges (lowest = -amax, highest = amax), so that max is amax (older ORT wrote max(|lowest|, |highest|)
 * outright). trtx's ranges are raw min/max, so they are made symmetric first: max() over the raw pair would
 * keep only the max, clipping every tensor whose negative side is larger.
 */
function tableValue(range: ActivationRange): string {
  const amax = amaxOf(range);
  const [highest, lowest] = [amax, -amax];
  return pythonFloatRepr(Math.max(highest, lowest));
}

/**
 * The table's bytes. ORT creates the entries in sorted key order, each key string then its value string
 * then the KeyValue, and prepends them to the vector in that order, so the vector holds them in reverse
 * sorted order (the EP reads every entry, so the `key` attribute's sorted lookup is never used).
 */
export function encodeOrtCalibrationTable(ranges: ActivationRanges): Uint8Array {
  checkRanges(ranges);
  const builder = new Builder(1024);
  const entries = [...ranges.keys()].sort(byCodePoint).map((name) => {
    const key = builder.createString(name);
    const value = builder.createString(tableValue(ranges.get(name)!));
    builder.startObject(2);
    builder.addFieldOffset(KEY, key, 0);
    builder.addFieldOffset(VALUE, value, 0);
    return builder.endObject();
  });
  builder.startVector(4, entries.length, 4);
  for (const entry of entries) builder.addOffset(entry);
  const dict = builder.endVector();
  builder.startObject(1);
  builder.addFieldOffset(DICT, dict, 0);
  builder.finish(builder.endObject());
  // A copy: the view shares the builder's whole (larger) buffer.
  return builder.asUint8Array().slice();
}

const TABLE_HINT = "the file is damaged or is not an ORT calibration table; write it again with trtx or onnxruntime's write_calibration_table";

/**
 * Reads a table, checking every offset against the buffer (flatbuffers' own accessors do not, and a
 * damaged file would read as garbage). Values come back as numbers; `label` starts every error message.
 */
export function decodeOrtCalibrationTable(bytes: Uint8Array, label: string): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new DataFormatError(`${label}: ${what}`, { hint: TABLE_HINT });
  };
  const u32 = (at: number, what: string): number => (at >= 0 && at + 4 <= bytes.length ? view.getUint32(at, true) : fail(`${what} at byte ${at} lies outside the ${bytes.length}-byte file`));
  const utf8 = new TextDecoder("utf-8", { fatal: true });

  /** The position a table's field points to, or undefined when the field is absent. */
  const field = (table: number, slot: number, what: string): number | undefined => {
    const vtable = table - (u32(table, what) | 0); // a signed offset back to the vtable
    const vtableSize = vtable >= 0 && vtable + 4 <= bytes.length ? view.getUint16(vtable, true) : fail(`${what}'s vtable lies outside the file`);
    if (vtableSize < 4 || vtable + vtableSize > bytes.length) fail(`${what}'s vtable lies outside the file`);
    const offset = 4 + 2 * slot < vtableSize ? view.getUint16(vtable + 4 + 2 * slot, true) : 0;
    if (offset === 0) return undefined;
    const at = table + offset;
    return at + u32(at, what);
  };
  const string = (at: number, what: string): string => {
    const length = u32(at, what);
    if (at + 4 + length >= bytes.length || bytes[at + 4 + length] !== 0) fail(`${what} runs past the end of the file`);
    try {
      return utf8.decode(bytes.subarray(at + 4, at + 4 + length));
    } catch {
      return fail(`${what} is not UTF-8`);
    }
  };

  const root = u32(0, "the root offset");
  const dict = field(root, DICT, "the table") ?? fail("the table has no dict");
  const count = u32(dict, "the dict");
  if (dict + 4 + 4 * count > bytes.length) fail(`the dict claims ${count} entries but the file ends first`);
  const table = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const entryAt = dict + 4 + 4 * i;
    const entry = entryAt + u32(entryAt, `entry ${i}`);
    const keyAt = field(entry, KEY, `entry ${i}`) ?? fail(`entry ${i} has no key`);
    const key = string(keyAt, `entry ${i}'s key`);
    const valueAt = field(entry, VALUE, `entry '${key}'`) ?? fail(`entry '${key}' has no value`);
    const text = string(valueAt, `the value of '${key}'`);
    // A plain decimal, as str(float) writes it; inf, nan and negative ranges would fail in TensorRT.
    if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) {
      fail(`the value of '${key}' is '${text.slice(0, 40)}', not a finite non-negative number`);
    }
    if (table.has(key)) fail(`tensor '${key}' appears twice`);
    table.set(key, Number(text));
  }
  return table;
}
