/**
 * createSession's provider chain (tensorrt → cuda → cpu for auto) on the C-API bridge, with provider options.
 * Unlike the stock path it always makes the real append call, so a provider that cannot load is reported with
 * ORT's own words (e.g. the dlopen error naming libnvinfer.so.10), with the library diagnosis as the hint.
 */
import { ProviderUnavailableError } from "../../errors.js";
import { describeDiagnosis, diagnoseProvider, hintFor } from "../diagnose.js";
import type { ProviderOptions } from "../provider-options.js";
import type { EpChoice, Provider } from "../providers.js";
import { firstLine, walkProviderChain, type ProviderAttempt } from "../session.js";
import { appendProvider } from "./append-providers.js";
import { BridgeSession } from "./session.js";

export interface BridgeSessionRequest {
  ep: EpChoice;
  deviceId?: number;
  providerOptions: ProviderOptions;
  intraOpThreads?: number;
}

export interface BridgeSessionResult {
  session: BridgeSession;
  provider: Provider;
  attempts: ProviderAttempt[];
  /** Per appended provider, every option as ORT holds it after the update. */
  effectiveOptions: Partial<Record<Provider, Record<string, string>>>;
}

export async function createBridgeSession(model: string, r: BridgeSessionRequest): Promise<BridgeSessionResult> {
  let effectiveOptions: BridgeSessionResult["effectiveOptions"] = {};
  const { value: session, provider, attempts } = await walkProviderChain(
    r.ep,
    (list) => {
      effectiveOptions = {};
      return BridgeSession.create(model, {
        ...(r.intraOpThreads === undefined ? {} : { intraOpThreads: r.intraOpThreads, interOpThreads: 1 }),
        appendProviders: (options, bridge) => {
          for (const p of list) {
            if (p !== "cpu") effectiveOptions[p] = appendProvider(bridge, options, p, r.providerOptions[p] ?? {}, r.deviceId ?? 0);
          }
        },
      });
    },
    // Always the real append call: ORT's own words are the reason, the library diagnosis the hint.
    (p, e) => {
      const diagnosis = diagnoseProvider(p);
      return { reason: firstLine(e), hint: hintFor(p, diagnosis) ?? describeDiagnosis(p, diagnosis) };
    },
    { skipMissingLibraries: false },
  );
  return { session, provider, attempts, effectiveOptions };
}

/**
 * Loads a provider with `options` through the real Update/Append calls on throwaway session options, without
 * creating a session (which for TensorRT would build an engine): a provider that cannot load fails here with ORT's
 * own error, e.g. "libnvinfer.so.10: cannot open shared object file".
 */
export async function probeProvider(provider: Exclude<Provider, "cpu">, options: Readonly<Record<string, string>>, deviceId = 0): Promise<Record<string, string>> {
  const { loadOrtBridge } = await import("./library.js");
  const bridge = await loadOrtBridge();
  const slot: (bigint | null)[] = [null];
  bridge.call("CreateSessionOptions", slot);
  try {
    return appendProvider(bridge, slot[0]! as Parameters<typeof appendProvider>[1], provider, options, deviceId);
  } catch (e) {
    const diagnosis = diagnoseProvider(provider);
    throw new ProviderUnavailableError(`execution provider ${provider} is unavailable: ${firstLine(e)}`, { ...(hintFor(provider, diagnosis) ? { hint: hintFor(provider, diagnosis)! } : {}) });
  } finally {
    bridge.fn.ReleaseSessionOptions(slot[0]);
  }
}
