/**
 * Export from a network definition: a built-in template or a YAML file, compiled with seeded weights and
 * saved atomically.
 */
import fs from "node:fs";
import { FileError } from "../errors.js";
import { compileNetwork, type CompileOptions, type CompiledNetwork } from "../network/compile.js";
import { parseNetworkYaml, type NetworkSpec } from "../network/spec.js";
import { loadTemplate } from "../network/templates.js";
import { saveModel } from "../onnx/model-file.js";
import type { ValueDesc } from "../onnx/model-info.js";

export type NetworkSource = { template: string } | { spec: string };

export interface NetworkExport {
  source: string;
  path: string;
  bytes: number;
  externalData: string[];
  opset: number;
  parameters: number;
  buffers: number;
  nodes: number;
  inputs: ValueDesc[];
  outputs: ValueDesc[];
  seed: number;
  fp16Weights: boolean;
}

export function loadNetwork(source: NetworkSource): NetworkSpec {
  if ("template" in source) return loadTemplate(source.template);
  let text: string;
  try {
    text = fs.readFileSync(source.spec, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === "ENOENT" ? `${source.spec}: no such file` : code === "EISDIR" ? `${source.spec} is a directory, not a network definition` : `${source.spec}: cannot read (${code})`, { hint: "pass a YAML network definition (docs/network-yaml.md)" });
  }
  return parseNetworkYaml(text, source.spec);
}

export function describeSource(source: NetworkSource): string {
  return "template" in source ? `template:${source.template}` : `spec:${source.spec}`;
}

export function exportNetwork(source: NetworkSource, output: string, options: CompileOptions = {}): NetworkExport {
  const spec = loadNetwork(source);
  const seed = options.seed ?? 0;
  const compiled: CompiledNetwork = compileNetwork(spec, {
    ...options,
    seed,
    metadata: { "trtx.source": describeSource(source), "trtx.seed": String(seed), ...(options.fp16Weights ? { "trtx.weights": "float16" } : {}) },
  });
  const saved = saveModel(compiled.model, output);
  return {
    source: describeSource(source),
    path: saved.path,
    bytes: saved.bytes,
    externalData: saved.externalData,
    opset: options.opset ?? spec.opset,
    parameters: compiled.parameters,
    buffers: compiled.buffers,
    nodes: compiled.nodes,
    inputs: compiled.inputs,
    outputs: compiled.outputs,
    seed,
    fp16Weights: Boolean(options.fp16Weights),
  };
}
