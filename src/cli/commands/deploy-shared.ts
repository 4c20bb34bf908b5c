/** What the deploy commands share: the repository check, reporting its findings, and the summary of a written folder. */
import { RepositoryInvalidError, readRepositoryFacts, type RepositoryFacts } from "../../core/deploy/repo-facts.js";
import type { StartupBudget } from "../../core/deploy/serving.js";
import type { DeployFile } from "../../core/deploy/yaml-file.js";
import type { Ui } from "../ui.js";

/** The repository's facts; a repository failing `repo validate` is refused with every finding shown first. */
export function repositoryFactsOrFindings(repository: string, ui: Ui, schema: string): RepositoryFacts {
  try {
    return readRepositoryFacts(repository);
  } catch (e) {
    if (!(e instanceof RepositoryInvalidError)) throw e;
    if (ui.json) ui.printJson({ schema, repository, written: false, findings: e.models.filter((m) => m.findings.length > 0) });
    for (const m of e.models) for (const f of m.findings) ui.warn(`${m.name}: ${f.rule}: ${f.message}`);
    throw e;
  }
}

export function printWritten(ui: Ui, o: { outDir: string; dryRun: boolean; files: readonly DeployFile[]; startup: StartupBudget; warnings: readonly string[]; next: string }): void {
  for (const w of o.warnings) ui.warn(w);
  ui.print(`${o.dryRun ? "would write" : "wrote"} ${ui.out.bold(o.outDir)} (${o.files.length} files)`);
  for (const f of o.files) ui.print(`  ${f.path}`);
  ui.print(`start-up budget ${o.startup.seconds} s${o.startup.parts.length > 0 ? `: ${o.startup.parts.map((p) => `${p.model === "*" ? "download" : p.model} ${p.seconds} s`).join(", ")}` : ""}`);
  if (!o.dryRun) ui.print(`next: ${o.next}`);
}
