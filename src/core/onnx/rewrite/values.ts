/**
 * Value-level helpers shared by the rewrites: which graph inputs are real inputs, tensor shapes read and
 * written as Dims, and renaming one value through a graph and the subgraphs that can see it.
 */
import type { GraphProto, NodeProto, TypeProto, ValueInfoProto } from "../codec.js";
import { formatShape, type Dim } from "../model-info.js";

type TensorType = Extract<TypeProto["value"], { case: "tensorType" }>["value"];
export type Dimension = NonNullable<TensorType["shape"]>["dim"][number];

/** Graph inputs that are not initializers (IR < 4 models list their weights as inputs too). */
export function modelInputs(graph: GraphProto): ValueInfoProto[] {
  const weights = new Set(graph.initializer.map((t) => t.name));
  return graph.input.filter((v) => !weights.has(v.name));
}

/** "input, mask" or "none", for messages that list what the model has. */
export function nameList(values: readonly ValueInfoProto[]): string {
  return values.length ? values.map((v) => v.name).join(", ") : "none";
}

export function tensorType(v: ValueInfoProto): TensorType | undefined {
  return v.type?.value.case === "tensorType" ? v.type.value.value : undefined;
}

/** The dims of a tensor value, or undefined when it is not a tensor or its rank is unknown. */
export function shapeDims(v: ValueInfoProto): Dimension[] | undefined {
  return tensorType(v)?.shape?.dim;
}

export function toDim(d: Dimension): Dim {
  if (d.value.case === "dimValue") return Number(d.value.value);
  if (d.value.case === "dimParam") return d.value.value;
  return null;
}

/** "[batch,3,224,224]", "?" for an unknown rank, "(not a tensor)" for sequences and maps. */
export function describeShape(v: ValueInfoProto): string {
  if (v.type && !tensorType(v)) return "(not a tensor)";
  const dims = shapeDims(v);
  return formatShape(dims ? dims.map(toDim) : null);
}

export function setDimValue(d: Dimension, value: number): void {
  d.value = { case: "dimValue", value: BigInt(value) };
}

export function setDimParam(d: Dimension, name: string): void {
  d.value = { case: "dimParam", value: name };
}

/** Inputs, outputs and value_info of a graph. */
export function valueInfos(graph: GraphProto): ValueInfoProto[] {
  return [...graph.input, ...graph.output, ...graph.valueInfo];
}

export function subgraphsOf(node: NodeProto): GraphProto[] {
  return node.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]);
}

/** Every value name used in a graph and its subgraphs: to check that a new name is free. */
export function allValueNames(graph: GraphProto, into = new Set<string>()): Set<string> {
  for (const v of valueInfos(graph)) into.add(v.name);
  for (const t of graph.initializer) into.add(t.name);
  for (const s of graph.sparseInitializer) if (s.values) into.add(s.values.name);
  for (const node of graph.node) {
    for (const n of [...node.input, ...node.output]) if (n !== "") into.add(n);
    for (const g of subgraphsOf(node)) allValueNames(g, into);
  }
  return into;
}

/** Whether a graph defines `name` itself (as an input, initializer or node output), shadowing an outer value. */
function defines(graph: GraphProto, name: string): boolean {
  return (
    graph.input.some((v) => v.name === name) ||
    graph.initializer.some((t) => t.name === name) ||
    graph.node.some((n) => n.output.includes(name))
  );
}

/**
 * Renames value `from` to `to` wherever it is used: I/O, value_info, initializers, node inputs and outputs,
 * and inside subgraphs, which may read outer values by name. A subgraph that defines its own `from` is left
 * alone, since there the name means its own value.
 */
export function renameValue(graph: GraphProto, from: string, to: string): void {
  const swap = (n: string) => (n === from ? to : n);
  for (const v of valueInfos(graph)) v.name = swap(v.name);
  for (const t of graph.initializer) t.name = swap(t.name);
  for (const s of graph.sparseInitializer) if (s.values) s.values.name = swap(s.values.name);
  for (const node of graph.node) {
    node.input = node.input.map(swap);
    node.output = node.output.map(swap);
    for (const g of subgraphsOf(node)) if (!defines(g, from)) renameValue(g, from, to);
  }
}
