/** The one place that turns "cannot open this path" into a one-line error naming what is wrong with it. */
import fs from "node:fs";
import { FileError } from "../errors.js";

/** Throws when `file` is missing, unreadable or a directory; `kind` and `directoryHint` word the last case. */
export function requireFile(file: string, kind: string, directoryHint: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileError(`${file}: no such file`, { hint: "check the path" });
    throw new FileError(`${file}: cannot read (${code ?? String(e)})`);
  }
  if (stat.isDirectory()) throw new FileError(`${file} is a directory, not a ${kind}`, { hint: directoryHint });
}

/** An error for a read that failed after the checks above (permissions, I/O). */
export function unreadable(file: string, e: unknown): FileError {
  return new FileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
}
