/**
 * One measurement in a fresh process (so peak RSS belongs to it alone): do what `mode` says with `file` and
 * print {ms, maxRssMB} as JSON. Used by bench/inspect.ts and bench/export.ts.
 */
import fs from "node:fs";
import { exportNetwork } from "../src/core/export/network.js";
import { decodeModel } from "../src/core/onnx/codec.js";
import { describeModelFile } from "../src/core/onnx/model-file.js";

const [mode, file] = process.argv.slice(2) as [string, string];
const start = performance.now();
let summary: unknown;
switch (mode) {
  case "baseline":
    summary = null;
    break;
  case "trtx-scan": {
    const info = describeModelFile(file);
    summary = { inputs: info.inputs.length, parameters: info.weights.parameters };
    break;
  }
  case "full-decode": {
    const model = decodeModel(fs.readFileSync(file));
    summary = { inputs: model.graph!.input.length, initializers: model.graph!.initializer.length };
    break;
  }
  case "ort-session": {
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: "disabled" });
    summary = { inputs: session.inputNames.length };
    await session.release();
    break;
  }
  case "export-template":
  case "export-template-fp16": {
    const [template, output] = file.split("=") as [string, string];
    const result = exportNetwork({ template }, output, { fp16Weights: mode.endsWith("fp16") });
    summary = { bytes: result.bytes, parameters: result.parameters };
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, maxRssMB: peakRssMiB(), summary }) + "\n");

/**
 * Peak RSS of this process image. VmHWM starts afresh at exec; getrusage's maxrss does not (Linux carries the
 * parent's peak across fork+exec), so it would charge the bench's own memory to the worker.
 */
function peakRssMiB(): number {
  const hwm = fs.readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  return (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
}
