/**
 * TensorRT's native INT8 calibration cache (what trtexec --calib, Polygraphy --calibration-cache and the ORT
 * TensorRT EP with trt_int8_use_native_calibration_table=1 read): a `TRT-<version>-<algorithm>` header, then
 * one `name: <hex>` line per tensor, hex being the float32 bits of scale = amax/127 as std::hex prints them
 * (lowercase, no padding, so a zero scale is `0`).
 */
import { DataFormatError, TrtxError } from "../errors.js";
import { amaxOf, checkRanges, int8Scale, type ActivationRanges, type TensorRtCalibrationAlgorithm } from "./ranges.js";

/**
 * NV_TENSORRT_VERSION for a "major.minor.patch[.build]" version (TRT include/NvInferRuntimeBase.h):
 * M*1000+m*100+p up to TRT 9 (8.6.1 → 8601), M*10000+m*100+p from TRT 10 (10.14.1 → 101401). The build
 * number is not part of it. Components that would spill into the next field are refused, since the number
 * would then name another version.
 */
export function tensorRtVersionNumber(version: string): number {
  const m = /^(\d{1,3})\.(\d{1,2})\.(\d{1,2})(?:\.\d+)?$/.exec(version);
  const [major, minor, patch] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  if (major === 0 || (major <= 9 && minor > 9)) {
    throw new TrtxError(`'${version}' is not a TensorRT version (major.minor.patch, e.g. 10.14.1)`, {
      hint: "pass the TensorRT version the engine will be built with, as tensorrt.__version__ or trtexec prints it",
    });
  }
  return major * (major <= 9 ? 1000 : 10000) + minor * 100 + patch;
}

function float32Bits(x: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return view.getUint32(0);
}

function float32FromBits(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
}

export interface TensorRtCacheOptions {
  trtVersion: string;
  algorithm?: TensorRtCalibrationAlgorithm;
}

/**
 * The cache text. Lines follow the Map's order rather than being sorted: TensorRT writes tensors in network
 * order, which is the order calibration records them in, and readers key lines by name so any order loads.
 */
export function encodeTensorRtCache(ranges: ActivationRanges, options: TensorRtCacheOptions): string {
  checkRanges(ranges);
  const lines = [`TRT-${tensorRtVersionNumber(options.trtVersion)}-${options.algorithm ?? "EntropyCalibration2"}`];
  for (const [name, range] of ranges) {
    // Readers split the line at ':' (ORT) and at line ends, so such a name would load as another tensor.
    if (/[:\r\n]/.test(name)) {
      throw new TrtxError(`tensor '${JSON.stringify(name).slice(1, -1)}' cannot be written to a TensorRT calibration cache: the name contains ':' or a line break`, {
        hint: "rename the tensor in the ONNX model (trtx export --onnx … --rename-output) or leave it out of INT8 calibration",
      });
    }
    lines.push(`${name}: ${float32Bits(int8Scale(amaxOf(range))).toString(16)}`);
  }
  return lines.join("\n") + "\n";
}

export interface TensorRtCache {
  /** NV_TENSORRT_VERSION from the header, e.g. 101401. */
  version: number;
  /** The header's calibrator name, e.g. EntropyCalibration2. */
  algorithm: string;
  /** float32 scale (amax/127) per tensor, in file order. */
  scales: Map<string, number>;
}

const CACHE_HINT = "a TensorRT calibration cache starts with TRT-<version>-<algorithm> followed by 'name: <hex scale>' lines";

/** Reads a cache; `label` (usually the path) starts every error message, with the line number. */
export function parseTensorRtCache(text: string, label: string): TensorRtCache {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  const header = /^TRT-(\d+)-([A-Za-z0-9_]+)$/.exec(lines[0]!);
  if (!header) throw new DataFormatError(`${label}:1: '${lines[0]!.slice(0, 60)}' is not a TensorRT calibration cache header`, { hint: CACHE_HINT });
  const scales = new Map<string, number>();
  lines.slice(1).forEach((line, i) => {
    const at = `${label}:${i + 2}`;
    if (line === "") return; // the final newline, or blank lines some writers leave
    // Greedy on the name: TensorRT itself writes names verbatim, so only the last ': ' separates.
    const m = /^(.+): ([0-9a-fA-F]{1,8})$/.exec(line);
    if (!m) throw new DataFormatError(`${at}: '${line.slice(0, 60)}' is not 'name: <hex scale>'`, { hint: CACHE_HINT });
    const [, name, hex] = m as unknown as [string, string, string];
    const scale = float32FromBits(parseInt(hex, 16));
    if (!(scale >= 0 && Number.isFinite(scale))) throw new DataFormatError(`${at}: tensor '${name}' has scale ${scale} (bits ${hex}), not a finite non-negative number`, { hint: CACHE_HINT });
    if (scales.has(name)) throw new DataFormatError(`${at}: tensor '${name}' appears twice`, { hint: "keep one line per tensor" });
    scales.set(name, scale);
  });
  return { version: Number(header[1]), algorithm: header[2]!, scales };
}
