/** Which names a graph defines, reads from the graphs around it, or uses anywhere: for the Casts the conversion adds. */
import type { GraphProto, TensorProto } from "../onnx/codec.js";
import { graphs } from "../onnx/model-file.js";
import { allValueNames, subgraphsOf } from "../onnx/rewrite/values.js";

/** Initializers, and the values of sparse ones. */
export function weights(graph: GraphProto): TensorProto[] {
  return [...graph.initializer, ...graph.sparseInitializer.flatMap((s) => (s.values ? [s.values] : []))];
}

/** Every value and node name in the model, so that new Casts get names of their own. */
export function takenNames(graph: GraphProto): Set<string> {
  const names = allValueNames(graph);
  for (const g of graphs(graph)) for (const node of g.node) names.add(node.name);
  return names;
}

/** Values a subgraph (or a subgraph inside it) reads from the graphs around it. */
export function outerReads(graph: GraphProto): Set<string> {
  const defined = new Set([...graph.input.map((v) => v.name), ...weights(graph).map((t) => t.name)]);
  for (const node of graph.node) for (const o of node.output) defined.add(o);
  const reads = new Set<string>();
  for (const node of graph.node) {
    for (const name of node.input) if (name !== "" && !defined.has(name)) reads.add(name);
    for (const sub of subgraphsOf(node)) for (const name of outerReads(sub)) if (!defined.has(name)) reads.add(name);
  }
  for (const out of graph.output) if (!defined.has(out.name)) reads.add(out.name);
  return reads;
}
