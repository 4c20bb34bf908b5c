/** `trtx inspect`: a model's I/O, opsets, ops, weights and batchability, without decoding its weights. */
import { Command } from "commander";
import type { ModelInfo } from "../../core/onnx/model-info.js";
import { formatShape } from "../../core/onnx/model-info.js";
import { describeModelFile } from "../../core/onnx/model-file.js";
import { modelPath, onnxOption } from "../options/model.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatCount, plural } from "../render/format.js";
import { renderTable } from "../render/table.js";
import type { Ui } from "../ui.js";

const TOP_OPS = 12;

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("describe an ONNX model: inputs, outputs, opsets, ops, weights, batchability")
    .argument("[model]", "ONNX model file (same as --onnx)")
    .addOption(onnxOption())
    .addHelpText("after", "\nExamples:\n  trtx inspect --onnx model.onnx\n  trtx inspect model.onnx --json | jq .inputs")
    .action((positional: string | undefined, opts: { onnx?: string }, command: Command) => {
      const ui = uiFor(command);
      const file = modelPath(opts.onnx, positional);
      const info = describeModelFile(file);
      if (ui.json) ui.printJson({ schema: "trtx.inspect/1", path: file, format: "onnx", ...info });
      else renderInspect(ui, file, info);
    });
}

function renderInspect(ui: Ui, file: string, info: ModelInfo): void {
  const c = ui.out;
  const opsets = info.opsets.map((o) => `${o.domain || "ai.onnx"} ${o.version}`).join(", ");
  const producer = [info.producer.name, info.producer.version].filter(Boolean).join(" ") || "unknown";
  ui.print(`${c.bold(file)}  ${formatBytes(info.fileBytes)} · IR ${info.irVersion} · opset ${opsets || "none"} · producer ${producer}`);
  const io = (values: ModelInfo["inputs"]) =>
    values.map((v) => [v.name, v.kind === "tensor" ? v.dtype : `${v.kind} ${v.dtype}`, formatShape(v.shape)]);
  ui.print();
  ui.print(c.bold("Inputs"));
  ui.print(renderTable(["name", "dtype", "shape"], io(info.inputs), c));
  ui.print(c.bold("Outputs"));
  ui.print(renderTable(["name", "dtype", "shape"], io(info.outputs), c));

  const ops = info.ops.slice(0, TOP_OPS).map((o) => `${o.domain ? `${o.domain}:` : ""}${o.op} ${o.count}`);
  if (info.ops.length > TOP_OPS) ops.push(`+${info.ops.length - TOP_OPS} more`);
  const sub = info.subgraphCount ? `, ${info.subgraphCount} subgraphs` : "";
  ui.print(`${c.bold("Ops")}        ${formatCount(info.nodeCount)} nodes${sub}: ${ops.join(", ") || "none"}`);
  if (info.functions.length) ui.print(`${c.bold("Functions")}  ${info.functions.join(", ")}`);
  const dtypes = info.weights.byDtype.map((d) => `${d.dtype} ${formatCount(d.parameters)} (${formatBytes(d.bytes)})`).join(", ");
  ui.print(`${c.bold("Weights")}    ${formatCount(info.weights.parameters)} parameters in ${plural(info.weights.tensors, "tensor")}, ${formatBytes(info.weights.bytes)}${dtypes ? `: ${dtypes}` : ""}`);
  for (const ext of info.externalData) {
    ui.print(`${c.bold("External")}   ${ext.location}: ${plural(ext.tensors, "tensor")}, ${formatBytes(ext.bytes)}`);
  }
  const verdict = info.batch.batchable ? c.green("dynamic batch") : c.yellow("no dynamic batch");
  const triton = info.batch.batchable ? "Triton max_batch_size > 0 possible" : "Triton needs max_batch_size 0";
  ui.print(`${c.bold("Batching")}   ${verdict}: ${info.batch.reason} (${triton})`);
  const meta = Object.entries(info.metadata);
  if (meta.length) ui.print(`${c.bold("Metadata")}   ${meta.map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 57)}...` : v}`).join(", ")}`);
}
