/**
 * Which nodes are quantized and which activation tensors get a QuantizeLinear → DequantizeLinear pair. Both
 * calibration (which tensors need ranges) and insertion read the same plan, so they always agree.
 *
 * The layout is the one ONNX Runtime's QDQ transformers fuse into integer kernels: every float activation input
 * of a quantized node goes through Q → DQ, and so does its output, so that DQ → op → Q is one node group
 * (QLinearConv, QGemm, QLinearAdd, ...). An output whose only reader is a Relu or Clip is quantized after the
 * activation instead: ORT removes a Relu/Clip in front of a QuantizeLinear whose range it already bounds (its
 * ReluQuantFusion and ClipQuantFusion), which leaves Conv → Q and so a fused QLinearConv.
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto } from "../../onnx/codec.js";
import { DataType } from "../../onnx/dtype.js";
import { ModelFormatError } from "../../errors.js";
import { inferElemTypes } from "../elem-types.js";

/** Ops with weights: int8 weights per output channel, int32 bias. */
const WEIGHTED = new Set(["Conv", "Gemm", "MatMul"]);
/** Ops whose float inputs and output are quantized as they are (ORT has QLinear kernels for them). */
const ACTIVATION_ONLY = new Set(["Add", "Mul", "GlobalAveragePool", "AveragePool"]);
/** Ops that only move values: their output must share the input's scale for ORT to run them on int8 directly. */
const SAME_SCALE = new Set(["MaxPool"]);
/** Activations a quantized output may be moved past (see above). */
const ABSORBED = new Set(["Relu", "Clip"]);

export const INT8_OPS: readonly string[] = [...WEIGHTED, ...ACTIVATION_ONLY, ...SAME_SCALE];

export interface QuantPlan {
  graph: GraphProto;
  /** Quantized nodes in graph order. */
  nodes: NodeProto[];
  /** Activation tensors to quantize, in the order they were found. */
  tensors: string[];
  /** Tensors that take another tensor's quantization parameters (MaxPool output → its input). */
  sameAs: Map<string, string>;
  /** Float32 initializers by name. */
  weights: Map<string, TensorProto>;
}

export function planQuantization(model: ModelProto, excludeOps: readonly string[] = []): QuantPlan {
  const graph = model.graph;
  if (!graph) throw new ModelFormatError("the model has no graph to quantize", { hint: "pass a model, not a function library" });
  const types = inferElemTypes(graph, undefined, new Map());
  const weights = new Map(graph.initializer.filter((t) => t.dataType === DataType.FLOAT).map((t) => [t.name, t]));
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const isActivation = (name: string | undefined) => name !== undefined && name !== "" && !initializers.has(name) && types.get(name) === DataType.FLOAT;
  const readers = new Map<string, NodeProto[]>();
  for (const node of graph.node) for (const name of node.input) readers.set(name, [...(readers.get(name) ?? []), node]);
  const graphOutputs = new Set(graph.output.map((v) => v.name));
  const excluded = new Set(excludeOps);

  const plan: QuantPlan = { graph, nodes: [], tensors: [], sameAs: new Map(), weights };
  const seen = new Set<string>();
  const quantize = (name: string) => {
    if (!seen.has(name)) plan.tensors.push(name);
    seen.add(name);
  };
  for (const node of graph.node) {
    if (node.domain !== "" || excluded.has(node.opType)) continue;
    const inputs = activationInputs(node, isActivation, weights);
    if (!inputs) continue;
    plan.nodes.push(node);
    inputs.forEach(quantize);
    const out = quantizedOutput(node, readers, graphOutputs, isActivation);
    if (out === undefined) continue;
    quantize(out);
    if (SAME_SCALE.has(node.opType)) plan.sameAs.set(out, inputs[0]!);
  }
  return plan;
}

/** The float activation inputs a node is quantized on, or undefined when it is not quantized. */
function activationInputs(node: NodeProto, isActivation: (name: string | undefined) => boolean, weights: Map<string, TensorProto>): string[] | undefined {
  const [x, w, b] = node.input;
  if (!isActivation(x)) return undefined;
  const rank = (name: string | undefined) => (name ? weights.get(name)?.dims.length : undefined);
  const isWeight = (name: string | undefined, r: number) => rank(name) === r;
  switch (node.opType) {
    case "Conv":
      return (rank(w) ?? 0) >= 3 && (!b || isWeight(b, 1)) ? [x!] : undefined;
    case "Gemm":
      return isWeight(w, 2) ? [x!] : undefined;
    case "MatMul":
      // A second activation (attention's Q·Kᵀ) is quantized per tensor like the first.
      return isWeight(w, 2) ? [x!] : isActivation(w) ? [x!, w!] : undefined;
    default:
      if (ACTIVATION_ONLY.has(node.opType) || SAME_SCALE.has(node.opType)) {
        const floats = node.input.filter((name) => name !== "");
        return floats.every(isActivation) && node.output.length === 1 ? floats : undefined;
      }
      return undefined;
  }
}

/** The tensor that carries a quantized node's output: past a lone Relu/Clip, never a graph output. */
function quantizedOutput(node: NodeProto, readers: Map<string, NodeProto[]>, graphOutputs: Set<string>, isActivation: (name: string) => boolean): string | undefined {
  let out = node.output[0]!;
  const next = readers.get(out);
  if (next?.length === 1 && ABSORBED.has(next[0]!.opType) && next[0]!.domain === "" && !graphOutputs.has(out)) {
    out = next[0]!.output[0]!;
  }
  // Quantizing a graph output would only round the model's result; nothing after it can run on int8.
  return graphOutputs.has(out) || !isActivation(out) || !readers.has(out) ? undefined : out;
}

