/** Exposing intermediate tensors as graph outputs, for debugging and calibration. */
import { UsageError } from "../../errors.js";
import { make, type GraphProto } from "../codec.js";

/**
 * Adds each named node output of the main graph as a graph output. Its value_info entry, when the model has
 * one, moves to the outputs (ONNX keeps graph I/O out of value_info); otherwise the output has no type, which
 * ORT accepts and fills in from shape inference.
 */
export function addGraphOutputs(graph: GraphProto, names: readonly string[], changes: string[]): void {
  const produced = new Set(graph.node.flatMap((n) => n.output));
  for (const name of names) {
    if (graph.output.some((v) => v.name === name)) throw new UsageError(`${name} is already a graph output`, { hint: "add only intermediate tensors" });
    if (!produced.has(name) || name === "") {
      const why = graph.input.some((v) => v.name === name) ? "it is a graph input" : graph.initializer.some((t) => t.name === name) ? "it is an initializer" : "no node of the main graph produces it";
      throw new UsageError(`cannot add output ${name}: ${why}`, { hint: "name a node output of the main graph (the tensor's name, not the node's)" });
    }
    const index = graph.valueInfo.findIndex((v) => v.name === name);
    const typed = index >= 0;
    const info = typed ? graph.valueInfo.splice(index, 1)[0]! : untyped(name);
    graph.output.push(info);
    changes.push(`output ${name} added${typed ? "" : " (no type in the model: left to the runtime)"}`);
  }
}

function untyped(name: string) {
  const info = make.tensorValueInfo(name, 0, null);
  delete info.type;
  return info;
}
