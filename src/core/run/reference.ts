/**
 * Reference outputs for `--compare-to`: a folder of .npy files named after the outputs (what --save-outputs
 * writes) or of ONNX test-data output_N.pb files, or one .npy/.pb file for a single-output model.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, UsageError } from "../errors.js";
import type { HostTensor } from "../tensor/host-tensor.js";
import { loadTensorFile, safeFileName } from "../tensor/load.js";
import { readTensorProto } from "../tensor/tensor-proto.js";

export function loadReferenceOutputs(target: string, outputNames: readonly string[]): Map<string, HostTensor> {
  if (!fs.existsSync(target)) throw new FileError(`${target}: no such file or folder`, { hint: "pass the folder --save-outputs wrote, or a .npy/.pb file" });
  if (fs.statSync(target).isDirectory()) return fromFolder(target, outputNames);
  if (outputNames.length !== 1) {
    throw new UsageError(`${target} holds one tensor but the model has ${outputNames.length} outputs`, { hint: "pass a folder with one file per output" });
  }
  if (target.endsWith(".pb")) return new Map([[outputNames[0]!, readTensorProto(fs.readFileSync(target), target, path.dirname(target)).tensor]]);
  return new Map([[outputNames[0]!, loadTensorFile(target, {})]]);
}

function fromFolder(dir: string, outputNames: readonly string[]): Map<string, HostTensor> {
  const found = new Map<string, HostTensor>();
  for (const name of outputNames) {
    const npy = path.join(dir, `${safeFileName(name)}.npy`);
    if (fs.existsSync(npy)) found.set(name, loadTensorFile(npy, {}));
  }
  const pbs = fs.readdirSync(dir).filter((f) => /^output_\d+\.pb$/.test(f)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  pbs.forEach((file, index) => {
    const { name, tensor } = readTensorProto(fs.readFileSync(path.join(dir, file)), path.join(dir, file), dir);
    const key = name && outputNames.includes(name) ? name : outputNames[index];
    if (key !== undefined && !found.has(key)) found.set(key, tensor);
  });
  if (found.size === 0) {
    throw new FileError(`${dir} has no reference outputs for ${outputNames.join(", ")}`, { hint: "expected <output>.npy files (from --save-outputs) or output_N.pb files" });
  }
  return found;
}
