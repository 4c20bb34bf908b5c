/**
 * What `trtx build` is asked to do, from flags and a `--config build.yaml`, checked and normalized into one
 * BuildRequest. Both sources go through the same key table, so a key means the same in YAML as on the command line,
 * and the normalized request is what the up-to-date check hashes.
 */
import fs from "node:fs";
import path from "node:path";
import { isCollection, parseDocument, visit } from "yaml";
import { FileError, UsageError } from "../errors.js";
import { parseEp, type EpChoice } from "../ep/providers.js";
import { parseByteSize } from "../onnx/external-data.js";
import type { CalibrationMethod } from "../precision/int8/index.js";

export interface BuildRequest {
  onnx: string;
  /** The bundle folder; default `<model basename>.trtx` in the current folder. */
  saveEngine: string;
  fp16: boolean;
  int8: boolean;
  /** A folder of .npy files, one .npy, or "random"; required with int8. */
  calib?: string;
  calibMethod: CalibrationMethod;
  calibSamples?: number;
  /** For calibMethod "percentile". */
  percentile?: number;
  minShapes: string[];
  optShapes: string[];
  maxShapes: string[];
  ep: EpChoice;
  /** trt_max_workspace_size in bytes. */
  workspace?: number;
  accuracySamples: number;
  /** When given, every output must also pass an elementwise atol/rtol comparison. */
  atol?: number;
  rtol?: number;
  /** Cosine similarity every output must reach; default by precision (defaultMinCosine). */
  minCosine: number;
  ioFp16: boolean;
  /** Op types kept in float32 on top of DEFAULT_FP16_BLOCK_OPS. */
  fp16ExcludeOps: string[];
  keepFailed: boolean;
  force: boolean;
  /** The TensorRT version the calibration cache's header names. */
  trtVersion: string;
}

/** ORT 1.22's TensorRT (peer-tools.md §5.1): the cache header must name the TensorRT that builds the engine. */
export const DEFAULT_TRT_VERSION = "10.9.0";
export const DEFAULT_ACCURACY_SAMPLES = 8;

type Kind = "path" | "string" | "bool" | "int" | "number" | "list" | "size";

/** Every setting, camelCase as in the request; flags and YAML keys are these names in kebab-case or camelCase. */
const KEYS: Record<string, Kind> = {
  onnx: "path",
  saveEngine: "path",
  fp16: "bool",
  int8: "bool",
  calib: "path",
  calibMethod: "string",
  calibSamples: "int",
  percentile: "number",
  minShapes: "list",
  optShapes: "list",
  maxShapes: "list",
  ep: "string",
  workspace: "size",
  accuracySamples: "int",
  atol: "number",
  rtol: "number",
  minCosine: "number",
  keepIoTypes: "bool",
  ioFp16: "bool",
  fp16ExcludeOps: "list",
  keepFailed: "bool",
  force: "bool",
  trtVersion: "string",
};

export type RawSettings = Record<string, unknown>;

const camel = (key: string) => key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Reads a YAML config: a mapping of the flags' long names (kebab-case as on the command line, or camelCase).
 * Relative paths in it are relative to the config file, so a CI job can run from any folder.
 */
export function readBuildConfig(file: string): RawSettings {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(`${file}: cannot read the build config (${(e as NodeJS.ErrnoException).code})`, { hint: "check the --config path" });
  }
  let doc: unknown;
  try {
    const parsed = parseDocument(text);
    if (parsed.errors[0]) throw parsed.errors[0];
    // Mapping keys that are mappings or lists (`? ? ? ...`) are refused before toJS, which turns them into strings in time
    // exponential in their nesting (a 2 KB config hung for minutes; found by fuzzing). No build setting is one.
    visit(parsed, {
      Pair(_, pair) {
        if (isCollection(pair.key)) throw new Error("a mapping key is itself a mapping or a list");
      },
    });
    doc = parsed.toJS();
  } catch (e) {
    throw new UsageError(`${file} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`${file} must be a mapping of build settings`, { hint: "e.g. onnx: model.onnx, fp16: true" });
  const out: RawSettings = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const name = camel(key);
    if (!(name in KEYS)) {
      throw new UsageError(`${file}: unknown key '${key}'`, { hint: `known keys: ${Object.keys(KEYS).map(kebab).join(", ")}` });
    }
    if (name in out) throw new UsageError(`${file}: key '${key}' is given twice (as kebab-case and camelCase)`);
    out[name] = KEYS[name] === "path" && typeof value === "string" && !(name === "calib" && value === "random") ? path.resolve(path.dirname(file), value) : value;
  }
  return out;
}

/** Config settings under command-line settings (only flags actually given), checked and with defaults applied. */
export function resolveBuildRequest(config: RawSettings, flags: RawSettings): BuildRequest {
  const s: RawSettings = { ...config, ...flags };
  const get = <T>(key: string, fallback: T) => (s[key] === undefined ? fallback : (coerce(key, s[key]) as T));
  const onnx = get<string | undefined>("onnx", undefined);
  if (!onnx) throw new UsageError("no model given", { hint: "pass --onnx model.onnx (or onnx: in --config)" });
  const fp16 = get("fp16", false);
  const int8 = get("int8", false);
  const ioFp16 = get("ioFp16", false);
  const keepIoTypes = get<boolean | undefined>("keepIoTypes", undefined);
  if (keepIoTypes === true && ioFp16) throw new UsageError("--keep-io-types and --io-fp16 contradict each other", { hint: "pass one: float32 I/O (the default) or float16 I/O" });
  if (keepIoTypes === false && !ioFp16) throw new UsageError("keep-io-types: false needs io-fp16: true", { hint: "say io-fp16: true for float16 inputs and outputs" });
  if (ioFp16 && !fp16) throw new UsageError("--io-fp16 needs --fp16", { hint: "float16 inputs and outputs only exist in a float16 model" });
  const fp16ExcludeOps = get<string[]>("fp16ExcludeOps", []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  if (fp16ExcludeOps.length > 0 && !fp16) throw new UsageError("--fp16-exclude-ops needs --fp16");

  const calib = get<string | undefined>("calib", undefined);
  const calibMethod = get<string>("calibMethod", "entropy");
  if (!["entropy", "minmax", "percentile"].includes(calibMethod)) throw new UsageError(`--calib-method ${calibMethod} is not known`, { hint: "use entropy, minmax or percentile" });
  const percentile = get<number | undefined>("percentile", undefined);
  if (int8 && calib === undefined) {
    throw new UsageError("--int8 needs calibration data", { hint: "pass --calib DIR or FILE.npy with representative inputs, or --calib random (meaningless ranges, for testing only)" });
  }
  if (!int8) {
    for (const key of ["calib", "calibSamples", "percentile"]) if (s[key] !== undefined) throw new UsageError(`--${kebab(key)} needs --int8`);
    if (s.calibMethod !== undefined) throw new UsageError("--calib-method needs --int8");
  }
  if (percentile !== undefined && (calibMethod !== "percentile" || !(percentile > 0 && percentile <= 100))) {
    throw new UsageError(`--percentile ${percentile} needs --calib-method percentile and a value in (0, 100]`);
  }
  const accuracySamples = get("accuracySamples", DEFAULT_ACCURACY_SAMPLES);
  const trtVersion = get("trtVersion", DEFAULT_TRT_VERSION);
  if (!/^\d+\.\d+(\.\d+)?$/.test(trtVersion)) throw new UsageError(`--trt-version ${trtVersion} is not a version`, { hint: "e.g. --trt-version 10.9.0" });
  const request: BuildRequest = {
    onnx,
    saveEngine: get("saveEngine", defaultBundlePath(onnx)),
    fp16,
    int8,
    calibMethod: calibMethod as CalibrationMethod,
    minShapes: get("minShapes", []),
    optShapes: get("optShapes", []),
    maxShapes: get("maxShapes", []),
    ep: get("ep", "auto" as EpChoice),
    accuracySamples,
    minCosine: get("minCosine", defaultMinCosine(fp16, int8)),
    ioFp16,
    fp16ExcludeOps,
    keepFailed: get("keepFailed", false),
    force: get("force", false),
    trtVersion,
  };
  for (const key of ["calib", "calibSamples", "percentile", "workspace", "atol", "rtol"] as const) {
    if (s[key] !== undefined) (request as unknown as RawSettings)[key] = coerce(key, s[key]);
  }
  return request;
}

/** fp16 keeps about 3 significant digits, int8 about 2; a plain fp32 copy should match to rounding. */
export function defaultMinCosine(fp16: boolean, int8: boolean): number {
  return int8 ? 0.99 : fp16 ? 0.999 : 0.9999;
}

/** `models/resnet50.onnx` → `resnet50.trtx` in the current folder. */
export function defaultBundlePath(onnx: string): string {
  return `${path.basename(onnx).replace(/\.onnx$/i, "")}.trtx`;
}

/** A setting's value for a message. A YAML anchor used inside itself (`onnx: &a [*a]`) makes a circular value, on which
 * JSON.stringify throws a TypeError (found by fuzzing). */
function shown(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? "(a list that contains itself)" : "(a mapping that contains itself)";
  }
}

/** One setting as its kind: strings from the command line and YAML scalars alike. */
function coerce(key: string, value: unknown): unknown {
  const flag = `--${kebab(key)}`;
  const bad = (what: string) => new UsageError(`${flag} ${shown(value)} is not ${what}`);
  switch (KEYS[key]) {
    case "path":
    case "string":
      if (typeof value !== "string" || value === "") throw bad("a non-empty string");
      return key === "ep" ? parseEp(value) : value;
    case "bool":
      if (typeof value !== "boolean") throw bad("true or false");
      return value;
    case "int": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < 1) throw bad("a positive integer");
      return n;
    }
    case "number": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n) || n < 0) throw bad("a non-negative number");
      return n;
    }
    case "size":
      if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
      if (typeof value !== "string") throw bad("a byte size");
      return parseByteSize(value);
    case "list": {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => typeof v === "string")) throw bad("a string or a list of strings");
      return list;
    }
    default:
      throw new UsageError(`unknown build setting ${key}`);
  }
}
