/**
 * trtexec's --noDataTransfers for ORT: inputs are copied to the GPU once and bound there, outputs are bound to GPU
 * memory and stay there, so a timed run is the model alone — no host↔device copies (77 MB per run for a float32
 * ResNet-50 batch of 128). Through IoBinding, which stock onnxruntime-node does not expose.
 */
import { UsageError } from "../../errors.js";
import { bytesPerElement, elementCount, type HostTensor } from "../../tensor/host-tensor.js";
import { OrtAllocatorType, OrtMemType } from "./api-table.js";
import { cudaRuntime } from "./cudart.js";
import type { OrtHandle } from "./library.js";
import { ELEMENT_TYPES, type BridgeSession } from "./session.js";

export class DeviceBinding {
  private released = false;

  private constructor(
    private readonly session: BridgeSession,
    private readonly memoryInfo: OrtHandle,
    private readonly allocator: OrtHandle,
    private readonly values: OrtHandle[],
    private readonly binding: OrtHandle,
  ) {}

  /** Copies `feeds` into GPU memory of `deviceId` and binds every input there and every output to that GPU. */
  static create(session: BridgeSession, feeds: ReadonlyMap<string, HostTensor>, deviceId = 0): DeviceBinding {
    const { bridge } = session;
    const cuda = cudaRuntime(bridge);
    const slot: (OrtHandle | null)[] = [null];
    // The name, allocator type and memory type the CUDA provider registers its allocator under.
    bridge.call("CreateMemoryInfo", "Cuda", OrtAllocatorType.Arena, deviceId, OrtMemType.Default, slot);
    const memoryInfo = slot[0]!;
    const values: OrtHandle[] = [];
    let allocator: OrtHandle | null = null;
    let binding: OrtHandle | null = null;
    try {
      const allocatorSlot: (OrtHandle | null)[] = [null];
      bridge.call("CreateAllocator", session.sessionHandle, memoryInfo, allocatorSlot);
      allocator = allocatorSlot[0]!;
      const bindingSlot: (OrtHandle | null)[] = [null];
      bridge.call("CreateIoBinding", session.sessionHandle, bindingSlot);
      binding = bindingSlot[0]!;
      for (const name of session.inputNames) {
        const t = feeds.get(name);
        if (t === undefined) throw new UsageError(`missing input ${name}`);
        if (t.dtype === "string" || Array.isArray(t.data)) throw new UsageError(`input ${name}: string tensors cannot live on the GPU`);
        const shape = BigInt64Array.from(t.dims, (d) => BigInt(d));
        const valueSlot: (OrtHandle | null)[] = [null];
        bridge.call("CreateTensorAsOrtValue", allocator, shape, shape.length, ELEMENT_TYPES[t.dtype], valueSlot);
        values.push(valueSlot[0]!);
        if (elementCount(t.dims) * bytesPerElement(t.dtype) > 0) {
          const ptr: (OrtHandle | null)[] = [null];
          bridge.call("GetTensorMutableData", valueSlot[0]!, ptr);
          cuda.toDevice(ptr[0]!, t.data as ArrayBufferView);
        }
        bridge.call("BindInput", binding, name, valueSlot[0]!);
      }
      for (const name of session.outputNames) bridge.call("BindOutputToDevice", binding, name, memoryInfo);
      return new DeviceBinding(session, memoryInfo, allocator, values, binding);
    } catch (e) {
      if (binding !== null) bridge.fn.ReleaseIoBinding(binding);
      for (const v of values) bridge.fn.ReleaseValue(v);
      if (allocator !== null) bridge.fn.ReleaseAllocator(allocator);
      bridge.fn.ReleaseMemoryInfo(memoryInfo);
      throw e;
    }
  }

  /** One run on the bound tensors, returning when the GPU has finished it (so its time is the model's). */
  run(): void {
    const { bridge } = this.session;
    bridge.call("RunWithBinding", this.session.sessionHandle, null, this.binding);
    bridge.call("SynchronizeBoundOutputs", this.binding);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const { bridge } = this.session;
    bridge.fn.ReleaseIoBinding(this.binding);
    for (const v of this.values) bridge.fn.ReleaseValue(v);
    bridge.fn.ReleaseAllocator(this.allocator);
    bridge.fn.ReleaseMemoryInfo(this.memoryInfo);
  }
}
