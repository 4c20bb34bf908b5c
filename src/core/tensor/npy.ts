/**
 * NumPy's .npy format (numpy/lib/format.py): magic, version, a header that is a Python dict literal, then the
 * array's bytes. Reading accepts versions 1.0 to 3.0, either byte order and Fortran order, and converts to
 * the little-endian, row-major HostTensor; writing produces what np.save writes for the same array.
 */
import { DataFormatError } from "../errors.js";
import { allocate, bytesPerElement, elementCount, fromBytes, type HostTensor, type TensorDtype, type TensorValues } from "./host-tensor.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** np.save aligns the data to this boundary (format.ARRAY_ALIGN). */
const ALIGN = 64;
/** np.save leaves room for the growing axis to reach this many digits (format.GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_DIGITS = 21;
const HINT = "the file is damaged or was not written by np.save; re-save it with np.save(path, array)";

interface ElementType {
  dtype: TensorDtype;
  /** Bytes per element in the file (for strings: 4 × characters). */
  size: number;
  bigEndian: boolean;
}

const NUMERIC: Record<string, Exclude<TensorDtype, "string">> = {
  f2: "float16",
  f4: "float32",
  f8: "float64",
  i1: "int8",
  u1: "uint8",
  i2: "int16",
  u2: "uint16",
  i4: "int32",
  u4: "uint32",
  i8: "int64",
  u8: "uint64",
  b1: "bool",
};
const DESCR = Object.fromEntries(Object.entries(NUMERIC).map(([code, dtype]) => [dtype, code]));

export function readNpy(bytes: Uint8Array, label: string): HostTensor {
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataFormatError(`${label} is not a .npy file (it does not start with \\x93NUMPY)`, { hint: "save arrays with np.save" });
  }
  const major = bytes[6] ?? 1;
  if (major < 1 || major > 3) throw new DataFormatError(`${label} is .npy format version ${major}.${bytes[7]}; trtx reads 1.0 to 3.0`, { hint: HINT });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new DataFormatError(`${label} is truncated inside the .npy header`, { hint: HINT });
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) {
    throw new DataFormatError(`${label}: the .npy header claims ${headerLength} bytes but the file ends after ${bytes.length - 8 - lengthBytes}`, { hint: HINT });
  }
  // Versions 1 and 2 write the header in latin-1, version 3 in UTF-8 (for non-latin-1 field names).
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(8 + lengthBytes, dataStart));
  const { descr, type, fortran, dims } = parseHeader(text, label);

  const count = elementCount(dims);
  const need = count * type.size;
  const have = bytes.length - dataStart;
  const what = `shape (${dims.join(", ")}) of '${descr}'`;
  if (have < need) throw new DataFormatError(`${label}: the data is ${have} bytes but ${what} needs ${need}`, { hint: "the file is truncated or its header is wrong" });
  if (have > need) throw new DataFormatError(`${label}: ${have - need} bytes follow the array data (${what} needs ${need})`, { hint: "a .npy file holds one array; save each array to its own file" });

  const payload = bytes.subarray(dataStart);
  const data = type.dtype === "string" ? decodeStrings(payload, type, count, label) : fromBytes(type.dtype, type.bigEndian ? swapped(payload, type.size) : payload);
  return { dtype: type.dtype, dims, data: fortran && dims.length > 1 ? toRowMajor(data, type.dtype, dims) : data };
}

function parseHeader(text: string, label: string): { descr: string; type: ElementType; fortran: boolean; dims: number[] } {
  let dict: PyValue;
  try {
    dict = parsePythonLiteral(text.trim());
  } catch (e) {
    throw new DataFormatError(`${label}: the .npy header is not a Python literal (${(e as Error).message})`, { hint: HINT });
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict)) throw new DataFormatError(`${label}: the .npy header is not a dict`, { hint: HINT });
  const keys = Object.keys(dict).sort().join(", ");
  if (keys !== "descr, fortran_order, shape") {
    throw new DataFormatError(`${label}: the .npy header has keys ${keys || "(none)"}; expected descr, fortran_order and shape`, { hint: HINT });
  }
  const { descr, fortran_order: fortran, shape } = dict as Record<string, PyValue>;
  if (typeof fortran !== "boolean") throw new DataFormatError(`${label}: the .npy header's fortran_order is not True or False`, { hint: HINT });
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataFormatError(`${label}: the .npy header's shape is not a tuple of non-negative integers`, { hint: HINT });
  }
  const type = elementType(descr, label);
  return { descr: descr as string, type, fortran, dims: shape as number[] };
}

function elementType(descr: PyValue | undefined, label: string): ElementType {
  if (typeof descr !== "string") {
    throw new DataFormatError(`${label} holds a structured array (fields), which is not a tensor`, { hint: "save each field as its own array" });
  }
  // Datetimes carry a unit ('<M8[ns]'): matched here so that they are refused as a type, not as a typo.
  const m = /^([<>=|]?)([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(descr);
  if (!m) throw new DataFormatError(`${label}: the .npy header's descr '${descr}' is not a NumPy type string`, { hint: HINT });
  const [, order, kind, digits, unit] = m as unknown as [string, string, string, string, string | undefined];
  // '=' and '|' mean the machine's own order; numpy only writes them for one-byte types, and every platform
  // onnxruntime-node runs on is little-endian.
  const bigEndian = order === ">";
  if (kind === "O") {
    throw new DataFormatError(`${label}: object arrays cannot be read; save with allow_pickle=False from a numeric array`, { hint: "convert it with np.asarray(x, dtype=...) before saving" });
  }
  // Zero-width strings ('<U0', which np.save never writes: numpy widens them to '<U1') are refused as a type: with no
  // bytes per element, a header claiming (2**40,) elements would pass the size check and then build 2**40 strings,
  // which kills the process (found by fuzzing).
  if (kind === "U" && digits !== "" && Number(digits) > 0 && !unit) return { dtype: "string", size: 4 * Number(digits), bigEndian };
  const dtype = unit ? undefined : NUMERIC[kind === "?" ? "b1" : `${kind}${digits}`];
  if (!dtype) {
    throw new DataFormatError(`${label} holds NumPy type '${descr}', which has no onnxruntime-node tensor type`, { hint: "convert it to a float, integer, bool or str array before saving" });
  }
  return { dtype, size: bytesPerElement(dtype), bigEndian };
}

function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/** numpy's '<U' strings: fixed-width UTF-32 code points, shorter strings padded with NULs. */
function decodeStrings(bytes: Uint8Array, type: ElementType, count: number, label: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const chars: string[] = [];
    for (let off = i * type.size; off < (i + 1) * type.size; off += 4) {
      const point = view.getUint32(off, !type.bigEndian);
      if (point > 0x10ffff) throw new DataFormatError(`${label}: string ${i} holds ${point}, which is not a Unicode code point`, { hint: HINT });
      chars.push(String.fromCodePoint(point));
    }
    while (chars.length && chars[chars.length - 1] === "\0") chars.pop();
    out.push(chars.join(""));
  }
  return out;
}

/** Fortran (column-major) order to C (row-major): walks C positions while tracking the Fortran offset. */
function toRowMajor(data: TensorValues, dtype: TensorDtype, dims: readonly number[]): TensorValues {
  const fStrides = dims.map((_, k) => elementCount(dims.slice(0, k)));
  const out = dtype === "string" ? new Array<string>(data.length) : allocate(dtype, data.length);
  const index = new Array<number>(dims.length).fill(0);
  let f = 0;
  for (let c = 0; c < data.length; c++) {
    (out as { [i: number]: unknown })[c] = data[f];
    for (let k = dims.length - 1; k >= 0; k--) {
      index[k]!++;
      f += fStrides[k]!;
      if (index[k]! < dims[k]!) break;
      f -= fStrides[k]! * dims[k]!;
      index[k] = 0;
    }
  }
  return out;
}

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/**
 * Parses the Python literal numpy writes as the header (dicts, tuples, lists, str, int, True, False, None),
 * without evaluating anything. Tuples and lists both become arrays; Python 2's 3L longs are accepted.
 */
function parsePythonLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${pos}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const items = (close: string, item: () => void) => {
    for (;;) {
      skipSpace();
      if (text[pos] === close) return void pos++;
      item();
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const value = (): PyValue => {
    skipSpace();
    const ch = text[pos];
    if (ch === "{") {
      pos++;
      // No prototype, so that a key such as __proto__ is data like any other.
      const dict = Object.create(null) as Record<string, PyValue>;
      items("}", () => {
        const key = value();
        if (typeof key !== "string") fail("a dict key is not a string");
        skipSpace();
        if (text[pos++] !== ":") fail("expected ':'");
        dict[key as string] = value();
      });
      return dict;
    }
    if (ch === "(" || ch === "[") {
      pos++;
      const list: PyValue[] = [];
      items(ch === "(" ? ")" : "]", () => list.push(value()));
      return list;
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, pos + 1);
      if (end < 0) fail("unterminated string");
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const word = /^(?:True|False|None|[+-]?\d+L?)/.exec(text.slice(pos))?.[0];
    if (word === undefined) return fail(ch === undefined ? "unexpected end" : `unexpected '${ch}'`);
    pos += word.length;
    return word === "True" ? true : word === "False" ? false : word === "None" ? null : Number(word.replace("L", ""));
  };
  const result = value();
  skipSpace();
  if (pos < text.length) fail("unexpected text after the dict");
  return result;
}

/** The bytes np.save writes for the same array (format 1.0, C order, little-endian). */
export function encodeNpy(t: HostTensor): Uint8Array {
  let descr: string;
  let payload: Uint8Array;
  if (Array.isArray(t.data)) {
    const width = Math.max(1, ...t.data.map((s) => [...s].length));
    descr = `<U${width}`;
    payload = encodeStrings(t.data, width);
  } else {
    descr = t.dtype === "int8" || t.dtype === "uint8" || t.dtype === "bool" ? `|${DESCR[t.dtype]}` : `<${DESCR[t.dtype]}`;
    payload = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (t.dims.length > 0) dict += " ".repeat(Math.max(0, GROWTH_DIGITS - String(t.dims[0]).length));
  // As numpy's _wrap_header: the header plus its newline is padded so that the data starts on ALIGN.
  const pad = ALIGN - ((MAGIC.length + 4 + dict.length + 1) % ALIGN);
  const header = `${dict}${" ".repeat(pad)}\n`;
  if (header.length > 0xffff) throw new RangeError(`a ${t.dims.length}-d shape does not fit a .npy 1.0 header`);
  const out = new Uint8Array(MAGIC.length + 4 + header.length + payload.length);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}

function encodeStrings(values: readonly string[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width * 4);
  const view = new DataView(out.buffer);
  values.forEach((s, i) => [...s].forEach((ch, j) => view.setUint32((i * width + j) * 4, ch.codePointAt(0)!, true)));
  return out;
}
