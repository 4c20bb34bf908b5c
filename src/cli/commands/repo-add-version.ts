/** `trtx repo add-version`: a new version folder holding an ONNX model whose IO agrees with the model's config. */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { CheckFailedError, FileError } from "../../core/errors.js";
import { describeModelFile } from "../../core/onnx/model-file.js";
import { checkModelName, DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { failing } from "../../core/triton/lint.js";
import { checkIo, readConfig, versionsOf } from "../../core/triton/validate.js";
import { uiFor } from "../options/reporting.js";

export function repoAddVersionCommand(): Command {
  return new Command("add-version")
    .description("add a model version (max existing + 1) whose IO matches the model's config; exit 3 when it does not")
    .argument("<name>", "the model's folder in the repository")
    .requiredOption("--onnx <file>", "the ONNX model of the new version")
    .option("--repo <dir>", "the model repository folder", DEFAULT_REPO)
    .addHelpText("after", ["", "Examples:", "  trtx repo add-version resnet50 --onnx resnet50-v2.onnx", "  trtx repo add-version mlp --onnx mlp.onnx --repo /models"].join("\n"))
    .action((name: string, flags: { onnx: string; repo: string }, command: Command) => {
      const ui = uiFor(command);
      checkModelName(name);
      const modelDir = path.join(flags.repo, name);
      if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) {
        throw new FileError(`model ${name} not found in ${flags.repo}`, { hint: `create it first with trtx repo init ${name} --onnx ... --repo ${flags.repo}` });
      }
      const read = readConfig(modelDir);
      if ("finding" in read) throw new FileError(read.finding.message, { hint: "fix config.pbtxt first (trtx repo validate)" });
      const info = describeModelFile(flags.onnx);
      const findings = checkIo(read.config, info.inputs, info.outputs, path.basename(flags.onnx));
      const refusing = failing(findings).length;
      const version = (versionsOf(modelDir).at(-1) ?? 0) + 1;
      if (refusing > 0) {
        if (ui.json) ui.printJson({ schema: "trtx.repo-add-version/1", model: name, version: null, findings });
        else for (const f of findings) ui.print(`${name}: ${f.rule}: ${f.message}`);
        throw new CheckFailedError(`${flags.onnx} does not match ${name}'s config: ${refusing} finding(s); nothing written`, { hint: "export the model with the config's IO, or change config.pbtxt first" });
      }
      const tmp = path.join(modelDir, `.add-version-${process.pid}-${Date.now()}`);
      try {
        fs.mkdirSync(tmp);
        const external = info.externalData.map((e) => e.location);
        if (external.length === 0) {
          fs.copyFileSync(flags.onnx, path.join(tmp, "model.onnx"));
        } else {
          // With external data the version holds a model.onnx folder: ORT finds the data beside the model.
          const inner = path.join(tmp, "model.onnx");
          fs.mkdirSync(inner);
          fs.copyFileSync(flags.onnx, path.join(inner, "model.onnx"));
          for (const loc of external) {
            fs.mkdirSync(path.dirname(path.join(inner, loc)), { recursive: true });
            fs.copyFileSync(path.join(path.dirname(flags.onnx), loc), path.join(inner, loc));
          }
        }
        fs.renameSync(tmp, path.join(modelDir, String(version)));
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw new FileError(`cannot write version ${version} of ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (ui.json) ui.printJson({ schema: "trtx.repo-add-version/1", model: name, version, path: path.join(modelDir, String(version)), findings: [] });
      else ui.print(`added ${name} version ${version} (${path.join(modelDir, String(version))})`);
    });
}
