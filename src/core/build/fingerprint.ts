/**
 * The machine a bundle was built on, and whether a bundle can be trusted here. What matters differs by provider:
 * a CPU model runs anywhere ORT does, while TensorRT engines (and the CUDA kernels' numerics) are tied to the GPU
 * model and its compute capability.
 */
import os from "node:os";
import { describeDiagnosis, diagnoseProvider } from "../ep/diagnose.js";
import type { Provider } from "../ep/providers.js";
import { cpuInfo } from "../system/cpu.js";
import { queryGpus, type GpuReport } from "../system/gpu.js";

export interface Fingerprint {
  platform: string;
  cpu: { model: string; isa: string[] };
  /** GPU 0, when nvidia-smi lists one. */
  gpu?: { name: string; computeCapability: string; driverVersion?: string };
}

export function machineFingerprint(gpus: GpuReport = queryGpus()): Fingerprint {
  const cpu = cpuInfo();
  const device = gpus.devices[0];
  return {
    platform: `${os.platform()} ${os.arch()}`,
    cpu: { model: cpu.model, isa: cpu.isa },
    ...(device
      ? { gpu: { name: device.name, computeCapability: device.computeCapability, ...(gpus.driverVersion ? { driverVersion: gpus.driverVersion } : {}) } }
      : {}),
  };
}

/**
 * Why a bundle built for `provider` on `built` does not belong here, or undefined when it does: the provider must
 * load here, and for cuda/tensorrt the GPU model and compute capability must match (driver versions may differ).
 */
export function foreignReason(provider: Provider, built: Fingerprint | undefined, here: () => Fingerprint = () => machineFingerprint()): string | undefined {
  if (provider === "cpu") return undefined;
  const missing = describeDiagnosis(provider, diagnoseProvider(provider));
  if (missing) return `it was built for ${provider}, which is not available here: ${missing}`;
  const theirs = built?.gpu;
  const ours = here().gpu;
  if (!theirs) return undefined;
  if (!ours) return `it was built for ${provider} on ${theirs.name} (compute ${theirs.computeCapability}), and this machine has no GPU`;
  if (theirs.name !== ours.name || theirs.computeCapability !== ours.computeCapability) {
    return `it was built on ${theirs.name} (compute ${theirs.computeCapability}), this machine has ${ours.name} (compute ${ours.computeCapability})`;
  }
  return undefined;
}
