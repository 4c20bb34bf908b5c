/**
 * QDQ insertion: the plan's activations get QuantizeLinear → DequantizeLinear with per-tensor parameters, the
 * weights of Conv/Gemm/MatMul become int8 initializers behind a per-channel DequantizeLinear (stored quantized,
 * so the file shrinks about 4×) and their biases int32, as onnxruntime's quantize_static(quant_format=QDQ,
 * per_channel=True) lays them out.
 */
import type { ActivationRanges } from "../../calibration/ranges.js";
import { TrtxError, UsageError } from "../../errors.js";
import { attr, tensor } from "../../onnx/builder.js";
import { make, type ModelProto, type NodeProto, type TensorProto } from "../../onnx/codec.js";
import { DataType } from "../../onnx/dtype.js";
import { attribute } from "../elem-types.js";
import { subgraphsOf } from "../../onnx/rewrite/values.js";
import { outerReads, takenNames } from "../graph-names.js";
import { activationParams, floatValues, quantizeBias, quantizeWeights, type ActivationParams } from "./params.js";
import { planQuantization } from "./plan.js";
import type { Int8Options } from "./types.js";

/** Per-axis DequantizeLinear arrived in opset 13. */
const QDQ_OPSET = 13;
/** Ops whose signature changed between opsets 11 and 13: raising the opset would break them. */
const CHANGED_BY_13 = new Set(["Squeeze", "Unsqueeze", "Split", "ReduceSum", "Softmax", "LogSoftmax", "Hardmax", "Dropout"]);

export interface QdqResult {
  quantizedNodes: { op: string; count: number }[];
  quantizedTensors: number;
}

export function insertQdq(model: ModelProto, ranges: ActivationRanges, options: Pick<Int8Options, "target" | "excludeOps">): QdqResult {
  const plan = planQuantization(model, options.excludeOps);
  const graph = plan.graph;
  const opset = requireQdqOpset(model);
  const taken = takenNames(graph);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const initializers: TensorProto[] = [];
  const scalar = (name: string, type: number, value: number) => {
    const data = type === DataType.FLOAT ? Float32Array.of(value) : type === DataType.UINT8 ? Uint8Array.of(value) : Int8Array.of(value);
    initializers.push(tensor(fresh(name), type, [], data));
    return initializers.at(-1)!.name;
  };

  // Activations: one Q → DQ pair per tensor, right after its producer, read by all of its readers.
  const zpType = options.target === "cpu" ? DataType.UINT8 : DataType.INT8;
  const params = new Map<string, ActivationParams>();
  const dequantized = new Map<string, string>();
  const pairs = new Map<string, NodeProto[]>();
  for (const t of plan.tensors) {
    const range = ranges.get(plan.sameAs.get(t) ?? t);
    if (!range) throw new TrtxError(`no calibration range for tensor ${t}`, { hint: "calibrate the same model with the same excludeOps" });
    const p = activationParams(range, options.target);
    params.set(t, p);
    const scale = scalar(`${t}_scale`, DataType.FLOAT, p.scale);
    const zp = scalar(`${t}_zero_point`, zpType, p.zeroPoint);
    const q = fresh(`${t}_quantized`);
    const dq = fresh(`${t}_dequantized`);
    dequantized.set(t, dq);
    pairs.set(t, [
      make.node({ name: fresh(`${t}_QuantizeLinear`), opType: "QuantizeLinear", input: [t, scale, zp], output: [q] }),
      make.node({ name: fresh(`${t}_DequantizeLinear`), opType: "DequantizeLinear", input: [q, scale, zp], output: [dq] }),
    ]);
  }

  // Weights and biases: int8/int32 initializers behind DequantizeLinear, one per weight and axis.
  const weightNodes: NodeProto[] = [];
  const weightDq = new Map<string, { output: string; scales: Float32Array }>();
  const replacedBiases: string[] = [];
  const dequantizeConstant = (source: TensorProto, kind: "weight" | "bias", axis: number, q: { values: Int8Array | Int32Array; scales: Float32Array }) => {
    const type = kind === "weight" ? DataType.INT8 : DataType.INT32;
    const zeros = kind === "weight" ? new Int8Array(q.scales.length) : new Int32Array(q.scales.length);
    const values = tensor(fresh(`${source.name}_quantized`), type, source.dims.map(Number), q.values);
    const scale = tensor(fresh(`${source.name}_scale`), DataType.FLOAT, [q.scales.length], q.scales);
    const zp = tensor(fresh(`${source.name}_zero_point`), type, [q.scales.length], zeros);
    initializers.push(values, scale, zp);
    const output = fresh(`${source.name}_dequantized`);
    weightNodes.push(make.node({ name: fresh(`${source.name}_DequantizeLinear`), opType: "DequantizeLinear", input: [values.name, scale.name, zp.name], output: [output], attribute: [make.attribute({ name: "axis", ...attr.int(axis) })] }));
    return output;
  };
  for (const node of plan.nodes) {
    const axis = weightAxis(node);
    const w = plan.weights.get(node.input[1] ?? "");
    if (axis === undefined || !w) continue;
    const key = `${w.name}@${axis}`;
    let dq = weightDq.get(key);
    if (!dq) {
      const q = quantizeWeights(floatValues(w), w.dims.map(Number), axis);
      dq = { output: dequantizeConstant(w, "weight", axis, q), scales: q.scales };
      weightDq.set(key, dq);
    }
    node.input[1] = dq.output;
    const b = plan.weights.get(node.input[2] ?? "");
    if (b && biasQuantizable(node, b, dq.scales.length)) {
      const bias = quantizeBias(floatValues(b), params.get(node.input[0]!)!.scale, dq.scales);
      node.input[2] = dequantizeConstant(b, "bias", 0, bias);
      replacedBiases.push(b.name);
    }
  }

  const nodes: NodeProto[] = [...weightNodes];
  const produced = new Set(graph.node.flatMap((n) => n.output));
  for (const t of plan.tensors) if (!produced.has(t)) nodes.push(...pairs.get(t)!);
  for (const node of graph.node) {
    node.input.forEach((name, i) => {
      const dq = dequantized.get(name);
      if (dq !== undefined) node.input[i] = dq;
    });
    nodes.push(node);
    for (const out of node.output) nodes.push(...(pairs.get(out) ?? []));
  }
  graph.node = nodes;
  graph.initializer.push(...initializers);
  dropUnread(model, new Set([...weightDq.keys()].map((k) => k.slice(0, k.lastIndexOf("@"))).concat(replacedBiases)));
  model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx")!.version = BigInt(opset);
  if (model.irVersion < 7n) model.irVersion = 7n;

  const counts = new Map<string, number>();
  for (const node of plan.nodes) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  return { quantizedNodes: [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => a.op.localeCompare(b.op)), quantizedTensors: plan.tensors.length };
}

/** The output-channel axis of a node's weight: Conv's is dim 0, Gemm's dim 0 when transB=1 else 1, MatMul's [K,N] dim 1. */
function weightAxis(node: NodeProto): number | undefined {
  if (node.opType === "Conv") return 0;
  if (node.opType === "Gemm") return Number(attribute(node, "transB")?.i ?? 0n) === 1 ? 0 : 1;
  if (node.opType === "MatMul") return 1;
  return undefined;
}

/** Gemm's C is a bias only when it is added as is (alpha = beta = 1) with one value per output channel. */
function biasQuantizable(node: NodeProto, b: TensorProto, channels: number): boolean {
  if (b.dims.length !== 1 || Number(b.dims[0]) !== channels) return false;
  if (node.opType === "Conv") return true;
  return node.opType === "Gemm" && (attribute(node, "alpha")?.f ?? 1) === 1 && (attribute(node, "beta")?.f ?? 1) === 1;
}

/** The default-domain opset the quantized model needs: the model's own if ≥ 13, else 13 when nothing breaks. */
export function requireQdqOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx");
  const version = Number(entry?.version ?? 0n);
  if (version >= QDQ_OPSET) return version;
  const blocking = [...new Set(model.graph?.node.filter((n) => n.domain === "" && CHANGED_BY_13.has(n.opType)).map((n) => n.opType))];
  if (!entry || version < 11 || blocking.length > 0) {
    throw new UsageError(`INT8 QDQ needs opset ${QDQ_OPSET}, and this model's opset ${version} cannot be raised to it in place${blocking.length ? ` (${blocking.join(", ")} changed)` : ""}`, {
      hint: `re-export the model at opset ${QDQ_OPSET} or later (trtx export --opset 17)`,
    });
  }
  return QDQ_OPSET;
}

/** Float weights that only the quantized nodes read are dropped: keeping them would undo the 4× smaller file. */
function dropUnread(model: ModelProto, replaced: Set<string>): void {
  const graph = model.graph!;
  const read = new Set(graph.node.flatMap((n) => [...n.input, ...subgraphsOf(n).flatMap((g) => [...outerReads(g)])]));
  for (const out of graph.output) read.add(out.name);
  const dropped = (name: string) => replaced.has(name) && !read.has(name);
  graph.initializer = graph.initializer.filter((t) => !dropped(t.name));
  // IR < 4 models list their weights as graph inputs too.
  graph.input = graph.input.filter((v) => !dropped(v.name));
}
