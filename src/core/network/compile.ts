/**
 * Compiles a NetworkSpec into an ONNX model: walks the layers in order (each takes the previous layer's
 * output unless it names its inputs), expands blocks and repeats into dotted names (layer1.0.conv1, as
 * PyTorch names modules), infers every shape as it goes, and stops at the first layer that does not fit.
 */
import { GraphBuilder } from "../onnx/builder.js";
import type { ModelProto } from "../onnx/codec.js";
import type { Dim, ValueDesc } from "../onnx/model-info.js";
import { dtypeName } from "../onnx/dtype.js";
import { SeededRandom } from "../tensor/random.js";
import { COMMON_KEYS, LayerContext, type NetState, type Tensor } from "./context.js";
import { LAYERS } from "./layers/index.js";
import { specError, type LayerNode, type NetworkSpec, type Where } from "./spec.js";

export interface CompileOptions {
  /** Dim 0 of every input: symbolic ("dynamic", the default: kept as written) or a fixed size. */
  batch?: "dynamic" | number;
  seed?: number;
  opset?: number;
  /** Store float weights as float16 (half the file), cast back to float32 inside the graph. */
  fp16Weights?: boolean;
  metadata?: Record<string, string>;
  /** Count parameters without generating weights (the model then has none: for listing only). */
  countOnly?: boolean;
}

export interface CompiledNetwork {
  model: ModelProto;
  /** Trainable parameters, counted as PyTorch counts them (BN running statistics excluded). */
  parameters: number;
  /** Non-trainable weights (BN running mean and variance). */
  buffers: number;
  nodes: number;
  inputs: ValueDesc[];
  outputs: ValueDesc[];
}

/** ONNX IR version that goes with each supported opset (onnx/helper.py's VERSION_TABLE). */
const IR_FOR_OPSET: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };
const MAX_BLOCK_DEPTH = 32;

interface Scope {
  /** Full name of the enclosing block instance ("" at top level). */
  prefix: string;
  names: Map<string, Tensor>;
  input: Tensor;
  prev: Tensor;
  args: Record<string, unknown>;
  blocks: string[];
}

export function compileNetwork(spec: NetworkSpec, options: CompileOptions = {}): CompiledNetwork {
  const opset = options.opset ?? spec.opset;
  const irVersion = IR_FOR_OPSET[opset];
  if (irVersion === undefined) throw specError({ file: spec.file, line: 1, col: 1 }, `opset ${opset} is not supported`, "use an opset from 17 to 21");
  const g = new GraphBuilder(spec.name);
  const net: NetState = { g, rng: new SeededRandom(options.seed ?? 0), fp16Weights: Boolean(options.fp16Weights), countOnly: Boolean(options.countOnly), parameters: 0, buffers: 0, nodeNames: new Set() };
  const global = new Map<string, Tensor>();
  const autoNames = new Map<string, number>();

  const inputs: Tensor[] = spec.inputs.map((i) => {
    const shape: Dim[] = [...i.shape];
    if (typeof options.batch === "number") shape[0] = options.batch;
    g.input(i.name, i.dtype, shape);
    const t = { name: i.name, dtype: i.dtype, shape };
    global.set(i.name, t);
    return t;
  });

  const resolve = (ref: string, scope: Scope, where: Where): Tensor => {
    const t = ref === "$input" ? scope.input : (scope.names.get(ref) ?? global.get(ref));
    if (t) return t;
    const known = [...scope.names.keys(), ...(scope.prefix ? ["$input"] : spec.inputs.map((i) => i.name))].slice(-12);
    throw specError(where, `unknown input reference '${ref}'`, `names available here: ${known.join(", ")}`);
  };

  const runLayer = (node: LayerNode, scope: Scope): void => {
    const raw = substitute(node.raw, scope, node.where) as Record<string, unknown>;
    const type = raw.type;
    if (typeof type !== "string") throw specError(node.where, "a layer needs a type", `one of: ${Object.keys(LAYERS).join(", ")}, block`);
    const repeat = raw.repeat ?? 1;
    if (!Number.isInteger(repeat) || (repeat as number) < 1) throw specError(node.where, `repeat must be a positive integer, got ${JSON.stringify(repeat)}`);
    const start = raw.start;
    if (start !== undefined && (!Number.isInteger(start) || (start as number) < 0)) throw specError(node.where, `start must be a non-negative integer, got ${JSON.stringify(start)}`);
    const numbered = (repeat as number) > 1 || start !== undefined;
    if (raw.name !== undefined && typeof raw.name !== "string") throw specError(node.where, `name must be a string, got ${JSON.stringify(raw.name)}`);
    for (let i = 0; i < (repeat as number); i++) {
      const base = (raw.name as string | undefined) ?? autoName(type, autoNames);
      const local = numbered ? `${base}.${((start as number | undefined) ?? 0) + i}` : base;
      const full = scope.prefix ? `${scope.prefix}.${local}` : local;
      if (global.has(full)) throw specError(node.where, `duplicate name '${full}'`, "give each layer a unique name");
      const out = type === "block" ? runBlock(raw, node.where, scope, full) : runPrimitive(type, raw, node.where, scope, full);
      scope.names.set(local, out);
      global.set(full, out);
      scope.prev = out;
    }
  };

  const runPrimitive = (type: string, raw: Record<string, unknown>, where: Where, scope: Scope, full: string): Tensor => {
    const impl = LAYERS[type];
    if (!impl) throw specError(where, `unknown layer type '${type}'`, `known types: ${Object.keys(LAYERS).join(", ")}, block`);
    const refs = raw.inputs ?? (raw.input === undefined ? undefined : [raw.input]);
    if (refs !== undefined && (!Array.isArray(refs) || !refs.every((r) => typeof r === "string"))) throw specError(where, "input/inputs must name layers or inputs");
    const ins = refs ? (refs as string[]).map((r) => resolve(r, scope, where)) : [scope.prev];
    const arityOk = impl.arity === 1 ? ins.length === 1 : impl.arity === 2 ? ins.length === 2 : ins.length >= 2;
    if (!arityOk) throw specError(where, `layer ${full} (${type}) takes ${impl.arity === "many" ? "two or more" : impl.arity} input(s), got ${ins.length}`, "list them with inputs: [a, b]");
    return impl.build(new LayerContext(net, full, type, where, raw, (r) => resolve(r, scope, where)), ins);
  };

  const runBlock = (raw: Record<string, unknown>, where: Where, scope: Scope, full: string): Tensor => {
    for (const key of Object.keys(raw)) {
      if (!["block", "args", ...COMMON_KEYS].includes(key) || key === "inputs") throw specError(where, `block instance ${full}: unknown key '${key}'`, "a block instance takes block, args, input, name, repeat, start");
    }
    const def = spec.blocks.get(String(raw.block));
    if (!def) throw specError(where, `unknown block '${String(raw.block)}'`, `blocks defined: ${[...spec.blocks.keys()].join(", ") || "none"}`);
    if (scope.blocks.length >= MAX_BLOCK_DEPTH || scope.blocks.includes(def.name)) throw specError(where, `block ${def.name} uses itself`, "blocks cannot recurse");
    const given = (raw.args ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!(key in def.args)) throw specError(where, `block ${def.name} has no argument '${key}'`, `its args: ${Object.keys(def.args).join(", ") || "none"}`);
    }
    const input = raw.input === undefined ? scope.prev : resolve(String(raw.input), scope, where);
    const inner: Scope = { prefix: full, names: new Map(), input, prev: input, args: { ...def.args, ...given }, blocks: [...scope.blocks, def.name] };
    for (const layer of def.layers) runLayer(layer, inner);
    return inner.prev;
  };

  const top: Scope = { prefix: "", names: new Map(), input: inputs[0]!, prev: inputs[0]!, args: {}, blocks: [] };
  for (const layer of spec.layers) runLayer(layer, top);

  const outputs: ValueDesc[] = [];
  const renames = new Map<string, string>();
  for (const o of spec.outputs) {
    const t = resolve(o.from, top, o.where);
    if (inputs.some((i) => i.name === t.name) || renames.has(t.name) || [...renames.values()].includes(t.name)) {
      g.node("Identity", [renames.get(t.name) ?? t.name], {}, { name: `${o.name}/Identity`, outputs: [o.name] });
    } else if (t.name !== o.name) {
      renames.set(t.name, o.name);
    }
    g.output(o.name, t.dtype, t.shape);
    outputs.push({ name: o.name, kind: "tensor", dtype: dtypeName(t.dtype), shape: t.shape });
  }
  const model = g.model({ opset, irVersion, metadata: options.metadata ?? {} });
  for (const node of model.graph!.node) {
    node.input = node.input.map((n) => renames.get(n) ?? n);
    node.output = node.output.map((n) => renames.get(n) ?? n);
  }
  return {
    model,
    parameters: net.parameters,
    buffers: net.buffers,
    nodes: model.graph!.node.length,
    inputs: inputs.map((t) => ({ name: t.name, kind: "tensor", dtype: dtypeName(t.dtype), shape: t.shape })),
    outputs,
  };
}

function autoName(type: string, counters: Map<string, number>): string {
  const n = (counters.get(type) ?? 0) + 1;
  counters.set(type, n);
  return `${type}_${n}`;
}

/** Replaces "$arg" strings with the block's argument values ("$input" is a reference, resolved later). */
function substitute(value: unknown, scope: Scope, where: Where): unknown {
  if (typeof value === "string" && value.startsWith("$") && value !== "$input") {
    const key = value.slice(1);
    if (!(key in scope.args)) throw specError(where, `unknown argument ${value}`, scope.blocks.length ? `block ${scope.blocks.at(-1)} has args: ${Object.keys(scope.args).join(", ") || "none"}` : "$arguments exist only inside blocks");
    return scope.args[key];
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, scope, where));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, scope, where)]));
  return value;
}
