/**
 * `--load-inputs FILE.json`: the first request of a perf_analyzer input-data file, or the first iteration of
 * a Polygraphy `--save-inputs` file, as tensors for the model's inputs. perf_analyzer's values carry no dtype
 * and often no shape: those come from the model (and --shapes for symbolic dims).
 */
import fs from "node:fs";
import { DataFormatError, FileError, UsageError } from "../errors.js";
import { formatShape, type ValueDesc } from "../onnx/model-info.js";
import { allocate, bytesPerElement, elementCount, fromBytes, type HostTensor, type TensorDtype } from "../tensor/host-tensor.js";
import { readPerfAnalyzerJson, readPolygraphyJson, type PerfAnalyzerInput } from "../tensor/json-inputs.js";
import { toFloat16Bits } from "../tensor/float16.js";
import { assertFeedable } from "./feeds.js";

export function loadJsonInputs(file: string, inputs: readonly ValueDesc[], shapes: Map<string, number[]> | undefined): Map<string, HostTensor> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code})`, { hint: "check the --load-inputs path" });
  }
  if (text.trimStart().startsWith("[")) return readPolygraphyJson(text, file)[0] ?? new Map();
  const request = readPerfAnalyzerJson(text, file)[0]!;
  const tensors = new Map<string, HostTensor>();
  for (const [name, input] of request) {
    const desc = inputs.find((i) => i.name === name);
    if (!desc) throw new UsageError(`${file} has data for ${name}, which is not an input of the model`, { hint: `its inputs: ${inputs.map((i) => i.name).join(", ")}` });
    tensors.set(name, toTensor(file, desc, input, shapes?.get(name)));
  }
  return tensors;
}

function toTensor(file: string, desc: ValueDesc, input: PerfAnalyzerInput, override: number[] | undefined): HostTensor {
  // The refusal buildFeeds gives, before allocate() meets a type it has no array for (bfloat16, float8...: a TypeError;
  // found by fuzzing).
  assertFeedable(desc);
  const dtype = desc.dtype as TensorDtype;
  const dims = input.shape ?? override ?? desc.shape?.map((d) => (typeof d === "number" ? d : NaN));
  if (!dims || dims.some((d) => !Number.isInteger(d))) {
    throw new UsageError(`${file}: ${desc.name} has no "shape" and the model's is ${formatShape(desc.shape)}`, { hint: `add "shape" to the JSON or pass --shapes ${desc.name}:DIMS` });
  }
  if (input.values instanceof Uint8Array) {
    if (dtype === "string") throw new DataFormatError(`${file}: ${desc.name} is a string input; b64 data cannot fill it`);
    // The bytes must fill the shape exactly: fromBytes throws a RangeError on a partial element, and a whole number of
    // elements that is not the shape's would reach the session as a wrong-sized tensor (found by fuzzing).
    const need = elementCount(dims) * bytesPerElement(dtype);
    if (input.values.length !== need) {
      throw new DataFormatError(`${file}: ${desc.name} has ${input.values.length} bytes of b64 data but shape ${formatShape(dims)} of ${dtype} needs ${need}`);
    }
    return { dtype, dims, data: fromBytes(dtype, input.values) };
  }
  const values = input.values;
  if (values.length !== elementCount(dims)) {
    throw new DataFormatError(`${file}: ${desc.name} has ${values.length} values but shape ${formatShape(dims)} needs ${elementCount(dims)}`);
  }
  if (dtype === "string") return { dtype, dims, data: values.map(String) };
  const data = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = toBigInt(file, desc.name, i, v, data instanceof BigInt64Array);
    else if (dtype === "float16") data[i] = toFloat16Bits(Number(v));
    else (data as Float32Array)[i] = typeof v === "boolean" ? Number(v) : Number(v);
  }
  return { dtype, dims, data };
}

/**
 * A value for an int64/uint64 input. BigInt() alone throws a RangeError on 1.5 or 1e999 and a SyntaxError on "abc", and a
 * typed array silently wraps 2^64 to 0 (found by fuzzing), so anything that is not an integer in the type's range is refused.
 */
function toBigInt(file: string, name: string, index: number, v: number | bigint | string, signed: boolean): bigint {
  const n = typeof v === "bigint" ? v : typeof v === "number" ? (Number.isInteger(v) ? BigInt(v) : undefined) : /^\s*-?\d+\s*$/.test(v) ? BigInt(v) : undefined;
  if (n === undefined || (signed ? BigInt.asIntN(64, n) : BigInt.asUintN(64, n)) !== n) {
    throw new DataFormatError(`${file}: ${name}[${index}] is ${typeof v === "string" ? JSON.stringify(v) : String(v)}, which is not ${signed ? "an int64" : "a uint64"}`);
  }
  return n;
}
