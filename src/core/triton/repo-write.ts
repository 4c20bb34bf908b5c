/**
 * Writes a RepoPlan's model folder whole or not at all (writeFolderAtomic), so a running Triton polling the
 * repository never sees a half-written model.
 */
import fs from "node:fs";
import path from "node:path";
import { exportNetwork } from "../export/network.js";
import { writeFolderAtomic } from "../fs/atomic-folder.js";
import type { RepoPlan } from "./plan-repository.js";

export function writeRepoPlan(plan: RepoPlan, options: { force?: boolean } = {}): void {
  writeFolderAtomic(
    plan.modelDir,
    (tmp) => {
      for (const file of plan.files) {
        const to = path.join(tmp, file.path);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        if ("content" in file) fs.writeFileSync(to, file.content);
        else if ("copyFrom" in file) fs.copyFileSync(file.copyFrom, to);
        else exportNetwork({ template: file.template }, to);
      }
    },
    options,
  );
}
