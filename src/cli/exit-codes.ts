/**
 * The only place that turns errors into exit codes and messages. User errors get one line and no stack
 * trace; anything else is a bug in trtx and gets the stack and a request to report it.
 */
import { CommanderError } from "commander";
import { CheckFailedError, TrtxError, UsageError } from "../core/errors.js";

export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, CHECK_FAILED: 3, INTERRUPTED: 130, TERMINATED: 143, INTERNAL: 70 } as const;

export interface ErrorReport {
  code: number;
  /** One line for stderr, problem then fix. */
  line: string;
  /** For --json: the same facts as data. */
  json: { schema: "trtx.error/1"; kind: string; message: string; hint?: string; exitCode: number };
  /** Only for internal errors. */
  stack?: string;
}

export function reportError(e: unknown): ErrorReport {
  if (e instanceof CommanderError) {
    const message = e.message.replace(/^error:\s*/, "");
    return make(e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE, "UsageError", message, "see trtx --help");
  }
  if (e instanceof TrtxError) {
    const code = e instanceof UsageError ? ExitCode.USAGE : e instanceof CheckFailedError ? ExitCode.CHECK_FAILED : ExitCode.FAILURE;
    return make(code, e.name, e.message, e.hint);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const report = make(ExitCode.INTERNAL, "InternalError", `internal error: ${err.message}`, "this is a bug in trtx; please report it with the command you ran and the output of `trtx doctor`");
  return err.stack ? { ...report, stack: err.stack } : report;
}

function make(code: number, kind: string, message: string, hint: string | undefined): ErrorReport {
  const oneLine = message.replace(/\s*\n\s*/g, " ");
  return {
    code,
    line: hint ? `${oneLine} — ${hint}` : oneLine,
    json: { schema: "trtx.error/1", kind, message: oneLine, ...(hint ? { hint } : {}), exitCode: code },
  };
}
