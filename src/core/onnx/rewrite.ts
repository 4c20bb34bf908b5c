/**
 * ONNX → ONNX rewrites behind `trtx export --onnx`: I/O names, input shapes, a dynamic batch, extra outputs
 * and constant folding, applied in a fixed order and reported as human-readable lines.
 */
import { ModelFormatError, UsageError } from "../errors.js";
import type { GraphProto, ModelProto } from "./codec.js";
import { graphs } from "./model-file.js";
import { addGraphOutputs } from "./rewrite/add-outputs.js";
import { makeBatchDynamic } from "./rewrite/dynamic-batch.js";
import { fixInputShapes } from "./rewrite/fix-shapes.js";
import { foldConstants } from "./rewrite/fold.js";
import { renameInputs, renameOutputs, stripInitializerInputs } from "./rewrite/names.js";
import { describeShape, modelInputs } from "./rewrite/values.js";

export interface RewriteOptions {
  /** Dim 0 of every graph input and output becomes "batch"; refused where another batch size would break. */
  dynamicBatch?: boolean;
  /** Exact shapes for graph inputs; symbolic dims they fix get the same value everywhere in the model. */
  fixShapes?: ReadonlyMap<string, readonly number[]>;
  /** Graph input renames, old → new, applied wherever the input is read. */
  renameInputs?: ReadonlyMap<string, string>;
  /** Graph output renames, old → new: the producing node and every reader follow. */
  renameOutputs?: ReadonlyMap<string, string>;
  /** Intermediate tensors (node outputs of the main graph) to expose as graph outputs. */
  addOutputs?: readonly string[];
  /** Drop graph inputs that are also initializers, so that their weights become constants. */
  stripInitializerInputs?: boolean;
  /** Run ORT's basic-level optimizer (constant folding and standard-op fusions) on the result. */
  foldConstants?: boolean;
  /** The folder the model was loaded from: foldConstants needs it when the model has external data. */
  modelDir?: string;
}

export interface RewriteReport {
  /** What changed, one line each ("input input: [1,3,224,224] → [batch,3,224,224]"). */
  changes: string[];
  /** Nodes in the main graph and its subgraphs, before and after. */
  nodesBefore: number;
  nodesAfter: number;
}

/**
 * Rewrites `model` in place, in this order: strip initializer inputs → renames → fixShapes or dynamicBatch →
 * addOutputs → foldConstants. When it throws, the model may be partly rewritten: load it again to retry.
 */
export async function rewriteModel(model: ModelProto, options: RewriteOptions): Promise<RewriteReport> {
  if (options.fixShapes && options.dynamicBatch) {
    throw new UsageError("fixing input shapes and making the batch dynamic cannot be combined", { hint: "do one per export" });
  }
  const graph = model.graph;
  if (!graph) throw new ModelFormatError("the model has no graph to rewrite", { hint: "pass a model, not a function library" });
  const changes: string[] = [];
  const nodesBefore = countNodes(graph);

  if (options.stripInitializerInputs) stripInitializerInputs(model, changes);
  if (options.renameInputs) renameInputs(model, options.renameInputs, changes);
  if (options.renameOutputs) renameOutputs(model, options.renameOutputs, changes);
  const shapes = options.fixShapes;
  const reshape = shapes ? (g: GraphProto) => fixInputShapes(g, shapes) : options.dynamicBatch ? makeBatchDynamic : undefined;
  if (reshape) {
    const before = ioShapes(graph);
    const intermediate = reshape(graph);
    for (const [value, after] of ioShapes(graph)) if (before.get(value) !== after) changes.push(`${value}: ${before.get(value)} → ${after}`);
    if (intermediate) changes.push(`${intermediate} intermediate value${intermediate === 1 ? "" : "s"} (value_info) updated to match`);
  }
  if (options.addOutputs?.length) addGraphOutputs(graph, options.addOutputs, changes);
  if (options.foldConstants) {
    const unfolded = countNodes(graph);
    await foldConstants(model, options.modelDir);
    changes.push(`folded constants with onnxruntime's basic optimizer: ${unfolded} → ${countNodes(model.graph!)} nodes`);
  }
  return { changes, nodesBefore, nodesAfter: countNodes(model.graph!) };
}

/** Shapes of the main graph's inputs and outputs, keyed "input NAME" / "output NAME". */
function ioShapes(graph: GraphProto): Map<string, string> {
  const shapes = new Map<string, string>();
  for (const v of modelInputs(graph)) shapes.set(`input ${v.name}`, describeShape(v));
  for (const v of graph.output) shapes.set(`output ${v.name}`, describeShape(v));
  return shapes;
}

function countNodes(graph: GraphProto): number {
  return graphs(graph).reduce((n, g) => n + g.node.length, 0);
}
