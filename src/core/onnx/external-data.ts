/**
 * External data the other way round from saveModel: loading every external tensor's bytes back into the
 * model, so it is one self-contained file. Also the byte sizes that `--external-threshold` takes.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, ModelFormatError, UsageError } from "../errors.js";
import { clearTensorField, DataLocation, type ModelProto, type TensorProto } from "./codec.js";
import { dtypeInfo } from "./dtype.js";
import { graphs, resolveExternal } from "./model-file.js";

export interface InlineResult {
  tensors: number;
  bytes: number;
}

/**
 * Reads every external initializer (main graph and subgraphs) into raw_data, relative to `modelDir`, the
 * folder the model was loaded from, and drops its external_data entries. Changes `proto` in place.
 */
export function inlineExternalData(proto: ModelProto, modelDir: string): InlineResult {
  const external = graphs(proto.graph).flatMap((g) => g.initializer).filter((t) => t.dataLocation === DataLocation.EXTERNAL);
  const files = new Map<string, { fd: number; size: number }>();
  let bytes = 0;
  try {
    for (const tensor of external) {
      const entry = (key: string) => tensor.externalData.find((e) => e.key === key)?.value;
      const location = entry("location") ?? "";
      const file = files.get(location) ?? openExternal(modelDir, location);
      files.set(location, file);
      const offset = Number(entry("offset") ?? 0);
      const length = entry("length") === undefined ? tensorBytes(tensor) : Number(entry("length"));
      if (!Number.isSafeInteger(offset) || offset < 0 || length === undefined || !Number.isSafeInteger(length) || length < 0) {
        throw new ModelFormatError(`tensor ${tensor.name} has external data at offset ${entry("offset")} length ${entry("length")}, which is not a byte range`, {
          hint: "re-export the model",
        });
      }
      if (file.size < offset + length) {
        throw new ModelFormatError(`external data file ${location} is ${file.size} bytes but tensor ${tensor.name} needs ${offset + length}`, {
          hint: "the weights file is truncated or belongs to another model",
        });
      }
      tensor.rawData = readAt(file.fd, offset, length);
      tensor.externalData = [];
      clearTensorField(tensor, "dataLocation");
      bytes += length;
    }
  } finally {
    for (const { fd } of files.values()) fs.closeSync(fd);
  }
  return { tensors: external.length, bytes };
}

function openExternal(modelDir: string, location: string): { fd: number; size: number } {
  const resolved = resolveExternal("the model", path.resolve(modelDir), location);
  let fd: number;
  try {
    fd = fs.openSync(resolved, "r");
  } catch {
    throw new FileError(`external data file ${location} is missing (looked for ${resolved})`, { hint: "keep the weights file beside the model" });
  }
  const stat = fs.fstatSync(fd);
  // A folder opens and has a size; reading it throws EISDIR, which is no TrtxError (found by fuzzing).
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new FileError(`external data ${location} is not a file (looked for ${resolved})`, { hint: "keep the weights file beside the model" });
  }
  return { fd, size: stat.size };
}

/** Bytes a tensor's values take, from its dims and dtype; undefined for variable-width types (string). */
function tensorBytes(t: TensorProto): number | undefined {
  const bits = dtypeInfo(t.dataType)?.bits;
  if (!bits) return undefined;
  return Math.ceil((t.dims.reduce((n, d) => n * Number(d), 1) * bits) / 8);
}

function readAt(fd: number, offset: number, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    const n = fs.readSync(fd, out, done, length - done, offset + done);
    if (n === 0) throw new ModelFormatError(`external data ended ${length - done} bytes early`, { hint: "the weights file is truncated" });
    done += n;
  }
  return out;
}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/**
 * "2048", "4k", "1KiB", "1MB" → bytes. As in coreutils, a bare K/M/G and KiB/MiB/GiB are powers of 1024,
 * KB/MB/GB powers of 1000; case does not matter.
 */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${JSON.stringify(text)} is not a byte size`, { hint: "write a number of bytes with an optional unit: 2048, 4k, 1KiB, 1MB, 1GiB" });
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${text} is too large a byte size`, { hint: "use at most a few petabytes" });
  return bytes;
}
