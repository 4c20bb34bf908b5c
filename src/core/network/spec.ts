/**
 * Parsing of trtx's YAML network definitions (docs/network-yaml.md) into a NetworkSpec that keeps each
 * layer's line and column, so that every later error can point at the line that caused it.
 */
import { isCollection, isMap, isPair, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { TrtxError } from "../errors.js";
import { dtypeFromName } from "../onnx/dtype.js";
import type { Dim } from "../onnx/model-info.js";

/** A network definition that is malformed or does not line up; the message starts with file:line:col. */
export class SpecError extends TrtxError {
  override name = "SpecError";
}

export interface Where {
  file: string;
  line: number;
  col: number;
}

export interface LayerNode {
  where: Where;
  raw: Record<string, unknown>;
}

export interface BlockDef {
  name: string;
  where: Where;
  /** Default values of the block's $arguments. */
  args: Record<string, unknown>;
  layers: LayerNode[];
}

export interface NetworkSpec {
  file: string;
  name: string;
  description: string;
  opset: number;
  inputs: { name: string; dtype: number; shape: Dim[]; where: Where }[];
  outputs: { name: string; from: string; where: Where }[];
  blocks: Map<string, BlockDef>;
  layers: LayerNode[];
}

const TOP_KEYS = ["name", "description", "opset", "inputs", "outputs", "blocks", "layers"];

export function specError(where: Where, message: string, hint?: string): SpecError {
  return new SpecError(`${where.file}:${where.line}:${where.col}: ${message}`, hint ? { hint } : {});
}

export function parseNetworkYaml(text: string, file: string): NetworkSpec {
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    // yaml's parser recurses once per nesting level and lets the stack overflow out (a few thousand `- ` or `? `; found by fuzzing).
    if (e instanceof RangeError && /call stack/.test(e.message)) throw new SpecError(`${file}:1:1: malformed YAML: nested too deeply (${e.message})`);
    throw e;
  }
  const at = (node: YamlNode | null | undefined): Where => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, col: pos.col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = firstError.linePos?.[0] ?? { line: 1, col: 1 };
    const message = firstError.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
    throw new SpecError(`${file}:${pos.line}:${pos.col}: malformed YAML: ${message}`);
  }
  checkStructure(doc.contents, at);
  const root = doc.contents;
  if (!isMap(root)) throw specError(at(root), "a network definition is a mapping with inputs, layers and outputs");
  const top = root.toJSON() as Record<string, unknown>;
  const child = (key: string) => root.get(key, true) as YamlNode | undefined;
  for (const key of Object.keys(top)) {
    if (!TOP_KEYS.includes(key)) throw specError(at(root.items.find((p) => (p.key as { value?: unknown })?.value === key)?.key as YamlNode), `unknown top-level key '${key}'`, `known keys: ${TOP_KEYS.join(", ")}`);
  }

  const opset = top.opset ?? 17;
  if (!Number.isInteger(opset)) throw specError(at(child("opset")), `opset must be an integer, got ${JSON.stringify(opset)}`);

  const inputsNode = child("inputs");
  if (!isMap(inputsNode) || inputsNode.items.length === 0) throw specError(at(inputsNode ?? root), "inputs must map each input name to { dtype, shape }");
  const inputs = inputsNode.items.map((pair) => {
    const name = String((pair.key as { value?: unknown }).value);
    const where = at(pair.key as YamlNode);
    const value = (pair.value as YamlNode | null)?.toJSON?.() as { dtype?: unknown; shape?: unknown } | undefined;
    // A mapping or list where the dtype name belongs is an unknown dtype (String() of one with a toString key, which YAML
    // can write, throws a TypeError; found by fuzzing).
    const dtype = isPlain(value?.dtype) ? dtypeFromName(String(value?.dtype ?? "float32")) : undefined;
    if (dtype === undefined) throw specError(where, `input ${name}: unknown dtype ${JSON.stringify(value?.dtype)}`, "use float32, float16, int64, int32, bool...");
    if (!Array.isArray(value?.shape)) throw specError(where, `input ${name}: shape must be a list such as [batch, 3, 224, 224]`);
    const shape = value.shape.map((d: unknown): Dim => {
      if (typeof d === "string" && /^[A-Za-z_][\w.]*$/.test(d)) return d;
      if (Number.isInteger(d) && (d as number) > 0) return d as number;
      throw specError(where, `input ${name}: dim ${JSON.stringify(d)} must be a positive integer or a symbolic name`);
    });
    return { name, dtype, shape, where };
  });

  const outputsNode = child("outputs");
  if (!isMap(outputsNode) || outputsNode.items.length === 0) throw specError(at(outputsNode ?? root), "outputs must map each output name to the layer that produces it (output: fc)");
  const outputs = outputsNode.items.map((pair) => ({
    name: String((pair.key as { value?: unknown }).value),
    from: String((pair.value as { value?: unknown } | null)?.value ?? ""),
    where: at(pair.key as YamlNode),
  }));

  const layerList = (node: YamlNode | undefined, what: string): LayerNode[] => {
    if (!isSeq(node) || node.items.length === 0) throw specError(at(node ?? root), `${what} must be a non-empty list of layers`);
    return node.items.map((item) => {
      const where = at(item as YamlNode);
      if (!isMap(item)) throw specError(where, "each layer is a mapping such as { type: relu }");
      const raw = item.toJSON() as Record<string, unknown>;
      // Nested layer lists (none today) would lose their lines through toJSON; blocks are the way to nest.
      return { where, raw };
    });
  };

  const blocks = new Map<string, BlockDef>();
  const blocksNode = child("blocks");
  if (blocksNode !== undefined) {
    if (!isMap(blocksNode)) throw specError(at(blocksNode), "blocks must map block names to { args, layers }");
    for (const pair of blocksNode.items) {
      const name = String((pair.key as { value?: unknown }).value);
      const where = at(pair.key as YamlNode);
      if (!isMap(pair.value)) throw specError(where, `block ${name} must be a mapping with layers (and args)`);
      const args = ((pair.value.get("args", true) as YamlNode | undefined)?.toJSON?.() ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(pair.value.toJSON() as object)) {
        if (key !== "args" && key !== "layers") throw specError(where, `block ${name}: unknown key '${key}'`, "a block has args and layers");
      }
      blocks.set(name, { name, where, args, layers: layerList(pair.value.get("layers", true) as YamlNode, `block ${name}'s layers`) });
    }
  }

  for (const key of ["name", "description"]) {
    if (!isPlain(top[key])) throw specError(at(child(key)), `${key} must be text, not a ${Array.isArray(top[key]) ? "list" : "mapping"}`);
  }
  return {
    file,
    name: String(top.name ?? file.replace(/^.*\//, "").replace(/\.ya?ml$/, "")),
    description: String(top.description ?? ""),
    opset: opset as number,
    inputs,
    outputs,
    blocks,
    layers: layerList(child("layers"), "layers"),
  };
}

/** Nesting deeper than this is refused before anything recurses into the document; a network definition nests a few levels. */
const MAX_DEPTH = 200;

/**
 * Walks the document without recursion, refusing nesting deeper than MAX_DEPTH (toJSON recurses per level) and mapping keys
 * that are mappings or lists (`? [a]: b`, `? ? ? ...`): yaml turns those into strings when converting to JS, in time
 * exponential in their nesting (300 bytes of `? ` take seconds, 400 bytes minutes). Both found by fuzzing.
 */
function checkStructure(contents: unknown, at: (node: YamlNode) => Where): void {
  const stack: [unknown, number][] = [[contents, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth >= MAX_DEPTH) throw specError(at(node), `nested more than ${MAX_DEPTH} levels deep`);
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push([item, depth + 1]);
        continue;
      }
      if (isCollection(item.key)) throw specError(at(item.key), "a mapping key is itself a mapping or a list", "keys are plain names");
      stack.push([item.value, depth + 1]);
    }
  }
}

/** A value String() can turn into text: not a mapping or list (whose keys may include a toString that is not a function). */
function isPlain(value: unknown): boolean {
  return value === null || typeof value !== "object";
}
