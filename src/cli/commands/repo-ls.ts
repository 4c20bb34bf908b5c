/** `trtx repo ls`: the models of a Triton repository at a glance, broken ones included as error rows. */
import { Command } from "commander";
import { listRepository, type RepositoryModel } from "../../core/triton/repository.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { uiFor } from "../options/reporting.js";
import { renderTable } from "../render/table.js";

export function repoLsCommand(): Command {
  return new Command("ls")
    .description("list the models of a Triton repository with their versions, backend, batching and problems")
    .argument("[repository]", "the model repository folder", DEFAULT_REPO)
    .addHelpText("after", ["", "Examples:", "  trtx repo ls", "  trtx repo ls /models --json"].join("\n"))
    .action((repository: string, _flags: unknown, command: Command) => {
      const ui = uiFor(command);
      const models = listRepository(repository);
      if (ui.json) return ui.printJson({ schema: "trtx.repo-ls/1", repository, models });
      const c = ui.out;
      const rows = models.map((m) => [m.name, m.versions.join(", ") || "-", ...(m.error === undefined ? described(m) : [c.red("error"), "", "", ""]), status(m)]);
      ui.print(renderTable(["model", "versions", "platform/backend", "max batch", "dynamic batching", "instances", "status"], rows, c));
      for (const m of models) for (const p of m.error === undefined ? m.problems : [m.error, ...m.problems]) ui.print(`${m.name}: ${p}`);
    });
}

function described(m: RepositoryModel): string[] {
  return [[m.platform, m.backend].filter(Boolean).join(" / ") || "(auto)", String(m.maxBatchSize ?? 0), m.dynamicBatching ? "yes" : "no", m.instanceGroups];
}

function status(m: RepositoryModel): string {
  if (m.error !== undefined) return "error";
  return m.problems.length === 0 ? "ok" : `${m.problems.length} problem(s)`;
}
