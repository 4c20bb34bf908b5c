/**
 * A TensorRT plan for `repo init --plan`: nothing here can open a plan (no TensorRT), so its inputs and outputs come
 * from the command line, as Polygraphy's `--inputs name:shape:dtype`, and the file is only checked to be a plan.
 */
import { UsageError } from "../errors.js";
import { batchVerdict, type ValueDesc } from "../onnx/model-info.js";
import { sniffFile } from "../onnx/sniff.js";

const SPEC_HINT = "write NAME:DIMS:DTYPE, e.g. images:-1x3x640x640:float32 (or Polygraphy's images:[-1,3,640,640]:float32), several separated by commas; -1 marks a variable dim";

/** dtype spellings: ONNX's (float32), Triton's (TYPE_FP32 or FP32) and numpy's short ones. */
const DTYPES: Record<string, string> = {
  bool: "bool", uint8: "uint8", uint16: "uint16", uint32: "uint32", uint64: "uint64",
  int8: "int8", int16: "int16", int32: "int32", int64: "int64",
  float16: "float16", fp16: "float16", half: "float16", float32: "float32", fp32: "float32", float: "float32",
  float64: "float64", fp64: "float64", double: "float64", bfloat16: "bfloat16", bf16: "bfloat16", string: "string",
};

function dtypeOf(text: string, spec: string): string {
  const key = text.toLowerCase().replace(/^type_/, "");
  const dtype = DTYPES[key];
  if (dtype === undefined) throw new UsageError(`tensor spec "${spec}" has an unknown data type "${text}"`, { hint: `use one of ${Object.keys(DTYPES).join(", ")}` });
  return dtype;
}

function dimsOf(text: string, spec: string): number[] {
  const body = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (body === "" || body === "scalar") return [];
  const parts = body.split(text.startsWith("[") ? "," : "x").map((d) => d.trim());
  return parts.map((d) => {
    if (!/^-?\d+$/.test(d) || (Number(d) < 1 && d !== "-1")) throw new UsageError(`tensor spec "${spec}" has a bad dim "${d}"`, { hint: SPEC_HINT });
    return Number(d);
  });
}

/** Splits on commas outside brackets, so Polygraphy's [1,3,224,224] stays whole. */
function splitSpecs(text: string): string[] {
  const specs: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (i === text.length || (c === "," && depth === 0)) {
      const spec = text.slice(start, i).trim();
      if (spec === "") throw new UsageError(`tensor specs "${text}" have an empty entry`, { hint: SPEC_HINT });
      specs.push(spec);
      start = i + 1;
    }
  }
  return specs;
}

/** `NAME:DIMS:DTYPE[,...]` as tensor descriptions; a name may itself hold colons (the last two fields are split off). */
export function parseTensorSpecs(text: string, role: "input" | "output"): ValueDesc[] {
  const values: ValueDesc[] = [];
  for (const spec of splitSpecs(text)) {
    const last = spec.lastIndexOf(":");
    const middle = last > 0 ? spec.lastIndexOf(":", last - 1) : -1;
    if (middle <= 0) throw new UsageError(`${role} spec "${spec}" is not NAME:DIMS:DTYPE`, { hint: SPEC_HINT });
    const name = spec.slice(0, middle);
    if (values.some((v) => v.name === name)) throw new UsageError(`${role} ${name} is given twice`, { hint: "give each tensor once" });
    values.push({ name, kind: "tensor", dtype: dtypeOf(spec.slice(last + 1), spec), shape: dimsOf(spec.slice(middle + 1, last), spec) });
  }
  return values;
}

/** The plan's description for planRepository; refuses a file that is not a TensorRT plan (an ONNX model named .plan). */
export function describePlan(file: string, inputs: string | undefined, outputs: string | undefined) {
  const kind = sniffFile(file).kind;
  if (kind === "onnx") throw new UsageError(`${file} is an ONNX model, not a TensorRT plan`, { hint: "pass it with --onnx" });
  if (kind !== "tensorrt-plan") throw new UsageError(`${file} is not a TensorRT plan (no plan header; it looks like ${kind})`, { hint: "pass an engine written by TensorRT (trtexec --saveEngine)" });
  if (inputs === undefined || outputs === undefined) {
    throw new UsageError("--plan needs --inputs and --outputs: trtx cannot open a TensorRT plan to read its tensors", { hint: SPEC_HINT });
  }
  const ins = parseTensorSpecs(inputs, "input");
  const outs = parseTensorSpecs(outputs, "output");
  return { inputs: ins, outputs: outs, batch: batchVerdict(ins, outs) };
}
