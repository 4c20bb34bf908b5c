/**
 * The bridge from JS to ONNX Runtime's C API, through koffi, on the libonnxruntime.so.1 that onnxruntime-node
 * has already loaded: one ORT in the process, one OrtEnv, one version. Stock onnxruntime-node passes only a
 * device id to CUDA and TensorRT; the C API takes full provider options and device-memory bindings.
 *
 * Everything here is loaded on first use: koffi (a native module) is imported only when the bridge is asked
 * for, so commands that never use it pay nothing.
 */
import path from "node:path";
import { TrtxError } from "../../errors.js";
import { loadOrt, ortBinaryDir, ortPackageVersion, type OrtLogLevel } from "../ort.js";
import {
  ENUM_TYPES,
  OPAQUE_TYPES,
  ORT_API,
  ORT_API_BASE,
  ORT_API_VERSION,
  OrtAllocatorType,
  OrtLoggingLevel,
  OrtMemType,
  ortErrorCodeName,
  type OrtApiName,
} from "./api-table.js";

type KoffiModule = (typeof import("koffi"))["default"];
type NativeFunction = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A native ORT object (koffi 3 passes pointers as BigInt). Never 0n: a NULL comes back as null. */
export type OrtHandle = bigint;
/** An OrtSessionOptions*, handed to BridgeSession's appendProviders hook. */
export type SessionOptionsHandle = OrtHandle & { readonly __ort?: "OrtSessionOptions" };

/** ORT returned a non-null OrtStatus*: its message and error code, on one line. */
export class OrtBridgeError extends TrtxError {
  override name = "OrtBridgeError";
  /** The OrtErrorCode name, e.g. ORT_INVALID_ARGUMENT. */
  readonly code: string;
  /** The OrtApi function that failed. */
  readonly fn: string;
  constructor(fn: string, code: string, message: string, options: { hint?: string } = {}) {
    super(`onnxruntime ${fn} failed (${code}): ${oneLine(message)}`, options);
    this.code = code;
    this.fn = fn;
  }
}

export interface OrtBridge {
  /** ORT's version string, as GetVersionString returns it. */
  readonly version: string;
  /** GetBuildInfoString: branch, commit and build type of the library. */
  readonly buildInfo: string;
  readonly libraryPath: string;
  /** The OrtApi version requested from GetApi. */
  readonly apiVersion: number;
  /** Every function of api-table.ts, callable with koffi's conversions. Prefer call() for those returning OrtStatus*. */
  readonly fn: Readonly<Record<OrtApiName, NativeFunction>>;
  readonly koffi: KoffiModule;
  /** Calls an OrtApi function that returns OrtStatus* and throws OrtBridgeError if it is not null. */
  call(name: OrtApiName, ...args: unknown[]): void;
  /** Throws OrtBridgeError for a non-null OrtStatus* (after releasing it); does nothing for null. */
  check(status: OrtHandle | null, fn: string): void;
  /** The process's OrtEnv (ORT keeps one per process; onnxruntime-node shares it). Never released. */
  env(): OrtHandle;
  /** ORT's default CPU allocator (process-wide, never released). */
  allocator(): OrtHandle;
  /** An OrtMemoryInfo describing plain CPU memory, for tensors over JS buffers. Never released. */
  cpuMemoryInfo(): OrtHandle;
  /** Reads a NUL-terminated string that ORT allocated with the default allocator, then frees it. */
  takeString(ptr: OrtHandle | null): string;
  /** Copies target.byteLength bytes of native memory at `source` into `target`'s own memory. */
  copyFromNative(source: OrtHandle, target: ArrayBufferView): void;
}

export interface BridgeLoadOptions {
  /** The version the library must report; defaults to the installed onnxruntime-node's (tests inject others). */
  expectedVersion?: string;
  /** ORT's log level when the bridge is the first to create the process's OrtEnv (the same default as loadOrt). */
  logLevel?: OrtLogLevel;
}

let bridgePromise: Promise<OrtBridge> | undefined;

/**
 * Loads the bridge once per process and checks that the library is the version trtx pins. The version check
 * runs on every call, so a caller with a different expectation is refused even when the bridge is loaded.
 */
export async function loadOrtBridge(options: BridgeLoadOptions = {}): Promise<OrtBridge> {
  // A failed load is not cached: the error names what to fix, and a retry after fixing it should work.
  const promise = (bridgePromise ??= openBridge(options.logLevel ?? "fatal").catch((e: unknown) => {
    bridgePromise = undefined;
    throw e;
  }));
  const bridge = await promise;
  checkBridgeVersion(bridge.version, options.expectedVersion ?? ortPackageVersion());
  return bridge;
}

/** Refuses a library whose version is not the pinned one: the API table is only checked for that one. */
export function checkBridgeVersion(found: string, expected: string): void {
  if (found !== expected) {
    throw new TrtxError(`ORT C-API bridge: library version ${found}, expected ${expected}`, {
      hint: `the bridge is checked against onnxruntime-node ${expected}'s libonnxruntime.so.1; reinstall with \`npm ci\` so that package.json's pin and the installed library agree`,
    });
  }
}

async function openBridge(logLevel: OrtLogLevel): Promise<OrtBridge> {
  // onnxruntime-node first: its binding maps libonnxruntime.so.1, and loading the same path again returns
  // the same mapping (the dynamic loader keys on path and inode), so both sides share one ORT.
  await loadOrt(logLevel);
  const koffi = await importKoffi();
  const libraryPath = path.join(ortBinaryDir(), "libonnxruntime.so.1");
  let lib: ReturnType<KoffiModule["load"]>;
  try {
    lib = koffi.load(libraryPath);
  } catch (e) {
    throw new TrtxError(`ORT C-API bridge: cannot load ${libraryPath}: ${oneLine(e instanceof Error ? e.message : String(e))}`, {
      hint: "reinstall onnxruntime-node with `npm ci`",
      cause: e,
    });
  }
  declareTypes(koffi);

  const getApiBase = lib.func("const void* OrtGetApiBase(void)") as NativeFunction;
  const base = getApiBase() as OrtHandle | null;
  if (!base) throw new TrtxError(`ORT C-API bridge: OrtGetApiBase() returned NULL in ${libraryPath}`);
  const baseFn = (entry: { index: number; proto: string }) => decodeFunction(koffi, base, entry.index, entry.proto);
  const version = String(baseFn(ORT_API_BASE.GetVersionString)());
  // Checked before GetApi: an older library would print to stderr and return NULL for our API version.
  checkBridgeVersion(version, ortPackageVersion());
  const api = baseFn(ORT_API_BASE.GetApi)(ORT_API_VERSION) as OrtHandle | null;
  if (!api) throw new TrtxError(`ORT C-API bridge: libonnxruntime ${version} does not provide OrtApi version ${ORT_API_VERSION}`);

  const fn = {} as Record<OrtApiName, NativeFunction>;
  for (const [name, entry] of Object.entries(ORT_API) as [OrtApiName, (typeof ORT_API)[OrtApiName]][]) {
    fn[name] = decodeFunction(koffi, api, entry.index, entry.proto);
  }

  const check = (status: OrtHandle | null, name: string): void => {
    if (status === null || status === undefined || status === 0n) return;
    let code: string;
    let message: string;
    try {
      code = ortErrorCodeName(Number(fn.GetErrorCode(status)));
      message = String(fn.GetErrorMessage(status) ?? "");
    } finally {
      fn.ReleaseStatus(status);
    }
    throw new OrtBridgeError(name, code, message);
  };
  const call = (name: OrtApiName, ...args: unknown[]): void => check(fn[name](...args) as OrtHandle | null, name);
  const out = <T>(name: OrtApiName, ...args: unknown[]): T => {
    const slot: unknown[] = [null];
    call(name, ...args, slot);
    return slot[0] as T;
  };

  // Created now, not on first session: functions such as UpdateCUDAProviderOptions log through ORT's default
  // logger, which only exists once an OrtEnv does ("Attempt to use DefaultLogger but none has been
  // registered"). ORT keeps one OrtEnv per process: if onnxruntime-node made it first this shares it (its
  // log level stays), and if this one is first onnxruntime-node shares it later, at the same default level.
  const env = out<OrtHandle>("CreateEnv", ORT_LOG_LEVELS[logLevel], "trtx");
  // libc's memcpy, from the process's global symbols: koffi.view() would be the obvious way to read ORT's
  // output buffers, but each view costs ~250 bytes of native memory that is never given back (koffi 3.3.4),
  // which a long benchmark loop turns into a leak. memcpy into the JS array costs nothing and copies once.
  const memcpy = koffi.load(null).func("void* memcpy(void* dest, const void* src, size_t n)") as NativeFunction;
  let allocator: OrtHandle | undefined;
  let cpuInfo: OrtHandle | undefined;
  const bridge: OrtBridge = {
    version,
    buildInfo: String(fn.GetBuildInfoString()),
    libraryPath,
    apiVersion: ORT_API_VERSION,
    fn,
    koffi,
    call,
    check,
    env: () => env,
    allocator: () => (allocator ??= out<OrtHandle>("GetAllocatorWithDefaultOptions")),
    cpuMemoryInfo: () => (cpuInfo ??= out<OrtHandle>("CreateCpuMemoryInfo", OrtAllocatorType.Device, OrtMemType.Default)),
    takeString(ptr) {
      if (!ptr) return "";
      try {
        return koffi.decode.string(ptr);
      } finally {
        call("AllocatorFree", bridge.allocator(), ptr);
      }
    },
    copyFromNative(source, target) {
      if (target.byteLength === 0) return;
      if (!source) throw new TrtxError("ORT C-API bridge: copy from a NULL pointer");
      memcpy(new Uint8Array(target.buffer, target.byteOffset, target.byteLength), source, target.byteLength);
    },
  };
  return bridge;
}

const ORT_LOG_LEVELS: Record<OrtLogLevel, number> = {
  verbose: OrtLoggingLevel.VERBOSE,
  info: OrtLoggingLevel.INFO,
  warning: OrtLoggingLevel.WARNING,
  error: OrtLoggingLevel.ERROR,
  fatal: OrtLoggingLevel.FATAL,
};

async function importKoffi(): Promise<KoffiModule> {
  try {
    return (await import("koffi")).default;
  } catch (e) {
    throw new TrtxError(`ORT C-API bridge: cannot load koffi: ${oneLine(e instanceof Error ? e.message : String(e))}`, {
      hint: "koffi ships prebuilt binaries per platform (@koromix/koffi-<os>-<arch>); reinstall with `npm ci`",
      cause: e,
    });
  }
}

let typesDeclared = false;

/** koffi type names are process-global and cannot be declared twice, so this runs once even across failed loads. */
function declareTypes(koffi: KoffiModule): void {
  if (typesDeclared) return;
  for (const name of OPAQUE_TYPES) koffi.opaque(name);
  for (const name of ENUM_TYPES) koffi.alias(name, "int");
  typesDeclared = true;
}

/** Reads the function pointer in slot `index` of a table of pointers and wraps it with its prototype. */
function decodeFunction(koffi: KoffiModule, table: OrtHandle, index: number, proto: string): NativeFunction {
  const pointer = koffi.decode(table, index * POINTER_SIZE, "void*") as OrtHandle | null;
  if (!pointer) throw new TrtxError(`ORT C-API bridge: slot ${index} of the API table is NULL (${proto})`);
  // Anonymous prototypes: koffi's type names are global, and these need none.
  return koffi.decode(pointer, koffi.proto(proto.replace(/\b\w+\(/, "("))) as NativeFunction;
}

const POINTER_SIZE = 8; // 64-bit Linux only: onnxruntime-node ships no 32-bit build

/**
 * One line, without the source location and error-code preamble ORT puts before the message
 * ("/onnxruntime_src/...cc:1988 onnxruntime::Provider& ...Get() [ONNXRuntimeError] : 1 : FAIL : "): the code is
 * reported separately and the location means nothing to a user.
 */
function oneLine(text: string): string {
  return text
    .replace(/\s*\n\s*/g, " ")
    .replace(/^\S+:\d+ .*?\[ONNXRuntimeError\] : \d+ : \w+ : /, "")
    .trim();
}
