/**
 * The trtx program: commander parses argv, each command calls the core and renders its result, and errors
 * become exit codes here and nowhere else. `main` returns the exit code instead of exiting, so tests can
 * call it in-process.
 */
import { Command, CommanderError } from "commander";
import { CheckFailedError } from "../core/errors.js";
import { TRTX_VERSION } from "../core/version.js";
import { buildCommand } from "./commands/build.js";
import { completionCommand } from "./commands/completion.js";
import { demoCommand } from "./commands/demo.js";
import { deployCommand } from "./commands/deploy.js";
import { doctorCommand } from "./commands/doctor.js";
import { exportCommand } from "./commands/export.js";
import { inspectCommand } from "./commands/inspect.js";
import { perfCommand } from "./commands/perf.js";
import { repoCommand } from "./commands/repo.js";
import { runCommand } from "./commands/run.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { addReportingOptions, uiFor } from "./options/reporting.js";
import { Ui, colorEnabled } from "./ui.js";

export function buildProgram(): Command {
  const program = addReportingOptions(
    new Command("trtx")
      .description("ONNX to a served, measured deployment: export, build, Triton repositories, run and perf")
      .version(TRTX_VERSION, "-V, --version")
      .showSuggestionAfterError()
      // The program's own options (-V/--version) stop at the command name, so `repo init --version 2` reaches init.
      .enablePositionalOptions(),
  );
  for (const command of [exportCommand(), buildCommand(), runCommand(), perfCommand(), repoCommand(), inspectCommand(), doctorCommand(), demoCommand(), deployCommand(), completionCommand(buildProgram)]) {
    program.addCommand(addReportingEverywhere(command));
  }
  // As trtexec logs its parsed options: with --verbose every run can be reproduced from its log.
  program.hook("preAction", (_program, action) => {
    const ui = uiFor(action);
    ui.debug(`trtx ${action.name()} ${JSON.stringify({ args: action.args, ...action.optsWithGlobals() })}`);
  });
  return program;
}

/** With positional options the program's reporting flags no longer reach past the command name: each command takes them itself. */
function addReportingEverywhere(command: Command): Command {
  addReportingOptions(command);
  command.commands.forEach(addReportingEverywhere);
  return command;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const silenceCommander = (command: Command) => {
    command.exitOverride().configureOutput({ outputError: () => {} });
    command.commands.forEach(silenceCommander);
  };
  silenceCommander(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ExitCode.OK;
  } catch (e) {
    const report = reportError(e);
    if (e instanceof CommanderError && report.code === ExitCode.OK) return ExitCode.OK; // --help, --version
    const ui = new Ui({ json: argv.includes("--json"), verbose: argv.includes("--verbose") || argv.includes("-v"), color: colorEnabled(!argv.includes("--no-color")) });
    ui.error(report.line);
    if (report.stack) process.stderr.write(`${report.stack}\n`);
    else if (ui.verbose && e instanceof Error && e.cause) process.stderr.write(`caused by: ${String(e.cause)}\n`);
    // A failed check was measured and reported: its command already printed the result, verdict included.
    if (ui.json && !(e instanceof CheckFailedError)) ui.printJson(report.json);
    return report.code;
  }
}
