/** Inference options shared by every command that creates an ONNX Runtime session. */
import { Option } from "commander";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { parseProviderOptions, trtCacheOptions, type ProviderOptions } from "../../core/ep/provider-options.js";
import { attemptLists, parseEp, type EpChoice } from "../../core/ep/providers.js";
import { collect } from "./numbers.js";

/** --ep; with no default (undefined) the command decides what an absent flag means. */
export function epOption(defaultValue: EpChoice | undefined = "auto"): Option {
  const option = new Option("--ep <provider>", "execution provider: auto (tensorrt → cuda → cpu), tensorrt, cuda or cpu").argParser(parseEp);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

export interface ProviderOptionFlags {
  epOption?: string[];
  trtCache?: string;
}

/** --ep-option: a provider option, which goes through trtx's bridge to ORT's C API. */
export function epOptionFlag(): Option {
  return new Option("--ep-option <key=value>", "a CUDA or TensorRT provider option, e.g. prefer_nhwc=1, trt_fp16_enable=1 (repeatable)").argParser(collect);
}

/** --trt-cache: TensorRT's engine and timing caches in one folder (provider options, so also through the bridge). */
export function trtCacheFlag(): Option {
  return new Option("--trt-cache <dir>", "TensorRT engine and timing cache folder: engines built once are reused by later runs");
}

/** The provider options the flags ask for, checked against the providers --ep may use; undefined when none. */
export function providerOptionsFrom(flags: ProviderOptionFlags, ep: EpChoice): ProviderOptions | undefined {
  const list = [...(flags.epOption ?? [])];
  const providers = attemptLists(ep).flat();
  if (flags.trtCache !== undefined) {
    if (!providers.includes("tensorrt")) throw new UsageError(`--trt-cache is for the TensorRT provider, which --ep ${ep} does not use`, { hint: "use --ep tensorrt (or auto)" });
    const dir = path.resolve(flags.trtCache);
    list.push(...Object.entries(trtCacheOptions(dir)).map(([key, value]) => `${key}=${value}`));
  }
  return list.length === 0 ? undefined : parseProviderOptions(list, providers);
}
