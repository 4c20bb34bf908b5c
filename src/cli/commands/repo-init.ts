/** `trtx repo init NAME`: one model of a Triton repository (config.pbtxt and its version folder) from an ONNX model, a bundle or a template. */
import { Command, Option } from "commander";
import { parseShapeSpecs } from "../../core/shapes/shape-spec.js";
import { DEFAULT_MAX_BATCH, DEFAULT_REPO, planRepository, resolveRepoSource, type PlannedFile, type RepoInitOptions } from "../../core/triton/plan-repository.js";
import { renderModelConfig } from "../../core/triton/pbtxt-render.js";
import { parseSequenceControl, parseSequenceState } from "../../core/triton/repo-sequence.js";
import { writeRepoPlan } from "../../core/triton/repo-write.js";
import { integer, integerList } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";

/** The core's options as flags: the model comes as one of --onnx/--loadEngine/--plan, shapes as trtexec text. */
type InitFlags = Omit<RepoInitOptions, "name" | "source" | "shapes" | "version" | "sequenceControl" | "sequenceState"> & {
  sequenceControl?: string;
  sequenceState?: string;
  onnx?: string;
  loadEngine?: string;
  plan?: string;
  inputs?: string;
  outputs?: string;
  version: number;
  shapes?: string;
  dryRun?: boolean;
  force?: boolean;
};

export function repoInitCommand(): Command {
  return new Command("init")
    .description("add a model to a Triton repository: config.pbtxt and <version>/model.onnx")
    .argument("<name>", "the model's name and folder; with no --onnx, --loadEngine or --plan, a built-in template")
    .option("--onnx <model.onnx>", "the ONNX model to serve")
    .option("--loadEngine <bundle.trtx>", "a bundle from trtx build: its model, with ORT's TensorRT set up as it was built")
    .option("--plan <model.plan>", "a TensorRT engine (platform tensorrt_plan); needs --inputs and --outputs")
    .option("--inputs <specs>", "with --plan: NAME:DIMS:DTYPE,..., e.g. images:-1x3x640x640:float32 (-1: variable)")
    .option("--outputs <specs>", "with --plan: the outputs, as --inputs")
    .option("--repo <dir>", "the model repository", DEFAULT_REPO)
    .addOption(
      new Option("--max-batch <n>", `max_batch_size (batchable models; default: a bundle's largest profile batch, else ${DEFAULT_MAX_BATCH}, a small start that trtx perf --sweep can replace; 0 for none)`).argParser(
        integer("--max-batch", 0),
      ),
    )
    .option("--dynamic-batching", "Triton's dynamic batcher (the default for a batchable model that is not a sequence model)")
    .option("--no-dynamic-batching", "no scheduler: every request runs alone")
    .addOption(new Option("--preferred <sizes>", "preferred batch sizes, e.g. 8,16 (default none, as Triton advises for most models)").argParser(integerList("--preferred")))
    .addOption(new Option("--max-queue-delay-us <us>", "how long a request may wait for a batch (default 0: Triton's advice is to raise it only after measuring)").argParser(integer("--max-queue-delay-us", 0)))
    .option("--sequence-control <specs>", "the sequence control inputs, e.g. start=START,ready=READY,end=END,corrid=CORRID (default: inputs with exactly those names)")
    .option("--sequence-state <pairs>", "implicit state: INPUT:OUTPUT,... (the input that reads a state and the output that writes it)")
    .addOption(new Option("--instances <n>", "instances of the model (per GPU with --kind gpu)").argParser(integer("--instances", 1)))
    .addOption(new Option("--kind <kind>", "where instances run").choices(["gpu", "cpu"]))
    .addOption(new Option("--gpus <ids>", "with --kind gpu: the GPUs to use, e.g. 0,1").argParser(integerList("--gpus")))
    .addOption(new Option("--version <n>", "the version folder").default(1).argParser(integer("--version", 1)))
    .option("--warmup", "warm up at batch 1 and max_batch_size before the model is READY (bundles warm up at their profiles)")
    .option("--shapes <spec>", "with --warmup: full shapes for variable dims, e.g. input_ids:1x128")
    .option("--labels <file>", "label file for classification (one label per line); OUTPUT=file with several outputs")
    .option("--dry-run", "print the plan and write nothing")
    .option("--force", "replace the model folder if it exists")
    .addHelpText("after", [
      "",
      "Scheduling: a batchable model gets dynamic_batching { } (no preferred sizes, no delay: Triton's recommended",
      "start); a model with sequence controls or states gets sequence_batching instead; --warmup fills integer and",
      "bool inputs with zeros (random bytes are not valid ids or booleans) and float inputs with random data.",
      "",
      "Examples:",
      "  trtx repo init mlp",
      "  trtx repo init resnet --onnx resnet50.onnx --preferred 8,16 --max-queue-delay-us 100",
      "  trtx repo init acc --onnx accumulator.onnx --sequence-state INPUT_STATE:OUTPUT_STATE", "  trtx repo init resnet --loadEngine resnet50.trtx --kind gpu --gpus 0,1", "  trtx repo init yolo --plan yolo.plan --inputs images:-1x3x640x640:fp16 --outputs output0:-1x84x8400:fp16 --max-batch 8"].join("\n"))
    .action((name: string, flags: InitFlags, command: Command) => {
      const ui = uiFor(command);
      const plan = planRepository({
        ...flags,
        shapes: flags.shapes === undefined ? undefined : parseShapeSpecs(flags.shapes),
        sequenceControl: flags.sequenceControl === undefined ? undefined : parseSequenceControl(flags.sequenceControl),
        sequenceState: flags.sequenceState === undefined ? undefined : parseSequenceState(flags.sequenceState),
        name,
        source: resolveRepoSource({ name, ...flags }),
      });
      if (!flags.dryRun) writeRepoPlan(plan, { force: Boolean(flags.force) });
      if (ui.json) return ui.printJson({ schema: "trtx.repo-init/1", written: !flags.dryRun, ...plan });
      ui.print(`${flags.dryRun ? "would write" : "wrote"} ${ui.out.bold(plan.modelDir)}`);
      for (const file of plan.files) ui.print(`  ${file.path}  ${describe(file)}`);
      if (flags.dryRun) ui.print(`\nconfig.pbtxt:\n${renderModelConfig(plan.config).trimEnd()}`);
    });
}

function describe(file: PlannedFile): string {
  if ("content" in file) return `${file.content.length} bytes`;
  if ("copyFrom" in file) return `copy of ${file.copyFrom}`;
  return `exported from template ${file.template}`;
}
