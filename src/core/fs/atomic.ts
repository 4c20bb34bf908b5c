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
    throw new FileError(`cannot write ${dest}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    untrackTemp(tmp);
  }
}
