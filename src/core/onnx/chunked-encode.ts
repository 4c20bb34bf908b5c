/**
 * Encodes a model as a list of byte chunks whose concatenation is exactly what codec.encodeModel produces,
 * except that large raw_data payloads are passed through as they are instead of being copied into one
 * buffer. Saving a 100 MB model then needs the weights once in memory, not three times (the tensors, the
 * writer's chunks, and the final concatenation).
 *
 * It relies on how @bufbuild/protobuf writes binary: fields in field-number order, unknown fields last. Each
 * set field is encoded on its own (a message holding only that field), and the three messages that can hold
 * large payloads — ModelProto.graph, GraphProto.initializer, TensorProto.raw_data — are taken apart here.
 */
import { create, isFieldSet, toBinary, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { GraphProtoSchema, ModelProtoSchema, TensorProtoSchema, type GraphProto, type ModelProto, type TensorProto } from "onnx-buf";

/** Payloads at least this large are not copied. */
const LARGE = 1 << 16;
const LEN = 2;

type Special = (field: DescField) => Uint8Array[] | undefined;

export function encodeModelChunks(model: ModelProto): Uint8Array[] {
  return fieldwise(ModelProtoSchema, model, (field) =>
    field.localName === "graph" && model.graph ? lengthDelimited(7, graphChunks(model.graph)) : undefined,
  );
}

function graphChunks(graph: GraphProto): Uint8Array[] {
  return fieldwise(GraphProtoSchema, graph, (field) =>
    field.localName === "initializer" ? graph.initializer.flatMap((t) => lengthDelimited(5, tensorChunks(t))) : undefined,
  );
}

function tensorChunks(tensor: TensorProto): Uint8Array[] {
  if (tensor.rawData.length < LARGE) return [toBinary(TensorProtoSchema, tensor, { writeUnknownFields: true })];
  return fieldwise(TensorProtoSchema, tensor, (field) =>
    field.localName === "rawData" ? [header(9, tensor.rawData.length), tensor.rawData] : undefined,
  );
}

/** Each set field of `message`, in field-number order, then its unknown fields; `special` may take a field over. */
function fieldwise<Desc extends DescMessage>(schema: Desc, message: Message & Record<string, unknown>, special: Special): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const field of [...schema.fields].sort((a, b) => a.number - b.number)) {
    if (!isFieldSet(message as never, field)) continue;
    const taken = special(field);
    if (taken) {
      out.push(...taken);
      continue;
    }
    const single = create(schema) as Record<string, unknown>;
    single[field.localName] = message[field.localName];
    out.push(toBinary(schema, single as never));
  }
  if (message.$unknown?.length) {
    const unknown = create(schema) as Message;
    unknown.$unknown = message.$unknown;
    out.push(toBinary(schema, unknown as never, { writeUnknownFields: true }));
  }
  return out;
}

function lengthDelimited(fieldNumber: number, chunks: Uint8Array[]): Uint8Array[] {
  return [header(fieldNumber, chunks.reduce((n, c) => n + c.length, 0)), ...chunks];
}

/** A field tag with wire type LEN followed by the payload length. */
function header(fieldNumber: number, length: number): Uint8Array {
  return Uint8Array.from([...varint(fieldNumber * 8 + LEN), ...varint(length)]);
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}
