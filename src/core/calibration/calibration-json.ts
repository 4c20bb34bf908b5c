/**
 * calibration.json: the human-readable record of a calibration, and the only table that keeps each
 * tensor's raw min and max (the TensorRT and ORT tables keep only the symmetric bound), so it is the one to
 * reload when ranges are needed again.
 */
import { DataFormatError, TrtxError } from "../errors.js";
import { amaxOf, checkRanges, int8Scale, TENSORRT_ALGORITHM, type ActivationRange, type ActivationRanges, type CalibrationMethod } from "./ranges.js";

export const CALIBRATION_JSON_SCHEMA = "trtx.calibration/1";

export interface CalibrationMeta {
  method: CalibrationMethod;
  /** Calibration inputs the ranges were observed over. */
  samples: number;
}

export interface CalibrationRecord extends CalibrationMeta {
  ranges: Map<string, ActivationRange>;
}

/**
 * The JSON text. `scale` is the float32 written to the TensorRT cache, so the two files can be compared by
 * eye. Tensors are an object keyed by name, so names that look like integers ("123") print first.
 */
export function encodeCalibrationJson(ranges: ActivationRanges, meta: CalibrationMeta): string {
  checkRanges(ranges);
  if (!Number.isSafeInteger(meta.samples) || meta.samples < 0) {
    throw new TrtxError(`calibration sample count ${meta.samples} is not a whole number ≥ 0`, { hint: "count the calibration inputs that were run" });
  }
  const tensors = Object.fromEntries(
    [...ranges].map(([name, range]) => {
      const amax = amaxOf(range);
      return [name, { min: range.min, max: range.max, amax, scale: int8Scale(amax) }];
    }),
  );
  return JSON.stringify({ schema: CALIBRATION_JSON_SCHEMA, method: meta.method, samples: meta.samples, tensors }, null, 2) + "\n";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads calibration.json back; `label` starts every error message. */
export function parseCalibrationJson(text: string, label: string): CalibrationRecord {
  const hint = `write it again with trtx; the format is ${CALIBRATION_JSON_SCHEMA}`;
  const fail = (what: string): never => {
    throw new DataFormatError(`${label}: ${what}`, { hint });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc) || doc.schema !== CALIBRATION_JSON_SCHEMA) return fail(`not a ${CALIBRATION_JSON_SCHEMA} file (schema is ${JSON.stringify(isRecord(doc) ? doc.schema : undefined)})`);
  const { method, samples, tensors } = doc;
  if (typeof method !== "string" || !Object.hasOwn(TENSORRT_ALGORITHM, method)) fail(`method ${JSON.stringify(method)} is not one of ${Object.keys(TENSORRT_ALGORITHM).join(", ")}`);
  if (typeof samples !== "number" || !Number.isSafeInteger(samples) || samples < 0) fail(`samples ${JSON.stringify(samples)} is not a whole number ≥ 0`);
  if (!isRecord(tensors)) return fail("tensors is not an object of name → range");
  const ranges = new Map<string, ActivationRange>();
  for (const [name, t] of Object.entries(tensors)) {
    const { min, max, amax, scale } = isRecord(t) ? t : {};
    if (typeof min !== "number" || typeof max !== "number" || !(min <= max)) fail(`tensor '${name}' has no numeric min ≤ max`);
    const range = { min: min as number, max: max as number };
    // amax and scale only restate min and max; a file where they disagree was edited, and which edit was meant is unknown.
    if (amax !== amaxOf(range) || scale !== int8Scale(amaxOf(range))) fail(`tensor '${name}': amax ${amax} and scale ${scale} do not follow from min ${min} and max ${max}`);
    ranges.set(name, range);
  }
  return { method: method as CalibrationMethod, samples: samples as number, ranges };
}
