/** `trtx repo`: Triton model repositories — scaffold (init), check (lint), format (fmt) and list (ls). */
import { Command } from "commander";
import { pendingCommand } from "./pending.js";
import { repoFmtCommand } from "./repo-fmt.js";
import { repoInitCommand } from "./repo-init.js";
import { repoLintCommand } from "./repo-lint.js";
import { repoLsCommand } from "./repo-ls.js";

export function repoCommand(): Command {
  const repo = new Command("repo").description("scaffold, check, format and list Triton model repositories");
  for (const sub of [repoInitCommand(), repoLintCommand(), repoFmtCommand(), repoLsCommand()]) repo.addCommand(sub);
  repo.addCommand(pendingCommand("validate", "check every model of a repository against its ONNX model", "repo validate"));
  repo.addCommand(pendingCommand("add-version", "add a model version whose IO matches the config", "repo add-version"));
  return repo;
}
