/**
 * The INT8 calibration tables a bundle carries, written side by side so that every consumer finds its own:
 * TensorRT's native cache (trtexec, Polygraphy, ORT with the native table), ORT's flatbuffers table (the ORT
 * TensorRT EP's default), and calibration.json for people and for reloading the ranges.
 */
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";
import { encodeCalibrationJson } from "./calibration-json.js";
import { encodeOrtCalibrationTable } from "./ort-table.js";
import { TENSORRT_ALGORITHM, type ActivationRanges, type CalibrationMethod } from "./ranges.js";
import { encodeTensorRtCache } from "./tensorrt-cache.js";

/** File names: TensorRT's conventional cache name, and the names ORT's write_calibration_table uses for the other two. */
export const CALIBRATION_FILES = {
  tensorRt: "calibration.cache",
  ort: "calibration.flatbuffers",
  json: "calibration.json",
} as const;

export interface CalibrationTableOptions {
  /** The TensorRT version the engine will be built with ("10.14.1"): a cache is only accepted by its own version. */
  trtVersion: string;
  method: CalibrationMethod;
  samples: number;
}

export type CalibrationTablePaths = Record<keyof typeof CALIBRATION_FILES, string>;

/** Writes the three tables into `dir` (which must exist) and returns their paths. */
export function writeCalibrationTables(dir: string, ranges: ActivationRanges, options: CalibrationTableOptions): CalibrationTablePaths {
  // Every table is encoded before any is written, so a range one format refuses leaves no partial set behind.
  const contents = {
    tensorRt: Buffer.from(encodeTensorRtCache(ranges, { trtVersion: options.trtVersion, algorithm: TENSORRT_ALGORITHM[options.method] }), "utf8"),
    ort: encodeOrtCalibrationTable(ranges),
    json: Buffer.from(encodeCalibrationJson(ranges, { method: options.method, samples: options.samples }), "utf8"),
  };
  const paths = {} as CalibrationTablePaths;
  for (const kind of Object.keys(CALIBRATION_FILES) as (keyof typeof CALIBRATION_FILES)[]) {
    paths[kind] = path.join(dir, CALIBRATION_FILES[kind]);
    writeFileAtomic(paths[kind], contents[kind]);
  }
  return paths;
}
