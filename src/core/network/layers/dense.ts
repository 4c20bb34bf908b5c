/**
 * Dense layers: linear, matmul, layernorm, embedding and multi-head self-attention. Linear weights use
 * PyTorch's [out, in] layout so that their names and shapes match a state_dict.
 */
import { attr } from "../../onnx/builder.js";
import { DataType } from "../../onnx/dtype.js";
import { formatShape } from "../../onnx/model-info.js";
import { knownDim, requireRank, type Init, type LayerContext, type Tensor } from "../context.js";
import type { LayerImpl } from "./types.js";

/** PyTorch's default Linear init is uniform(±1/√in); `std` selects normal(0, std) as BERT initialises. */
function linearInit(ctx: LayerContext, fanIn: number): Init {
  const std = ctx.num("std", 0);
  return std > 0 ? { normal: std } : { uniform: 1 / Math.sqrt(fanIn) };
}

/**
 * x·Wᵀ + b. Rank-2 inputs use Gemm; higher ranks MatMul with a transposed weight (a constant ORT folds at
 * load). `prefix` names the sub-layer's weights (attention's "query." etc.); `final` names the output.
 */
function emitLinear(ctx: LayerContext, x: Tensor, out: number, bias: boolean, prefix = "", final = true): Tensor {
  const fanIn = knownDim(ctx, x, -1, "the last dimension");
  const init = linearInit(ctx, fanIn);
  const w = ctx.weight(`${prefix}weight`, [out, fanIn], init);
  const b = bias ? ctx.weight(`${prefix}bias`, [out], { uniform: 1 / Math.sqrt(fanIn) }) : undefined;
  const emit = final ? ctx.out.bind(ctx) : ctx.tmp.bind(ctx);
  let name: string;
  if (x.shape.length === 2) {
    name = emit("Gemm", b ? [x.name, w, b] : [x.name, w], { transB: attr.int(1) });
  } else {
    const product = ctx.tmp("MatMul", [x.name, ctx.tmp("Transpose", [w], { perm: attr.ints([1, 0]) })]);
    name = b ? emit("Add", [product, b]) : product;
  }
  return { name, dtype: x.dtype, shape: [...x.shape.slice(0, -1), out] };
}

export const linear: LayerImpl = {
  keys: ["out", "bias", "std"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    requireRank(ctx, x!, "at least 2");
    return emitLinear(ctx, x!, ctx.int("out"), ctx.bool("bias", true));
  },
};

export const matmul: LayerImpl = {
  keys: [],
  arity: 2,
  build(ctx, [a, b]) {
    ctx.checkKeys([]);
    requireRank(ctx, a!, "at least 2", "input");
    requireRank(ctx, b!, "at least 2", "input");
    const k1 = a!.shape.at(-1);
    const k2 = b!.shape.at(-2);
    if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
      ctx.fail(`inner dimensions do not match: ${a!.name} ${formatShape(a!.shape)} · ${b!.name} ${formatShape(b!.shape)}`);
    }
    const lead = a!.shape.length >= b!.shape.length ? a!.shape.slice(0, -2) : b!.shape.slice(0, -2);
    return { name: ctx.out("MatMul", [a!.name, b!.name]), dtype: a!.dtype, shape: [...lead, a!.shape.at(-2)!, b!.shape.at(-1)!] };
  },
};

export const layernorm: LayerImpl = {
  keys: ["eps"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const d = knownDim(ctx, x!, -1, "the last dimension");
    const name = ctx.out("LayerNormalization", [x!.name, ctx.weight("weight", [d], { fill: 1 }), ctx.weight("bias", [d], { fill: 0 })], {
      axis: attr.int(-1),
      epsilon: attr.float(ctx.num("eps", 1e-5)),
    });
    return { ...x!, name };
  },
};

/**
 * A lookup table [vocab, dim]. `indices: input` looks up the input's ids; `positions` looks up 0..S-1 for the
 * input's second dimension (learned position embeddings); `zeros` takes row 0 (BERT's token type without ids).
 */
export const embedding: LayerImpl = {
  keys: ["vocab", "dim", "indices", "std"],
  arity: 1,
  build(ctx, [ids]) {
    ctx.checkKeys(this.keys);
    const vocab = ctx.int("vocab");
    const dim = ctx.int("dim");
    const mode = ctx.choice("indices", ["input", "positions", "zeros"] as const, "input");
    const table = ctx.weight("weight", [vocab, dim], { normal: ctx.num("std", 1) });
    if (mode !== "zeros" && ids!.dtype !== DataType.INT64 && ids!.dtype !== DataType.INT32) {
      ctx.fail(`input ${ids!.name} must hold integer ids (int64 or int32)`);
    }
    if (mode === "input") {
      return { name: ctx.out("Gather", [table, ids!.name]), dtype: DataType.FLOAT, shape: [...ids!.shape, dim] };
    }
    if (mode === "zeros") {
      const row = ctx.constant("row", DataType.INT64, [], BigInt64Array.of(0n));
      return { name: ctx.out("Gather", [table, row]), dtype: DataType.FLOAT, shape: [dim] };
    }
    requireRank(ctx, ids!, 2);
    const seq = ids!.shape[1]!;
    if (typeof seq === "number" && seq > vocab) ctx.fail(`sequence length ${seq} exceeds the ${vocab} positions`);
    const length = ctx.tmp("Squeeze", [ctx.tmp("Shape", [ids!.name], { start: attr.int(1), end: attr.int(2) })]);
    const scalar = (suffix: string, v: bigint) => ctx.constant(suffix, DataType.INT64, [], BigInt64Array.of(v));
    const positions = ctx.tmp("Range", [scalar("zero", 0n), length, scalar("step", 1n)]);
    return { name: ctx.out("Gather", [table, positions]), dtype: DataType.FLOAT, shape: [seq, dim] };
  },
};

const FLOAT32_LOWEST = -3.4028234663852886e38;

/**
 * Multi-head self-attention over [batch, seq, hidden], BERT's formulation: softmax(QKᵀ/√d + mask)·V, then an
 * output projection. `mask` names an input of 1s (attend) and 0s (padding), turned into an additive bias of
 * float32's lowest value as transformers does.
 */
export const attention: LayerImpl = {
  keys: ["heads", "mask", "std"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    requireRank(ctx, x!, 3);
    const hidden = knownDim(ctx, x!, 2, "the hidden dimension");
    const heads = ctx.int("heads");
    if (hidden % heads) ctx.fail(`hidden size ${hidden} is not divisible by ${heads} heads`);
    const headDim = hidden / heads;
    const i64 = (suffix: string, v: number[]) => ctx.constant(suffix, DataType.INT64, [v.length], BigInt64Array.from(v, BigInt));
    const split = ctx.constant("split_heads", DataType.INT64, [4], BigInt64Array.from([0, 0, heads, headDim], BigInt));
    const project = (which: string, perm: number[]) => {
      const p = emitLinear(ctx, x!, hidden, true, `self.${which}.`, false);
      return ctx.tmp("Transpose", [ctx.tmp("Reshape", [p.name, split])], { perm: attr.ints(perm) });
    };
    const q = project("query", [0, 2, 1, 3]);
    const k = project("key", [0, 2, 3, 1]);
    const v = project("value", [0, 2, 1, 3]);
    const scale = ctx.constant("scale", DataType.FLOAT, [], Float32Array.of(Math.sqrt(headDim)));
    let scores = ctx.tmp("Div", [ctx.tmp("MatMul", [q, k]), scale]);
    const mask = ctx.ref("mask");
    if (mask) {
      if (mask.shape.length !== 2) ctx.fail(`mask ${mask.name} must be [batch, sequence], got ${formatShape(mask.shape)}`);
      const one = ctx.constant("one", DataType.FLOAT, [], Float32Array.of(1));
      const lowest = ctx.constant("lowest", DataType.FLOAT, [], Float32Array.of(FLOAT32_LOWEST));
      const keep = ctx.tmp("Cast", [mask.name], { to: attr.int(DataType.FLOAT) });
      const bias = ctx.tmp("Mul", [ctx.tmp("Sub", [one, keep]), lowest]);
      scores = ctx.tmp("Add", [scores, ctx.tmp("Unsqueeze", [bias, i64("mask_axes", [1, 2])])]);
    }
    const context = ctx.tmp("MatMul", [ctx.tmp("Softmax", [scores], { axis: attr.int(-1) }), v]);
    const merged = ctx.tmp("Reshape", [ctx.tmp("Transpose", [context], { perm: attr.ints([0, 2, 1, 3]) }), i64("merge_heads", [0, 0, hidden])]);
    return emitLinear(ctx, { name: merged, dtype: x!.dtype, shape: x!.shape }, hidden, true, "output.dense.");
  },
};
