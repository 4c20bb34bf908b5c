/** `trtx repo validate`: every model of a repository checked against its files and its ONNX model; exit 3 on findings. */
import { Command } from "commander";
import { CheckFailedError } from "../../core/errors.js";
import { validateRepository } from "../../core/triton/validate.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { uiFor } from "../options/reporting.js";

export function repoValidateCommand(): Command {
  return new Command("validate")
    .description("check every model of a repository: config, version folders, model files, and IO against the ONNX model; exit 3 on findings")
    .argument("[repository]", "the model repository folder", DEFAULT_REPO)
    .addHelpText("after", ["", "Examples:", "  trtx repo validate", "  trtx repo validate /models --json"].join("\n"))
    .action((repository: string, _flags: unknown, command: Command) => {
      const ui = uiFor(command);
      const models = validateRepository(repository);
      const count = models.reduce((n, m) => n + m.findings.length, 0);
      const failing = models.filter((m) => m.findings.length > 0).length;
      if (ui.json) ui.printJson({ schema: "trtx.repo-validate/1", repository, models });
      else if (count === 0) ui.print(`${models.length} model(s), no findings`);
      else for (const m of models) for (const f of m.findings) ui.print(`${m.name}: ${f.rule}: ${f.message}`);
      if (count > 0) throw new CheckFailedError(`${count} finding(s) in ${failing} of ${models.length} model(s)`, { hint: "fix the models named above" });
    });
}
