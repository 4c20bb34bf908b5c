/**
 * The four routes of `trtx export`, each turning parsed flags into one core call. All return the same
 * shape of report, so that the command renders (and --json prints) them alike.
 */
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { exportNetwork, type NetworkSource } from "../../core/export/network.js";
import { exportFromTorch, parseTorchTarget, TORCH_DTYPES, type TorchDtype, type TorchInput } from "../../core/export/torch.js";
import { inlineExternalData } from "../../core/onnx/external-data.js";
import { describeModelFile, loadModel, saveModel } from "../../core/onnx/model-file.js";
import type { ValueDesc } from "../../core/onnx/model-info.js";
import { rewriteModel } from "../../core/onnx/rewrite.js";
import { parseShapeSpecs } from "../../core/shapes/shape-spec.js";

export interface ExportFlags {
  template?: string;
  spec?: string;
  onnx?: string;
  torch?: string;
  output?: string;
  opset?: number;
  batch?: "dynamic" | number;
  seed?: number;
  fp16Weights?: boolean;
  dynamicBatch?: boolean;
  fixShapes?: string;
  renameInput?: string[];
  renameOutput?: string[];
  addOutputs?: string;
  stripInitializerInputs?: boolean;
  foldConstants?: boolean;
  externalData?: boolean;
  externalThreshold?: number;
  inlineData?: boolean;
  input?: string[];
  outputNames?: string;
  python?: string;
  force?: boolean;
}

export interface ExportReport {
  schema: "trtx.export/1";
  source: string;
  path: string;
  bytes: number;
  inputs: ValueDesc[];
  outputs: ValueDesc[];
  /** Route-specific facts: parameters and seed, the rewrite's changes, the torch version. */
  details: Record<string, unknown>;
}

/** Which flags belong to which route; a flag given to another route is a usage error, not ignored. */
const ROUTE_FLAGS: Record<string, (keyof ExportFlags)[]> = {
  network: ["batch", "seed", "fp16Weights", "opset"],
  onnx: ["dynamicBatch", "fixShapes", "renameInput", "renameOutput", "addOutputs", "stripInitializerInputs", "foldConstants", "externalData", "externalThreshold", "inlineData", "force"],
  torch: ["input", "outputNames", "dynamicBatch", "opset", "python"],
};

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function routeOf(flags: ExportFlags): "network" | "onnx" | "torch" {
  const given = (["template", "spec", "onnx", "torch"] as const).filter((k) => flags[k] !== undefined);
  if (given.length !== 1) {
    throw new UsageError(given.length ? `give one source, not ${given.map(flagName).join(" and ")}` : "nothing to export", {
      hint: "pass --template NAME, --spec net.yaml, --onnx in.onnx or --torch model.py:factory (or --list)",
    });
  }
  const route = given[0] === "template" || given[0] === "spec" ? "network" : given[0]!;
  for (const [other, keys] of Object.entries(ROUTE_FLAGS)) {
    if (other === route) continue;
    for (const key of keys) {
      if (flags[key] !== undefined && !ROUTE_FLAGS[route]!.includes(key)) {
        throw new UsageError(`${flagName(key)} does not apply to ${flagName(given[0]!)}`, { hint: `it belongs to ${other === "network" ? "--template/--spec" : flagName(other)}` });
      }
    }
  }
  return route;
}

export function exportFromNetwork(flags: ExportFlags): ExportReport {
  const source: NetworkSource = flags.template !== undefined ? { template: flags.template } : { spec: flags.spec! };
  const name = "template" in source ? source.template : path.basename(source.spec).replace(/\.ya?ml$/i, "");
  const r = exportNetwork(source, flags.output ?? `${name}.onnx`, {
    ...(flags.opset !== undefined ? { opset: flags.opset } : {}),
    ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    fp16Weights: Boolean(flags.fp16Weights),
  });
  const { source: from, path: file, bytes, inputs, outputs, ...details } = r;
  return { schema: "trtx.export/1", source: from, path: file, bytes, inputs, outputs, details };
}

export async function exportFromOnnx(flags: ExportFlags): Promise<ExportReport> {
  const input = flags.onnx!;
  if (!flags.output) throw new UsageError("--onnx needs an output file", { hint: "pass -o out.onnx" });
  if (path.resolve(flags.output) === path.resolve(input) && !flags.force) {
    throw new UsageError(`refusing to overwrite the input model ${input} in place`, { hint: "write to another -o, or pass --force" });
  }
  if (flags.externalData && flags.inlineData) throw new UsageError("--external-data and --inline-data contradict each other", { hint: "pick one" });
  if (flags.externalThreshold !== undefined && !flags.externalData) throw new UsageError("--external-threshold needs --external-data");
  const loaded = loadModel(input);
  const details: Record<string, unknown> = {};
  if (flags.inlineData) details.inlined = inlineExternalData(loaded.proto, loaded.dir);
  const report = await rewriteModel(loaded.proto, {
    ...(flags.dynamicBatch ? { dynamicBatch: true } : {}),
    ...(flags.fixShapes !== undefined ? { fixShapes: parseShapeSpecs(flags.fixShapes) } : {}),
    ...(flags.renameInput ? { renameInputs: parsePairs("--rename-input", flags.renameInput) } : {}),
    ...(flags.renameOutput ? { renameOutputs: parsePairs("--rename-output", flags.renameOutput) } : {}),
    ...(flags.addOutputs !== undefined ? { addOutputs: parseList("--add-outputs", flags.addOutputs) } : {}),
    ...(flags.stripInitializerInputs ? { stripInitializerInputs: true } : {}),
    ...(flags.foldConstants ? { foldConstants: true } : {}),
    modelDir: loaded.dir,
  });
  const saved = saveModel(loaded.proto, flags.output, {
    sourceDir: loaded.dir,
    ...(flags.externalData ? { externalThreshold: flags.externalThreshold ?? 1024 } : {}),
  });
  const info = describeModelFile(saved.path);
  return {
    schema: "trtx.export/1",
    source: `onnx:${input}`,
    path: saved.path,
    bytes: saved.bytes,
    inputs: info.inputs,
    outputs: info.outputs,
    // Moving weights in or out of the model file changes the files, not the graph: it is a change all the same.
    details: { ...details, changes: [...report.changes, ...storageChanges(details.inlined, flags.externalData ? saved.externalData : [])], nodesBefore: report.nodesBefore, nodesAfter: report.nodesAfter, externalData: saved.externalData },
  };
}

function storageChanges(inlined: unknown, written: readonly string[]): string[] {
  const changes: string[] = [];
  const n = (inlined as { tensors?: number } | undefined)?.tensors ?? 0;
  if (n > 0) changes.push(`inlined ${n} external tensor${n === 1 ? "" : "s"} into the model file`);
  if (written.length > 0) changes.push(`moved large tensors to external data: ${written.join(", ")}`);
  return changes;
}

export async function exportFromPyTorch(flags: ExportFlags, onProgress: (line: string) => void): Promise<ExportReport> {
  const target = parseTorchTarget(flags.torch!);
  if (!flags.output) throw new UsageError("--torch needs an output file", { hint: "pass -o model.onnx" });
  if (!flags.input?.length) throw new UsageError("--torch needs the example input shapes", { hint: "pass --input input:1x3x224x224 (name:dims[:dtype]) for each input" });
  const r = await exportFromTorch(
    {
      module: target.module,
      factory: target.factory,
      inputs: flags.input.map(parseTorchInput),
      ...(flags.outputNames !== undefined ? { outputs: parseList("--output-names", flags.outputNames) } : {}),
      dynamicBatch: Boolean(flags.dynamicBatch),
      opset: flags.opset ?? 17,
      output: flags.output,
      ...(flags.python !== undefined ? { python: flags.python } : {}),
    },
    onProgress,
  );
  return { schema: "trtx.export/1", source: `torch:${flags.torch}`, path: r.path, bytes: r.bytes, inputs: r.info.inputs, outputs: r.info.outputs, details: { torchVersion: r.torchVersion } };
}

/** `name:1x3x224x224` or `name:1x128:int64`. */
export function parseTorchInput(text: string): TorchInput {
  const last = text.lastIndexOf(":");
  const tail = text.slice(last + 1);
  const dtype = (TORCH_DTYPES as readonly string[]).includes(tail) ? (tail as TorchDtype) : undefined;
  const spec = dtype ? text.slice(0, last) : text;
  const specs = [...parseShapeSpecs(spec)];
  if (specs.length !== 1) throw new UsageError(`--input ${text} names ${specs.length} inputs`, { hint: "repeat --input once per input" });
  const [name, shape] = specs[0]!;
  return { name, shape, ...(dtype ? { dtype } : {}) };
}

function parsePairs(flag: string, values: string[]): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`${flag} ${v} is not old=new`, { hint: `e.g. ${flag} input.1=input` });
    pairs.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return pairs;
}

function parseList(flag: string, value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  if (names.some((n) => n === "")) throw new UsageError(`${flag} ${value} has an empty name`, { hint: "separate names with commas: a,b" });
  return names;
}
