/**
 * Making the batch dynamic: dim 0 of every graph input and output becomes the symbol "batch". Only what can
 * be shown to be the batch is changed; anything that would silently break with another batch size (a
 * Reshape that hard-codes it, an output whose dim 0 is something else) is refused instead.
 */
import { TrtxError } from "../../errors.js";
import { DataLocation, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from "../codec.js";
import { graphs } from "../model-file.js";
import { DataType } from "../dtype.js";
import { modelInputs, setDimParam, shapeDims, subgraphsOf, tensorType, toDim, valueInfos, type Dimension } from "./values.js";

export const BATCH_DIM = "batch";

const REEXPORT = "re-export the model with a dynamic batch axis (torch.onnx.export dynamic_axes or dynamic_shapes)";
/** Ops whose outputs describe a tensor's shape rather than carry its data. */
const SHAPE_OPS = new Set(["Shape", "Size"]);

/** Makes dim 0 of every input and output "batch"; returns how many intermediate values changed with them. */
export function makeBatchDynamic(graph: GraphProto): number {
  const inputs = modelInputs(graph);
  if (inputs.length === 0) throw new TrtxError("the model has no inputs, so it has no batch dimension to make dynamic");
  const inputDims = inputs.map((v) => leadingDim(v, "input"));
  // Unknown dims (no value, or -1) agree with anything; a fixed size and a symbol do not agree with each other.
  const known = [...new Set(inputDims.map(toDim).filter((d) => d !== null && !(typeof d === "number" && d < 0)))];
  if (known.length > 1) {
    const each = inputs.map((v, i) => `${v.name} ${toDim(inputDims[i]!) ?? "?"}`).join(", ");
    throw new TrtxError(`the inputs disagree on dim 0 (${each}), so it is not one batch dimension`, { hint: REEXPORT });
  }
  const batch = known[0];

  const outputDims: Dimension[] = [];
  for (const v of graph.output) {
    if (!shapeDims(v)) continue; // rank unknown: nothing to mark, and nothing that can be wrong
    const d = leadingDim(v, "output");
    const dim = toDim(d);
    if (dim !== null && !(typeof dim === "number" && dim < 0) && dim !== batch) {
      throw new TrtxError(`output ${v.name} has dim 0 = ${dim}, which is not the inputs' batch (${batch ?? "unknown"})`, {
        hint: "every output must carry the batch in dim 0 for a dynamic batch; " + REEXPORT,
      });
    }
    outputDims.push(d);
  }

  const carrying = batchCarrying(graph, inputs);
  if (typeof batch === "number") refuseHardCodedReshapes(graph, carrying, batch);

  for (const d of [...inputDims, ...outputDims]) setDimParam(d, BATCH_DIM);
  const changed = new Set<ValueInfoProto>();
  // A value_info dim 0 equal to the old batch is the batch only if the value carries input data.
  for (const v of typeof batch === "number" ? graph.valueInfo : []) {
    const d = carrying.has(v.name) ? shapeDims(v)?.[0] : undefined;
    if (d && toDim(d) === batch) {
      setDimParam(d, BATCH_DIM);
      changed.add(v);
    }
  }
  // A batch symbol the inputs already had (batch_size, N) becomes "batch" wherever the model names it.
  for (const g of graphs(graph)) {
    for (const v of valueInfos(g)) {
      for (const d of shapeDims(v) ?? []) {
        if (d.value.case !== "dimParam" || d.value.value !== batch) continue;
        setDimParam(d, BATCH_DIM);
        changed.add(v);
      }
    }
  }
  for (const v of [...graph.input, ...graph.output]) changed.delete(v);
  return changed.size;
}

function leadingDim(v: ValueInfoProto, role: "input" | "output"): Dimension {
  const dims = shapeDims(v);
  if (!dims || dims.length === 0) {
    const what = dims ? "is a scalar" : tensorType(v) || !v.type ? "has no shape" : "is not a tensor";
    throw new TrtxError(`${role} ${v.name} ${what}, so it has no batch dimension`, { hint: REEXPORT });
  }
  return dims[0]!;
}

/**
 * Values computed from the inputs' data, in graph order. Shape and Size outputs describe shapes, not data,
 * so what is computed from them (a [1] shape tensor, say) is not batch-carrying even when its dim 0 is 1.
 */
function batchCarrying(graph: GraphProto, inputs: readonly ValueInfoProto[]): Set<string> {
  const carrying = new Set(inputs.map((v) => v.name));
  for (const node of graph.node) {
    if (SHAPE_OPS.has(node.opType) && (node.domain === "" || node.domain === "ai.onnx")) continue;
    if ([...node.input, ...outerReads(node)].some((n) => carrying.has(n))) for (const o of node.output) carrying.add(o);
  }
  return carrying;
}

/** Names a node's subgraphs read, which may be outer values not listed among the node's inputs. */
function outerReads(node: NodeProto): string[] {
  return subgraphsOf(node).flatMap((g) => [...g.node.flatMap((n) => [...n.input, ...outerReads(n)]), ...g.output.map((v) => v.name)]);
}

/** A Reshape of batch data to a constant shape starting with the old batch would keep that batch forever. */
function refuseHardCodedReshapes(graph: GraphProto, carrying: ReadonlySet<string>, batch: number): void {
  const constants = new Map<string, TensorProto>(graph.initializer.map((t) => [t.name, t]));
  for (const node of graph.node) {
    const value = node.opType === "Constant" ? node.attribute.find((a) => a.name === "value")?.t : undefined;
    if (value) constants.set(node.output[0]!, value);
  }
  for (const node of graph.node) {
    if (node.opType !== "Reshape" || !carrying.has(node.input[0]!)) continue;
    const shape = constants.get(node.input[1] ?? "");
    const first = shape ? firstInt64(shape) : undefined;
    if (first === BigInt(batch)) {
      throw new TrtxError(`Reshape node ${node.name || node.output[0]} hard-codes the batch size: its shape ${node.input[1]} is a constant that starts with ${batch}`, {
        hint: `${REEXPORT}, or make the shape's first element 0 or -1`,
      });
    }
  }
}

/** The first element of an int64 tensor stored in the model, or undefined (external, empty, other type). */
function firstInt64(t: TensorProto): bigint | undefined {
  if (t.dataType !== DataType.INT64 || t.dataLocation === DataLocation.EXTERNAL) return undefined;
  if (t.rawData.length >= 8) return new DataView(t.rawData.buffer, t.rawData.byteOffset, 8).getBigInt64(0, true);
  return t.int64Data[0];
}
