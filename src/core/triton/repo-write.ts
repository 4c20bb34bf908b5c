/**
 * Writes a RepoPlan's model folder whole or not at all: everything goes into a temporary folder beside it, which is
 * renamed into place, so a running Triton polling the repository never sees a half-written model.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, TrtxError } from "../errors.js";
import { exportNetwork } from "../export/network.js";
import { tempPathFor, writeFailure } from "../fs/atomic.js";
import { sweepStaleTemps, untrackTemp } from "../fs/temp-registry.js";
import type { RepoPlan } from "./plan-repository.js";

export function writeRepoPlan(plan: RepoPlan, options: { force?: boolean } = {}): void {
  const dest = plan.modelDir;
  sweepStaleTemps(dest);
  const exists = fs.existsSync(dest);
  if (exists && !options.force) throw new FileError(`${dest} already exists`, { hint: "pass --force to replace it" });
  const tmp = tempPathFor(dest);
  const old = `${tmp}.old`;
  try {
    fs.mkdirSync(tmp, { recursive: true });
    for (const file of plan.files) {
      const to = path.join(tmp, file.path);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if ("content" in file) fs.writeFileSync(to, file.content);
      else if ("copyFrom" in file) fs.copyFileSync(file.copyFrom, to);
      else exportNetwork({ template: file.template }, to);
    }
    // With --force the old folder moves aside first: rename cannot replace a non-empty folder.
    if (exists) fs.renameSync(dest, old);
    fs.renameSync(tmp, dest);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(old) && !fs.existsSync(dest)) fs.renameSync(old, dest);
    if (e instanceof TrtxError) throw e;
    throw writeFailure(dest, e);
  } finally {
    untrackTemp(tmp);
  }
}
