/**
 * Temporary files and folders that are in flight, so that an interrupted command can remove them before it exits
 * (the CLI's SIGINT/SIGTERM handler calls removeInFlight), and leftovers of processes that were killed outright
 * (SIGKILL, power loss) are swept by the next write to the same destination.
 */
import fs from "node:fs";
import path from "node:path";

const inFlight = new Set<string>();

export function trackTemp(p: string): string {
  inFlight.add(p);
  return p;
}

export function untrackTemp(p: string): void {
  inFlight.delete(p);
}

/** Removes everything still tracked; returns what was removed. Safe to call from a signal handler. */
export function removeInFlight(): string[] {
  const removed: string[] = [];
  for (const p of inFlight) {
    try {
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      // Best effort: the sweep of the next run gets what a signal handler could not.
    }
  }
  inFlight.clear();
  return removed;
}

/**
 * The temp names trtx gives beside `dest` carry the writer's pid: `.<name>.<pid>.<stamp>.tmp` (files, repository
 * folders, with `.old` for a folder moved aside), `.<name>.build-<pid>-XXXXXX` and `.<name>.old-<pid>-<stamp>`
 * (bundles). Those whose pid no longer runs are removed, except a moved-aside previous version (below).
 */
export function sweepStaleTemps(dest: string): string[] {
  const dir = path.dirname(dest);
  const prefix = `.${path.basename(dest)}.`;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(?:(\d+)\.[0-9a-z]+\.tmp(\.old)?|build-(\d+)-.+|(old)-(\d+)-.+)$/.exec(entry.slice(prefix.length));
    const pid = m ? Number(m[1] ?? m[3] ?? m[5]) : undefined;
    const movedAside = m !== null && (m[2] !== undefined || m[4] !== undefined);
    if (pid === undefined || pid === process.pid || isRunning(pid)) continue;
    // A replaced folder moved aside (`.tmp.old`) whose writer died before the new one was renamed in is the
    // complete previous version: it goes back, not away.
    try {
      if (movedAside && !fs.existsSync(dest)) fs.renameSync(path.join(dir, entry), dest);
      else fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      removed.push(entry);
    } catch {
      // Best effort: a leftover this user may not remove (another user's, a read-only folder) does not block the write.
    }
  }
  return removed;
}

/** Signal 0 checks existence; EPERM means it exists under another user. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
