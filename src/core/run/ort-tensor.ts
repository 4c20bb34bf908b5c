/** Conversions between HostTensor and onnxruntime-node's Tensor (same type names, same data layouts). */
import type { Tensor } from "onnxruntime-node";
import type { Ort } from "../ep/ort.js";
import type { HostTensor, TensorDtype, TensorValues } from "../tensor/host-tensor.js";

export function toOrtTensor(ort: Ort, t: HostTensor): Tensor {
  return new ort.Tensor(t.dtype as never, t.data as never, t.dims);
}

export function fromOrtTensor(t: Tensor): HostTensor {
  return { dtype: t.type as TensorDtype, dims: [...t.dims], data: t.data as TensorValues };
}
