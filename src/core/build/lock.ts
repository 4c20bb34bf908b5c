/**
 * `<bundle>.lock`: one build at a time per destination. The file is created with O_EXCL and holds the builder's
 * pid; a lock whose pid is no longer running (a build that was killed) is taken over rather than blocking forever.
 */
import fs from "node:fs";
import { FileError } from "../errors.js";
import { isRunning, trackTemp, untrackTemp } from "../fs/temp-registry.js";

export interface BuildLock {
  path: string;
  /** The pid of a dead build whose lock was taken over. */
  tookOverFrom?: number;
  release(): void;
}

export function acquireLock(lockPath: string): BuildLock {
  let tookOverFrom: number | undefined;
  // Two rounds: the second follows a stale lock's removal; losing that race to another build is a plain "held".
  for (let round = 0; round < 2; round++) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      // An interrupted build removes its lock on the way out (the CLI's signal handler); a killed one leaves it stale.
      trackTemp(lockPath);
      return { path: lockPath, ...(tookOverFrom !== undefined ? { tookOverFrom } : {}), release: () => releaseLock(lockPath) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new FileError(`cannot create the build lock ${lockPath}: ${code ?? (e as Error).message}`, { hint: "check that the destination's folder exists and is writable" });
    }
    const holder = readPid(lockPath);
    if (holder === undefined || isRunning(holder)) {
      const who = holder === undefined ? "another build" : holder === process.pid ? `this process (pid ${holder})` : `another build (pid ${holder})`;
      throw new FileError(`${lockPath} is held by ${who}`, { hint: "wait for that build to finish; delete the lock file only if no build is running" });
    }
    // Re-read just before removing, so a lock another build took over a moment ago is not deleted.
    if (readPid(lockPath) === holder) fs.rmSync(lockPath, { force: true });
    tookOverFrom = holder;
  }
  throw new FileError(`${lockPath} was taken by another build`, { hint: "wait for that build to finish" });
}

function releaseLock(lockPath: string): void {
  untrackTemp(lockPath);
  if (readPid(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
}

/** The pid in a lock file; undefined when it is missing, empty (a writer between open and write) or not a pid. */
function readPid(lockPath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, "utf8").trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
