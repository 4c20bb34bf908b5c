/**
 * `trtx repo validate`: every model of a repository checked against its files and its ONNX model, and with --server
 * loaded by a real tritonserver; exit 3 on findings or on a model the server did not load.
 */
import { Command } from "commander";
import { CheckFailedError, UsageError } from "../../core/errors.js";
import { checkRepository, type CheckedModel } from "../../core/triton/repo-check.js";
import { DEFAULT_REPO } from "../../core/triton/plan-repository.js";
import { uiFor } from "../options/reporting.js";
import type { Ui } from "../ui.js";

interface ValidateFlags {
  /** true for a bare --server (find tritonserver), or its path. */
  server?: string | true;
  backendDirectory?: string;
}

export function repoValidateCommand(): Command {
  return new Command("validate")
    .description("check every model of a repository: config, version folders, model files, and IO against the ONNX model; with --server, also load each in a real tritonserver; exit 3 on findings")
    .argument("[repository]", "the model repository folder", DEFAULT_REPO)
    .option("--server [tritonserver]", "also load every model in a real tritonserver (this path, $TRTX_TRITONSERVER, or on PATH) on free loopback ports, and report READY or Triton's error")
    .option("--backend-directory <dir>", "with --server: Triton's --backend-directory (default: Triton's own, /opt/tritonserver/backends)")
    .addHelpText("after", ["", "Examples:", "  trtx repo validate", "  trtx repo validate /models --json", "  trtx repo validate /models --server", "  trtx repo validate /models --server /opt/tritonserver/bin/tritonserver"].join("\n"))
    .action(async (repository: string, flags: ValidateFlags, command: Command) => {
      const ui = uiFor(command);
      if (flags.backendDirectory !== undefined && flags.server === undefined) {
        throw new UsageError("--backend-directory needs --server", { hint: "add --server, or drop --backend-directory" });
      }
      const spinner = flags.server === undefined ? undefined : ui.spinner("starting tritonserver and loading each model");
      const server = flags.server === undefined ? undefined : { ...(flags.server === true ? {} : { binary: flags.server }), ...(flags.backendDirectory !== undefined ? { backendDirectory: flags.backendDirectory } : {}) };
      const check = await checkRepository(repository, server === undefined ? {} : { server }).then(
        (c) => (spinner?.succeed(), c),
        (e: unknown) => (spinner?.fail(), Promise.reject(e)),
      );
      if (ui.json) ui.printJson({ schema: "trtx.repo-validate/1", repository, ...(check.server !== undefined ? { server: check.server } : {}), models: check.models });
      else render(ui, check.models, check.server);
      if (check.failingModels > 0) {
        const parts = [`${check.failingFindings} finding(s)`, ...(check.server !== undefined ? [`${check.unavailable} model(s) not loaded by Triton ${check.server.version}`] : [])];
        throw new CheckFailedError(`${parts.join(", ")}, in ${check.failingModels} of ${check.models.length} model(s)`, { hint: "fix the models named above" });
      }
    });
}

/** One line per finding and, with a server, one line per model with its verdict. */
function render(ui: Ui, models: CheckedModel[], server: { version: string } | undefined): void {
  const findings = models.reduce((n, m) => n + m.findings.length, 0);
  for (const m of models) {
    for (const f of m.findings) ui.print(`${m.name}: ${f.severity === "warning" ? "warning: " : ""}${f.rule}: ${f.message}`);
    if (m.server !== undefined) ui.print(`${m.name}: triton ${server?.version}: ${m.server.state}${m.server.message !== undefined ? `: ${m.server.message}` : ""}`);
  }
  if (findings === 0 && server === undefined) ui.print(`${models.length} model(s), no findings`);
  else if (server !== undefined) {
    const ready = models.filter((m) => m.server?.state === "READY").length;
    ui.print(`${models.length} model(s): ${ready} READY in Triton ${server.version}, ${findings} trtx finding(s)`);
  }
}
