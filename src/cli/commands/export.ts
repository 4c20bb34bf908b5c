/**
 * `trtx export`: an ONNX model from a built-in template, a YAML network definition, an ONNX rewrite or a
 * PyTorch module. Every route ends the same way: one file written atomically and a report of what it holds.
 */
import { Command, Option } from "commander";
import { UsageError } from "../../core/errors.js";
import { loadNetwork } from "../../core/export/network.js";
import { compileNetwork } from "../../core/network/compile.js";
import { templateNames } from "../../core/network/templates.js";
import { parseByteSize } from "../../core/onnx/external-data.js";
import { formatShape } from "../../core/onnx/model-info.js";
import { collect, integer } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatCount } from "../render/format.js";
import { renderTable } from "../render/table.js";
import type { Ui } from "../ui.js";
import { exportFromNetwork, exportFromOnnx, exportFromPyTorch, routeOf, type ExportFlags, type ExportReport } from "./export-routes.js";

export function parseBatch(value: string): "dynamic" | number {
  if (value === "dynamic") return "dynamic";
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--batch ${value} is not valid`, { hint: "use --batch dynamic or a positive integer" });
  return n;
}

export function exportCommand(): Command {
  return new Command("export")
    .description("export an ONNX model from a built-in architecture, a YAML network definition, an ONNX rewrite or PyTorch")
    .option("--list", "list the built-in templates with their parameter counts")
    .option("--template <name>", "source: a built-in architecture (see --list)")
    .option("--spec <file.yaml>", "source: a YAML network definition (docs/network-yaml.md)")
    .option("--onnx <in.onnx>", "source: an ONNX model to rewrite (no rewrite flags: an identical copy)")
    .option("--torch <file.py:factory>", "source: a PyTorch module, exported through torch.onnx.export")
    .option("-o, --output <file>", "where to write the model (default for templates and specs: <name>.onnx)")
    .addOption(new Option("--opset <n>", "ONNX opset (templates and specs: 17 to 21; torch: up to 21)").argParser(integer("--opset", 7, 21)))
    .addOption(new Option("--batch <dynamic|N>", "templates/specs: dim 0 of every input, symbolic or fixed").argParser(parseBatch))
    .addOption(new Option("--seed <n>", "templates/specs: seed for the random weights").argParser(integer("--seed", 0, 2 ** 32 - 1)))
    .option("--fp16-weights", "templates/specs: store weights as float16 (half the file), computed in float32")
    .option("--dynamic-batch", "onnx/torch: make dim 0 of every input and output symbolic")
    .option("--fix-shapes <specs>", "onnx: fix input shapes, trtexec syntax input:1x3x224x224[,name:dims]")
    .option("--rename-input <old=new>", "onnx: rename a graph input (repeatable)", collect)
    .option("--rename-output <old=new>", "onnx: rename a graph output (repeatable)", collect)
    .option("--add-outputs <names>", "onnx: expose intermediate tensors as outputs (comma-separated)")
    .option("--strip-initializer-inputs", "onnx: drop graph inputs that are initializers (old IR models)")
    .option("--fold-constants", "onnx: fold constants with onnxruntime's basic optimizer (standard ops only)")
    .option("--external-data", "onnx: move weights to <output>.data beside the model")
    .addOption(new Option("--external-threshold <size>", "onnx: with --external-data, tensors of at least this size (default 1KiB)").argParser(parseByteSize))
    .option("--inline-data", "onnx: pull external weights into the model file")
    .option("--force", "onnx: allow -o to be the input file")
    .option("--input <name:dims[:dtype]>", "torch: an example input, e.g. input:1x3x224x224 or ids:1x128:int64 (repeatable)", collect)
    .option("--output-names <names>", "torch: names for the model's outputs (comma-separated)")
    .option("--python <path>", "torch: the Python interpreter with torch (default python3)")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  trtx export --list",
        "  trtx export --template resnet50 -o resnet50.onnx",
        "  trtx export --spec net.yaml --batch 8 -o net.onnx",
        "  trtx export --onnx in.onnx --fix-shapes input:1x3x224x224 -o fixed.onnx",
        "  trtx export --onnx in.onnx --dynamic-batch --fold-constants -o dyn.onnx",
        "  trtx export --torch examples/torch_models.py:resnet18 --input input:1x3x224x224 --dynamic-batch -o r18.onnx",
      ].join("\n"),
    )
    .action(async (flags: ExportFlags & { list?: boolean }, command: Command) => {
      const ui = uiFor(command);
      if (flags.list) return listTemplates(ui);
      const route = routeOf(flags);
      const spinner = ui.spinner("exporting");
      const start = performance.now();
      let report: ExportReport;
      try {
        report =
          route === "network" ? exportFromNetwork(flags) : route === "onnx" ? await exportFromOnnx(flags) : await exportFromPyTorch(flags, (line) => spinner.update(line));
      } catch (e) {
        spinner.fail("export failed");
        throw e;
      }
      const ms = performance.now() - start;
      spinner.succeed(`exported in ${(ms / 1000).toFixed(1)} s`);
      if (ui.json) ui.printJson({ ...report, ms });
      else renderExport(ui, report);
    });
}

function renderExport(ui: Ui, r: ExportReport): void {
  const c = ui.out;
  const d = r.details;
  const facts = [formatBytes(r.bytes), `from ${r.source}`];
  if (typeof d.parameters === "number") facts.push(`${formatCount(d.parameters)} parameters${d.fp16Weights ? " (stored as float16)" : ""}`, `opset ${d.opset}`, `seed ${d.seed}`);
  if (typeof d.torchVersion === "string") facts.push(`torch ${d.torchVersion}`);
  ui.print(`${c.bold(r.path)}  ${facts.join(" · ")}`);
  for (const change of (d.changes as string[] | undefined) ?? []) ui.print(`  ${change}`);
  if (Array.isArray(d.changes) && d.changes.length === 0) ui.print("  no changes: an identical copy");
  const io = [...r.inputs.map((v) => ["input", v.name, v.dtype, formatShape(v.shape)]), ...r.outputs.map((v) => ["output", v.name, v.dtype, formatShape(v.shape)])];
  ui.print(renderTable(["", "name", "dtype", "shape"], io, c));
}

function listTemplates(ui: Ui): void {
  const rows = templateNames().map((name) => {
    const spec = loadNetwork({ template: name });
    const counted = compileNetwork(spec, { countOnly: true });
    return { name, description: spec.description, parameters: counted.parameters, inputs: counted.inputs, outputs: counted.outputs };
  });
  if (ui.json) return ui.printJson({ schema: "trtx.templates/1", templates: rows });
  const io = (values: (typeof rows)[number]["inputs"]) => values.map((v) => `${v.name} ${formatShape(v.shape)}`).join(", ");
  ui.print(renderTable(["template", "parameters", "inputs", "outputs"], rows.map((r) => [r.name, formatCount(r.parameters), io(r.inputs), io(r.outputs)]), ui.out));
}
