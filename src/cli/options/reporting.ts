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

/**
 * The Ui for a command, from its own and its ancestors' options: each of them takes the flags, and a flag given at
 * any level counts. (optsWithGlobals would let an ancestor's default, color: true, override the command's --no-color.)
 */
export function uiFor(command: Command): Ui {
  const chain: Command[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) chain.push(c);
  const all = chain.map((c) => c.opts<ReportingOptions>());
  return new Ui({ json: all.some((o) => o.json === true), verbose: all.some((o) => o.verbose === true), color: colorEnabled(!all.some((o) => o.color === false)) });
}
