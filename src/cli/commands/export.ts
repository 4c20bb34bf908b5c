/**
 * `trtx export`: an ONNX model from a built-in template, a YAML network definition, an ONNX rewrite or a
 * PyTorch module. Every route ends the same way: one file written atomically and a report of what it holds.
 */
import { Command, Option } from "commander";
import path from "node:path";
import { UsageError } from "../../core/errors.js";
import { exportNetwork, loadNetwork, type NetworkExport, type NetworkSource } from "../../core/export/network.js";
import { compileNetwork } from "../../core/network/compile.js";
import { templateNames } from "../../core/network/templates.js";
import { formatShape } from "../../core/onnx/model-info.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatCount } from "../render/format.js";
import { renderTable } from "../render/table.js";
import type { Ui } from "../ui.js";

interface ExportOptions {
  list?: boolean;
  template?: string;
  spec?: string;
  output?: string;
  opset?: number;
  batch?: "dynamic" | number;
  seed?: number;
  fp16Weights?: boolean;
}

export function parseBatch(value: string): "dynamic" | number {
  if (value === "dynamic") return "dynamic";
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--batch ${value} is not valid`, { hint: "use --batch dynamic or a positive integer" });
  return n;
}

function parseInteger(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${value} is not valid`, { hint: `use an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}` });
    return n;
  };
}

export function exportCommand(): Command {
  return new Command("export")
    .description("export an ONNX model from a built-in architecture, a YAML network definition, an ONNX rewrite or PyTorch")
    .option("--list", "list the built-in templates with their parameter counts")
    .option("--template <name>", "a built-in architecture (see --list)")
    .option("--spec <file.yaml>", "a YAML network definition (docs/network-yaml.md)")
    .option("-o, --output <file>", "where to write the model (default: <name>.onnx)")
    .addOption(new Option("--opset <n>", "ONNX opset (17 to 21)").argParser(parseInteger("--opset", 1)))
    .addOption(new Option("--batch <dynamic|N>", "dim 0 of every input: symbolic or fixed").argParser(parseBatch))
    .addOption(new Option("--seed <n>", "seed for the random weights").argParser(parseInteger("--seed", 0, 2 ** 32 - 1)))
    .option("--fp16-weights", "store weights as float16 (half the file), computed in float32")
    .addHelpText("after", "\nExamples:\n  trtx export --list\n  trtx export --template resnet50 -o resnet50.onnx\n  trtx export --spec net.yaml --batch 8 -o net.onnx")
    .action((opts: ExportOptions, command: Command) => {
      const ui = uiFor(command);
      if (opts.list) return listTemplates(ui);
      const sources = [opts.template, opts.spec].filter((s) => s !== undefined);
      if (sources.length !== 1) throw new UsageError(sources.length ? "give only one of --template and --spec" : "nothing to export", { hint: "pass --template NAME or --spec net.yaml (or --list)" });
      const source: NetworkSource = opts.template !== undefined ? { template: opts.template } : { spec: opts.spec! };
      const name = "template" in source ? source.template : path.basename(source.spec).replace(/\.ya?ml$/i, "");
      const spinner = ui.spinner(`exporting ${name}`);
      const start = performance.now();
      let result: NetworkExport;
      try {
        result = exportNetwork(source, opts.output ?? `${name}.onnx`, {
          ...(opts.opset !== undefined ? { opset: opts.opset } : {}),
          ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          fp16Weights: Boolean(opts.fp16Weights),
        });
      } catch (e) {
        spinner.fail(`could not export ${name}`);
        throw e;
      }
      const ms = performance.now() - start;
      spinner.succeed(`exported ${name} in ${(ms / 1000).toFixed(1)} s`);
      if (ui.json) ui.printJson({ schema: "trtx.export/1", ...result, ms });
      else renderExport(ui, result);
    });
}

function renderExport(ui: Ui, r: NetworkExport): void {
  const c = ui.out;
  ui.print(`${c.bold(r.path)}  ${formatBytes(r.bytes)} · opset ${r.opset} · ${formatCount(r.nodes)} nodes · ${formatCount(r.parameters)} parameters${r.fp16Weights ? " (stored as float16)" : ""} · from ${r.source}, seed ${r.seed}`);
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
  const io = (values: typeof rows[number]["inputs"]) => values.map((v) => `${v.name} ${formatShape(v.shape)}`).join(", ");
  ui.print(renderTable(["template", "parameters", "inputs", "outputs", "description"], rows.map((r) => [r.name, formatCount(r.parameters), io(r.inputs), io(r.outputs), r.description]), ui.out));
}
