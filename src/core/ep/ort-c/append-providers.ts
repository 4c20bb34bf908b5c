/**
 * CUDA and TensorRT through their V2 option structs: Create, Update with key/value strings (ORT parses and checks
 * them), read back the full effective set, Append to the session options, Release. This is what stock
 * onnxruntime-node cannot do: it passes nothing but device_id.
 */
import type { BridgeProvider } from "../provider-options.js";
import type { OrtBridge, OrtHandle, SessionOptionsHandle } from "./library.js";

const CALLS = {
  cuda: {
    create: "CreateCUDAProviderOptions",
    update: "UpdateCUDAProviderOptions",
    asString: "GetCUDAProviderOptionsAsString",
    append: "SessionOptionsAppendExecutionProvider_CUDA_V2",
    release: "ReleaseCUDAProviderOptions",
  },
  tensorrt: {
    create: "CreateTensorRTProviderOptions",
    update: "UpdateTensorRTProviderOptions",
    asString: "GetTensorRTProviderOptionsAsString",
    append: "SessionOptionsAppendExecutionProvider_TensorRT_V2",
    release: "ReleaseTensorRTProviderOptions",
  },
} as const;

/**
 * Appends one provider with `options` (already checked by parseProviderOptions) and returns the options ORT holds
 * for it afterwards, every key with its value ("device_id=0;prefer_nhwc=1;..."), as proof of what is in force.
 */
export function appendProvider(bridge: OrtBridge, sessionOptions: SessionOptionsHandle, provider: BridgeProvider, options: Readonly<Record<string, string>>, deviceId = 0): Record<string, string> {
  const calls = CALLS[provider];
  const slot: (OrtHandle | null)[] = [null];
  bridge.call(calls.create, slot);
  const handle = slot[0]!;
  try {
    const entries = Object.entries({ device_id: String(deviceId), ...options });
    bridge.call(calls.update, handle, entries.map(([k]) => k), entries.map(([, v]) => v), entries.length);
    const text: (OrtHandle | null)[] = [null];
    bridge.call(calls.asString, handle, bridge.allocator(), text);
    const effective = parseOptionString(bridge.takeString(text[0] ?? null));
    // ORT copies the options into the provider factory here, so releasing them afterwards is safe.
    bridge.call(calls.append, sessionOptions, handle);
    return effective;
  } finally {
    bridge.fn[calls.release](handle);
  }
}

/** ORT's "key=value;key=value;" rendering as a record. */
export function parseOptionString(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const part of text.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) result[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return result;
}
