/**
 * The one place that knows which protobuf library encodes ONNX. onnx-buf (ONNX 1.20 schema on
 * @bufbuild/protobuf) was chosen by measurement: every model in the conformance set and the real-model
 * set round-trips byte-identically through it, unknown fields included, and raw_data decodes as a view of
 * the input (no copy). onnx-proto 8.0.1 (ONNX 1.10) drops 17 fields; see BENCHMARKS.md.
 */
import { clearField, create, fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import {
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from "onnx-buf";
import type { ModelProto, TensorProto, ValueInfoProto } from "onnx-buf";

export type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  StringStringEntryProto,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from "onnx-buf";
export { AttributeProto_AttributeType as AttributeType, TensorProto_DataLocation as DataLocation } from "onnx-buf";

/** Constructors for the messages trtx builds itself. */
export const make = {
  model: (init: Parameters<typeof create<typeof ModelProtoSchema>>[1]) => create(ModelProtoSchema, init),
  graph: (init: Parameters<typeof create<typeof GraphProtoSchema>>[1]) => create(GraphProtoSchema, init),
  node: (init: Parameters<typeof create<typeof NodeProtoSchema>>[1]) => create(NodeProtoSchema, init),
  attribute: (init: Parameters<typeof create<typeof AttributeProtoSchema>>[1]) => create(AttributeProtoSchema, init),
  tensor: (init: Parameters<typeof create<typeof TensorProtoSchema>>[1]) => create(TensorProtoSchema, init),
  opset: (domain: string, version: bigint) => create(OperatorSetIdProtoSchema, { domain, version }),
  entry: (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value }),
  /** A tensor-typed value info; string dims become dim_param, numbers dim_value, null an unknown dim. */
  tensorValueInfo(name: string, elemType: number, dims: readonly (number | string | null)[] | null): ValueInfoProto {
    const shape =
      dims === null
        ? undefined
        : create(TensorShapeProtoSchema, {
            dim: dims.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value:
                  d === null
                    ? { case: undefined }
                    : typeof d === "number"
                      ? { case: "dimValue", value: BigInt(d) }
                      : { case: "dimParam", value: d },
              }),
            ),
          });
    const tensorType = create(TypeProto_TensorSchema, shape ? { elemType, shape } : { elemType });
    return create(ValueInfoProtoSchema, {
      name,
      type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }),
    });
  },
};

/** Decodes a whole ModelProto; unknown fields are kept so that an unmodified model re-encodes identically. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model, { writeUnknownFields: true });
}

/** Decodes one ValueInfoProto from its wire bytes (used by the streaming scanner for graph I/O). */
export function decodeValueInfo(bytes: Uint8Array): ValueInfoProto {
  return fromBinary(ValueInfoProtoSchema, bytes);
}

/** Tensor fields whose presence (not only value) shows on the wire, so moving weights out and back must track it. */
type PresenceField = "rawData" | "dataLocation";

export function isTensorFieldSet(t: TensorProto, field: PresenceField): boolean {
  return isFieldSet(t, TensorProtoSchema.field[field]);
}

export function clearTensorField(t: TensorProto, field: PresenceField): void {
  clearField(t, TensorProtoSchema.field[field]);
}

/** Decodes one TensorProto, as the ONNX backend tests store inputs and outputs (.pb files). */
export function decodeTensor(bytes: Uint8Array): TensorProto {
  return fromBinary(TensorProtoSchema, bytes);
}

export function encodeTensor(tensor: TensorProto): Uint8Array {
  return toBinary(TensorProtoSchema, tensor);
}
