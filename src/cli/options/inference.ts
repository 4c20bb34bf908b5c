/** Inference options shared by every command that creates an ONNX Runtime session. */
import { Option } from "commander";
import { parseEp, type EpChoice } from "../../core/ep/providers.js";

/** --ep; with no default (undefined) the command decides what an absent flag means. */
export function epOption(defaultValue: EpChoice | undefined = "auto"): Option {
  const option = new Option("--ep <provider>", "execution provider: auto (tensorrt → cuda → cpu), tensorrt, cuda or cpu").argParser(parseEp);
  return defaultValue === undefined ? option : option.default(defaultValue);
}
