/**
 * The element type of every value in a graph and its subgraphs, without running ONNX shape inference: what the
 * model declares (inputs, outputs, value_info, initializers), and for the rest what each op's type rules give.
 * The float16 conversion needs it to know which values are float32 (and so change), which is all it asks;
 * shapes are not inferred.
 */
import type { AttributeProto, GraphProto, NodeProto, TypeProto } from "../onnx/codec.js";
import { DataType } from "../onnx/dtype.js";

const STRING = 8;
const ML_DOMAIN = "ai.onnx.ml";

/** Element types by value name, looked up through the enclosing graphs as a subgraph sees them. */
export class ElemTypes {
  private readonly own = new Map<string, number>();
  constructor(readonly outer?: ElemTypes) {}

  get(name: string): number | undefined {
    return this.own.get(name) ?? this.outer?.get(name);
  }

  set(name: string, type: number): void {
    this.own.set(name, type);
  }

  /** Sets a type only where this graph has none yet: what the model declares wins over what the rules infer. */
  setDefault(name: string, type: number | undefined): void {
    if (name !== "" && type !== undefined && type !== 0 && !this.own.has(name)) this.own.set(name, type);
  }
}

/**
 * Infers `graph`'s element types, and those of every subgraph into `subgraphs` (keyed by the subgraph).
 * `inputHints` stand in for subgraph inputs that declare no type (a Loop body's carried values).
 */
export function inferElemTypes(graph: GraphProto, outer: ElemTypes | undefined, subgraphs: Map<GraphProto, ElemTypes>, inputHints: readonly (number | undefined)[] = []): ElemTypes {
  const types = new ElemTypes(outer);
  for (const t of graph.initializer) types.set(t.name, t.dataType);
  for (const s of graph.sparseInitializer) if (s.values) types.set(s.values.name, s.values.dataType);
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) types.setDefault(v.name, declaredElemType(v.type));
  graph.input.forEach((v, i) => types.setDefault(v.name, inputHints[i]));
  for (const node of graph.node) {
    const ins = node.input.map((n) => (n === "" ? undefined : types.get(n)));
    for (const a of node.attribute) {
      for (const g of [...(a.g ? [a.g] : []), ...a.graphs]) subgraphs.set(g, inferElemTypes(g, types, subgraphs, bodyInputHints(node, ins)));
    }
    const outs = outputElemTypes(node, ins, (g) => g.output.map((o) => subgraphs.get(g)!.get(o.name)));
    node.output.forEach((o, i) => types.setDefault(o, outs[i]));
  }
  return types;
}

/** The element type a ValueInfo declares for a tensor, or for the tensors of a sequence or optional. */
export function declaredElemType(type: TypeProto | undefined): number | undefined {
  const t = typeHoldingElem(type);
  return t && t.elemType !== 0 ? t.elemType : undefined;
}

/** The TypeProto part that carries the element type: the tensor, or the tensor inside a sequence or optional. */
export function typeHoldingElem(type: TypeProto | undefined): { elemType: number } | undefined {
  const v = type?.value;
  if (v?.case === "tensorType" || v?.case === "sparseTensorType") return v.value;
  if (v?.case === "sequenceType" || v?.case === "optionalType") return typeHoldingElem(v.value.elemType);
  return undefined;
}

export function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** Loop bodies take (iteration, condition, carried...); Scan bodies take (state..., scan elements...) in node input order. */
function bodyInputHints(node: NodeProto, ins: (number | undefined)[]): (number | undefined)[] {
  if (node.opType === "Loop") return [DataType.INT64, DataType.BOOL, ...ins.slice(2)];
  if (node.opType === "Scan") return ins;
  return [];
}

const INT64_OUTPUT = new Set(["Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression", "SequenceLength"]);
const BOOL_OUTPUT = new Set(["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf", "RegexFullMatch"]);
/** Ops whose `dtype` attribute sets the output type, and what it is when the attribute is absent ("input": the input's). */
export const DTYPE_ATTRIBUTE = new Map<string, number | "input">([
  ["RandomNormal", DataType.FLOAT],
  ["RandomUniform", DataType.FLOAT],
  ["SequenceEmpty", DataType.FLOAT],
  ["RandomNormalLike", "input"],
  ["RandomUniformLike", "input"],
  ["EyeLike", "input"],
  ["Bernoulli", "input"],
  ["Multinomial", DataType.INT32],
]);
/** Ops whose `output_datatype` attribute sets the output type, float32 by default. */
export const OUTPUT_DATATYPE_ATTRIBUTE = new Set(["HannWindow", "HammingWindow", "BlackmanWindow", "MelWeightMatrix"]);
/** ai.onnx.ml ops with float32 outputs (the classifiers' first output, the labels, is int64 or string). */
const ML_FLOAT_OUTPUTS = new Map<string, (number | undefined)[]>([
  ...["LinearRegressor", "SVMRegressor", "TreeEnsembleRegressor", "Scaler", "Normalizer", "FeatureVectorizer", "OneHotEncoder"].map((op): [string, (number | undefined)[]] => [op, [DataType.FLOAT]]),
  ...["LinearClassifier", "SVMClassifier", "TreeEnsembleClassifier"].map((op): [string, (number | undefined)[]] => [op, [undefined, DataType.FLOAT]]),
]);
const ML_SAME_AS_INPUT = new Set(["Imputer", "Binarizer", "ArrayFeatureExtractor"]);

/** The element type of each of a node's outputs, as far as the op's type rules tell; undefined where they do not. */
function outputElemTypes(node: NodeProto, ins: (number | undefined)[], subgraphOutputs: (g: GraphProto) => (number | undefined)[]): (number | undefined)[] {
  const op = node.opType;
  const first = ins.find((t) => t !== undefined);
  const all = (t: number | undefined) => node.output.map(() => t);
  const attrInt = (name: string) => {
    const a = attribute(node, name);
    return a === undefined ? undefined : Number(a.i);
  };
  if (node.domain === ML_DOMAIN) return ML_FLOAT_OUTPUTS.get(op) ?? (ML_SAME_AS_INPUT.has(op) ? [first] : []);
  if (INT64_OUTPUT.has(op)) return all(DataType.INT64);
  if (BOOL_OUTPUT.has(op)) return all(DataType.BOOL);
  const dtypeDefault = DTYPE_ATTRIBUTE.get(op);
  if (dtypeDefault !== undefined) return [attrInt("dtype") ?? (dtypeDefault === "input" ? first : dtypeDefault)];
  if (OUTPUT_DATATYPE_ATTRIBUTE.has(op)) return [attrInt("output_datatype") ?? DataType.FLOAT];
  switch (op) {
    case "Cast":
      return [attrInt("to")];
    case "CastLike":
    case "Where":
    case "DequantizeLinear":
      return [ins[1]];
    case "OneHot":
      return [ins[2]];
    case "Constant":
      return [constantElemType(node)];
    case "ConstantOfShape":
      return [attribute(node, "value")?.t?.dataType ?? DataType.FLOAT];
    case "QuantizeLinear":
      return [attrInt("output_dtype") || ins[2] || DataType.UINT8];
    case "TfIdfVectorizer":
      return [DataType.FLOAT];
    case "DynamicQuantizeLinear":
      return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
    case "MatMulInteger":
    case "ConvInteger":
      return [DataType.INT32];
    case "QLinearConv":
    case "QLinearMatMul":
      return [ins[7]];
    case "TopK":
    case "MaxPool":
    case "Unique":
      return [first, ...node.output.slice(1).map(() => DataType.INT64)];
    case "Dropout":
      return [first, DataType.BOOL];
    case "LayerNormalization": {
      const stash = attrInt("stash_type") ?? DataType.FLOAT;
      return [first, stash, stash];
    }
    case "If": {
      const branch = attribute(node, "then_branch")?.g;
      return branch ? subgraphOutputs(branch) : [];
    }
    case "Loop": {
      const body = attribute(node, "body")?.g;
      return body ? subgraphOutputs(body).slice(1) : [];
    }
    case "Scan": {
      const body = attribute(node, "body")?.g;
      return body ? subgraphOutputs(body) : [];
    }
    default:
      return all(first);
  }
}

function constantElemType(node: NodeProto): number | undefined {
  const a = node.attribute[0];
  switch (a?.name) {
    case "value":
      return a.t?.dataType;
    case "sparse_value":
      return a.sparseTensor?.values?.dataType;
    case "value_float":
    case "value_floats":
      return DataType.FLOAT;
    case "value_int":
    case "value_ints":
      return DataType.INT64;
    case "value_string":
    case "value_strings":
      return STRING;
    default:
      return undefined;
  }
}
