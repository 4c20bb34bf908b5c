import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { TrtxError, UsageError } from "../src/core/errors.js";
import { diagnoseProvider } from "../src/core/ep/diagnose.js";
import { loadOrt, ortBinaryDir, ortPackageVersion } from "../src/core/ep/ort.js";
import {
  ORT_API,
  ORT_API_BASE,
  ORT_API_VERSION,
  ORT_C_API_SOURCE,
  ONNXTensorElementDataType,
  ONNXType,
  OrtAllocatorType,
  OrtMemType,
} from "../src/core/ep/ort-c/api-table.js";
import { checkBridgeVersion, loadOrtBridge, OrtBridgeError, type OrtBridge, type OrtHandle } from "../src/core/ep/ort-c/library.js";
import { bridgeSelfTest } from "../src/core/ep/ort-c/selftest.js";
import { BridgeSession } from "../src/core/ep/ort-c/session.js";
import { fromOrtTensor, toOrtTensor } from "../src/core/run/ort-tensor.js";
import { toFloat16Bits } from "../src/core/tensor/float16.js";
import type { HostTensor } from "../src/core/tensor/host-tensor.js";
import { SeededRandom } from "../src/core/tensor/random.js";
import { fixture, ROOT, tempDir } from "./helpers.js";

/** One output slot for a C out-parameter. */
const slot = <T = OrtHandle | null>(): T[] => [null as T];

function bytesOf(t: HostTensor): Buffer {
  assert.ok(!Array.isArray(t.data));
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** The bridge's outputs and onnxruntime-node's, compared byte for byte. */
async function assertSameAsNode(model: string, feeds: Map<string, HostTensor>): Promise<void> {
  const session = await BridgeSession.create(model);
  let viaBridge: Map<string, HostTensor>;
  try {
    viaBridge = session.run(feeds);
  } finally {
    session.release();
  }
  const ort = await loadOrt();
  const reference = await ort.InferenceSession.create(model);
  try {
    const results = await reference.run(Object.fromEntries([...feeds].map(([n, t]) => [n, toOrtTensor(ort, t)])));
    assert.deepEqual([...viaBridge.keys()].sort(), Object.keys(results).sort());
    for (const [name, value] of Object.entries(results)) {
      const expected = fromOrtTensor(value);
      const got = viaBridge.get(name)!;
      assert.equal(got.dtype, expected.dtype, name);
      assert.deepEqual(got.dims, expected.dims, name);
      assert.ok(bytesOf(got).equals(bytesOf(expected)), `${path.basename(model)} output ${name} differs from onnxruntime-node`);
    }
  } finally {
    await reference.release();
  }
}

const rng = new SeededRandom(8);
const floats = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** A one-line TrtxError without a stack in its message (what the CLI prints). */
function isOneLineTrtxError(pattern: RegExp) {
  return (e: unknown) => e instanceof TrtxError && !e.message.includes("\n") && pattern.test(e.message);
}

test("the bridge runs on the library onnxruntime-node loaded, at the pinned version", async () => {
  const bridge = await loadOrtBridge();
  assert.equal(bridge.version, ortPackageVersion());
  assert.equal(bridge.apiVersion, ORT_API_VERSION);
  assert.equal(bridge.libraryPath, path.join(ortBinaryDir(), "libonnxruntime.so.1"));
  if (process.platform === "linux") {
    const mapped = new Set(
      fs.readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => /libonnxruntime\.so/.test(l)).map((l) => l.trim().split(/\s+/).slice(3).join(" ")),
    );
    assert.equal(mapped.size, 1, `more than one ORT mapped: ${[...mapped].join(", ")}`);
  }
});

test("a library version other than the pinned one is refused", async () => {
  assert.throws(() => checkBridgeVersion("1.28.0", "1.29.0"), (e) => e instanceof TrtxError && e.message === "ORT C-API bridge: library version 1.28.0, expected 1.29.0" && /npm ci/.test(e.hint ?? ""));
  assert.doesNotThrow(() => checkBridgeVersion("1.29.0", "1.29.0"));
  const found = (await loadOrtBridge()).version;
  await assert.rejects(loadOrtBridge({ expectedVersion: "1.28.0" }), isOneLineTrtxError(new RegExp(`library version ${found.replace(/\./g, "\\.")}, expected 1\\.28\\.0`)));
  await assert.rejects(BridgeSession.create(fixture("mlp_dynbatch.onnx"), { bridge: { expectedVersion: "9.9.9" } }), isOneLineTrtxError(/expected 9\.9\.9/));
  // A refusal is not sticky: the right expectation still loads.
  assert.equal((await loadOrtBridge()).version, found);
});

test("api table: slots and prototypes are consistent", () => {
  const indices = Object.values(ORT_API).map((e) => e.index);
  assert.equal(new Set(indices).size, indices.length, "two functions share a slot");
  assert.deepEqual(indices, [...indices].sort((a, b) => a - b), "entries are not in slot order");
  for (const [name, entry] of Object.entries(ORT_API)) {
    assert.equal(entry.proto.split(`${name}(`).length, 2, `${name}: the prototype does not name it once`);
    assert.ok(entry.since <= ORT_API_VERSION);
  }
  assert.deepEqual(Object.values(ORT_API_BASE).map((e) => e.index), [0, 1]);
});

test("api table: slots checked by calling them (status, build info, API version)", async () => {
  const bridge = await loadOrtBridge();
  const { fn } = bridge;
  // CreateStatus (0), GetErrorCode (1), GetErrorMessage (2), ReleaseStatus (93).
  const status = fn.CreateStatus(3, "trtx probe ✓") as OrtHandle;
  assert.equal(typeof status, "bigint");
  assert.equal(fn.GetErrorCode(status), 3);
  assert.equal(fn.GetErrorMessage(status), "trtx probe ✓");
  fn.ReleaseStatus(status);
  // check() turns a status into a one-line error named by its code, and releases it.
  assert.throws(
    () => bridge.check(fn.CreateStatus(2, "first line\nsecond line") as OrtHandle, "Probe"),
    (e) => e instanceof OrtBridgeError && e.code === "ORT_INVALID_ARGUMENT" && e.fn === "Probe" && e.message === "onnxruntime Probe failed (ORT_INVALID_ARGUMENT): first line second line",
  );
  assert.doesNotThrow(() => bridge.check(null, "Probe"));
  // GetBuildInfoString (254, the deepest slot used) names the 1.29.0 release commit.
  assert.match(bridge.buildInfo, /^ORT Build Info: /);
  if (bridge.version === "1.29.0") assert.match(bridge.buildInfo, new RegExp(`git-commit-id=${ORT_C_API_SOURCE.releaseCommit.slice(0, 10)}`));
});

test("api table: the library accepts OrtApi version 29 and no later one", () => {
  // GetApi prints its refusal to stderr from native code, so it runs in a child process.
  const script = `
    const { default: koffi } = await import("koffi");
    const lib = koffi.load(${JSON.stringify(path.join(ortBinaryDir(), "libonnxruntime.so.1"))});
    const base = lib.func("const void* OrtGetApiBase(void)")();
    const getApi = koffi.decode(koffi.decode(base, ${ORT_API_BASE.GetApi.index * 8}, "void*"), koffi.proto("const void* (uint32_t version)"));
    console.log(JSON.stringify({ v29: getApi(${ORT_API_VERSION}) !== null, v30: getApi(${ORT_API_VERSION + 1}) !== null }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { v29: true, v30: false });
  assert.match(r.stderr, new RegExp(`only API versions \\[1, ${ORT_API_VERSION}\\] are supported`));
});

test("api table: tensor, memory-info and allocator slots round-trip values", async () => {
  const bridge = await loadOrtBridge();
  const { fn, koffi } = bridge;
  // CreateMemoryInfo (68) and CreateTensorWithDataAsOrtValue (49) over a JS buffer.
  const info = slot();
  bridge.call("CreateMemoryInfo", "Cpu", OrtAllocatorType.Device, 0, OrtMemType.Default, info);
  const data = Int32Array.from([1, -2, 3, -4, 5, -6]);
  const value = slot();
  try {
    bridge.call("CreateTensorWithDataAsOrtValue", info[0], data, data.byteLength, BigInt64Array.from([2n, 3n]), 2, ONNXTensorElementDataType.INT32, value);
  } finally {
    fn.ReleaseMemoryInfo(info[0]);
  }
  try {
    const isTensor = [0];
    bridge.call("IsTensor", value[0], isTensor); // 50
    assert.equal(isTensor[0], 1);
    const valueType = [0];
    bridge.call("GetValueType", value[0], valueType); // 67
    assert.equal(valueType[0], ONNXType.TENSOR);
    const shapeInfo = slot();
    bridge.call("GetTensorTypeAndShape", value[0], shapeInfo); // 65
    try {
      const elementType = [0];
      bridge.call("GetTensorElementType", shapeInfo[0], elementType); // 60
      assert.equal(elementType[0], ONNXTensorElementDataType.INT32);
      const rank = [0];
      bridge.call("GetDimensionsCount", shapeInfo[0], rank); // 61
      assert.equal(Number(rank[0]), 2);
      const dims = new BigInt64Array(2);
      bridge.call("GetDimensions", shapeInfo[0], dims, 2); // 62
      assert.deepEqual([...dims], [2n, 3n]);
      const count = [0];
      bridge.call("GetTensorShapeElementCount", shapeInfo[0], count); // 64
      assert.equal(Number(count[0]), 6);
    } finally {
      fn.ReleaseTensorTypeAndShapeInfo(shapeInfo[0]); // 99
    }
    const pointer = slot();
    bridge.call("GetTensorMutableData", value[0], pointer); // 51
    assert.equal(pointer[0], koffi.address(data), "the tensor does not use the JS buffer in place");
  } finally {
    fn.ReleaseValue(value[0]); // 96
  }

  // CreateTensorAsOrtValue (48) on ORT's default allocator (78): ORT owns the memory.
  const owned = slot();
  bridge.call("CreateTensorAsOrtValue", bridge.allocator(), BigInt64Array.from([4n]), 1, ONNXTensorElementDataType.FLOAT, owned);
  try {
    const pointer = slot();
    bridge.call("GetTensorMutableData", owned[0], pointer);
    new Float32Array(koffi.view(pointer[0]!, 16)).set([0.5, 1.5, 2.5, 3.5]);
    assert.deepEqual([...new Float32Array(koffi.view(pointer[0]!, 16))], [0.5, 1.5, 2.5, 3.5]);
  } finally {
    fn.ReleaseValue(owned[0]);
  }

  // AllocatorAlloc (75) and AllocatorFree (76); CreateRunOptions (39) and ReleaseRunOptions (97).
  const block = slot();
  bridge.call("AllocatorAlloc", bridge.allocator(), 64, block);
  assert.equal(typeof block[0], "bigint");
  bridge.call("AllocatorFree", bridge.allocator(), block[0]);
  const runOptions = slot();
  bridge.call("CreateRunOptions", runOptions);
  fn.ReleaseRunOptions(runOptions[0]);
});

test("api table: session-option slots take effect (threads, optimization level, config entry, profiling)", async (t) => {
  const dir = tempDir(t);
  const prefix = path.join(dir, "bridge_profile");
  let hookRan = false;
  const session = await BridgeSession.create(fixture("mlp_dynbatch.onnx"), {
    intraOpThreads: 1, // SetIntraOpNumThreads (24)
    interOpThreads: 1, // SetInterOpNumThreads (25)
    graphOptimizationLevel: "basic", // SetSessionGraphOptimizationLevel (23)
    configEntries: { "session.intra_op.allow_spinning": "0" }, // AddSessionConfigEntry (130)
    profilePrefix: prefix, // EnableProfiling (14)
    appendProviders: (options, bridge) => {
      hookRan = typeof options === "bigint" && bridge.version === ortPackageVersion();
    },
  });
  // SessionGetInputCount/OutputCount (30, 31), names (36, 37) and type info (33, 34, 55, 56).
  assert.deepEqual(session.inputs, [{ name: "input", dtype: "float32", dims: [-1, 64] }]);
  assert.deepEqual(session.outputs, [{ name: "output", dtype: "float32", dims: [-1, 10] }]);
  session.run(new Map([["input", { dtype: "float32", dims: [1, 64], data: floats(64) }]]));
  session.release(); // the profile is written when the session goes
  assert.ok(hookRan, "appendProviders was not called with the options handle");
  const profiles = fs.readdirSync(dir).filter((f) => f.startsWith("bridge_profile") && f.endsWith(".json"));
  assert.equal(profiles.length, 1, `no profile in ${dir}`);
  assert.ok(Array.isArray(JSON.parse(fs.readFileSync(path.join(dir, profiles[0]!), "utf8"))));
  await assert.rejects(
    BridgeSession.create(fixture("mlp_dynbatch.onnx"), { configEntries: { "session.graph_optimization_level": "banana" } }).then((s) => s.release()),
    isOneLineTrtxError(/./),
  );
});

test("api table: IoBinding and session-allocator slots work on CPU", async () => {
  const session = await BridgeSession.create(fixture("mlp_dynbatch.onnx"));
  const { bridge } = session;
  const { fn, koffi } = bridge;
  const input: HostTensor = { dtype: "float32", dims: [3, 64], data: floats(3 * 64) };
  const expected = session.run(new Map([["input", input]])).get("output")!;
  const binding = slot();
  const inputValue = slot();
  const preallocated = slot();
  const allocator = slot();
  try {
    bridge.call("CreateIoBinding", session.sessionHandle, binding); // 134
    bridge.call("CreateTensorWithDataAsOrtValue", bridge.cpuMemoryInfo(), input.data, (input.data as Float32Array).byteLength, BigInt64Array.from([3n, 64n]), 2, ONNXTensorElementDataType.FLOAT, inputValue);
    bridge.call("BindInput", binding[0], "input", inputValue[0]); // 136
    bridge.call("BindOutputToDevice", binding[0], "output", bridge.cpuMemoryInfo()); // 138
    bridge.call("SynchronizeBoundInputs", binding[0]); // 202
    bridge.call("RunWithBinding", session.sessionHandle, null, binding[0]); // 133
    bridge.call("SynchronizeBoundOutputs", binding[0]); // 203
    assert.deepEqual(readBoundOutputs(bridge, binding[0]!), [bytesOf(expected)]);

    // BindOutput (137) into a tensor from a session allocator: CreateAllocator (131), ReleaseAllocator (132).
    bridge.call("CreateAllocator", session.sessionHandle, bridge.cpuMemoryInfo(), allocator);
    bridge.call("CreateTensorAsOrtValue", allocator[0], BigInt64Array.from([3n, 10n]), 2, ONNXTensorElementDataType.FLOAT, preallocated);
    bridge.call("BindOutput", binding[0], "output", preallocated[0]);
    bridge.call("RunWithBinding", session.sessionHandle, null, binding[0]);
    const pointer = slot();
    bridge.call("GetTensorMutableData", preallocated[0], pointer);
    assert.ok(Buffer.from(koffi.view(pointer[0]!, 3 * 10 * 4)).equals(bytesOf(expected)));
  } finally {
    if (binding[0]) fn.ReleaseIoBinding(binding[0]); // 135
    if (inputValue[0]) fn.ReleaseValue(inputValue[0]);
    if (preallocated[0]) fn.ReleaseValue(preallocated[0]);
    if (allocator[0]) fn.ReleaseAllocator(allocator[0]);
    session.release();
  }
});

/** GetBoundOutputValues (140): each value's bytes; the values and the array are released. */
function readBoundOutputs(bridge: OrtBridge, binding: OrtHandle): Buffer[] {
  const array = slot();
  const count = [0];
  bridge.call("GetBoundOutputValues", binding, bridge.allocator(), array, count);
  const values = (Number(count[0]) > 0 ? bridge.koffi.decode(array[0]!, "void*", Number(count[0])) : []) as OrtHandle[];
  try {
    return values.map((value) => {
      const shapeInfo = slot();
      bridge.call("GetTensorTypeAndShape", value, shapeInfo);
      const n = [0];
      try {
        bridge.call("GetTensorShapeElementCount", shapeInfo[0], n);
      } finally {
        bridge.fn.ReleaseTensorTypeAndShapeInfo(shapeInfo[0]);
      }
      const pointer = slot();
      bridge.call("GetTensorMutableData", value, pointer);
      return Buffer.from(Buffer.from(bridge.koffi.view(pointer[0]!, Number(n[0]) * 4)));
    });
  } finally {
    for (const value of values) bridge.fn.ReleaseValue(value);
    if (array[0]) bridge.call("AllocatorFree", bridge.allocator(), array[0]);
  }
}

test("CUDA and TensorRT provider options: created, updated and released, or refused in one line where the provider is absent", async () => {
  const bridge = await loadOrtBridge();
  for (const [kind, provider] of [["CUDA", "cuda"], ["TensorRT", "tensorrt"]] as const) {
    const options = slot();
    bridge.call(`Create${kind}ProviderOptions`, options); // 205 / 171
    try {
      const update = () => bridge.call(`Update${kind}ProviderOptions`, options[0], ["device_id"], ["0"], 1); // 206 / 172
      if (diagnoseProvider(provider).missingFile) {
        // Updating loads the provider library; on a CPU-only install that fails as an error, not a crash.
        assert.throws(update, isOneLineTrtxError(/libonnxruntime_providers_/));
        continue;
      }
      update();
      const text = slot();
      bridge.call(`Get${kind}ProviderOptionsAsString`, options[0], bridge.allocator(), text); // 207 / 173
      assert.match(bridge.takeString(text[0]!), /device_id=0/);
    } finally {
      bridge.fn[`Release${kind}ProviderOptions`](options[0]); // 208 / 174
    }
  }
});

test("the self-test agrees with onnxruntime-node", async () => {
  const result = await bridgeSelfTest();
  assert.equal(result.ok, true);
  assert.equal(result.version, ortPackageVersion());
  assert.ok(result.ms > 0);
});

test("fixtures give byte-identical outputs through the bridge and onnxruntime-node", async () => {
  await assertSameAsNode(fixture("mlp_dynbatch.onnx"), new Map([["input", { dtype: "float32", dims: [5, 64], data: floats(5 * 64) }]]));
  const tokens = BigInt64Array.from({ length: 2 * 7 }, () => BigInt(Math.floor(rng.next() * 100)));
  await assertSameAsNode(
    fixture("two_input.onnx"),
    new Map<string, HostTensor>([
      ["tokens", { dtype: "int64", dims: [2, 7], data: tokens }],
      ["features", { dtype: "float32", dims: [2, 16], data: floats(2 * 16) }],
    ]),
  );
  const half = Uint16Array.from(floats(3 * 16), toFloat16Bits);
  await assertSameAsNode(fixture("fp16_io.onnx"), new Map([["input", { dtype: "float16", dims: [3, 16], data: half }]]));
  await assertSameAsNode(fixture("cnn_small.onnx"), new Map([["input", { dtype: "float32", dims: [2, 3, 32, 32], data: floats(2 * 3 * 32 * 32) }]]));
});

test("small and offset typed arrays are read in place correctly", async () => {
  // A 1-row batch (256 bytes) and a view into the middle of a larger buffer.
  const backing = floats(64 * 4);
  await assertSameAsNode(fixture("mlp_dynbatch.onnx"), new Map([["input", { dtype: "float32", dims: [1, 64], data: backing.subarray(64, 128) }]]));
  const tokens = BigInt64Array.from([1n, 2n]); // 16 bytes: small enough to start on V8's heap
  await assertSameAsNode(
    fixture("two_input.onnx"),
    new Map<string, HostTensor>([
      ["tokens", { dtype: "int64", dims: [1, 2], data: tokens }],
      ["features", { dtype: "float32", dims: [1, 16], data: floats(16) }],
    ]),
  );
});

test("ORT errors become one-line TrtxErrors and leave the session usable", async () => {
  await assert.rejects(BridgeSession.create(fixture("does_not_exist.onnx")), (e) => isOneLineTrtxError(/does_not_exist\.onnx/)(e) && (e as OrtBridgeError).code === "ORT_NO_SUCHFILE");
  const session = await BridgeSession.create(fixture("mlp_dynbatch.onnx"));
  try {
    const good: HostTensor = { dtype: "float32", dims: [2, 64], data: floats(128) };
    assert.throws(() => session.run(new Map([["inptu", good]])), (e) => isOneLineTrtxError(/Invalid input name: inptu/)(e) && e instanceof OrtBridgeError && e.code === "ORT_INVALID_ARGUMENT");
    assert.throws(() => session.run(new Map([["input", { dtype: "float32", dims: [2, 32], data: floats(64) }]])), isOneLineTrtxError(/invalid dimensions for input: input/i));
    assert.throws(() => session.run(new Map([["input", { dtype: "float64", dims: [2, 64], data: new Float64Array(128) }]])), isOneLineTrtxError(/data type/i));
    assert.throws(() => session.run(new Map([["input", good]]), ["nope"]), isOneLineTrtxError(/nope/));
    assert.throws(() => session.run(new Map([["input", { dtype: "float32", dims: [2, 64], data: floats(10) }]])), (e) => e instanceof UsageError && /10 values for dims \[2,64\]/.test(e.message));
    assert.throws(() => session.run(new Map()), (e) => e instanceof UsageError && e.message === "missing input: input");
    assert.throws(() => session.run(new Map([["input", { dtype: "string", dims: [1], data: ["a"] }]])), (e) => e instanceof UsageError && /string tensors are not supported/.test(e.message));
    assert.throws(() => session.run(new Map([["input", { dtype: "float32", dims: [2, 64], data: new Float64Array(128) }]])), (e) => e instanceof UsageError && /does not hold float32/.test(e.message));
    assert.deepEqual(session.run(new Map([["input", good]])).get("output")!.dims, [2, 10]);
  } finally {
    session.release();
  }
});

test("release is idempotent and a released session refuses to run", async () => {
  const session = await BridgeSession.create(fixture("mlp_dynbatch.onnx"));
  session.release();
  session.release();
  assert.throws(() => session.run(new Map([["input", { dtype: "float32", dims: [1, 64], data: floats(64) }]])), (e) => e instanceof UsageError && /released/.test(e.message));
  assert.throws(() => session.sessionHandle, UsageError);
});

test("10,000 repeated runs complete and release cleanly; RSS per round is reported (a leak shows as growth every round)", async (t) => {
  const session = await BridgeSession.create(fixture("two_input.onnx"), { intraOpThreads: 1 });
  const feeds = new Map<string, HostTensor>([
    ["tokens", { dtype: "int64", dims: [4, 8], data: BigInt64Array.from({ length: 32 }, (_, i) => BigInt(i % 100)) }],
    ["features", { dtype: "float32", dims: [4, 16], data: floats(64) }],
  ]);
  const mib = () => (process.memoryUsage().rss / 2 ** 20).toFixed(1);
  try {
    // Five rounds of 2000: a leak grows every round, warm-up (arena, JIT, heap sizing) only the first.
    const rounds = [mib()];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2000; i++) session.run(feeds);
      rounds.push(mib());
    }
    t.diagnostic(`rss MiB at start and after each 2000 runs: ${rounds.join(", ")}`);
  } finally {
    session.release();
  }
});

test("koffi is loaded only when the bridge is used", { skip: process.platform !== "linux" && "reads /proc/self/maps" }, () => {
  const script = `
    const maps = async () => (await import("node:fs")).readFileSync("/proc/self/maps", "utf8").includes("koffi.node");
    const { BridgeSession } = await import("./dist/src/core/ep/ort-c/session.js");
    const before = await maps();
    const { loadOrtBridge } = await import("./dist/src/core/ep/ort-c/library.js");
    await loadOrtBridge();
    console.log(JSON.stringify({ before, after: await maps(), imported: typeof BridgeSession }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: false, after: true, imported: "function" });
});
