/**
 * Atomic file writes: data goes to a temporary file beside the destination, is flushed, then renamed over
 * it, so a reader (or a crash) sees either the old file or the complete new one, never half of either.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError } from "../errors.js";
import { sweepStaleTemps, trackTemp, untrackTemp } from "./temp-registry.js";

/**
 * The temporary name used for `dest`; it carries the pid so that concurrent writers never share one, and it is
 * tracked so that an interrupted command removes it (the caller untracks it once renamed into place).
 */
export function tempPathFor(dest: string): string {
  return trackTemp(path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${Date.now().toString(36)}.tmp`));
}

const FS_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder",
  EMFILE: "too many open files",
};

/** A failed write as a user reads it: the reason in words, with the system's code. */
export function writeFailure(target: string, e: unknown): FileError {
  const code = (e as NodeJS.ErrnoException).code;
  const words = code !== undefined ? FS_ERRORS[code] : undefined;
  const reason = words !== undefined ? `${words} (${code})` : (code ?? (e instanceof Error ? e.message : String(e)));
  return new FileError(`cannot write ${target}: ${reason}`, { hint: code === "ENOSPC" || code === "EDQUOT" ? "free some space or write elsewhere; nothing was left half-written" : "check the destination; nothing was left half-written" });
}

/** Writes all chunks to a temporary file and renames it over `dest`. */
export function writeFileAtomic(dest: string, chunks: Uint8Array | readonly Uint8Array[]): void {
  const dir = path.dirname(dest);
  if (!fs.existsSync(dir)) throw new FileError(`cannot write ${dest}: folder ${dir} does not exist`, { hint: "create it first" });
  sweepStaleTemps(dest);
  const tmp = tempPathFor(dest);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx");
    for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, dest);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (e instanceof FileError) throw e;
    throw writeFailure(dest, e);
  } finally {
    untrackTemp(tmp);
  }
}
