/**
 * `trtx demo` (what `npm start` runs): the pipeline on the built-in default model, as far as it is built:
 * export resnet50 from its template, describe it, and run it on the best provider here against the CPU.
 */
import { Command, Option } from "commander";
import fs from "node:fs";
import path from "node:path";
import { exportNetwork } from "../../core/export/network.js";
import { describeModelFile } from "../../core/onnx/model-file.js";
import { formatShape } from "../../core/onnx/model-info.js";
import { compareRun } from "../../core/run/comparison.js";
import { buildFeeds } from "../../core/run/feeds.js";
import { runModel } from "../../core/run/run.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatCount, formatMs } from "../render/format.js";

/** Accelerators round differently from the CPU (TF32 on Ampere and later): this is the agreement to expect. */
const TOLERANCE = 1e-2;

export function demoCommand(): Command {
  return new Command("demo")
    .description("run the pipeline on the built-in default model (what `npm start` runs)")
    .addOption(new Option("--template <name>", "the built-in model").default("resnet50"))
    .addOption(new Option("--dir <dir>", "where the demo writes its files").default("trtx-demo"))
    .action(async (opts: { template: string; dir: string }, command: Command) => {
      const ui = uiFor(command);
      fs.mkdirSync(opts.dir, { recursive: true });
      const spinner = ui.spinner(`exporting ${opts.template}`);
      const exported = exportNetwork({ template: opts.template }, path.join(opts.dir, `${opts.template}.onnx`));
      spinner.update(`running ${opts.template}`);
      const info = describeModelFile(exported.path);
      const feeds = buildFeeds(info.inputs, { random: { seed: 1, ranges: new Map() } });
      const outcome = await runModel(exported.path, feeds, { ep: "auto", iterations: 5 });
      const tol = { default: TOLERANCE, perOutput: new Map<string, number>() };
      const check = await compareRun({ ep: "cpu" }, exported.path, "auto", feeds, outcome.outputs, { atol: tol, rtol: tol }, "elemwise");
      spinner.succeed(`exported and ran ${opts.template}`);
      const median = [...outcome.timings].sort((a, b) => a - b)[Math.floor(outcome.timings.length / 2)]!;
      const summary = {
        schema: "trtx.demo/1",
        model: exported.path,
        bytes: exported.bytes,
        parameters: exported.parameters,
        inputs: info.inputs,
        outputs: info.outputs,
        provider: outcome.provider,
        medianMs: median,
        agreesWithCpu: check.result.passed,
      };
      if (ui.json) return ui.printJson(summary);
      const c = ui.out;
      ui.print(`${c.bold("export")}  ${exported.path}: ${formatBytes(exported.bytes)}, ${formatCount(exported.parameters)} parameters`);
      for (const v of info.inputs) ui.print(`        input  ${v.name} ${v.dtype} ${formatShape(v.shape)}`);
      for (const v of info.outputs) ui.print(`        output ${v.name} ${v.dtype} ${formatShape(v.shape)}`);
      const verdict = check.result.passed ? c.green(`agrees with ${check.against}`) : c.red(`differs from ${check.against}`);
      ui.print(`${c.bold("run")}     batch 1 on ${c.bold(outcome.provider)}: median ${formatMs(median)} over ${outcome.timings.length} runs; ${verdict} (atol/rtol ${TOLERANCE})`);
      ui.print(`${c.bold("next")}    trtx perf --onnx ${exported.path} -b 1,8, trtx build --onnx ${exported.path} --fp16, trtx repo init ${opts.template} --onnx ${exported.path}, trtx doctor`);
    });
}
