/**
 * `trtx build`: an engine bundle (model.onnx with its precision baked in, the ORT-optimized form, INT8 tables, a
 * manifest with the TensorRT options for deployment), gated on accuracy against the source and skipped when the
 * bundle is already up to date. Flags override the same keys of --config.
 */
import { Command } from "commander";
import { CheckFailedError } from "../../core/errors.js";
import { buildBundle, type BuildStep } from "../../core/build/bundle.js";
import { readBuildConfig, resolveBuildRequest, type RawSettings } from "../../core/build/request.js";
import { epOption } from "../options/inference.js";
import { collect } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { buildJson, renderBuild } from "../render/build-report.js";


const STEP_TEXT: Record<BuildStep, string> = {
  provider: "choosing the execution provider",
  int8: "calibrating and quantizing to INT8",
  fp16: "converting to FP16",
  save: "writing model.onnx",
  engines: "building TensorRT engines (this can take minutes)",
  tables: "writing calibration tables",
  accuracy: "checking accuracy against the source",
  optimize: "writing ORT's optimized model",
  install: "moving the bundle into place",
};

export function buildCommand(): Command {
  return new Command("build")
    .description("build an engine bundle: FP16/INT8 baked into the ONNX, shape profiles, manifest, accuracy check")
    .option("--onnx <model.onnx>", "the source model (float32)")
    .option("--saveEngine <dir>", "the bundle folder (default: <model basename>.trtx in the current folder)")
    .option("--fp16", "convert to float16 (ops on the block list stay float32)")
    .option("--int8", "quantize to INT8 (QDQ) with calibration data")
    .option("--calib <DIR|FILE.npy|random>", "calibration data: a folder of .npy, one .npy batched along dim 0, or random (testing only)")
    .option("--calib-method <method>", "entropy (default), minmax or percentile")
    .option("--calib-samples <n>", "use at most N calibration samples (random: make N, default 16)")
    .option("--percentile <p>", "with --calib-method percentile: the percentile of |x| kept (default 99.99)")
    .option("--minShapes <specs>", "profile minimum shapes, name:1x3x224x224[,name:dims] (repeat for more profiles)", collect)
    .option("--optShapes <specs>", "profile optimum shapes (alone: min = opt = max)", collect)
    .option("--maxShapes <specs>", "profile maximum shapes", collect)
    .addOption(epOption(undefined))
    .option("--workspace <size>", "TensorRT workspace for deployment (trt_max_workspace_size), e.g. 4G")
    .option("--accuracy-samples <n>", "samples for the accuracy check (default 8)")
    .option("--atol <value>", "also require every output element within atol (or rtol)")
    .option("--rtol <value>", "also require every output element within rtol (or atol)")
    .option("--min-cosine <value>", "lowest cosine similarity per output (default: fp32 0.9999, fp16 0.999, int8 0.99)")
    .option("--keep-io-types", "float32 graph inputs and outputs, Casts inside (the default)")
    .option("--io-fp16", "with --fp16: float16 graph inputs and outputs")
    .option("--fp16-exclude-ops <ops>", "with --fp16: more op types kept float32, Op,Op (repeatable)", collect)
    .option("--trt-version <version>", "the TensorRT version named in calibration.cache's header (default 10.9.0)")
    .option("--keep-failed", "write the bundle even when the accuracy check fails (still exit 3)")
    .option("--force", "rebuild even when the bundle is up to date")
    .option("--config <build.yaml>", "settings from YAML (the flags' long names, kebab-case or camelCase); flags override")
    .addHelpText("after", "\nExit code 3 when the accuracy check fails.\n\nExamples:\n  trtx build --onnx mlp.onnx --fp16\n  trtx build --onnx resnet50.onnx --int8 --calib calib/ --minShapes input:1x3x224x224 --optShapes input:8x3x224x224 --maxShapes input:32x3x224x224\n  trtx build --config build.yaml --force")
    .action(async (_flags: RawSettings, command: Command) => {
      const ui = uiFor(command);
      const opts = command.opts<RawSettings>();
      const given = Object.fromEntries(Object.keys(opts).filter((k) => k !== "config" && command.getOptionValueSource(k) === "cli").map((k) => [k, opts[k]]));
      const config = typeof opts.config === "string" ? readBuildConfig(opts.config) : {};
      const request = resolveBuildRequest(config, given);
      const spinner = ui.spinner(`building ${request.saveEngine}`);
      let stepText = "";
      const result = await buildBundle(request, {
        onStep: (step) => spinner.update((stepText = STEP_TEXT[step])),
        onWarning: (message) => ui.warn(message),
        onProgress: (done, total) => spinner.update(`${stepText} (${done}/${total})`),
        logLevel: ui.verbose ? "warning" : "fatal",
      });
      spinner.succeed(result.upToDate ? "up to date" : "built");
      if (ui.json) ui.printJson(buildJson(result));
      else renderBuild(ui, result);
      const accuracy = result.manifest.accuracy;
      if (!result.upToDate && !accuracy.passed) {
        const failed = accuracy.outputs.filter((o) => !o.passed).map((o) => o.name);
        throw new CheckFailedError(`the built model fails the accuracy check on ${failed.join(", ")}${result.written ? `; kept ${result.bundle} (--keep-failed)` : "; nothing written"}`, {
          hint: "see the table above; exclude sensitive ops (--fp16-exclude-ops), use better calibration data, or lower --min-cosine if the loss is acceptable",
        });
      }
    });
}
