/**
 * The CUDA runtime call device-resident I/O needs (the copy of inputs to GPU memory), from the libcudart the CUDA
 * provider itself runs on. ORT's C API allocates device tensors but has no copy of its own that works with a
 * classically appended CUDA provider.
 */
import { TrtxError } from "../../errors.js";
import { firstLine } from "../session.js";
import type { OrtBridge, OrtHandle } from "./library.js";

type NativeFunction = (...args: unknown[]) => unknown;

/** cudaMemcpyKind */
const HOST_TO_DEVICE = 1;
/** CUDA 13 is what the CUDA provider here was built for; older runtimes follow for other installs. */
const LIBRARIES = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

export interface CudaRuntime {
  toDevice(device: OrtHandle, host: ArrayBufferView): void;
}

let runtime: CudaRuntime | undefined;

export function cudaRuntime(bridge: OrtBridge): CudaRuntime {
  if (runtime !== undefined) return runtime;
  const errors: string[] = [];
  for (const name of LIBRARIES) {
    try {
      const lib = bridge.koffi.load(name);
      const memcpy = lib.func("int cudaMemcpy(void* dst, const void* src, size_t count, int kind)") as NativeFunction;
      const errorString = lib.func("const char* cudaGetErrorString(int error)") as NativeFunction;
      const check = (code: unknown, what: string) => {
        if (code !== 0) throw new TrtxError(`cudaMemcpy ${what} failed: ${String(errorString(code))} (error ${String(code)})`, { hint: "the GPU may be out of memory or in an error state; trtx doctor checks it" });
      };
      const bytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      runtime = {
        toDevice: (device, host) => check(memcpy(device, bytes(host), host.byteLength, HOST_TO_DEVICE), "host → device"),
      };
      return runtime;
    } catch (e) {
      errors.push(`${name}: ${firstLine(e)}`);
    }
  }
  throw new TrtxError(`device-resident I/O needs the CUDA runtime library, which did not load (${errors.join("; ")})`, { hint: "add CUDA's lib64 folder to LD_LIBRARY_PATH, or drop --no-data-transfers" });
}
