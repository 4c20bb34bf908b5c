/**
 * Activation ranges as INT8 calibration hands them to the table writers, and the two numbers every table
 * derives from a range: amax (the symmetric bound) and TensorRT's scale. Ranges are checked once here, so
 * each writer only has to refuse what its own format cannot represent.
 */
import { TrtxError } from "../errors.js";

/** One tensor's observed activation range. */
export interface ActivationRange {
  min: number;
  max: number;
}

/** Ranges per tensor name; the writers keep the Map's order where their format has one of its own. */
export type ActivationRanges = ReadonlyMap<string, ActivationRange>;

/** How the ranges were chosen; it names the TensorRT calibrator whose cache the result stands in for. */
export type CalibrationMethod = "entropy" | "minmax";

export type TensorRtCalibrationAlgorithm = "EntropyCalibration2" | "MinMaxCalibration";

/** The header algorithm of the TensorRT cache for each method (TRT's IInt8EntropyCalibrator2 and IInt8MinMaxCalibrator). */
export const TENSORRT_ALGORITHM: Readonly<Record<CalibrationMethod, TensorRtCalibrationAlgorithm>> = {
  entropy: "EntropyCalibration2",
  minmax: "MinMaxCalibration",
};

/** INT8 is symmetric in TensorRT: the range used is ±amax. */
export function amaxOf(range: ActivationRange): number {
  return Math.max(Math.abs(range.min), Math.abs(range.max));
}

/** TensorRT's per-tensor scale amax/127, rounded to the float32 that TensorRT stores. */
export function int8Scale(amax: number): number {
  return Math.fround(amax / 127);
}

/** Refuses ranges no table can carry: empty names, non-finite or inverted bounds, a scale beyond float32. */
export function checkRanges(ranges: ActivationRanges): void {
  for (const [name, range] of ranges) {
    if (name === "") throw new TrtxError("calibration range for a tensor with an empty name", { hint: "calibration tables key ranges by tensor name; name every tensor" });
    const { min, max } = range;
    if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
      throw new TrtxError(`calibration range of tensor '${name}' is [${min}, ${max}], not a finite range with min ≤ max`, {
        hint: "calibrate with inputs that produce finite activations",
      });
    }
    if (!Number.isFinite(int8Scale(amaxOf(range)))) {
      throw new TrtxError(`calibration range of tensor '${name}' reaches ${amaxOf(range)}, whose scale overflows float32`, {
        hint: "activations that large cannot be quantised to INT8; keep this tensor in higher precision",
      });
    }
  }
}
