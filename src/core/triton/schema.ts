/**
 * The ModelConfig schema, loaded once. The text-format parser and renderer walk these reflection objects, so
 * what they accept and print is exactly Triton's message tree.
 */
import protobuf from "protobufjs";
import { MODEL_CONFIG_SCHEMA } from "./model-config-schema.js";

export const MODEL_CONFIG_ROOT: protobuf.Root = protobuf.Root.fromJSON(MODEL_CONFIG_SCHEMA);
MODEL_CONFIG_ROOT.resolveAll();

export const ModelConfigType: protobuf.Type = MODEL_CONFIG_ROOT.lookupType("inference.ModelConfig");

/** A message field's type, resolved (protobufjs resolves lazily; resolveAll above has done it for every field). */
export function messageTypeOf(field: protobuf.FieldBase): protobuf.Type | undefined {
  return field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
}

export function enumTypeOf(field: protobuf.FieldBase): protobuf.Enum | undefined {
  return field.resolvedType instanceof protobuf.Enum ? field.resolvedType : undefined;
}
