/** `trtx repo`: Triton model repositories — scaffold (init), check (lint), format (fmt) and list (ls). */
import { Command } from "commander";
import { repoAddVersionCommand } from "./repo-add-version.js";
import { repoFmtCommand } from "./repo-fmt.js";
import { repoInitCommand } from "./repo-init.js";
import { repoLintCommand } from "./repo-lint.js";
import { repoLsCommand } from "./repo-ls.js";
import { repoValidateCommand } from "./repo-validate.js";

export function repoCommand(): Command {
  const repo = new Command("repo").description("scaffold, check, format and list Triton model repositories");
  for (const sub of [repoInitCommand(), repoLintCommand(), repoFmtCommand(), repoLsCommand()]) repo.addCommand(sub);
  repo.addCommand(repoValidateCommand());
  repo.addCommand(repoAddVersionCommand());
  return repo;
}
