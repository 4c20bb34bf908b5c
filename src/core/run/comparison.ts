/**
 * The three ways `trtx run` gets a second opinion — saved reference outputs, another provider, another
 * model — each compared with Polygraphy's semantics.
 */
import path from "node:path";
import { compareOutputs, type OutputsComparison } from "../compare/compare.js";
import type { Tolerances } from "../compare/tolerances.js";
import type { EpChoice } from "../ep/providers.js";
import type { HostTensor } from "../tensor/host-tensor.js";
import { loadReferenceOutputs } from "./reference.js";
import { runModel } from "./run.js";

export type CompareTarget = { to: string } | { ep: EpChoice } | { onnx: string };

export interface RunComparison {
  /** What was compared against, in words: "outputs in ref/", "provider cpu", "model source.onnx". */
  against: string;
  result: OutputsComparison;
}

export async function compareRun(
  target: CompareTarget,
  model: string,
  /** The provider of the run being checked; --compare-onnx runs the other model on it too. */
  ep: EpChoice,
  feeds: Map<string, HostTensor>,
  outputs: Map<string, HostTensor>,
  tolerances: Tolerances,
  stat: "elemwise" | "max" | "mean" | "median",
): Promise<RunComparison> {
  let expected: Map<string, HostTensor>;
  let against: string;
  if ("to" in target) {
    expected = loadReferenceOutputs(target.to, [...outputs.keys()]);
    against = `reference outputs in ${target.to}`;
  } else if ("ep" in target) {
    const other = await runModel(model, feeds, { ep: target.ep });
    expected = other.outputs;
    against = `provider ${other.provider}`;
  } else {
    const other = await runModel(target.onnx, feeds, { ep });
    expected = other.outputs;
    against = `model ${path.basename(target.onnx)} on ${other.provider}`;
  }
  return { against, result: compareOutputs(outputs, expected, tolerances, stat) };
}
