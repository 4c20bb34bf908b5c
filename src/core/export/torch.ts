/**
 * `trtx export --torch`: runs the user's Python, with torch, on a generated script that exports an nn.Module to
 * ONNX, then checks the file and moves it into place. Python writes into a fresh folder beside the destination,
 * so that a failed export (external-data files included) is removed whole, the final rename is atomic, and the
 * destination is either untouched or the checked new model.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { FileError, ModelFormatError, TrtxError, UsageError } from "../errors.js";
import { describeModelFile } from "../onnx/model-file.js";
import type { ModelInfo } from "../onnx/model-info.js";
import { torchExportScript } from "./torch-script.js";

export type TorchDtype = "float32" | "float16" | "int64" | "int32" | "bool";
export const TORCH_DTYPES: readonly TorchDtype[] = ["float32", "float16", "int64", "int32", "bool"];
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

export interface TorchInput {
  name: string;
  shape: number[];
  /** float32 when absent. Floats get random example values, the others zeros. */
  dtype?: TorchDtype;
}

export interface TorchExportRequest {
  /** The .py file that defines the factory. */
  module: string;
  /** A function or class in that file that, called with no arguments, returns the nn.Module. */
  factory: string;
  inputs: TorchInput[];
  /** One name per tensor the model returns; absent or empty: output, or output_0..N. */
  outputs?: string[];
  /** Makes the first dimension of every input and output dynamic ("batch"). */
  dynamicBatch: boolean;
  opset: number;
  /** The destination .onnx file. */
  output: string;
  /** The interpreter to run (default python3 on PATH). */
  python?: string;
}

export interface TorchExportResult {
  path: string;
  bytes: number;
  torchVersion: string;
  /** Names as the written model has them. */
  inputs: string[];
  outputs: string[];
  info: ModelInfo;
}

/** How many lines of Python's own output an error quotes when Python fails without saying why. */
const TAIL_LINES = 5;

/** Splits `path/model.py:factory` on its last colon. */
export function parseTorchTarget(value: string): { module: string; factory: string } {
  const colon = value.lastIndexOf(":");
  const module = value.slice(0, Math.max(colon, 0));
  const factory = value.slice(colon + 1);
  if (colon < 0 || module === "" || factory === "") {
    throw new UsageError(`--torch ${value} is not FILE.py:FACTORY`, {
      hint: "e.g. --torch models/net.py:make_model, where make_model() returns the nn.Module",
    });
  }
  return { module, factory };
}

export async function exportFromTorch(request: TorchExportRequest, onProgress: (line: string) => void = () => {}): Promise<TorchExportResult> {
  checkRequest(request);
  checkModule(request.module);
  const python = request.python ?? "python3";
  const dest = path.resolve(request.output);
  const work = workFolder(request.output, dest);
  try {
    const tempModel = path.join(work, path.basename(dest));
    const script = torchExportScript({
      module: path.resolve(request.module),
      factory: request.factory,
      inputs: request.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype ?? "float32" })),
      outputs: request.outputs?.length ? request.outputs : null,
      dynamicBatch: request.dynamicBatch,
      opset: request.opset,
      path: tempModel,
    });
    const run = await runPython(python, script, onProgress);
    const torchVersion = torchVersionOf(run, python, request);
    const info = checkWritten(tempModel);
    moveInto(work, tempModel, info, dest);
    return {
      path: request.output,
      bytes: info.fileBytes,
      torchVersion,
      inputs: info.inputs.map((v) => v.name),
      outputs: info.outputs.map((v) => v.name),
      info,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function checkRequest(r: TorchExportRequest): void {
  const example = { hint: "e.g. --input input:1x3x224x224" };
  if (path.extname(r.module) !== ".py") throw new UsageError(`${r.module} is not a .py file`, { hint: "--torch takes FILE.py:FACTORY" });
  if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(r.factory)) {
    throw new UsageError(`${JSON.stringify(r.factory)} is not a Python name`, { hint: "name a function or class defined in the module, e.g. make_model" });
  }
  if (r.inputs.length === 0) throw new UsageError("the export needs at least one input", example);
  for (const input of r.inputs) {
    if (!input.shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new UsageError(`input ${input.name} has shape [${input.shape.join(", ")}]; dimensions must be positive integers`, example);
    }
    if (input.dtype !== undefined && !TORCH_DTYPES.includes(input.dtype)) {
      throw new UsageError(`input ${input.name} has dtype ${input.dtype}`, { hint: `use one of ${TORCH_DTYPES.join(", ")}` });
    }
    if (r.dynamicBatch && input.shape.length === 0) {
      throw new UsageError(`input ${input.name} is a scalar, so it has no batch dimension to make dynamic`, { hint: "give it a shape, or drop --dynamic-batch" });
    }
  }
  const names = [...r.inputs.map((i) => i.name), ...(r.outputs ?? [])];
  if (names.includes("")) throw new UsageError("an input or output has an empty name", example);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`${twice} is named twice among the inputs and outputs`, { hint: "ONNX needs a unique name for each input and output" });
  if (!Number.isInteger(r.opset) || r.opset < MIN_OPSET || r.opset > MAX_OPSET) {
    throw new UsageError(`opset ${r.opset} is outside ${MIN_OPSET}..${MAX_OPSET}`, { hint: "17 suits TensorRT 10 and recent ONNX Runtime" });
  }
  if (r.python === "") throw new UsageError("--python is empty", { hint: "pass the path to a Python 3 interpreter that has torch" });
}

function checkModule(file: string): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new FileError(`${file} not found`, { hint: "pass the path to the .py file that defines the factory" });
  if (stat.isDirectory()) throw new FileError(`${file} is a directory`, { hint: "pass the .py file that defines the factory" });
}

/** Checks the destination and makes the folder Python writes into. */
function workFolder(output: string, dest: string): string {
  const dir = path.dirname(dest);
  if (!fs.existsSync(dir)) throw new FileError(`cannot write ${output}: folder ${dir} does not exist`, { hint: "create it first" });
  if (fs.statSync(dest, { throwIfNoEntry: false })?.isDirectory()) throw new FileError(`${output} is a directory`, { hint: "pass a file path such as model.onnx" });
  try {
    // mkdtemp: a unique name per export, so that two exports to one destination never share a folder.
    return fs.mkdtempSync(path.join(dir, `.${path.basename(dest)}.`));
  } catch (e) {
    throw new FileError(`cannot write in ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: "check the folder's permissions" });
  }
}

type PythonEvent =
  | { event: "progress"; message: string }
  | { event: "done"; path: string; torch: string }
  | { event: "error"; kind: string; message: string; python?: string; module?: string; available?: string[]; step?: string; where?: string | null };

interface PythonRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: PythonEvent[];
  /** The last lines Python printed that were not events (stderr, and stray stdout from native code). */
  tail: string[];
}

function runPython(python: string, script: string, onProgress: (line: string) => void): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ["-u", "-"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONIOENCODING: "utf-8" } });
    const events: PythonEvent[] = [];
    const tail: string[] = [];
    const keep = (line: string) => {
      if (line.trim() === "") return;
      tail.push(line.trim());
      if (tail.length > TAIL_LINES) tail.shift();
    };
    child.on("error", (e: NodeJS.ErrnoException) => reject(spawnError(python, e)));
    // A Python that exits before reading the whole script closes the pipe; its exit status says why.
    child.stdin.on("error", () => {});
    child.stdin.end(script);
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const event = parseEvent(line);
      if (event === undefined) return keep(line);
      events.push(event);
      if (event.event === "progress") onProgress(event.message);
    });
    readline.createInterface({ input: child.stderr }).on("line", keep);
    child.on("close", (code, signal) => resolve({ code, signal, events, tail }));
  });
}

function parseEvent(line: string): PythonEvent | undefined {
  if (!line.startsWith('{"event"')) return undefined;
  try {
    return JSON.parse(line) as PythonEvent;
  } catch {
    return undefined;
  }
}

function spawnError(python: string, e: NodeJS.ErrnoException): TrtxError {
  if (e.code === "ENOENT") return new FileError(`${python} not found`, { hint: "install Python 3 with torch, or pass --python" });
  if (e.code === "EACCES") return new FileError(`${python} is not executable`, { hint: "pass --python with a Python 3 interpreter that has torch" });
  return new TrtxError(`cannot run ${python}: ${e.code ?? e.message}`, { hint: "pass --python with a Python 3 interpreter that has torch" });
}

/** The torch version from the done event, or the error Python reported (or the way it died). */
function torchVersionOf(run: PythonRun, python: string, r: TorchExportRequest): string {
  const error = run.events.find((e) => e.event === "error");
  if (error) throw reportedError(error, python, r);
  const done = run.events.find((e) => e.event === "done");
  if (run.code === 0 && done) return done.torch;
  const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.code}`;
  throw new TrtxError(`${python} ${how} before the export finished${run.tail.length ? `: ${run.tail.join(" | ")}` : ""}`, {
    ...(run.signal === "SIGKILL" ? { hint: "the system may have run out of memory" } : {}),
  });
}

function reportedError(e: Extract<PythonEvent, { event: "error" }>, python: string, r: TorchExportRequest): TrtxError {
  switch (e.kind) {
    case "missing-torch":
      return new TrtxError(`torch is not installed for ${python}${e.python && e.python !== python ? ` (${e.python})` : ""}`, {
        hint: "pip install torch, or pass --python with a Python that has it",
      });
    case "missing-module":
      return new TrtxError(`${doing(e.step, r)} needs the Python module ${e.module}, which ${python} does not have`, {
        hint: `pip install ${e.module} (or the package that provides it) for ${e.python ?? python}`,
      });
    case "missing-factory": {
      const defined = e.available?.length ? `it defines ${e.available.join(", ")}` : "it defines no functions or classes";
      return new UsageError(`${r.module} has no ${r.factory}; ${defined}`, { hint: `pass --torch ${r.module}:NAME, where NAME() returns the nn.Module` });
    }
    case "not-a-module":
      return new UsageError(e.message, { hint: "the factory, called with no arguments, must return a torch.nn.Module" });
    case "no-outputs":
      return new TrtxError(`${doing(e.step, r)}: ${e.message}`, { hint: "forward() must return a tensor, or a tuple, list or dict of tensors" });
    case "output-count":
      return new UsageError(e.message, { hint: "pass one --output per tensor the model returns, or none to get output, output_0..N" });
    default:
      return new TrtxError(`${doing(e.step, r)} failed${e.where ? ` at ${e.where}` : ""}: ${e.message}`, { hint: fixFor(e.step, e.where, python, r) });
  }
}

/** The script's step as the error names it. */
function doing(step: string | undefined, r: TorchExportRequest): string {
  switch (step) {
    case "import":
      return "import torch";
    case "load":
      return `loading ${path.basename(r.module)}`;
    case "factory":
      return `${r.factory}()`;
    case "run":
      return "running the model on the example inputs";
    default:
      return "torch.onnx.export";
  }
}

function fixFor(step: string | undefined, where: string | null | undefined, python: string, r: TorchExportRequest): string {
  switch (step) {
    case "import":
      return `reinstall torch for ${python}, or pass --python with a Python whose torch imports`;
    case "load":
    case "factory":
      return `fix ${where ?? path.basename(r.module)}`;
    case "run":
      return "check that the --input shapes and dtypes are what forward() expects";
    default:
      return "change the construct the message names, or try another --opset";
  }
}

function checkWritten(tempModel: string): ModelInfo {
  try {
    return describeModelFile(tempModel);
  } catch (e) {
    if (!(e instanceof TrtxError)) throw e;
    throw new ModelFormatError(`torch.onnx.export did not write a readable model: ${e.message}`, { hint: "this is a bug in the exporter; try another --opset", cause: e });
  }
}

/** External data first, so that the model never appears at the destination without its weights. */
function moveInto(work: string, tempModel: string, info: ModelInfo, dest: string): void {
  try {
    for (const ext of info.externalData) {
      const to = path.join(path.dirname(dest), ext.location);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(path.join(work, ext.location), to);
    }
    fs.renameSync(tempModel, dest);
  } catch (e) {
    throw new FileError(`cannot move the exported model to ${dest}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
