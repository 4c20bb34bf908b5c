/** Model options shared by commands that read a model. */
import { Option } from "commander";
import { UsageError } from "../../core/errors.js";

export function onnxOption(): Option {
  return new Option("--onnx <path>", "ONNX model file");
}

/** The model path from --onnx or a positional argument; exactly one is required. */
export function modelPath(flag: string | undefined, positional: string | undefined): string {
  if (flag && positional && flag !== positional) throw new UsageError(`two models given (${positional} and --onnx ${flag})`, { hint: "pass one" });
  const file = flag ?? positional;
  if (!file) throw new UsageError("no model given", { hint: "pass --onnx model.onnx" });
  return file;
}
