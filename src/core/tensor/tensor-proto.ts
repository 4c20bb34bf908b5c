/**
 * ONNX TensorProto files (.pb), the format of the ONNX backend test data: values in raw_data (little-endian),
 * in one of the typed fields, or in an external file beside it. Element types onnxruntime-node cannot feed
 * (bfloat16, float8, int4, ...) are refused by name rather than decoded into something else.
 */
import fs from "node:fs";
import { DataFormatError, FileError } from "../errors.js";
import { DataLocation, decodeTensor, encodeTensor, make, type TensorProto } from "../onnx/codec.js";
import { dtypeFromName, dtypeName } from "../onnx/dtype.js";
import { resolveExternal } from "../onnx/model-file.js";
import { bytesPerElement, elementCount, fromBytes, NUMERIC_DTYPES, type HostTensor, type TensorDtype, type TensorValues } from "./host-tensor.js";

const HINT = "the file is truncated or is not an ONNX TensorProto; re-create it with onnx.numpy_helper.from_array";

export function readTensorProto(bytes: Uint8Array, label: string, baseDir?: string): { name: string; tensor: HostTensor } {
  let proto: TensorProto;
  try {
    proto = decodeTensor(bytes);
  } catch (e) {
    throw new DataFormatError(`${label} does not decode as an ONNX TensorProto (${firstLine(e)})`, { hint: HINT });
  }
  const what = proto.name ? `${label} (tensor ${proto.name})` : label;
  const dtype = tensorDtype(proto.dataType, what);
  if (proto.segment) throw new DataFormatError(`${what} is one segment of a larger tensor`, { hint: "save the whole tensor in one file" });
  const dims = proto.dims.map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataFormatError(`${what} has dim ${d}`, { hint: HINT });
    return Number(d);
  });
  const count = elementCount(dims);

  let data: TensorValues;
  if (proto.dataLocation === DataLocation.EXTERNAL) {
    data = fromRaw(dtype, readExternal(proto, what, label, baseDir), count, what);
  } else if (proto.rawData.length > 0) {
    data = fromRaw(dtype, proto.rawData, count, what);
  } else {
    data = fromTypedField(proto, dtype);
    if (data.length !== count) {
      throw new DataFormatError(`${what} holds ${data.length} values but its dims [${dims.join(", ")}] need ${count}`, { hint: HINT });
    }
  }
  return { name: proto.name, tensor: { dtype, dims, data } };
}

function tensorDtype(value: number, what: string): TensorDtype {
  const name = dtypeName(value);
  if ((NUMERIC_DTYPES as string[]).includes(name) || name === "string") return name as TensorDtype;
  if (value === 0 || name.startsWith("dtype(")) throw new DataFormatError(`${what} has no valid data type (${value})`, { hint: HINT });
  throw new DataFormatError(`${what} is ${name}, which onnxruntime-node cannot feed`, { hint: "cast it to float32 (or another supported type) where it is produced" });
}

function fromRaw(dtype: TensorDtype, raw: Uint8Array, count: number, what: string): TensorValues {
  if (dtype === "string") throw new DataFormatError(`${what} is a string tensor with raw_data, which ONNX does not allow`, { hint: HINT });
  const need = count * bytesPerElement(dtype);
  if (raw.length !== need) throw new DataFormatError(`${what} has ${raw.length} bytes of ${dtype} data but its dims need ${need}`, { hint: HINT });
  return fromBytes(dtype, raw);
}

/** The typed fields as onnx.proto assigns them: int32_data carries every type of 16 bits or less, as its bits for float16. */
function fromTypedField(p: TensorProto, dtype: TensorDtype): TensorValues {
  switch (dtype) {
    case "float32":
      return Float32Array.from(p.floatData);
    case "float64":
      return Float64Array.from(p.doubleData);
    case "int32":
      return Int32Array.from(p.int32Data);
    case "int16":
      return Int16Array.from(p.int32Data);
    case "int8":
      return Int8Array.from(p.int32Data);
    case "uint16":
    case "float16":
      return Uint16Array.from(p.int32Data);
    case "uint8":
    case "bool":
      return Uint8Array.from(p.int32Data);
    case "int64":
      return BigInt64Array.from(p.int64Data);
    case "uint32":
      return Uint32Array.from(p.uint64Data, Number);
    case "uint64":
      return BigUint64Array.from(p.uint64Data);
    case "string": {
      const utf8 = new TextDecoder();
      return p.stringData.map((s) => utf8.decode(s));
    }
  }
}

function readExternal(p: TensorProto, what: string, label: string, baseDir: string | undefined): Uint8Array {
  const entry = (key: string) => p.externalData.find((e) => e.key === key)?.value;
  if (baseDir === undefined) throw new DataFormatError(`${what} keeps its data in an external file, and its folder is unknown`, { hint: "read it from a file path" });
  const file = resolveExternal(label, baseDir, entry("location") ?? "");
  const offset = Number(entry("offset") ?? 0);
  let bytes: Buffer;
  try {
    // A regular file only: a named pipe would block the read forever, and /dev/zero (through a link in the folder) would be
    // read until memory ran out (found by fuzzing with both beside the .pb).
    if (!fs.statSync(file).isFile()) throw new Error("not a regular file");
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new FileError(`${what}: cannot read its external data ${file} (${(e as NodeJS.ErrnoException).code ?? firstLine(e)})`, { hint: "keep the data file beside the .pb" });
  }
  const length = entry("length") === undefined ? bytes.length - offset : Number(entry("length"));
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new DataFormatError(`${what}: external data at offset ${entry("offset") ?? 0}, length ${entry("length") ?? "(rest)"} does not fit ${file} (${bytes.length} bytes)`, {
      hint: "the data file is truncated or belongs to another tensor",
    });
  }
  return bytes.subarray(offset, offset + length);
}

/** A TensorProto with the values in raw_data (string tensors in string_data, as ONNX requires). */
export function encodeTensorProto(name: string, t: HostTensor): Uint8Array {
  const base = { name, dims: t.dims.map(BigInt), dataType: dtypeFromName(t.dtype)! };
  if (Array.isArray(t.data)) {
    const utf8 = new TextEncoder();
    return encodeTensor(make.tensor({ ...base, stringData: t.data.map((s) => utf8.encode(s) as Uint8Array<ArrayBuffer>) }));
  }
  return encodeTensor(make.tensor({ ...base, rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) as Uint8Array<ArrayBuffer> }));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
