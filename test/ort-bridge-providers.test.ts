import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseOptionString } from "../src/core/ep/ort-c/append-providers.js";
import { createBridgeSession, probeProvider } from "../src/core/ep/ort-c/bridge-chain.js";
import { ortBinaryDir } from "../src/core/ep/ort.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";
import { perfFeeds } from "../src/core/perf/batch-feeds.js";
import { measurePoint } from "../src/core/perf/measure.js";
import { fails, fixture, runCli, tempDir } from "./helpers.js";

const MLP = fixture("mlp_dynbatch.onnx");
/** Whether this machine has the GPU providers onnxruntime-node's download would have placed (CI has not). */
const gpuProviders = fs.existsSync(path.join(ortBinaryDir(), "libonnxruntime_providers_shared.so"));

test("ORT's option rendering parses into a record", () => {
  assert.deepEqual(parseOptionString("device_id=0;prefer_nhwc=1;cudnn_conv_algo_search=EXHAUSTIVE;"), { device_id: "0", prefer_nhwc: "1", cudnn_conv_algo_search: "EXHAUSTIVE" });
  assert.deepEqual(parseOptionString(""), {});
});

test("a provider that cannot load is reported from the real Update call, with ORT's words", { skip: gpuProviders && "GPU providers are installed here" }, async () => {
  for (const provider of ["tensorrt", "cuda"] as const) {
    await assert.rejects(probeProvider(provider, {}), { name: "ProviderUnavailableError", message: new RegExp(`execution provider ${provider} is unavailable: onnxruntime Update${provider === "cuda" ? "CUDA" : "TensorRT"}ProviderOptions failed \\(ORT_FAIL\\): Failed to load library`) });
  }
  await assert.rejects(createBridgeSession(MLP, { ep: "cuda", providerOptions: { cuda: { prefer_nhwc: "1" } } }), { name: "ProviderUnavailableError", message: /UpdateCUDAProviderOptions failed/ });
});

test("build --ep tensorrt asks the TensorRT provider for real, and writes nothing when it cannot load", { skip: gpuProviders && "GPU providers are installed here" }, (t) => {
  const bundle = path.join(tempDir(t), "mlp.trtx");
  fails(["build", "--onnx", MLP, "--fp16", "--ep", "tensorrt", "--saveEngine", bundle], 1, /execution provider tensorrt is unavailable: onnxruntime UpdateTensorRTProviderOptions failed .*Failed to load library/);
  assert.equal(fs.existsSync(bundle), false);
});

test("the auto chain on the bridge ends on the CPU with every failed attempt recorded", { skip: gpuProviders && "GPU providers are installed here" }, async () => {
  const r = await createBridgeSession(MLP, { ep: "auto", providerOptions: {} });
  try {
    assert.equal(r.provider, "cpu");
    assert.deepEqual(r.attempts.map((a) => [a.provider, a.ok]), [["tensorrt", false], ["cuda", false], ["cpu", true]]);
    assert.deepEqual(r.effectiveOptions, {});
    assert.deepEqual(r.session.inputNames, ["input"]);
  } finally {
    r.session.release();
  }
});

test("perf workers run bridge sessions; device I/O on a CPU session is refused", async () => {
  const feeds = perfFeeds(describeModelFile(MLP).inputs, { batch: 2, batched: true, data: "random", seed: 1 });
  const base = { model: MLP, ep: "cpu" as const, feeds, batch: 2, concurrency: 1, warmUpMs: 10, windowMs: 30, iterations: 10, maxWindows: 3, stabilityPercent: 100, percentiles: [99] };
  const r = await measurePoint({ ...base, bridge: { providerOptions: {}, deviceIo: false } });
  assert.equal(r.provider, "cpu");
  assert.ok(r.point.queries >= 10);
  await assert.rejects(measurePoint({ ...base, bridge: { providerOptions: {}, deviceIo: true } }), { name: "UsageError", message: /--no-data-transfers keeps inputs and outputs in GPU memory, but the session runs on the CPU/ });
});

test("perf refuses bridge flags that cannot work, in one line", () => {
  fails(["perf", "--onnx", MLP, "--ep", "cpu", "--no-data-transfers"], 2, /--no-data-transfers .* needs a GPU provider/);
  fails(["perf", "--onnx", MLP, "--ep", "cuda", "--ep-option", "prefer_nhwx=1"], 2, /prefer_nhwx is not a CUDA provider option — valid keys: device_id, .*prefer_nhwc/);
  fails(["perf", "--onnx", MLP, "--ep", "cpu", "--ep-option", "trt_fp16_enable=1"], 2, /for the tensorrt provider, which this run does not use/);
  fails(["perf", "--onnx", MLP, "--ep", "cuda", "--ep-option", "enable_cuda_graph=maybe"], 2, /expected 0 or 1/);
  if (!gpuProviders) fails(["perf", "--onnx", MLP, "--ep", "cuda", "--ep-option", "prefer_nhwc=1", "--duration", "0.3"], 1, /execution provider cuda is unavailable: onnxruntime UpdateCUDAProviderOptions failed/);
});

test("perf --json says when the bridge was used and what it held", () => {
  const r = runCli(["perf", "--onnx", MLP, "--duration", "0.3", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.bridge, undefined, "stock sessions unless bridge flags are given");
  assert.equal(report.settings.dataTransfers, true);
});

test("run --ep-option and --trt-cache go through the bridge and check their providers first", () => {
  fails(["run", "--onnx", MLP, "--ep", "cuda", "--trt-cache", "engines"], 2, /--trt-cache is for the TensorRT provider, which --ep cuda does not use/);
  fails(["run", "--onnx", MLP, "--ep", "cpu", "--ep-option", "use_tf32=0"], 2, /use_tf32 is for the cuda provider, which this run does not use/);
  if (!gpuProviders) fails(["run", "--onnx", MLP, "--ep", "tensorrt", "--trt-cache", "engines"], 1, /execution provider tensorrt is unavailable: onnxruntime UpdateTensorRTProviderOptions failed/);
});

test("doctor reports the bridge's self-test", () => {
  const r = runCli(["doctor", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const bridge = JSON.parse(r.stdout).bridge;
  assert.equal(bridge.available, true);
  assert.equal(bridge.version, "1.29.0");
});

test("runModel through the bridge gives the stock session's outputs", async () => {
  const { runModel } = await import("../src/core/run/run.js");
  const feeds = perfFeeds(describeModelFile(MLP).inputs, { batch: 3, batched: true, data: "random", seed: 4 });
  const stock = await runModel(MLP, feeds, { ep: "cpu" });
  const bridged = await runModel(MLP, feeds, { ep: "cpu", providerOptions: {}, iterations: 2 });
  assert.equal(bridged.provider, "cpu");
  assert.equal(bridged.timings.length, 2);
  assert.deepEqual(bridged.outputs, stock.outputs);
});
