/** Layers that move data without arithmetic: concat, flatten, reshape, transpose, gather. */
import { attr } from "../../onnx/builder.js";
import { DataType } from "../../onnx/dtype.js";
import { formatShape, type Dim } from "../../onnx/model-info.js";
import { dimProduct, type LayerContext, type Tensor } from "../context.js";
import type { LayerImpl } from "./types.js";

function axisOf(ctx: LayerContext, t: Tensor, key: string, fallback: number): number {
  const rank = t.shape.length;
  const axis = ctx.int(key, fallback, -rank);
  if (axis >= rank) ctx.fail(`${key} ${axis} is out of range for ${t.name} ${formatShape(t.shape)}`);
  return axis < 0 ? axis + rank : axis;
}

export const concat: LayerImpl = {
  keys: ["axis"],
  arity: "many",
  build(ctx, inputs) {
    ctx.checkKeys(this.keys);
    const first = inputs[0]!;
    const axis = axisOf(ctx, first, "axis", 1);
    let total: Dim = 0;
    for (const t of inputs) {
      const same = t.shape.length === first.shape.length && t.shape.every((d, i) => i === axis || d === first.shape[i] || typeof d !== "number" || typeof first.shape[i] !== "number");
      if (!same) ctx.fail(`shapes do not line up on axes other than ${axis}: ${first.name} ${formatShape(first.shape)} and ${t.name} ${formatShape(t.shape)}`);
      const d = t.shape[axis]!;
      total = typeof total === "number" && typeof d === "number" ? total + d : null;
    }
    const shape = first.shape.map((d, i) => (i === axis ? total : d));
    return { name: ctx.out("Concat", inputs.map((t) => t.name), { axis: attr.int(axis) }), dtype: first.dtype, shape };
  },
};

export const flatten: LayerImpl = {
  keys: ["axis"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const axis = axisOf(ctx, x!, "axis", 1);
    const shape = [dimProduct(x!.shape.slice(0, axis)), dimProduct(x!.shape.slice(axis))];
    if (axis === 1) shape[0] = x!.shape[0]!; // keep the batch symbol
    return { name: ctx.out("Flatten", [x!.name], { axis: attr.int(axis) }), dtype: x!.dtype, shape };
  },
};

/** ONNX Reshape semantics: 0 copies the input's dim, -1 is inferred (at most one). */
export const reshape: LayerImpl = {
  keys: ["shape"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const target = ctx.intList("shape");
    if (target.filter((d) => d === -1).length > 1 || target.some((d) => d < -1)) ctx.fail(`shape ${JSON.stringify(target)}: at most one -1 and no other negative dims`);
    const shape: Dim[] = target.map((d, i) => (d === 0 ? (x!.shape[i] ?? ctx.fail(`shape ${JSON.stringify(target)}: 0 at axis ${i} has no input dim to copy`)) : d === -1 ? null : d));
    // Compare the elements outside the copied (0) axes, so a symbolic batch copied through does not hide a mismatch.
    const rest = dimProduct(x!.shape.filter((_, i) => target[i] !== 0));
    const fixed = target.filter((d) => d > 0).reduce((a, b) => a * b, 1);
    const inferred = target.indexOf(-1);
    if (typeof rest === "number") {
      if (inferred >= 0) {
        if (rest % fixed) ctx.fail(`cannot reshape ${formatShape(x!.shape)} to ${JSON.stringify(target)}`);
        shape[inferred] = rest / fixed;
      } else if (rest !== fixed) {
        ctx.fail(`cannot reshape ${formatShape(x!.shape)} to ${JSON.stringify(target)}: ${rest} elements per copied slice, ${fixed} asked`);
      }
    }
    const shapeConst = ctx.constant("shape", DataType.INT64, [target.length], BigInt64Array.from(target, BigInt));
    return { name: ctx.out("Reshape", [x!.name, shapeConst]), dtype: x!.dtype, shape };
  },
};

export const transpose: LayerImpl = {
  keys: ["perm"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const perm = ctx.intList("perm");
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x!.shape.length || sorted.some((p, i) => p !== i)) ctx.fail(`perm ${JSON.stringify(perm)} is not a permutation of the ${x!.shape.length} axes of ${formatShape(x!.shape)}`);
    return { name: ctx.out("Transpose", [x!.name], { perm: attr.ints(perm) }), dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
  },
};

/** Picks one index along an axis, dropping that axis (BERT's pooler takes token 0). */
export const gather: LayerImpl = {
  keys: ["axis", "index"],
  arity: 1,
  build(ctx, [x]) {
    ctx.checkKeys(this.keys);
    const axis = axisOf(ctx, x!, "axis", 0);
    const index = ctx.int("index", 0, 0);
    const size = x!.shape[axis];
    if (typeof size === "number" && index >= size) ctx.fail(`index ${index} is out of range for axis ${axis} of size ${size}`);
    const indexConst = ctx.constant("index", DataType.INT64, [], BigInt64Array.of(BigInt(index)));
    return { name: ctx.out("Gather", [x!.name, indexConst], { axis: attr.int(axis) }), dtype: x!.dtype, shape: x!.shape.filter((_, i) => i !== axis) };
  },
};
