/**
 * Renders a ModelConfig object (the shape parseModelConfig returns) as config.pbtxt text, deterministically:
 * fields in the .proto's declaration order, two-space indent, repeated scalars on one line (`dims: [ 3, 224 ]`),
 * repeated messages as one `input [ { … }, { … } ]` list (the form Triton's documentation uses), map entries as
 * separate `parameters { key: … value … }` blocks in the object's key order, enums by name, strings
 * double-quoted. Plain scalars at their proto3 default are left out; messages and oneof members are printed even
 * when empty or default, since their presence means something.
 *
 * A key or value that does not fit the schema is a bug in the caller, not a user error, so it throws TypeError.
 */
import type protobuf from "protobufjs";
import { isDefault, type ConfigObject } from "./pbtxt-parse.js";
import { enumTypeOf, messageTypeOf, ModelConfigType } from "./schema.js";

export function renderModelConfig(config: ConfigObject): string {
  return renderFields(ModelConfigType, config, "").join("\n") + "\n";
}

function renderFields(type: protobuf.Type, obj: ConfigObject, indent: string): string[] {
  for (const key of Object.keys(obj)) {
    if (type.fields[key] === undefined) throw new TypeError(`${type.name} has no field "${key}"`);
  }
  const lines: string[] = [];
  for (const field of type.fieldsArray) {
    const value = obj[field.name];
    if (value === undefined || value === null) continue;
    const msgType = messageTypeOf(field);
    if (field.map) {
      const mapField = field as unknown as protobuf.MapField;
      for (const [k, v] of Object.entries(value as ConfigObject)) {
        lines.push(`${indent}${field.name} {`, `${indent}  key: ${scalar(mapField, mapField.keyType, k)}`);
        if (msgType !== undefined) lines.push(...messageLines(`${indent}  value `, msgType, v, `${indent}  `));
        else lines.push(`${indent}  value: ${scalar(field, field.type, v)}`);
        lines.push(`${indent}}`);
      }
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${type.name}.${field.name} must be an array`);
      if (value.length === 0) continue;
      if (msgType === undefined) {
        lines.push(`${indent}${field.name}: [ ${value.map((v) => scalar(field, field.type, v)).join(", ")} ]`);
        continue;
      }
      lines.push(`${indent}${field.name} [`);
      value.forEach((v, i) => {
        const block = messageLines(`${indent}  `, msgType, v, `${indent}  `);
        if (i < value.length - 1) block[block.length - 1] += ",";
        lines.push(...block);
      });
      lines.push(`${indent}]`);
    } else if (msgType !== undefined) {
      lines.push(...messageLines(`${indent}${field.name} `, msgType, value, indent));
    } else if (field.partOf !== null || !isDefault(field, value)) {
      lines.push(`${indent}${field.name}: ${scalar(field, field.type, value)}`);
    }
  }
  return lines;
}

/** `<head>{` … `}` with the body one level deeper than `indent`; an empty message stays on one line. */
function messageLines(head: string, type: protobuf.Type, value: unknown, indent: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`a ${type.name} must be an object`);
  }
  const body = renderFields(type, value as ConfigObject, `${indent}  `);
  return body.length === 0 ? [`${head}{ }`] : [`${head}{`, ...body, `${indent}}`];
}

function scalar(field: protobuf.FieldBase, type: string, value: unknown): string {
  const bad = () => new TypeError(`field "${field.name}" (${type}) cannot hold ${String(value)}`);
  const enumType = type === field.type ? enumTypeOf(field) : undefined;
  if (enumType !== undefined) {
    const name = typeof value === "number" ? enumType.valuesById[value] : value;
    if (typeof name !== "string" || !Object.hasOwn(enumType.values, name)) throw bad();
    return name;
  }
  switch (type) {
    case "string":
      if (typeof value !== "string") throw bad();
      return quote(value);
    case "bool":
      if (typeof value !== "boolean") throw bad();
      return String(value);
    case "float":
    case "double":
      if (typeof value !== "number") throw bad();
      if (Number.isNaN(value)) return "nan";
      if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
      return Object.is(value, -0) ? "-0" : String(value);
    default: {
      const text = typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? String(value) : "";
      if (!/^-?\d+$/.test(text)) throw bad();
      return text;
    }
  }
}

/** A double-quoted text-format string: quotes, backslashes and control characters escaped, the rest as is. */
function quote(s: string): string {
  const escaped = s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    if (c === "\\" || c === '"') return `\\${c}`;
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`;
  });
  return `"${escaped}"`;
}
