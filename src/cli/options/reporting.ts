/** Options every command accepts: machine-readable output, verbosity, colour. */
import type { Command } from "commander";
import { Ui, colorEnabled } from "../ui.js";

export interface ReportingOptions {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export function addReportingOptions(program: Command): Command {
  return program
    .option("--json", "print the result as JSON on stdout (logs stay on stderr)")
    .option("-v, --verbose", "log resolved options and details to stderr")
    .option("--no-color", "no colours (also when NO_COLOR is set)");
}

/** The Ui for a command, from its own and its parent's options. */
export function uiFor(command: Command): Ui {
  const o = command.optsWithGlobals<ReportingOptions>();
  return new Ui({ json: Boolean(o.json), verbose: Boolean(o.verbose), color: colorEnabled(o.color) });
}
