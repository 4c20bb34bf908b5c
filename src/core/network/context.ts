/**
 * What a layer sees while it is compiled: its parameters (read with type checks), its weights (created,
 * initialised and counted here), and the node emitters that name tensors after the layer.
 */
import { attr, GraphBuilder, type AttrInit } from "../onnx/builder.js";
import { DataType } from "../onnx/dtype.js";
import { formatShape, type Dim } from "../onnx/model-info.js";
import { toFloat16Array } from "../tensor/float16.js";
import type { SeededRandom } from "../tensor/random.js";
import { specError, type Where } from "./spec.js";

export interface Tensor {
  name: string;
  dtype: number;
  shape: Dim[];
}

/** State shared by all layers of one network. */
export interface NetState {
  g: GraphBuilder;
  rng: SeededRandom;
  fp16Weights: boolean;
  /** Count weights without creating them (listing templates needs only the totals). */
  countOnly: boolean;
  /** Trainable parameters (what torchvision and transformers count) and buffers such as BN running stats. */
  parameters: number;
  buffers: number;
  nodeNames: Set<string>;
}

/** How a weight's values are drawn. */
export type Init = { normal: number } | { uniform: number } | { fill: number };

/** Keys every layer may carry; the rest are the layer's own parameters. */
export const COMMON_KEYS = ["type", "name", "input", "inputs", "repeat", "start"];

export class LayerContext {
  constructor(
    private readonly net: NetState,
    /** The layer's full dotted name (block prefixes included): weights are `<name>.weight`. */
    readonly name: string,
    readonly type: string,
    readonly where: Where,
    private readonly raw: Record<string, unknown>,
    /** Looks up a layer or input by the name a layer uses for it (scope-relative, $input, or full). */
    private readonly resolve: (reference: string) => Tensor,
  ) {}

  /** A tensor named by parameter `key` (attention's mask), or undefined when the key is absent. */
  ref(key: string): Tensor | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") this.fail(`'${key}' must name a layer or input, got ${JSON.stringify(v)}`);
    return this.resolve(v);
  }

  fail(message: string, hint?: string): never {
    throw specError(this.where, `layer ${this.name} (${this.type}): ${message}`, hint);
  }

  /** Refuses keys the layer does not know, so a typo is an error instead of a silent default. */
  checkKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!COMMON_KEYS.includes(key) && !known.includes(key)) {
        this.fail(`unknown key '${key}'`, known.length ? `${this.type} takes ${known.join(", ")}` : `${this.type} takes no parameters`);
      }
    }
  }

  int(key: string, fallback?: number, min = 1): number {
    const v = this.raw[key] ?? fallback;
    if (v === undefined) this.fail(`'${key}' is required`);
    if (!Number.isInteger(v) || (v as number) < min) this.fail(`'${key}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  }

  /** An integer or a list of `count` integers (kernel: 3 or kernel: [3, 3]). */
  ints(key: string, count: number, fallback?: number, min = 1): number[] {
    const v = this.raw[key] ?? fallback;
    if (v === undefined) this.fail(`'${key}' is required`);
    const list = Array.isArray(v) ? v : Array<unknown>(count).fill(v);
    if (list.length !== count || !list.every((x) => Number.isInteger(x) && (x as number) >= min)) {
      this.fail(`'${key}' must be an integer >= ${min} or a list of ${count}, got ${JSON.stringify(v)}`);
    }
    return list as number[];
  }

  intList(key: string, fallback?: number[]): number[] {
    const v = this.raw[key] ?? fallback;
    if (!Array.isArray(v) || !v.every(Number.isInteger)) this.fail(`'${key}' must be a list of integers, got ${JSON.stringify(v)}`);
    return v as number[];
  }

  num(key: string, fallback: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(`'${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== "boolean") this.fail(`'${key}' must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.raw[key] ?? fallback;
    if (!choices.includes(v as T)) this.fail(`'${key}' must be one of ${choices.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  /** A float32 weight `<layer>.<suffix>`, initialised and counted; returns the tensor name to feed. */
  weight(suffix: string, dims: number[], init: Init, kind: "parameter" | "buffer" = "parameter"): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (kind === "parameter") this.net.parameters += count;
    else this.net.buffers += count;
    const name = `${this.name}.${suffix}`;
    if (this.net.countOnly) return name;
    const values = new Float32Array(count);
    const rng = this.net.rng;
    if ("fill" in init) values.fill(init.fill);
    else if ("normal" in init) for (let i = 0; i < count; i++) values[i] = rng.normal() * init.normal;
    else for (let i = 0; i < count; i++) values[i] = (rng.next() * 2 - 1) * init.uniform;
    if (!this.net.fp16Weights) return this.net.g.weight(name, dims, values);
    // Stored as float16 (half the file); a Cast at the graph's start restores float32, folded away by ORT at load.
    this.net.g.initializer(name, DataType.FLOAT16, dims, toFloat16Array(values));
    return this.net.g.node("Cast", [name], { to: attr.int(DataType.FLOAT) }, { name: `${name}/Cast`, outputs: [`${name}/fp32`] })[0]!;
  }

  /** A small constant the layer needs (not a parameter). */
  constant(suffix: string, dataType: number, dims: number[], data: Float32Array | BigInt64Array): string {
    return this.net.g.initializer(`${this.name}/${suffix}`, dataType, dims, data);
  }

  /** An intermediate node; its output is named after the layer and the op. */
  tmp(op: string, inputs: string[], attrs: Record<string, AttrInit> = {}): string {
    const node = this.uniqueNodeName(`${this.name}/${op}`);
    return this.net.g.node(op, inputs, attrs, { name: node, outputs: [`${node}_out`] })[0]!;
  }

  /** The layer's last node: its output tensor carries the layer's name. */
  out(op: string, inputs: string[], attrs: Record<string, AttrInit> = {}): string {
    return this.net.g.node(op, inputs, attrs, { name: this.uniqueNodeName(`${this.name}/${op}`), outputs: [this.name] })[0]!;
  }

  private uniqueNodeName(base: string): string {
    let name = base;
    for (let i = 1; this.net.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.net.nodeNames.add(name);
    return name;
  }
}

/** Shape helpers shared by the layers. */
export function requireRank(ctx: LayerContext, t: Tensor, rank: number | "at least 2", what = "input"): void {
  const ok = rank === "at least 2" ? t.shape.length >= 2 : t.shape.length === rank;
  if (!ok) ctx.fail(`${what} ${t.name} has shape ${formatShape(t.shape)}; expected rank ${rank}`);
}

export function knownDim(ctx: LayerContext, t: Tensor, axis: number, what: string): number {
  const d = t.shape.at(axis);
  if (typeof d !== "number") ctx.fail(`${what} of ${t.name} must be a fixed number, but its shape is ${formatShape(t.shape)}`);
  return d;
}

/** Numpy broadcasting of two shapes; undefined when fixed dims disagree. Symbolic dims are trusted. */
export function broadcast(a: Dim[], b: Dim[]): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === "number" && typeof y === "number") return undefined;
    else out.push(typeof x === "number" ? y : x);
  }
  return out;
}

export const dimProduct = (dims: Dim[]): Dim => (dims.every((d) => typeof d === "number") ? (dims as number[]).reduce((a, b) => a * b, 1) : null);
