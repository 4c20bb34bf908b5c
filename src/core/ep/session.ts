/**
 * Session creation with a provider chain. ORT does not fall back when a provider fails to load, so trtx
 * tries TensorRT, then CUDA, then CPU itself (for --ep auto), one session per attempt, and records why each
 * attempt that failed did not work.
 */
import type { InferenceSession } from "onnxruntime-node";
import { ProviderUnavailableError, TrtxError } from "../errors.js";
import { describeDiagnosis, diagnoseProvider, hintFor } from "./diagnose.js";
import { loadOrt, type OrtLogLevel } from "./ort.js";
import { attemptLists, type EpChoice, type Provider } from "./providers.js";

export interface ProviderAttempt {
  provider: Provider;
  ok: boolean;
  /** Why it failed: the missing library, or ORT's first error line. */
  reason?: string;
  hint?: string;
  ms: number;
}

export interface SessionResult {
  session: InferenceSession;
  /** The provider the session was created for (nodes it cannot run go to the providers after it). */
  provider: Provider;
  attempts: ProviderAttempt[];
}

export interface SessionRequest {
  ep: EpChoice;
  deviceId?: number;
  options?: InferenceSession.SessionOptions;
  logLevel?: OrtLogLevel;
}

/** Creates a session from a model path (preferred: external data resolves against its folder) or bytes. */
export async function createSession(model: string | Uint8Array, request: SessionRequest): Promise<SessionResult> {
  const ort = await loadOrt(request.logLevel);
  const { value: session, provider, attempts } = await walkProviderChain(
    request.ep,
    async (list) => {
      const executionProviders = list.map((name) => (name === "cpu" ? { name } : { name, deviceId: request.deviceId ?? 0 })) as InferenceSession.ExecutionProviderConfig[];
      const options = { ...request.options, executionProviders };
      return typeof model === "string" ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    },
    (provider, e) => {
      const diagnosis = diagnoseProvider(provider);
      return { reason: describeDiagnosis(provider, diagnosis) ?? firstLine(e), hint: hintFor(provider, diagnosis) };
    },
    // Skip ORT's attempt when the provider library is plainly absent: it would fail the same way, slower.
    { skipMissingLibraries: true },
  );
  return { session, provider, attempts };
}

/**
 * The chain every session kind walks (stock onnxruntime-node and the C-API bridge): each attempt list in turn,
 * the first `create` that succeeds wins, a failed GPU provider is recorded with `failure`'s reason and hint, and a
 * CPU failure is final. When nothing loads, the last attempt's reason is the error.
 */
export async function walkProviderChain<T>(
  ep: EpChoice,
  create: (list: Provider[]) => Promise<T>,
  failure: (provider: Exclude<Provider, "cpu">, e: unknown) => { reason: string; hint: string | undefined },
  options: { skipMissingLibraries: boolean },
): Promise<{ value: T; provider: Provider; attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const list of attemptLists(ep)) {
    const provider = list[0]!;
    const start = performance.now();
    if (provider !== "cpu" && options.skipMissingLibraries) {
      const diagnosis = diagnoseProvider(provider);
      if (diagnosis.missingFile) {
        attempts.push(failedAttempt(provider, describeDiagnosis(provider, diagnosis)!, hintFor(provider, diagnosis), start));
        continue;
      }
    }
    try {
      const value = await create(list);
      attempts.push({ provider, ok: true, ms: performance.now() - start });
      return { value, provider, attempts };
    } catch (e) {
      if (provider === "cpu") throw e instanceof TrtxError ? e : new TrtxError(`onnxruntime could not create a session: ${firstLine(e)}`, { cause: e });
      const { reason, hint } = failure(provider, e);
      attempts.push(failedAttempt(provider, reason, hint, start));
    }
  }
  const last = attempts.at(-1)!;
  throw new ProviderUnavailableError(`execution provider ${last.provider} is unavailable: ${last.reason}`, {
    hint: last.hint ?? "run `trtx doctor` to see which providers work here, or use --ep auto",
  });
}

function failedAttempt(provider: Provider, reason: string, hint: string | undefined, start: number): ProviderAttempt {
  return { provider, ok: false, reason, ...(hint ? { hint } : {}), ms: performance.now() - start };
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? text;
}
