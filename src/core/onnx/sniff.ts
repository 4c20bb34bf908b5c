/**
 * Tells what a file is before anything decodes it, so that a wrong file gets a message saying what it looks
 * like instead of a protobuf stack trace. ONNX is recognised by walking ModelProto's top-level fields (the
 * graph is skipped by its length, so this costs a few reads even for a huge model).
 */
import fs from "node:fs";
import path from "node:path";
import { ModelFormatError } from "../errors.js";
import { requireFile, unreadable } from "../fs/checked-file.js";
import { FileSource, WireError, WireReader, WireType, type ByteSource } from "./wire.js";

export type FileKind =
  | "onnx"
  | "onnx-truncated"
  | "ort"
  | "tensorrt-plan"
  | "triton-config"
  | "json"
  | "npy"
  | "zip"
  | "text"
  | "empty"
  | "unknown";

export interface Sniffed {
  kind: FileKind;
  /** Bytes in the file. */
  size: number;
  /** For onnx-truncated and unknown: what went wrong or what the bytes look like. */
  detail?: string;
}

/** ModelProto's fields and their wire types (onnx.proto, IR 13). */
const MODEL_FIELDS: Record<number, number> = {
  1: WireType.VARINT, // ir_version
  2: WireType.LEN, // producer_name
  3: WireType.LEN, // producer_version
  4: WireType.LEN, // domain
  5: WireType.VARINT, // model_version
  6: WireType.LEN, // doc_string
  7: WireType.LEN, // graph
  8: WireType.LEN, // opset_import
  14: WireType.LEN, // metadata_props
  20: WireType.LEN, // training_info
  25: WireType.LEN, // functions
  26: WireType.LEN, // configuration
};

const HEAD = 4096;
const TRITON_KEYS = /^\s*(name|platform|backend|max_batch_size|input|output|instance_group|dynamic_batching|version_policy|optimization|parameters|model_warmup|sequence_batching|ensemble_scheduling)\s*(:|\{|\[)/m;

export function sniffSource(src: ByteSource): Sniffed {
  const size = src.size;
  if (size === 0) return { kind: "empty", size };
  const head = src.read(0, Math.min(HEAD, size));
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString("latin1");
  if (ascii(0, 4) === "ptrt" || ascii(0, 4) === "ftrt") return { kind: "tensorrt-plan", size };
  if (head.length >= 8 && ascii(4, 8) === "ORTM") return { kind: "ort", size };
  if (head[0] === 0x93 && ascii(1, 6) === "NUMPY") return { kind: "npy", size };
  if (ascii(0, 4) === "PK\x03\x04") return { kind: "zip", size };

  const onnx = walkModel(src);
  if (onnx) return onnx;

  const text = asText(head);
  if (text !== undefined) {
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) return { kind: "json", size };
    if (TRITON_KEYS.test(text.replace(/#[^\n]*/g, ""))) return { kind: "triton-config", size };
    return { kind: "text", size };
  }
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return { kind: "unknown", size, detail: `first bytes ${hex}` };
}

/** Returns onnx / onnx-truncated when the bytes parse as a ModelProto, or undefined when they do not. */
function walkModel(src: ByteSource): Sniffed | undefined {
  const r = new WireReader(src);
  let fields = 0;
  let hasGraph = false;
  let hasIrVersion = false;
  try {
    while (r.pos < src.size) {
      const [field, wire] = r.tag();
      const expected = MODEL_FIELDS[field];
      if (expected === undefined) {
        // Unknown fields are legal protobuf, but a file that starts with one is not a model.
        if (fields === 0) return undefined;
      } else if (expected !== wire) {
        return undefined;
      }
      if (field === 1) {
        const ir = r.int64();
        if (ir < 1n || ir > 64n) return undefined;
        hasIrVersion = true;
      } else {
        r.skip(wire, src.size);
      }
      if (field === 7) hasGraph = true;
      fields++;
    }
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    if (e.truncated && fields > 0 && (hasIrVersion || hasGraph))
      return { kind: "onnx-truncated", size: src.size, detail: e.message };
    return undefined;
  }
  return hasGraph ? { kind: "onnx", size: src.size } : undefined;
}

function asText(head: Uint8Array): string | undefined {
  if (head.includes(0)) return undefined;
  // A multi-byte character may be cut at the end of the head; drop up to 3 trailing bytes before decoding.
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, head.length - cut));
    } catch {
      /* try a shorter prefix */
    }
  }
  return undefined;
}

export function sniffFile(file: string): Sniffed {
  const src = openSource(file);
  try {
    return sniffSource(src);
  } finally {
    src.close();
  }
}

/** Opens a file for reading with errors that name the problem: missing, a directory, unreadable. */
export function openSource(file: string): FileSource {
  requireFile(file, "model file", directoryHint(file));
  try {
    return FileSource.open(file);
  } catch (e) {
    throw unreadable(file, e);
  }
}

function directoryHint(dir: string): string {
  for (const candidate of ["model.onnx", "1/model.onnx"]) {
    if (fs.existsSync(path.join(dir, candidate))) return `pass ${path.join(dir, candidate)}`;
  }
  return "pass the .onnx file itself";
}

/** What to say when a file of the given kind was passed where an ONNX model was expected. */
export function notOnnxMessage(file: string, s: Sniffed): ModelFormatError {
  switch (s.kind) {
    case "empty":
      return new ModelFormatError(`${file} is empty (0 bytes), not an ONNX model`, { hint: "re-export or re-download it" });
    case "onnx-truncated":
      return new ModelFormatError(`${file} is a truncated ONNX model (${s.detail})`, { hint: "the file was cut short; re-export or re-download it" });
    case "ort":
      return new ModelFormatError(`${file} is an ONNX Runtime .ort model, not an ONNX model`, { hint: "pass the .onnx it was converted from" });
    case "tensorrt-plan":
      return new ModelFormatError(`${file} is a TensorRT engine (plan), not an ONNX model`, { hint: "pass the .onnx it was built from; plans go to Triton with `trtx repo init --plan`" });
    case "triton-config":
      return new ModelFormatError(`${file} looks like a Triton model configuration (config.pbtxt), not an ONNX model`, { hint: "check it with `trtx repo validate`; pass the model with --onnx" });
    case "json":
      return new ModelFormatError(`${file} is a JSON file, not an ONNX model`);
    case "npy":
      return new ModelFormatError(`${file} is a NumPy array (.npy), not an ONNX model`, { hint: "pass data with --input name:FILE" });
    case "zip":
      return new ModelFormatError(`${file} is a zip archive (a PyTorch checkpoint?), not an ONNX model`, { hint: "export it to ONNX first" });
    case "text":
      return new ModelFormatError(`${file} is a text file, not an ONNX model`);
    case "unknown":
      return new ModelFormatError(`${file} is not an ONNX model (${s.detail}: not a protobuf ModelProto)`);
    case "onnx":
      throw new Error("notOnnxMessage called for an ONNX file");
  }
}
