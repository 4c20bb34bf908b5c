/**
 * A session on ORT's C API through the bridge: host tensors in, host tensors out. It is the base that the
 * CUDA/TensorRT step builds on (provider options through the appendProviders hook, device memory through
 * IoBinding); on its own it runs whatever providers the hook appends, CPU when it appends none.
 *
 * Every native object is released on every path (try/finally); a BridgeSession holds only its OrtSession,
 * released by release().
 */
import { TrtxError, UsageError } from "../../errors.js";
import { allocate, bytesPerElement, elementCount, type HostTensor, type TensorDtype } from "../../tensor/host-tensor.js";
import { GraphOptimizationLevel, ONNXTensorElementDataType, ONNXType } from "./api-table.js";
import { loadOrtBridge, type BridgeLoadOptions, type OrtBridge, type OrtHandle, type SessionOptionsHandle } from "./library.js";

export type BridgeOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface BridgeSessionOptions {
  /** Threads within an operator; ORT's default (one per physical core) when unset. */
  intraOpThreads?: number;
  /** Threads across operators (only used with parallel execution). */
  interOpThreads?: number;
  graphOptimizationLevel?: BridgeOptimizationLevel;
  /** Session configuration entries (AddSessionConfigEntry), e.g. {"session.intra_op.allow_spinning": "0"}. */
  configEntries?: Record<string, string>;
  /** Writes an ORT profile (Chrome trace JSON) named `<prefix>_<date>.json` when the session is released. */
  profilePrefix?: string;
  /**
   * Appends execution providers to the session options before the session is created, in preference order
   * (ORT falls back to CPU for nodes no appended provider takes). This is where the CUDA/TensorRT step calls
   * SessionOptionsAppendExecutionProvider_*_V2 with its provider options. The handle is only valid during
   * the call; anything the hook creates it must release itself (ORT copies provider options when appended).
   */
  appendProviders?: (options: SessionOptionsHandle, bridge: OrtBridge) => void;
  /** Passed to loadOrtBridge (tests inject a version). */
  bridge?: BridgeLoadOptions;
}

export interface BridgeValueInfo {
  name: string;
  /** The element type, or a description when it is not a tensor trtx supports (e.g. "sequence", "bfloat16"). */
  dtype: TensorDtype | string;
  /** Dimensions; -1 where the model leaves one dynamic. Empty for non-tensors. */
  dims: number[];
}

/** HostTensor dtypes and ONNX element types, both ways. */
export const ELEMENT_TYPES: Record<TensorDtype, number> = {
  float32: ONNXTensorElementDataType.FLOAT,
  float64: ONNXTensorElementDataType.DOUBLE,
  float16: ONNXTensorElementDataType.FLOAT16,
  int8: ONNXTensorElementDataType.INT8,
  uint8: ONNXTensorElementDataType.UINT8,
  int16: ONNXTensorElementDataType.INT16,
  uint16: ONNXTensorElementDataType.UINT16,
  int32: ONNXTensorElementDataType.INT32,
  uint32: ONNXTensorElementDataType.UINT32,
  int64: ONNXTensorElementDataType.INT64,
  uint64: ONNXTensorElementDataType.UINT64,
  bool: ONNXTensorElementDataType.BOOL,
  string: ONNXTensorElementDataType.STRING,
};
const DTYPES = new Map<number, TensorDtype>(Object.entries(ELEMENT_TYPES).map(([k, v]) => [v, k as TensorDtype]));
const ELEMENT_TYPE_NAMES = new Map<number, string>(Object.entries(ONNXTensorElementDataType).map(([k, v]) => [v, k.toLowerCase()]));

const OPTIMIZATION_LEVELS: Record<BridgeOptimizationLevel, number> = {
  disabled: GraphOptimizationLevel.DISABLE_ALL,
  basic: GraphOptimizationLevel.ENABLE_BASIC,
  extended: GraphOptimizationLevel.ENABLE_EXTENDED,
  all: GraphOptimizationLevel.ENABLE_ALL,
};

export class BridgeSession {
  private handle: OrtHandle | null;
  /** Fixed for the session's life: computed once, not on every run of a timed loop. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    readonly bridge: OrtBridge,
    handle: OrtHandle,
    readonly inputs: readonly BridgeValueInfo[],
    readonly outputs: readonly BridgeValueInfo[],
  ) {
    this.handle = handle;
    this.inputNames = inputs.map((i) => i.name);
    this.outputNames = outputs.map((o) => o.name);
  }

  /** The OrtSession* (for IoBinding and other C-API calls the class does not wrap); throws once released. */
  get sessionHandle(): OrtHandle {
    if (this.handle === null) throw new UsageError("ORT C-API bridge: the session was released");
    return this.handle;
  }

  /** Creates a session from a model file (external data resolves against its folder) or from model bytes. */
  static async create(model: string | Uint8Array, options: BridgeSessionOptions = {}): Promise<BridgeSession> {
    const bridge = await loadOrtBridge(options.bridge);
    const handle = createSessionHandle(bridge, model, options);
    try {
      const inputs = describeValues(bridge, handle, "Input");
      const outputs = describeValues(bridge, handle, "Output");
      return new BridgeSession(bridge, handle, inputs, outputs);
    } catch (e) {
      bridge.fn.ReleaseSession(handle);
      throw e;
    }
  }

  /**
   * Runs the model on host tensors and returns the requested outputs (all by default) as new host tensors.
   * Inputs are not copied: ORT reads the feeds' own buffers, which stay referenced until the run returns.
   */
  run(feeds: ReadonlyMap<string, HostTensor>, outputNames: readonly string[] = this.outputNames): Map<string, HostTensor> {
    const session = this.sessionHandle;
    const { bridge } = this;
    const names = [...feeds.keys()];
    // A name the model does not have, ORT reports itself ("Invalid input name"). A missing one it reports from
    // inside the first kernel that needs it, in a long message; this names all of them.
    const missing = this.inputNames.filter((name) => !feeds.has(name));
    if (missing.length > 0 && names.every((name) => this.inputNames.includes(name))) {
      throw new UsageError(`missing input${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`, { hint: `the model's inputs are ${this.inputNames.join(", ")}` });
    }
    const inputs: (OrtHandle | null)[] = [];
    const outputs: (OrtHandle | null)[] = outputNames.map(() => null);
    try {
      for (const name of names) inputs.push(tensorOverHostData(bridge, name, feeds.get(name)!));
      bridge.call("Run", session, null, names, inputs, names.length, [...outputNames], outputNames.length, outputs);
      const result = new Map<string, HostTensor>();
      outputNames.forEach((name, i) => result.set(name, copyOut(bridge, name, outputs[i] ?? null)));
      return result;
    } finally {
      for (const value of [...inputs, ...outputs]) if (value) bridge.fn.ReleaseValue(value);
    }
  }

  /** Releases the OrtSession; safe to call more than once. */
  release(): void {
    if (this.handle === null) return;
    const handle = this.handle;
    this.handle = null;
    this.bridge.fn.ReleaseSession(handle);
  }
}

function createSessionHandle(bridge: OrtBridge, model: string | Uint8Array, options: BridgeSessionOptions): OrtHandle {
  const slot: (OrtHandle | null)[] = [null];
  bridge.call("CreateSessionOptions", slot);
  const sessionOptions = slot[0]!;
  try {
    if (options.intraOpThreads !== undefined) bridge.call("SetIntraOpNumThreads", sessionOptions, options.intraOpThreads);
    if (options.interOpThreads !== undefined) bridge.call("SetInterOpNumThreads", sessionOptions, options.interOpThreads);
    if (options.graphOptimizationLevel !== undefined) {
      const level = OPTIMIZATION_LEVELS[options.graphOptimizationLevel];
      if (level === undefined) throw new UsageError(`unknown graph optimization level '${options.graphOptimizationLevel}'`, { hint: `use ${Object.keys(OPTIMIZATION_LEVELS).join(", ")}` });
      bridge.call("SetSessionGraphOptimizationLevel", sessionOptions, level);
    }
    for (const [key, value] of Object.entries(options.configEntries ?? {})) bridge.call("AddSessionConfigEntry", sessionOptions, key, value);
    if (options.profilePrefix !== undefined) bridge.call("EnableProfiling", sessionOptions, options.profilePrefix);
    options.appendProviders?.(sessionOptions as SessionOptionsHandle, bridge);
    const out: (OrtHandle | null)[] = [null];
    if (typeof model === "string") {
      bridge.call("CreateSession", bridge.env(), model, sessionOptions, out);
    } else {
      // Only read during the call: ORT parses the bytes into its own graph.
      bridge.call("CreateSessionFromArray", bridge.env(), model, model.byteLength, sessionOptions, out);
    }
    return out[0]!;
  } finally {
    // The session keeps its own copy of the options.
    bridge.fn.ReleaseSessionOptions(sessionOptions);
  }
}

function describeValues(bridge: OrtBridge, session: OrtHandle, kind: "Input" | "Output"): BridgeValueInfo[] {
  const count: number[] = [0];
  bridge.call(`SessionGet${kind}Count` as "SessionGetInputCount", session, count);
  const infos: BridgeValueInfo[] = [];
  for (let i = 0; i < Number(count[0]); i++) {
    const namePtr: (OrtHandle | null)[] = [null];
    bridge.call(`SessionGet${kind}Name` as "SessionGetInputName", session, i, bridge.allocator(), namePtr);
    const name = bridge.takeString(namePtr[0] ?? null);
    const typeInfo: (OrtHandle | null)[] = [null];
    bridge.call(`SessionGet${kind}TypeInfo` as "SessionGetInputTypeInfo", session, i, typeInfo);
    try {
      infos.push({ name, ...describeType(bridge, typeInfo[0]!) });
    } finally {
      bridge.fn.ReleaseTypeInfo(typeInfo[0]);
    }
  }
  return infos;
}

function describeType(bridge: OrtBridge, typeInfo: OrtHandle): { dtype: string; dims: number[] } {
  const onnxType: number[] = [0];
  bridge.call("GetOnnxTypeFromTypeInfo", typeInfo, onnxType);
  if (onnxType[0] !== ONNXType.TENSOR) {
    const kind = Object.entries(ONNXType).find(([, v]) => v === onnxType[0])?.[0].toLowerCase() ?? `onnx type ${onnxType[0]}`;
    return { dtype: kind, dims: [] };
  }
  const tensorInfo: (OrtHandle | null)[] = [null];
  bridge.call("CastTypeInfoToTensorInfo", typeInfo, tensorInfo); // owned by typeInfo
  const { elementType, dims } = readTypeAndShape(bridge, tensorInfo[0]!);
  return { dtype: DTYPES.get(elementType) ?? ELEMENT_TYPE_NAMES.get(elementType) ?? `element type ${elementType}`, dims };
}

function readTypeAndShape(bridge: OrtBridge, info: OrtHandle): { elementType: number; dims: number[] } {
  const elementType: number[] = [0];
  bridge.call("GetTensorElementType", info, elementType);
  const rank: number[] = [0];
  bridge.call("GetDimensionsCount", info, rank);
  const dims = new BigInt64Array(Number(rank[0]));
  if (dims.length > 0) bridge.call("GetDimensions", info, dims, dims.length);
  return { elementType: elementType[0]!, dims: Array.from(dims, Number) };
}

/** An OrtValue over the host tensor's own bytes (no copy); the caller releases it before the buffer can go. */
function tensorOverHostData(bridge: OrtBridge, name: string, t: HostTensor): OrtHandle {
  if (t.dtype === "string" || Array.isArray(t.data)) {
    throw new UsageError(`input ${name}: string tensors are not supported by the ORT C-API bridge`, { hint: "run string models through onnxruntime-node (without the bridge)" });
  }
  const elementType = ELEMENT_TYPES[t.dtype];
  if (elementType === undefined) throw new UsageError(`input ${name}: unknown dtype '${t.dtype}'`);
  if (!t.dims.every((d) => Number.isInteger(d) && d >= 0)) throw new UsageError(`input ${name}: dims [${t.dims}] must be whole numbers >= 0`);
  const count = elementCount(t.dims);
  if (t.data.length !== count) throw new UsageError(`input ${name}: ${t.data.length} values for dims [${t.dims}] (${count} expected)`);
  const expectedBytes = count * bytesPerElement(t.dtype);
  if (t.data.byteLength !== expectedBytes) throw new UsageError(`input ${name}: ${t.data.constructor.name} does not hold ${t.dtype} values`);
  // koffi passes a typed array as a pointer to its backing store. Asking for the store makes V8 move a small
  // on-heap array off the heap, where it never moves; it stays referenced through `t` for the whole run.
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const shape = BigInt64Array.from(t.dims, (d) => BigInt(d));
  const out: (OrtHandle | null)[] = [null];
  bridge.call("CreateTensorWithDataAsOrtValue", bridge.cpuMemoryInfo(), bytes, bytes.byteLength, shape, shape.length, elementType, out);
  return out[0]!;
}

/** Copies an output OrtValue into a new host tensor (ORT's buffer goes with the value). */
function copyOut(bridge: OrtBridge, name: string, value: OrtHandle | null): HostTensor {
  if (!value) throw new TrtxError(`onnxruntime returned no value for output ${name}`);
  const onnxType: number[] = [0];
  bridge.call("GetValueType", value, onnxType);
  if (onnxType[0] !== ONNXType.TENSOR) throw new UsageError(`output ${name} is not a tensor; the ORT C-API bridge only returns tensors`);
  const info: (OrtHandle | null)[] = [null];
  bridge.call("GetTensorTypeAndShape", value, info);
  let elementType: number;
  let dims: number[];
  try {
    ({ elementType, dims } = readTypeAndShape(bridge, info[0]!));
  } finally {
    bridge.fn.ReleaseTensorTypeAndShapeInfo(info[0]);
  }
  const dtype = DTYPES.get(elementType);
  if (dtype === undefined || dtype === "string") {
    const typeName = dtype ?? ELEMENT_TYPE_NAMES.get(elementType) ?? `element type ${elementType}`;
    throw new UsageError(`output ${name}: ${typeName} tensors are not supported by the ORT C-API bridge`);
  }
  const data = allocate(dtype, elementCount(dims));
  if (data.byteLength > 0) {
    const ptr: (OrtHandle | null)[] = [null];
    bridge.call("GetTensorMutableData", value, ptr);
    bridge.copyFromNative(ptr[0]!, data);
  }
  return { dtype, dims, data };
}
