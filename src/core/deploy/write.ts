/** A deployment folder written whole or not at all, so `kubectl apply -k` never reads half of one. */
import fs from "node:fs";
import path from "node:path";
import { writeFolderAtomic } from "../fs/atomic-folder.js";
import { writeFailure } from "../fs/atomic.js";
import type { DeployFile } from "./yaml-file.js";

export function writeDeployFolder(outDir: string, files: readonly DeployFile[], options: { force?: boolean } = {}): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(outDir)), { recursive: true });
  } catch (e) {
    throw writeFailure(outDir, e);
  }
  writeFolderAtomic(
    outDir,
    (tmp) => {
      for (const f of files) {
        const to = path.join(tmp, f.path);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, f.content);
      }
    },
    options,
  );
}
