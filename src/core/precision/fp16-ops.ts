/**
 * What the float16 conversion must know about particular ops: which stay float32, which inputs and outputs
 * keep float32 inside a float16 node, and the attributes that name float32 as an output type.
 */
import { AttributeType, make, type AttributeProto, type NodeProto, type TensorProto } from "../onnx/codec.js";
import { DataType } from "../onnx/dtype.js";
import { attribute, DTYPE_ATTRIBUTE, OUTPUT_DATATYPE_ATTRIBUTE } from "./elem-types.js";
import { convertTensorToHalf, halfRawData, type RangeCounts } from "./half-tensor.js";

/**
 * Ops kept in float32 unless the caller says otherwise: onnxruntime's DEFAULT_OP_BLOCK_LIST (the ai.onnx.ml ops,
 * which have no float16 form, and ops that lack float16 kernels or lose accuracy in it, such as Range's step and
 * CumSum's running sum), less Resize, which converts with its scales kept float32 (FLOAT32_INPUTS); plus the quantization ops,
 * whose scales must be float32 before opset 19, and TfIdfVectorizer, whose output is float32 whatever it reads.
 */
export const DEFAULT_FP16_BLOCK_OPS: readonly string[] = [
  "ArrayFeatureExtractor",
  "Binarizer",
  "CastMap",
  "CategoryMapper",
  "DictVectorizer",
  "FeatureVectorizer",
  "Imputer",
  "LabelEncoder",
  "LinearClassifier",
  "LinearRegressor",
  "Normalizer",
  "OneHotEncoder",
  "RandomUniformLike",
  "SVMClassifier",
  "SVMRegressor",
  "Scaler",
  "TreeEnsembleClassifier",
  "TreeEnsembleRegressor",
  "ZipMap",
  "NonMaxSuppression",
  "TopK",
  "RoiAlign",
  "Range",
  "CumSum",
  "Min",
  "Max",
  "Upsample",
  "QuantizeLinear",
  "DequantizeLinear",
  "DynamicQuantizeLinear",
  "TfIdfVectorizer",
];

/** Inputs that stay float32 when the node runs in float16: Resize's roi and scales (scales is tensor(float) only). */
const FLOAT32_INPUTS = new Map<string, readonly number[]>([["Resize", [1, 2]]]);

/**
 * Outputs that stay float32 when the node runs in float16: LayerNormalization's Mean and InvStdDev have the type
 * of its stash_type, float32, in which it also accumulates (what keeps the normalization accurate in float16).
 */
const FLOAT32_OUTPUTS = new Map<string, readonly number[]>([["LayerNormalization", [1, 2]]]);

/**
 * Ops whose float output type is set by an attribute, not by their inputs: they emit float16 only when some
 * reader takes float16, so a Cast(int → float) that feeds Range alone stays exact.
 */
const READER_TYPED = new Set(["Constant", "ConstantOfShape", "Cast"]);

export function keepsFloat32Input(node: NodeProto, index: number): boolean {
  return FLOAT32_INPUTS.get(node.opType)?.includes(index) ?? false;
}

export function keepsFloat32Output(node: NodeProto, index: number): boolean {
  return FLOAT32_OUTPUTS.get(node.opType)?.includes(index) ?? false;
}

export function isReaderTyped(node: NodeProto): boolean {
  return READER_TYPED.has(node.opType);
}

/** Cast takes any input type, so its input never needs a Cast of its own. */
export function takesAnyInputType(node: NodeProto): boolean {
  return node.opType === "Cast";
}

/**
 * Rewrites a node whose float32 outputs become float16: attributes that name float32 as the output type name
 * float16 (Cast `to`, `dtype`, `output_datatype`; absent ones default to float32 and are added), and float32
 * tensors in attributes (Constant, ConstantOfShape's value) become float16.
 */
export function retargetToHalf(node: NodeProto, counts: RangeCounts): void {
  const op = node.opType;
  if (op === "Cast") setIntAttribute(node, "to", DataType.FLOAT16, false);
  const dtypeDefault = DTYPE_ATTRIBUTE.get(op);
  if (dtypeDefault !== undefined) setIntAttribute(node, "dtype", DataType.FLOAT16, dtypeDefault === DataType.FLOAT);
  if (OUTPUT_DATATYPE_ATTRIBUTE.has(op)) setIntAttribute(node, "output_datatype", DataType.FLOAT16, true);
  if (op === "ConstantOfShape" && !attribute(node, "value")) {
    // Without a value it makes float32 zeros.
    node.attribute.push(make.attribute({ name: "value", type: AttributeType.TENSOR, t: halfTensor("value", [1n], new Uint8Array(2)) }));
  }
  node.attribute = node.attribute.map((a) => (a.name === "value_float" || a.name === "value_floats" ? constantValueToHalf(a, counts) : a));
  for (const a of node.attribute) {
    for (const t of [a.t, ...a.tensors, a.sparseTensor?.values, ...a.sparseTensors.map((s) => s.values)]) if (t) convertTensorToHalf(t, counts);
  }
}

/** Sets an int attribute that reads float32 to float16; `addIfAbsent` where its absence means float32. */
function setIntAttribute(node: NodeProto, name: string, value: number, addIfAbsent: boolean): void {
  const a = attribute(node, name);
  if (a) {
    if (Number(a.i) === DataType.FLOAT) a.i = BigInt(value);
  } else if (addIfAbsent) {
    node.attribute.push(make.attribute({ name, type: AttributeType.INT, i: BigInt(value) }));
  }
}

/** Constant's value_float / value_floats as a float16 `value` tensor (ONNX has no float16 scalar attribute). */
function constantValueToHalf(a: AttributeProto, counts: RangeCounts): AttributeProto {
  const values = a.name === "value_float" ? [a.f] : a.floats;
  const dims = a.name === "value_float" ? [] : [BigInt(values.length)];
  return make.attribute({ name: "value", type: AttributeType.TENSOR, t: halfTensor("", dims, halfRawData(values, counts)) });
}

function halfTensor(name: string, dims: bigint[], rawData: Uint8Array<ArrayBuffer>): TensorProto {
  return make.tensor({ name, dataType: DataType.FLOAT16, dims, rawData });
}
