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
  const attempts: ProviderAttempt[] = [];
  for (const list of attemptLists(request.ep)) {
    const provider = list[0]!;
    const start = performance.now();
    if (provider !== "cpu") {
      // Skip ORT's attempt when the provider library is plainly absent: it would fail the same way, slower.
      const diagnosis = diagnoseProvider(provider);
      if (diagnosis.missingFile) {
        attempts.push(failedAttempt(provider, describeDiagnosis(provider, diagnosis)!, hintFor(provider, diagnosis), start));
        continue;
      }
    }
    const executionProviders = list.map((name) =>
      name === "cpu" ? { name } : { name, deviceId: request.deviceId ?? 0 },
    ) as InferenceSession.ExecutionProviderConfig[];
    try {
      const options = { ...request.options, executionProviders };
      const session = typeof model === "string" ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
      attempts.push({ provider, ok: true, ms: performance.now() - start });
      return { session, provider, attempts };
    } catch (e) {
      const message = firstLine(e);
      if (provider === "cpu") throw new TrtxError(`onnxruntime could not create a session: ${message}`, { cause: e });
      const diagnosis = diagnoseProvider(provider);
      attempts.push(failedAttempt(provider, describeDiagnosis(provider, diagnosis) ?? message, hintFor(provider, diagnosis), start));
    }
  }
  const last = attempts.at(-1)!;
  throw new ProviderUnavailableError(`execution provider ${last.provider} is unavailable: ${last.reason}`, {
    hint: last.hint ?? "run `trtx doctor` to see which providers work here, or use --ep auto",
  });
}

export function failedAttempt(provider: Provider, reason: string, hint: string | undefined, start: number): ProviderAttempt {
  return { provider, ok: false, reason, ...(hint ? { hint } : {}), ms: performance.now() - start };
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? text;
}
