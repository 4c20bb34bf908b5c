/** `trtx deploy compose`: Triton, Prometheus and Grafana on one box, from the repository as it is. */
import { Command, Option } from "commander";
import { planCompose } from "../../core/deploy/compose.js";
import { DEFAULT_TRITON_IMAGE, MODEL_CONTROL_MODES, type ModelControlMode } from "../../core/deploy/options.js";
import { writeDeployFolder } from "../../core/deploy/write.js";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { integer } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { printWritten, repositoryFactsOrFindings } from "./deploy-shared.js";

interface ComposeFlags {
  repo: string;
  name: string;
  image: string;
  gpus: number | "all";
  shmSize: string;
  modelControlMode: ModelControlMode;
  startupSeconds?: number;
  out: string;
  force?: boolean;
  dryRun?: boolean;
}

const gpuCount = (value: string): number | "all" => {
  if (value === "all") return "all";
  if (!/^\d+$/.test(value)) throw new UsageError(`--gpus ${value} is not valid`, { hint: "use a number of GPUs (0 for none) or all" });
  return Number(value);
};

export function deployComposeCommand(): Command {
  return new Command("compose")
    .description("write a docker-compose.yml for one box: Triton on the repository, Prometheus, and Grafana with a Triton dashboard")
    .option("--repo <dir>", "the model repository (it must pass trtx repo validate)", DEFAULT_REPO)
    .option("--name <name>", "the compose project's name (docker compose -p) and the dashboard's", "trtx")
    .option("--image <ref>", "the Triton image", DEFAULT_TRITON_IMAGE)
    .addOption(new Option("--gpus <n>", "GPUs for Triton: a count, 0 for none, or all").default(1).argParser(gpuCount))
    .option("--shm-size <size>", "shared memory for Triton", "1Gi")
    .addOption(new Option("--model-control-mode <mode>", "Triton's model control mode").choices(MODEL_CONTROL_MODES).default("none"))
    .addOption(new Option("--startup-seconds <s>", "time allowed before healthy (default: derived from the warm-ups)").argParser(integer("--startup-seconds", 1)))
    .option("-o, --out <dir>", "the folder to write", "deploy-compose")
    .option("--force", "replace the folder if it exists")
    .option("--dry-run", "print what would be written and write nothing")
    .addHelpText("after", ["", "Examples:", "  trtx deploy compose", "  trtx deploy compose --repo /srv/models --gpus all -o /srv/triton", "  trtx deploy compose --gpus 0   # a CPU-only repository"].join("\n"))
    .action((flags: ComposeFlags, command: Command) => {
      const ui = uiFor(command);
      const facts = repositoryFactsOrFindings(flags.repo, ui, "trtx.deploy-compose/1");
      const plan = planCompose(facts, {
        name: flags.name,
        image: flags.image,
        gpus: flags.gpus,
        shmSize: flags.shmSize,
        modelControlMode: flags.modelControlMode,
        repository: flags.repo,
        outDir: flags.out,
        ...(flags.startupSeconds !== undefined ? { startupSeconds: flags.startupSeconds } : {}),
      });
      if (!flags.dryRun) writeDeployFolder(flags.out, plan.files, { force: Boolean(flags.force) });
      if (ui.json) return ui.printJson({ schema: "trtx.deploy-compose/1", repository: flags.repo, repositorySha256: facts.sha256, out: flags.out, written: !flags.dryRun, files: plan.files.map((f) => f.path), startup: plan.startup, warnings: plan.warnings });
      if (flags.dryRun) for (const f of plan.files) ui.print(`--- ${f.path}\n${f.content.trimEnd()}`);
      printWritten(ui, { outDir: flags.out, dryRun: Boolean(flags.dryRun), files: plan.files, startup: plan.startup, warnings: plan.warnings, next: `cd ${flags.out} && docker compose -p ${flags.name} up -d` });
    });
}
