import type { LayerContext, Tensor } from "../context.js";

export interface LayerImpl {
  /** The layer's own parameter keys (besides type, name, input/inputs, repeat, start). */
  keys: string[];
  /** How many inputs it takes: one (default: the previous layer), exactly two, or two or more. */
  arity: 1 | 2 | "many";
  build(ctx: LayerContext, inputs: Tensor[]): Tensor;
}
