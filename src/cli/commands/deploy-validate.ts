/** `trtx deploy validate DIR`: a deployment folder checked offline; exit 3 on findings. */
import { Command } from "commander";
import { validateDeployFolder } from "../../core/deploy/validate.js";
import { CheckFailedError } from "../../core/errors.js";
import { uiFor } from "../options/reporting.js";

export function deployValidateCommand(): Command {
  return new Command("validate")
    .description("check a deployment folder offline: every Kubernetes object against its schema, the references between them, compose and monitoring files; exit 3 on findings")
    .argument("[dir]", "the folder trtx deploy wrote", "deploy")
    .addHelpText("after", ["", "Examples:", "  trtx deploy validate deploy/", "  trtx deploy validate deploy-compose --json"].join("\n"))
    .action((dir: string, _flags: unknown, command: Command) => {
      const ui = uiFor(command);
      const result = validateDeployFolder(dir);
      if (ui.json) ui.printJson({ schema: "trtx.deploy-validate/1", ...result });
      else {
        for (const f of result.findings) ui.print(`${f.file}: ${f.rule}: ${f.message}`);
        if (result.findings.length === 0) ui.print(`${result.files.length} file(s), ${result.objects.length} Kubernetes object(s): no findings`);
        for (const u of result.unchecked) ui.warn(`${u}: not a file trtx deploy writes; not checked`);
      }
      if (result.findings.length > 0) throw new CheckFailedError(`${result.findings.length} finding(s) in ${dir}`, { hint: "fix them, or regenerate the folder with trtx deploy" });
    });
}
