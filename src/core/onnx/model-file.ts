/**
 * Loading and saving whole ONNX models. Loading checks the file's kind and its external data before any
 * decode; saving is atomic, writes weights beside the model when the protobuf would pass 2 GB, and an
 * unmodified model saves byte-identical to the file it came from.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, ModelFormatError } from "../errors.js";
import { tempPathFor, writeFileAtomic } from "../fs/atomic.js";
import { untrackTemp } from "../fs/temp-registry.js";
import { encodeModelChunks } from "./chunked-encode.js";
import { clearTensorField, DataLocation, decodeModel, isTensorFieldSet, make, type GraphProto, type ModelProto, type TensorProto } from "./codec.js";
import type { ExternalDataFile, ModelInfo } from "./model-info.js";
import { scanModel } from "./scan.js";
import { notOnnxMessage, openSource, sniffSource } from "./sniff.js";

/** Protobuf messages cannot exceed 2 GiB; ONNX Runtime refuses inline models at that size. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
/** Initializers smaller than this stay inline when weights move to an external file (as onnx does). */
const EXTERNAL_MIN_BYTES = 1024;
/** External tensors start on this boundary so that ORT can mmap them. */
const EXTERNAL_ALIGN = 4096;

export interface LoadedModel {
  proto: ModelProto;
  /** The file it came from, and its folder (external data is relative to it). */
  path: string;
  dir: string;
  info: ModelInfo;
}

/** Describes an ONNX file without decoding its weights; refuses other kinds of file and broken external data. */
export function describeModelFile(file: string): ModelInfo {
  const src = openSource(file);
  try {
    const kind = sniffSource(src);
    if (kind.kind !== "onnx") throw notOnnxMessage(file, kind);
    const info = scanModel(src, file);
    checkExternalData(file, info.externalData);
    return info;
  } finally {
    src.close();
  }
}

export function loadModel(file: string): LoadedModel {
  const info = describeModelFile(file);
  if (info.fileBytes > PROTOBUF_LIMIT) {
    throw new ModelFormatError(`${file} is ${info.fileBytes} bytes; a protobuf model cannot exceed 2 GiB`, {
      hint: "save its weights as external data",
    });
  }
  let proto: ModelProto;
  try {
    proto = decodeModel(fs.readFileSync(file));
  } catch (e) {
    throw new ModelFormatError(`${file} does not decode as ONNX: ${(e as Error).message}`, { hint: "re-export the model" });
  }
  return { proto, path: file, dir: path.dirname(path.resolve(file)), info };
}

/** Every external file must exist inside the model's folder and be long enough for the tensors that read it. */
export function checkExternalData(file: string, files: readonly ExternalDataFile[]): void {
  const dir = path.dirname(path.resolve(file));
  for (const ext of files) {
    const resolved = resolveExternal(file, dir, ext.location);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch {
      throw new FileError(`${file}: external data file ${ext.location} is missing (looked for ${resolved})`, {
        hint: "keep the weights file beside the model",
      });
    }
    // A folder (location "." or "sub") has a size too, so it passed the length check below and reading it later failed
    // with EISDIR outside any TrtxError (found by fuzzing).
    if (!stat.isFile()) throw new FileError(`${file}: external data ${ext.location} is not a file (looked for ${resolved})`, { hint: "keep the weights file beside the model" });
    const size = stat.size;
    if (size < ext.end) {
      throw new ModelFormatError(`${file}: external data file ${ext.location} is ${size} bytes but its tensors need ${ext.end}`, {
        hint: "the weights file is truncated or belongs to another model",
      });
    }
  }
}

/** The absolute path of an external data location, refused when it is empty or leaves the model's folder. */
export function resolveExternal(file: string, dir: string, location: string): string {
  if (location === "") throw new ModelFormatError(`${file}: a tensor is marked external but has no location`);
  const resolved = path.resolve(dir, location);
  const rel = path.relative(dir, resolved);
  if (path.isAbsolute(location) || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new ModelFormatError(`${file}: external data location ${location} points outside the model's folder`, {
      hint: "external data must be a relative path inside the model's folder",
    });
  }
  return resolved;
}

export interface SaveOptions {
  /** The folder the model was loaded from, when it has external data to carry along. */
  sourceDir?: string;
  /** Inline weights above this total go to `<model>.data` instead (default: the 2 GiB protobuf limit). */
  maxInlineBytes?: number;
  /** Move every initializer whose raw_data has at least this many bytes to `<model>.data`, whatever the total. */
  externalThreshold?: number;
}

export interface SaveResult {
  path: string;
  bytes: number;
  /** External data files written or copied beside the model. */
  externalData: string[];
}

/** Saves atomically. Does not change `proto`: weights moved to external data are restored before returning. */
export function saveModel(proto: ModelProto, dest: string, options: SaveOptions = {}): SaveResult {
  const limit = options.maxInlineBytes ?? PROTOBUF_LIMIT;
  const destDir = path.dirname(path.resolve(dest));
  const written: string[] = [];
  const carried = carryExternalFiles(proto, options.sourceDir, destDir);
  written.push(...carried);

  const initializers = graphs(proto.graph).flatMap((g) => g.initializer);
  const inline = initializers.reduce((sum, t) => sum + t.rawData.length, 0);
  let restore: (() => void) | undefined;
  try {
    if (inline > limit || options.externalThreshold !== undefined) {
      const dataName = `${path.basename(dest)}.data`;
      restore = externalize(initializers, path.join(destDir, dataName), dataName, options.externalThreshold ?? EXTERNAL_MIN_BYTES);
      if (restore) written.push(dataName);
    }
    const chunks = encodeModelChunks(proto);
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    if (bytes > PROTOBUF_LIMIT) {
      throw new ModelFormatError(`the model encodes to ${bytes} bytes, over the 2 GiB protobuf limit`, {
        hint: "its weights are stored in typed fields; convert them to raw_data",
      });
    }
    writeFileAtomic(dest, chunks);
    return { path: dest, bytes, externalData: written };
  } finally {
    restore?.();
  }
}

/**
 * Moves raw_data of initializers of at least `minBytes` into one file; returns a function that puts them
 * back, or undefined when no tensor is that large (and no file is written).
 */
function externalize(tensors: TensorProto[], dataPath: string, location: string, minBytes: number): (() => void) | undefined {
  // Tensors without raw_data keep their values in typed fields, which external data cannot describe.
  const moved = tensors.filter((t) => t.rawData.length > 0 && t.rawData.length >= minBytes && t.dataLocation !== DataLocation.EXTERNAL);
  if (moved.length === 0) return undefined;
  // Writing over the file that the model's other external tensors read would corrupt them.
  if (tensors.some((t) => t.dataLocation === DataLocation.EXTERNAL && t.externalData.some((e) => e.key === "location" && e.value === location))) {
    throw new ModelFormatError(`cannot write external data to ${dataPath}: the model's external tensors already read that file`, {
      hint: "inline the model's external data first, or save under another name",
    });
  }
  const chunks: Uint8Array[] = [];
  const saved: { tensor: TensorProto; raw: TensorProto["rawData"]; ext: TensorProto["externalData"]; location?: DataLocation }[] = [];
  let offset = 0;
  for (const tensor of moved) {
    const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(tensor.rawData);
    saved.push({
      tensor,
      raw: tensor.rawData,
      ext: tensor.externalData,
      ...(isTensorFieldSet(tensor, "dataLocation") ? { location: tensor.dataLocation } : {}),
    });
    tensor.externalData = [
      make.entry("location", location),
      make.entry("offset", String(offset)),
      make.entry("length", String(tensor.rawData.length)),
    ];
    tensor.dataLocation = DataLocation.EXTERNAL;
    offset += tensor.rawData.length;
    clearTensorField(tensor, "rawData");
  }
  // Presence matters on the wire: a field that was absent must be absent again, not set to its default.
  const restore = () => {
    for (const s of saved) {
      s.tensor.rawData = s.raw;
      s.tensor.externalData = s.ext;
      if (s.location === undefined) clearTensorField(s.tensor, "dataLocation");
      else s.tensor.dataLocation = s.location;
    }
  };
  try {
    writeFileAtomic(dataPath, chunks);
  } catch (e) {
    restore();
    throw e;
  }
  return restore;
}

/** Copies external files the model references from its source folder to the destination folder. */
function carryExternalFiles(proto: ModelProto, sourceDir: string | undefined, destDir: string): string[] {
  const locations = new Set<string>();
  for (const g of graphs(proto.graph)) {
    for (const t of g.initializer) {
      if (t.dataLocation !== DataLocation.EXTERNAL) continue;
      const loc = t.externalData.find((e) => e.key === "location")?.value;
      if (loc) locations.add(loc);
    }
  }
  if (locations.size === 0 || sourceDir === undefined || path.resolve(sourceDir) === destDir) return [];
  for (const loc of locations) {
    const from = path.join(sourceDir, loc);
    const to = path.join(destDir, loc);
    const tmp = tempPathFor(to);
    try {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, tmp);
      fs.renameSync(tmp, to);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw new FileError(`cannot copy external data ${from} to ${to}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    } finally {
      untrackTemp(tmp);
    }
  }
  return [...locations];
}

/** The graph and every subgraph inside node attributes, depth first. */
export function graphs(graph: GraphProto | undefined): GraphProto[] {
  if (!graph) return [];
  const out: GraphProto[] = [graph];
  for (const node of graph.node) {
    for (const attr of node.attribute) {
      if (attr.g) out.push(...graphs(attr.g));
      for (const g of attr.graphs) out.push(...graphs(g));
    }
  }
  return out;
}
