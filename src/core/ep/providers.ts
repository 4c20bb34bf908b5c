/** The execution providers trtx can ask onnxruntime-node for, in the order `auto` tries them. */
import { UsageError } from "../errors.js";

export const PROVIDERS = ["tensorrt", "cuda", "cpu"] as const;
export type Provider = (typeof PROVIDERS)[number];
export type EpChoice = Provider | "auto";

export function parseEp(value: string): EpChoice {
  const v = value.trim().toLowerCase();
  if (v === "auto" || (PROVIDERS as readonly string[]).includes(v)) return v as EpChoice;
  throw new UsageError(`unknown execution provider '${value}'`, { hint: "use --ep auto, cpu, cuda or tensorrt" });
}

/**
 * The provider lists handed to ORT for each attempt. ORT fails a whole list when one provider cannot load,
 * so each list names the provider to try and the ones it may hand unsupported nodes to.
 */
export function attemptLists(choice: EpChoice): Provider[][] {
  switch (choice) {
    case "auto":
      return [["tensorrt", "cuda", "cpu"], ["cuda", "cpu"], ["cpu"]];
    case "tensorrt":
      return [["tensorrt", "cuda", "cpu"]];
    case "cuda":
      return [["cuda", "cpu"]];
    case "cpu":
      return [["cpu"]];
  }
}

/**
 * Shared libraries (beside libonnxruntime.so.1) a GPU provider needs, as onnxruntime-node's installer places
 * them; the provider's own library comes first.
 */
export const PROVIDER_LIBRARIES: Record<Provider, string[]> = {
  cpu: [],
  cuda: ["libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"],
  tensorrt: ["libonnxruntime_providers_tensorrt.so", "libonnxruntime_providers_shared.so"],
};
