/** `trtx repo lint`: config.pbtxt files checked against the rules Triton applies when it loads a model. */
import { Command } from "commander";
import { CheckFailedError } from "../../core/errors.js";
import { failing, lintModelConfig } from "../../core/triton/lint.js";
import { parseModelConfig } from "../../core/triton/pbtxt-parse.js";
import { uiFor } from "../options/reporting.js";
import { readConfigText } from "./repo-fmt.js";

export function repoLintCommand(): Command {
  return new Command("lint")
    .description("check config.pbtxt files against Triton's load-time rules (no model needed); exit 3 on findings")
    .argument("<config.pbtxt...>", "model configuration files")
    .addHelpText("after", ["", "Examples:", "  trtx repo lint model_repository/*/config.pbtxt", "  trtx repo lint config.pbtxt --json"].join("\n"))
    .action((files: string[], _flags: unknown, command: Command) => {
      const ui = uiFor(command);
      // Parse errors stop the run (exit 1): there is no config to lint.
      const results = files.map((path) => ({ path, findings: lintModelConfig(parseModelConfig(readConfigText(path), path)) }));
      // A warning is advice: Triton loads the model anyway, so it is printed but never fails the run.
      const failed = (r: (typeof results)[number]) => failing(r.findings).length;
      const count = results.reduce((n, r) => n + failed(r), 0);
      const failingFiles = results.filter((r) => failed(r) > 0).length;
      if (ui.json) ui.printJson({ schema: "trtx.repo-lint/1", files: results });
      else if (results.every((r) => r.findings.length === 0)) ui.print(`${results.length} file(s), no findings`);
      else for (const r of results) for (const f of r.findings) ui.print(`${r.path}: ${f.severity === "warning" ? "warning: " : ""}${f.rule}: ${f.path}: ${f.message}`);
      if (count > 0) throw new CheckFailedError(`${count} finding(s) in ${failingFiles} of ${results.length} file(s)`, { hint: "Triton would refuse these models; fix the fields named above" });
    });
}
