/**
 * A folder written whole or not at all: it is filled in a temporary folder beside its destination, which is then
 * renamed into place, so a reader (a polling Triton, `kubectl apply -k`) never sees half of it.
 */
import fs from "node:fs";
import { FileError, TrtxError } from "../errors.js";
import { tempPathFor, writeFailure } from "./atomic.js";
import { sweepStaleTemps, untrackTemp } from "./temp-registry.js";

/** `fill` writes the folder's contents into the path it is given; with `force` an existing `dest` is replaced. */
export function writeFolderAtomic(dest: string, fill: (dir: string) => void, options: { force?: boolean } = {}): void {
  sweepStaleTemps(dest);
  const exists = fs.existsSync(dest);
  if (exists && !options.force) throw new FileError(`${dest} already exists`, { hint: "pass --force to replace it" });
  const tmp = tempPathFor(dest);
  const old = `${tmp}.old`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    fill(tmp);
    // With --force the old folder moves aside first: rename cannot replace a non-empty folder.
    if (exists) fs.renameSync(dest, old);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // The previous version goes back; if even that fails, the next write's sweep puts it back.
    if (fs.existsSync(old) && !fs.existsSync(dest)) tryTo(() => fs.renameSync(old, dest));
    if (e instanceof TrtxError) throw e;
    throw writeFailure(dest, e);
  } finally {
    untrackTemp(tmp);
  }
  // The new folder is in place: a previous one that cannot be removed now is swept by the next write.
  tryTo(() => fs.rmSync(old, { recursive: true, force: true }));
}

function tryTo(action: () => void): void {
  try {
    action();
  } catch {
    // Best effort, as said where it is called.
  }
}
