/**
 * `trtx demo` (what `npm start` runs): the whole pipeline on the built-in default model. Until export, build,
 * repo, run and perf exist it says so and shows what works today on a bundled fixture.
 */
import { Command } from "commander";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runDoctor } from "../../core/doctor.js";
import { describeModelFile } from "../../core/onnx/model-file.js";
import { formatShape } from "../../core/onnx/model-info.js";
import { uiFor } from "../options/reporting.js";
import { formatCount } from "../render/format.js";

const FIXTURE = fileURLToPath(new URL("../../../../fixtures/mlp_dynbatch.onnx", import.meta.url));

export function demoCommand(): Command {
  return new Command("demo")
    .description("run the whole pipeline on the built-in default model (what `npm start` runs)")
    .action(async (_opts: unknown, command: Command) => {
      const ui = uiFor(command);
      const info = describeModelFile(FIXTURE);
      const doctor = await runDoctor();
      const steps = ["export", "build", "repo", "run", "perf"];
      if (ui.json) {
        ui.printJson({ schema: "trtx.demo/1", pipeline: "not built yet", pending: steps, inspect: { path: FIXTURE, ...info }, provider: doctor.autoSelects });
        return;
      }
      const c = ui.out;
      ui.print(`${c.bold("trtx demo")}: the full pipeline (${steps.join(" → ")}) is not built yet.`);
      ui.print(`What works now, on the bundled fixture ${path.relative(process.cwd(), FIXTURE)}:`);
      for (const v of info.inputs) ui.print(`  input  ${v.name} ${v.dtype} ${formatShape(v.shape)}`);
      for (const v of info.outputs) ui.print(`  output ${v.name} ${v.dtype} ${formatShape(v.shape)}`);
      ui.print(`  ${info.nodeCount} nodes, ${formatCount(info.weights.parameters)} parameters, ${info.batch.batchable ? "dynamic batch" : "fixed batch"}`);
      ui.print(`  execution provider --ep auto selects here: ${c.bold(doctor.autoSelects)}`);
      ui.print("Try: trtx inspect --onnx <model.onnx>   trtx doctor   trtx --help");
    });
}
