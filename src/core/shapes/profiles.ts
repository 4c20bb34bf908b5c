/**
 * Optimization profiles as trtexec takes them (--minShapes/--optShapes/--maxShapes, each in the shape-spec
 * syntax), checked against the model, and written back in the syntax ORT's TensorRT provider reads
 * (trt_profile_min_shapes and friends). Repeating the flags gives several profiles, in order.
 */
import { UsageError } from "../errors.js";
import { formatShape, type ValueDesc } from "../onnx/model-info.js";
import { parseShapeSpecs } from "./shape-spec.js";

export interface ShapeRange {
  min: number[];
  opt: number[];
  max: number[];
}

/** One profile: a shape range for every dynamic input. */
export type ShapeProfile = Map<string, ShapeRange>;

export interface ProfileFlags {
  min?: string[];
  opt?: string[];
  max?: string[];
}

/**
 * trtexec's rule: either --optShapes alone (then min = max = opt) or all three. The Nth occurrence of each flag
 * belongs to profile N.
 */
export function parseProfiles(flags: ProfileFlags): ShapeProfile[] {
  const min = flags.min ?? [];
  const opt = flags.opt ?? [];
  const max = flags.max ?? [];
  if (opt.length === 0 && min.length === 0 && max.length === 0) return [];
  const optOnly = min.length === 0 && max.length === 0;
  if (!optOnly && (min.length !== opt.length || max.length !== opt.length)) {
    throw new UsageError(`give only --optShapes, or --minShapes, --optShapes and --maxShapes the same number of times (got ${min.length}, ${opt.length}, ${max.length})`, {
      hint: "each repetition of the three flags is one profile",
    });
  }
  return opt.map((optSpec, i) => {
    const opts = parseShapeSpecs(optSpec);
    const mins = optOnly ? opts : parseShapeSpecs(min[i]!);
    const maxs = optOnly ? opts : parseShapeSpecs(max[i]!);
    const profile: ShapeProfile = new Map();
    for (const [name, o] of opts) {
      const lo = mins.get(name);
      const hi = maxs.get(name);
      if (!lo || !hi) throw new UsageError(`profile ${i}: ${name} has --optShapes but no ${lo ? "--maxShapes" : "--minShapes"}`, { hint: "name the same inputs in all three flags" });
      profile.set(name, { min: lo, opt: o, max: hi });
    }
    for (const name of [...mins.keys(), ...maxs.keys()]) {
      if (!opts.has(name)) throw new UsageError(`profile ${i}: ${name} has min/max shapes but no --optShapes`, { hint: "name the same inputs in all three flags" });
    }
    return profile;
  });
}

/**
 * Every profile must name only model inputs, with their rank, keep their fixed dims, order min ≤ opt ≤ max, and
 * cover every input with a dynamic dim (TensorRT builds one range per dynamic input).
 */
export function validateProfiles(profiles: ShapeProfile[], inputs: readonly ValueDesc[]): void {
  const dynamic = inputs.filter((v) => v.shape === null || v.shape.some((d) => typeof d !== "number" || d < 0));
  if (profiles.length > 0 && dynamic.length === 0) {
    throw new UsageError("the model's inputs are all fixed-size; shape profiles do not apply", { hint: "drop --minShapes/--optShapes/--maxShapes, or make the batch dynamic with trtx export --onnx ... --dynamic-batch" });
  }
  profiles.forEach((profile, p) => {
    for (const [name, range] of profile) {
      const desc = inputs.find((v) => v.name === name);
      if (!desc) throw new UsageError(`profile ${p}: ${name} is not an input of the model`, { hint: `its inputs: ${inputs.map((v) => v.name).join(", ")}` });
      for (const which of ["min", "opt", "max"] as const) {
        const dims = range[which];
        if (desc.shape && dims.length !== desc.shape.length) {
          throw new UsageError(`profile ${p}: ${which} shape ${formatShape(dims)} for ${name} has rank ${dims.length}, the model's ${formatShape(desc.shape)} has ${desc.shape.length}`);
        }
        desc.shape?.forEach((d, i) => {
          if (typeof d === "number" && d >= 0 && dims[i] !== d) {
            throw new UsageError(`profile ${p}: ${which} shape ${formatShape(dims)} for ${name} changes fixed dim ${i} of ${formatShape(desc.shape)}`);
          }
        });
      }
      range.opt.forEach((o, i) => {
        if (!(range.min[i]! <= o && o <= range.max[i]!)) {
          throw new UsageError(`profile ${p}: ${name} needs min ≤ opt ≤ max in every dim, got ${formatShape(range.min)} / ${formatShape(range.opt)} / ${formatShape(range.max)}`);
        }
      });
    }
    const uncovered = dynamic.filter((v) => !profile.has(v.name)).map((v) => `${v.name} ${formatShape(v.shape)}`);
    if (uncovered.length) throw new UsageError(`profile ${p} does not cover dynamic input${uncovered.length > 1 ? "s" : ""} ${uncovered.join(", ")}`, { hint: "give a shape range for every input with a dynamic dim" });
  });
}

/**
 * The value of ORT's trt_profile_{min,opt,max}_shapes: `a:1x3x224x224,b:1x128`, profiles one after another
 * (a repeated name starts the next profile).
 */
export function trtProfileShapes(profiles: readonly ShapeProfile[], which: keyof ShapeRange): string {
  return profiles
    .flatMap((profile) =>
      [...profile].map(([name, range]) => {
        // ORT splits this option on ',', ':' and 'x'; such a name would be read as something else.
        if (/[,:]/.test(name)) throw new UsageError(`input ${name} cannot be named in ORT's TensorRT profile options (its name has ':' or ',')`, { hint: "rename the input with trtx export --onnx ... --rename-input" });
        return `${name}:${range[which].join("x")}`;
      }),
    )
    .join(",");
}
