/** Convolutional layers: conv2d, batchnorm and the pools, with PyTorch's parameter names and layouts. */
import { attr, type AttrInit } from "../../onnx/builder.js";
import { knownDim, requireRank, type Tensor } from "../context.js";
import type { LayerImpl } from "./types.js";

/** Output size of a sliding window along one axis (floor mode, as PyTorch and ONNX default to). */
function windowed(size: Tensor["shape"][number], kernel: number, stride: number, pad: number, dilation = 1) {
  if (typeof size !== "number") return null;
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

export const conv2d: LayerImpl = {
  keys: ["out", "kernel", "stride", "pad", "dilation", "groups", "bias"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    requireRank(ctx, x!, 4);
    const cin = knownDim(ctx, x!, 1, "the channel dimension");
    const out = ctx.int("out");
    const [kh, kw] = ctx.ints("kernel", 2) as [number, number];
    const [sh, sw] = ctx.ints("stride", 2, 1) as [number, number];
    const [ph, pw] = ctx.ints("pad", 2, 0, 0) as [number, number];
    const [dh, dw] = ctx.ints("dilation", 2, 1) as [number, number];
    const groups = ctx.int("groups", 1);
    if (cin % groups || out % groups) ctx.fail(`groups ${groups} must divide input channels ${cin} and out ${out}`);
    const fanIn = (cin / groups) * kh * kw;
    // Kaiming normal over fan-out, as torchvision initialises ResNet and MobileNet convolutions.
    const fanOut = (out / groups) * kh * kw;
    const inputs = [x!.name, ctx.weight("weight", [out, cin / groups, kh, kw], { normal: Math.sqrt(2 / fanOut) })];
    if (ctx.bool("bias", true)) inputs.push(ctx.weight("bias", [out], { uniform: 1 / Math.sqrt(fanIn) }));
    const [n, , h, w] = x!.shape;
    const name = ctx.out("Conv", inputs, {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([sh, sw]),
      pads: attr.ints([ph, pw, ph, pw]),
      dilations: attr.ints([dh, dw]),
      group: attr.int(groups),
    });
    return { name, dtype: x!.dtype, shape: [n!, out, windowed(h!, kh, sh, ph, dh), windowed(w!, kw, sw, pw, dw)] };
  },
};

export const batchnorm: LayerImpl = {
  keys: ["eps"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    if (x!.shape.length < 2) ctx.fail(`input ${x!.name} needs a channel dimension (rank >= 2)`);
    const c = knownDim(ctx, x!, 1, "the channel dimension");
    const name = ctx.out(
      "BatchNormalization",
      [
        x!.name,
        ctx.weight("weight", [c], { fill: 1 }),
        ctx.weight("bias", [c], { fill: 0 }),
        ctx.weight("running_mean", [c], { fill: 0 }, "buffer"),
        ctx.weight("running_var", [c], { fill: 1 }, "buffer"),
      ],
      { epsilon: attr.float(ctx.num("eps", 1e-5)) },
    );
    return { ...x!, name };
  },
};

function pool(op: "MaxPool" | "AveragePool"): LayerImpl {
  const keys = op === "MaxPool" ? ["kernel", "stride", "pad"] : ["kernel", "stride", "pad", "count_include_pad"];
  return {
    keys,
    arity: 1,
    build(ctx, [x]) {
      ctx.checkKeys(keys);
      requireRank(ctx, x!, 4);
      const [kh, kw] = ctx.ints("kernel", 2) as [number, number];
      const [sh, sw] = ctx.ints("stride", 2, kh) as [number, number];
      const [ph, pw] = ctx.ints("pad", 2, 0, 0) as [number, number];
      const attrs: Record<string, AttrInit> = { kernel_shape: attr.ints([kh, kw]), strides: attr.ints([sh, sw]), pads: attr.ints([ph, pw, ph, pw]) };
      // PyTorch's AvgPool2d counts padding by default; ONNX does not unless told.
      if (op === "AveragePool") attrs.count_include_pad = attr.int(ctx.bool("count_include_pad", true) ? 1 : 0);
      const [n, c, h, w] = x!.shape;
      return { name: ctx.out(op, [x!.name], attrs), dtype: x!.dtype, shape: [n!, c!, windowed(h!, kh, sh, ph), windowed(w!, kw, sw, pw)] };
    },
  };
}

export const maxpool = pool("MaxPool");
export const avgpool = pool("AveragePool");

export const globalavgpool: LayerImpl = {
  keys: [],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    requireRank(ctx, x!, 4);
    return { name: ctx.out("GlobalAveragePool", [x!.name]), dtype: x!.dtype, shape: [x!.shape[0]!, x!.shape[1]!, 1, 1] };
  },
};
