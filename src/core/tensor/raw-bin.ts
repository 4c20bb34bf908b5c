/**
 * trtexec's --loadInputs format (also perf_analyzer's input folders): the tensor's bytes, little-endian and
 * row-major, with no header, so the dtype and dims must come from elsewhere and only the size can be checked.
 */
import { DataFormatError } from "../errors.js";
import { bytesPerElement, elementCount, fromBytes, type HostTensor, type TensorDtype } from "./host-tensor.js";

export function readRawBin(bytes: Uint8Array, label: string, dtype: TensorDtype, dims: number[]): HostTensor {
  if (dtype === "string") throw new DataFormatError(`${label}: string tensors have no raw binary form`, { hint: "pass strings in a .npy or .pb file" });
  const count = elementCount(dims);
  const size = bytesPerElement(dtype);
  if (bytes.length !== count * size) {
    throw new DataFormatError(`${label} is ${bytes.length} bytes but ${dtype} [${dims.join(",")}] needs ${count * size} (${count} × ${size})`, {
      hint: "check the dims given with --shapes and that the file holds this input's dtype",
    });
  }
  return { dtype, dims: [...dims], data: fromBytes(dtype, bytes) };
}
