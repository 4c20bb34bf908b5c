/** Every fuzz target, grouped by the parser it exercises (the name's prefix). */
import type { Target } from "./harness.js";
import { onnxTargets } from "./targets-onnx.js";
import { tensorTargets } from "./targets-tensor.js";
import { deployTargets } from "./targets-deploy.js";
import { buildTargets, pbtxtTargets, specTargets } from "./targets-text.js";

export const ALL_TARGETS: Target[] = [...onnxTargets, ...pbtxtTargets, ...specTargets, ...buildTargets, ...tensorTargets, ...deployTargets];

/** The names of the targets of the given parsers ("onnx", "pbtxt", "spec", "build", "npy", "pb", "json", "baseline", "deploy"). */
export function targetsOf(...parsers: string[]): string[] {
  return ALL_TARGETS.filter((t) => parsers.includes(t.name.slice(0, t.name.indexOf(".")))).map((t) => t.name);
}
