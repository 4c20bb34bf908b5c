/**
 * The bridge's startup guard: before the CLI relies on the C-API bridge, a tiny model runs through it and
 * through onnxruntime-node, and the outputs must agree bit for bit. A wrong slot in the API table, a wrong
 * prototype or a second copy of ORT shows up here as a refusal with a reason, not as wrong numbers later.
 */
import { TrtxError } from "../../errors.js";
import { attr, GraphBuilder } from "../../onnx/builder.js";
import { encodeModel } from "../../onnx/codec.js";
import { DataType } from "../../onnx/dtype.js";
import { fromOrtTensor, toOrtTensor } from "../../run/ort-tensor.js";
import type { HostTensor } from "../../tensor/host-tensor.js";
import { loadOrt } from "../ort.js";
import { ORT_C_API_SOURCE } from "./api-table.js";
import type { BridgeLoadOptions } from "./library.js";
import { BridgeSession } from "./session.js";

export interface BridgeSelfTest {
  ok: true;
  /** The ORT version both sides ran. */
  version: string;
  /** Session creation and one run through the bridge, in ms. */
  ms: number;
}

/** Three outputs over three element types: float32 (Relu), float16 (Cast) and int64 (Add). */
function selfTestModel(): Uint8Array {
  const g = new GraphBuilder("trtx_bridge_selftest");
  g.input("x", DataType.FLOAT, [2, 4]);
  g.input("k", DataType.INT64, [3]);
  g.op("Relu", ["x"], {}, { output: "relu" });
  g.op("Cast", ["x"], { to: attr.int(DataType.FLOAT16) }, { output: "half" });
  g.op("Add", ["k", "k"], {}, { output: "twice" });
  g.output("relu", DataType.FLOAT, [2, 4]);
  g.output("half", DataType.FLOAT16, [2, 4]);
  g.output("twice", DataType.INT64, [3]);
  return encodeModel(g.model({ opset: 17 }));
}

function selfTestFeeds(): Map<string, HostTensor> {
  return new Map<string, HostTensor>([
    ["x", { dtype: "float32", dims: [2, 4], data: Float32Array.from([-2, -0.5, 0, 0.1, 1, 1.5, 65504, -1e-8]) }],
    ["k", { dtype: "int64", dims: [3], data: BigInt64Array.from([-3n, 0n, 2n ** 40n]) }],
  ]);
}

export async function bridgeSelfTest(options: { bridge?: BridgeLoadOptions } = {}): Promise<BridgeSelfTest> {
  const model = selfTestModel();
  const feeds = selfTestFeeds();
  const start = performance.now();
  const session = await BridgeSession.create(model, { intraOpThreads: 1, ...(options.bridge ? { bridge: options.bridge } : {}) });
  let viaBridge: Map<string, HostTensor>;
  try {
    viaBridge = session.run(feeds);
  } finally {
    session.release();
  }
  const ms = performance.now() - start;

  const ort = await loadOrt();
  const reference = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  let viaNode: Map<string, HostTensor>;
  try {
    const results = await reference.run(Object.fromEntries([...feeds].map(([name, t]) => [name, toOrtTensor(ort, t)])));
    viaNode = new Map(Object.entries(results).map(([name, t]) => [name, fromOrtTensor(t)]));
  } finally {
    await reference.release();
  }

  for (const [name, expected] of viaNode) {
    const got = viaBridge.get(name);
    const difference = got ? describeDifference(got, expected) : "missing";
    if (difference) {
      throw new TrtxError(`ORT C-API bridge self-test failed: output ${name} ${difference}`, {
        hint: `the bridge's API table (counted from ${ORT_C_API_SOURCE.repository} ${ORT_C_API_SOURCE.table}) does not match this library; use onnxruntime-node without the bridge`,
      });
    }
  }
  return { ok: true, version: session.bridge.version, ms };
}

function describeDifference(got: HostTensor, expected: HostTensor): string | undefined {
  if (got.dtype !== expected.dtype) return `is ${got.dtype}, expected ${expected.dtype}`;
  if (got.dims.join() !== expected.dims.join()) return `has dims [${got.dims}], expected [${expected.dims}]`;
  const a = bytesOf(got);
  const b = bytesOf(expected);
  if (a.length !== b.length) return `has ${a.length} bytes, expected ${b.length}`;
  const at = a.findIndex((v, i) => v !== b[i]);
  return at < 0 ? undefined : `differs from onnxruntime-node at byte ${at}`;
}

function bytesOf(t: HostTensor): Uint8Array {
  if (Array.isArray(t.data)) throw new TypeError("string tensors have no bytes");
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}
