/** What the main thread and a perf worker (worker.ts) send each other. */
import type { ProviderAttempt } from "../ep/session.js";
import type { EpChoice, Provider } from "../ep/providers.js";
import type { ProviderOptions } from "../ep/provider-options.js";
import type { HostTensor } from "../tensor/host-tensor.js";

export interface PerfWorkerData {
  model: string;
  ep: EpChoice;
  deviceId?: number;
  intraOpThreads?: number;
  feeds: [string, HostTensor][];
  /** process.hrtime.bigint() at the start of the measurement: time 0 for every thread. */
  baseNs: bigint;
  /** Int32 slot 0: set to 1 to stop. */
  control: SharedArrayBuffer;
  /** Sessions through the ORT C-API bridge: provider options, and inputs/outputs kept on the GPU (deviceIo). */
  bridge?: { providerOptions: ProviderOptions; deviceIo: boolean };
}

export type WorkerMessage =
  | { type: "ready"; provider: Provider; attempts: ProviderAttempt[]; firstRunMs: number; effectiveOptions?: Partial<Record<Provider, Record<string, string>>> }
  | { type: "times"; starts: Float64Array; ends: Float64Array }
  | { type: "done" }
  | { type: "error"; name: string; message: string; hint?: string };
