/**
 * `trtx doctor`: what this machine can run. Each provider is checked by creating a real session on a tiny
 * model and running it once, so "available" means a run produced the right numbers, not that a file exists.
 */
import os from "node:os";
import { ProviderUnavailableError } from "./errors.js";
import { ortBinaryDir, ortPackageVersion, loadOrt, type OrtLogLevel } from "./ep/ort.js";
import { PROVIDERS, type Provider } from "./ep/providers.js";
import { createSession } from "./ep/session.js";
import { GraphBuilder } from "./onnx/builder.js";
import { encodeModel } from "./onnx/codec.js";
import { DataType } from "./onnx/dtype.js";
import { cpuInfo, type CpuInfo } from "./system/cpu.js";
import { queryGpus, type GpuReport } from "./system/gpu.js";
import { TRTX_VERSION } from "./version.js";

export interface ProviderStatus {
  provider: Provider;
  /** onnxruntime-node's binding was compiled with this provider. */
  compiledIn: boolean;
  available: boolean;
  reason?: string;
  hint?: string;
  /** Session creation plus one run of the self-test model, in ms. */
  ms?: number;
}

export interface DoctorReport {
  schema: "trtx.doctor/1";
  trtx: string;
  node: string;
  onnxruntimeNode: string;
  platform: string;
  /** Where provider libraries must be for onnxruntime-node to find them. */
  ortLibraryDir: string;
  cpu: CpuInfo;
  gpu: GpuReport;
  providers: ProviderStatus[];
  /** The provider `--ep auto` picks on this machine. */
  autoSelects: Provider;
  /** trtx's bridge to ORT's C API (provider options, GPU-resident I/O): its self-test against onnxruntime-node. */
  bridge: { available: true; version: string; ms: number } | { available: false; reason: string };
}

const PROBE_VALUES = [-2, -1, -0.5, 0, 0.5, 1, 2, 3];

function probeModel(): Uint8Array {
  const g = new GraphBuilder("trtx_doctor_probe");
  g.input("x", DataType.FLOAT, [1, PROBE_VALUES.length]);
  g.op("Relu", ["x"], {}, { output: "y" });
  g.output("y", DataType.FLOAT, [1, PROBE_VALUES.length]);
  return encodeModel(g.model({ opset: 13 }));
}

export async function runDoctor(options: { logLevel?: OrtLogLevel } = {}): Promise<DoctorReport> {
  const ort = await loadOrt(options.logLevel);
  const compiled = new Set(ort.listSupportedBackends().map((b) => b.name));
  const model = probeModel();
  const providers: ProviderStatus[] = [];
  for (const provider of PROVIDERS) {
    providers.push(await probeProvider(provider, compiled.has(provider), model));
  }
  return {
    schema: "trtx.doctor/1",
    trtx: TRTX_VERSION,
    node: process.version,
    onnxruntimeNode: ortPackageVersion(),
    platform: `${os.type()} ${os.release()} ${process.arch}`,
    ortLibraryDir: ortBinaryDir(),
    cpu: cpuInfo(),
    gpu: queryGpus(),
    providers,
    autoSelects: providers.find((p) => p.available)?.provider ?? "cpu",
    bridge: await checkBridge(),
  };
}

async function checkBridge(): Promise<DoctorReport["bridge"]> {
  try {
    const { bridgeSelfTest } = await import("./ep/ort-c/selftest.js");
    const r = await bridgeSelfTest();
    return { available: true, version: r.version, ms: r.ms };
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

async function probeProvider(provider: Provider, compiledIn: boolean, model: Uint8Array): Promise<ProviderStatus> {
  if (!compiledIn) return { provider, compiledIn, available: false, reason: "not compiled into this onnxruntime-node build" };
  const ort = await loadOrt();
  const start = performance.now();
  try {
    const { session } = await createSession(model, { ep: provider });
    try {
      const x = new ort.Tensor("float32", Float32Array.from(PROBE_VALUES), [1, PROBE_VALUES.length]);
      const y = (await session.run({ x })).y!.data as Float32Array;
      const wrong = PROBE_VALUES.findIndex((v, i) => y[i] !== Math.max(0, v));
      if (wrong >= 0) return { provider, compiledIn, available: false, reason: `self-test gave ${y[wrong]} for relu(${PROBE_VALUES[wrong]})` };
    } finally {
      await session.release();
    }
    return { provider, compiledIn, available: true, ms: performance.now() - start };
  } catch (e) {
    if (!(e instanceof ProviderUnavailableError)) throw e;
    const reason = e.message.replace(/^execution provider \S+ is unavailable: /, "");
    return { provider, compiledIn, available: false, reason, ...(e.hint ? { hint: e.hint } : {}) };
  }
}
