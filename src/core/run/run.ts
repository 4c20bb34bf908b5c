/**
 * One inference run as `trtx run` does it: a session on the chosen provider, the same inputs fed for each
 * iteration, the last outputs kept, and each iteration's wall time recorded.
 */
import { TrtxError } from "../errors.js";
import { createSession, type ProviderAttempt } from "../ep/session.js";
import { loadOrt, type OrtLogLevel } from "../ep/ort.js";
import type { EpChoice, Provider } from "../ep/providers.js";
import type { ProviderOptions } from "../ep/provider-options.js";
import type { HostTensor } from "../tensor/host-tensor.js";
import { fromOrtTensor, toOrtTensor } from "./ort-tensor.js";

export interface RunOutcome {
  provider: Provider;
  attempts: ProviderAttempt[];
  outputs: Map<string, HostTensor>;
  /** Wall time of each iteration's run() in ms. */
  timings: number[];
  sessionMs: number;
}

export async function runModel(
  model: string,
  feeds: Map<string, HostTensor>,
  options: { ep: EpChoice; iterations?: number; logLevel?: OrtLogLevel; providerOptions?: ProviderOptions },
): Promise<RunOutcome> {
  if (options.providerOptions !== undefined) return runOnBridge(model, feeds, { ...options, providerOptions: options.providerOptions });
  const ort = await loadOrt(options.logLevel);
  const start = performance.now();
  const { session, provider, attempts } = await createSession(model, { ep: options.ep, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
  const sessionMs = performance.now() - start;
  try {
    const ortFeeds = Object.fromEntries([...feeds].map(([name, t]) => [name, toOrtTensor(ort, t)]));
    const timings: number[] = [];
    let results: Record<string, import("onnxruntime-node").Tensor> = {};
    for (let i = 0; i < Math.max(1, options.iterations ?? 1); i++) {
      const t0 = performance.now();
      try {
        results = await session.run(ortFeeds);
      } catch (e) {
        const message = (e instanceof Error ? e.message : String(e)).split("\n")[0];
        throw new TrtxError(`onnxruntime could not run ${model}: ${message}`, { hint: "`trtx inspect` shows the inputs the model expects" });
      }
      timings.push(performance.now() - t0);
    }
    const outputs = new Map(session.outputNames.map((name) => [name, fromOrtTensor(results[name]!)]));
    return { provider, attempts, outputs, timings, sessionMs };
  } finally {
    await session.release();
  }
}

/** The same run with provider options, which only ORT's C API takes (through trtx's bridge). */
async function runOnBridge(model: string, feeds: Map<string, HostTensor>, options: { ep: EpChoice; iterations?: number; providerOptions: ProviderOptions }): Promise<RunOutcome> {
  const { bridgeSelfTest } = await import("../ep/ort-c/selftest.js");
  const { createBridgeSession } = await import("../ep/ort-c/bridge-chain.js");
  await bridgeSelfTest();
  const start = performance.now();
  const { session, provider, attempts } = await createBridgeSession(model, { ep: options.ep, providerOptions: options.providerOptions });
  const sessionMs = performance.now() - start;
  try {
    const timings: number[] = [];
    let outputs = new Map<string, HostTensor>();
    for (let i = 0; i < Math.max(1, options.iterations ?? 1); i++) {
      const t0 = performance.now();
      outputs = session.run(feeds);
      timings.push(performance.now() - t0);
    }
    return { provider, attempts, outputs, timings, sessionMs };
  } finally {
    session.release();
  }
}
