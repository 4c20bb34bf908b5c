/**
 * Model inputs and outputs as Triton config entries (peer-tools.md §4): ONNX dtypes to TYPE_*, and dims with the
 * batch dim dropped when max_batch_size > 0. Values are in parseModelConfig's shape (int64 as decimal strings), so a
 * rendered config parses back to exactly the object it came from.
 */
import { UsageError } from "../errors.js";
import type { Dim, ValueDesc } from "../onnx/model-info.js";
import type { ConfigObject } from "./pbtxt-parse.js";

const TRITON_TYPES: Record<string, string> = {
  bool: "TYPE_BOOL",
  uint8: "TYPE_UINT8",
  uint16: "TYPE_UINT16",
  uint32: "TYPE_UINT32",
  uint64: "TYPE_UINT64",
  int8: "TYPE_INT8",
  int16: "TYPE_INT16",
  int32: "TYPE_INT32",
  int64: "TYPE_INT64",
  float16: "TYPE_FP16",
  float32: "TYPE_FP32",
  float64: "TYPE_FP64",
  string: "TYPE_STRING",
  bfloat16: "TYPE_BF16",
};

export function tritonType(v: ValueDesc, role: string): string {
  const type = v.kind === "tensor" ? TRITON_TYPES[v.dtype] : undefined;
  if (type === undefined) {
    throw new UsageError(`${role} ${v.name} is ${v.kind === "tensor" ? `a ${v.dtype} tensor` : `a ${v.kind}`}, which a Triton config cannot describe`, {
      hint: `Triton takes tensors of ${Object.keys(TRITON_TYPES).join(", ")}`,
    });
  }
  return type;
}

/** Triton writes every variable dim as -1, whatever name or absence the model gives it. */
const tritonDim = (d: Dim): string => (d === null || typeof d === "string" || d < 0 ? "-1" : String(d));

/** The shape without its batch dim when batched; refused when the model does not give a rank. */
export function configShape(v: ValueDesc, role: string, batched: boolean): Dim[] {
  if (v.shape === null) throw new UsageError(`${role} ${v.name} has no shape (rank unknown), which a Triton config needs`, { hint: "fix its shape with trtx export --onnx ... --fix-shapes" });
  return batched ? v.shape.slice(1) : v.shape;
}

export function tensorEntry(v: ValueDesc, role: "input" | "output", batched: boolean): ConfigObject {
  const shape = configShape(v, role, batched);
  const entry: ConfigObject = { name: v.name, data_type: tritonType(v, role), dims: shape.map(tritonDim) };
  if (shape.length > 0) return entry;
  // Triton refuses empty dims (core model_config_utils.cc, ValidateIOShape: "must specify 'dims'"), so a tensor
  // with nothing left is written dims [1], as the onnxruntime backend's own auto-complete does (onnxruntime.cc,
  // ModelState::AutoCompleteIO). Batched, it is a [batch] tensor: one element per request, reshaped to nothing
  // after the batch dim. Unbatched, it is a rank-0 model tensor: an empty reshape is refused there ("cannot have
  // empty reshape for non-batching model"), and the backend takes dims [1] for a scalar (ValidateInputs /
  // ValidateOutputs: "should only provide 1").
  return batched ? { ...entry, dims: ["1"], reshape: {} } : { ...entry, dims: ["1"] };
}
