/**
 * One entry point for a tensor in a file (`trtx run --input name:FILE`, reference outputs), choosing the
 * reader by content first (.npy magic, PNG/JPEG signatures) and then by extension; and the .npy writer
 * behind --save-inputs/--save-outputs.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, UsageError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { toFloat16Array } from "./float16.js";
import type { HostTensor, TensorDtype } from "./host-tensor.js";
import { decodeImage, imagenetOptions, isImage, preprocessImagenet } from "./image.js";
import { encodeNpy, readNpy } from "./npy.js";
import { readRawBin } from "./raw-bin.js";
import { readTensorProto } from "./tensor-proto.js";
import { requireFile, unreadable } from "../fs/checked-file.js";

export interface LoadOptions {
  /** The dtype the model takes: needed for raw .bin files; an image becomes it when it is a float type. */
  dtype?: TensorDtype;
  /** Needed for raw .bin files, which have no header. */
  dims?: number[];
  /** How to turn an image into a tensor; an image without it is refused. */
  preprocess?: "imagenet";
  /** [height, width] of the model's image input (default 224×224). */
  imageSize?: [number, number];
}

const KINDS_HINT = "use .npy, .pb (ONNX TensorProto), .bin/.raw with --shapes, or .jpg/.jpeg/.png with --preprocess imagenet";

export function loadTensorFile(file: string, options: LoadOptions = {}): HostTensor {
  const bytes = readDataFile(file);
  const ext = path.extname(file).toLowerCase();
  if (ext === ".npy" || (bytes[0] === 0x93 && Buffer.from(bytes.subarray(1, 6)).toString("latin1") === "NUMPY")) return readNpy(bytes, file);
  if ([".jpg", ".jpeg", ".png"].includes(ext) || isImage(bytes)) return loadImage(bytes, file, options);
  if (ext === ".pb") return readTensorProto(bytes, file, path.dirname(path.resolve(file))).tensor;
  if (ext === ".bin" || ext === ".raw") {
    if (!options.dims) throw new UsageError(`${file}: raw .bin needs --shapes name:dims`, { hint: "raw data has no header; give the input's dims, e.g. --shapes input:1x3x224x224" });
    if (!options.dtype) throw new UsageError(`${file}: raw .bin needs the input's dtype`, { hint: "read raw data for a model input, whose dtype it takes" });
    return readRawBin(bytes, file, options.dtype, options.dims);
  }
  throw new FileError(`${file}: cannot tell what kind of tensor file this is`, { hint: KINDS_HINT });
}

function loadImage(bytes: Uint8Array, file: string, options: LoadOptions): HostTensor {
  if (options.preprocess !== "imagenet") {
    throw new UsageError(`${file} is an image: pass --preprocess imagenet to turn it into a [1,3,H,W] tensor`, { hint: "or pass the preprocessed tensor as .npy" });
  }
  const [height, width] = options.imageSize ?? [224, 224];
  const t = preprocessImagenet(decodeImage(bytes, file), imagenetOptions(height, width));
  const values = t.data as Float32Array;
  // A float16 or float64 model gets the same values in its own type; other dtypes are left for the caller to refuse.
  if (options.dtype === "float16") return { ...t, dtype: "float16", data: toFloat16Array(values) };
  if (options.dtype === "float64") return { ...t, dtype: "float64", data: Float64Array.from(values) };
  return t;
}

/** Reads a whole file with errors that name the problem. */
function readDataFile(file: string): Uint8Array {
  requireFile(file, "tensor file", KINDS_HINT);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw unreadable(file, e);
  }
}

/** A tensor name as a file name: characters outside [A-Za-z0-9._-] become '_'. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_") || "_";
}

/** Writes `<dir>/<safe name>.npy` atomically and returns its path. */
export function saveNpy(dir: string, name: string, t: HostTensor): string {
  const file = path.join(dir, `${safeFileName(name)}.npy`);
  writeFileAtomic(file, encodeNpy(t));
  return file;
}
