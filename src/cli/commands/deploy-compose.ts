/** `trtx deploy compose`: Triton, Prometheus and Grafana on one box, from the repository as it is. */
import { Command, Option } from "commander";
import { COMPOSE_DEFAULTS, planCompose, type ComposeOptions } from "../../core/deploy/compose.js";
import { MODEL_CONTROL_MODES } from "../../core/deploy/options.js";
import { writeDeployFolder } from "../../core/deploy/write.js";
import { UsageError } from "../../core/errors.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { integer } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { printWritten, repositoryFactsOrFindings } from "./deploy-shared.js";

/** The core's options as flags, with the folders named as on the command line. */
type ComposeFlags = Omit<ComposeOptions, "repository" | "outDir"> & {
  repo: string;
  out: string;
  force?: boolean;
  dryRun?: boolean;
};

const gpuCount = (value: string): number | "all" => {
  if (value === "all") return "all";
  if (!/^\d+$/.test(value)) throw new UsageError(`--gpus ${value} is not valid`, { hint: "use a number of GPUs (0 for none) or all" });
  return Number(value);
};

export function deployComposeCommand(): Command {
  return new Command("compose")
    .description("write a docker-compose.yml for one box: Triton on the repository, Prometheus, and Grafana with a Triton dashboard")
    .option("--repo <dir>", "the model repository (it must pass trtx repo validate)", DEFAULT_REPO)
    .option("--name <name>", "the compose project's name (docker compose -p) and the dashboard's", COMPOSE_DEFAULTS.name)
    .option("--image <ref>", "the Triton image", COMPOSE_DEFAULTS.image)
    .addOption(new Option("--gpus <n>", "GPUs for Triton: a count, 0 for none, or all").default(COMPOSE_DEFAULTS.gpus).argParser(gpuCount))
    .option("--shm-size <size>", "shared memory for Triton", COMPOSE_DEFAULTS.shmSize)
    .addOption(new Option("--model-control-mode <mode>", "Triton's model control mode").choices(MODEL_CONTROL_MODES).default(COMPOSE_DEFAULTS.modelControlMode))
    .addOption(new Option("--startup-seconds <s>", "time allowed before healthy (default: derived from the warm-ups)").argParser(integer("--startup-seconds", 1)))
    .option("-o, --out <dir>", "the folder to write", "deploy-compose")
    .option("--force", "replace the folder if it exists")
    .option("--dry-run", "print what would be written and write nothing")
    .addHelpText("after", ["", "Examples:", "  trtx deploy compose", "  trtx deploy compose --repo /srv/models --gpus all -o /srv/triton", "  trtx deploy compose --gpus 0   # a CPU-only repository"].join("\n"))
    .action((flags: ComposeFlags, command: Command) => {
      const ui = uiFor(command);
      const { repo, out, force, dryRun, ...settings } = flags;
      const facts = repositoryFactsOrFindings(repo, ui, "trtx.deploy-compose/1");
      const plan = planCompose(facts, { ...settings, repository: repo, outDir: out });
      if (!dryRun) writeDeployFolder(out, plan.files, { force: Boolean(force), repository: repo });
      if (ui.json) return ui.printJson({ schema: "trtx.deploy-compose/1", repository: repo, repositorySha256: facts.sha256, out, written: !dryRun, files: plan.files.map((f) => f.path), startup: plan.startup, warnings: plan.warnings });
      if (dryRun) for (const f of plan.files) ui.print(`--- ${f.path}\n${f.content.trimEnd()}`);
      printWritten(ui, { outDir: out, dryRun: Boolean(dryRun), files: plan.files, startup: plan.startup, warnings: plan.warnings, next: `cd ${out} && docker compose -p ${settings.name} up -d` });
    });
}
