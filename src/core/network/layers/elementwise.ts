/** Activations and element-wise layers: shape in equals shape out (add broadcasts). */
import { attr } from "../../onnx/builder.js";
import { DataType } from "../../onnx/dtype.js";
import { formatShape } from "../../onnx/model-info.js";
import { broadcast, type LayerContext, type Tensor } from "../context.js";
import type { LayerImpl } from "./types.js";

function unary(op: string): LayerImpl {
  return {
    keys: [],
    arity: 1,
    build(ctx, [x]) {
      ctx.checkKeys([]);
      return { ...x!, name: ctx.out(op, [x!.name]) };
    },
  };
}

export const relu = unary("Relu");
export const sigmoid = unary("Sigmoid");
export const tanh = unary("Tanh");

const scalar = (ctx: LayerContext, suffix: string, v: number) => ctx.constant(suffix, DataType.FLOAT, [], Float32Array.of(v));

/** ReLU6 as PyTorch defines it (MobileNet): Clip to [0, 6]. */
export const relu6: LayerImpl = {
  keys: [],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys([]);
    return { ...x!, name: ctx.out("Clip", [x!.name, scalar(ctx, "min", 0), scalar(ctx, "max", 6)]) };
  },
};

/** Exact GELU, x·½·(1 + erf(x/√2)), as BERT uses it (ONNX has a Gelu op only from opset 20). */
export const gelu: LayerImpl = {
  keys: [],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys([]);
    const erf = ctx.tmp("Erf", [ctx.tmp("Div", [x!.name, scalar(ctx, "sqrt2", Math.SQRT2)])]);
    const gate = ctx.tmp("Add", [erf, scalar(ctx, "one", 1)]);
    const name = ctx.out("Mul", [ctx.tmp("Mul", [x!.name, gate]), scalar(ctx, "half", 0.5)]);
    return { ...x!, name };
  },
};

export const softmax: LayerImpl = {
  keys: ["axis"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const axis = ctx.int("axis", -1, -x!.shape.length);
    if (axis >= x!.shape.length) ctx.fail(`axis ${axis} is out of range for shape ${formatShape(x!.shape)}`);
    return { ...x!, name: ctx.out("Softmax", [x!.name], { axis: attr.int(axis) }) };
  },
};

/** Inference no-op: passes its input through without a node. */
export const dropout: LayerImpl = {
  keys: ["p"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    return x!;
  },
};

/** Sum of two or more tensors with numpy broadcasting (residual connections). */
export const add: LayerImpl = {
  keys: [],
  arity: "many",
  build(ctx, inputs) {
    ctx.checkKeys([]);
    let shape = inputs[0]!.shape;
    for (const t of inputs.slice(1)) {
      if (t.dtype !== inputs[0]!.dtype) ctx.fail(`inputs ${inputs[0]!.name} and ${t.name} have different dtypes`);
      shape = broadcast(shape, t.shape) ?? ctx.fail(`shapes do not match: ${inputs[0]!.name} ${formatShape(shape)} and ${t.name} ${formatShape(t.shape)}`);
    }
    let sum = inputs[0]!.name;
    inputs.slice(1).forEach((t, i) => {
      sum = i === inputs.length - 2 ? ctx.out("Add", [sum, t.name]) : ctx.tmp("Add", [sum, t.name]);
    });
    return { name: sum, dtype: inputs[0]!.dtype, shape } satisfies Tensor;
  },
};
