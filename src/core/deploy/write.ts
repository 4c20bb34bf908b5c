/** A deployment folder written whole or not at all, so `kubectl apply -k` never reads half of one. */
import fs from "node:fs";
import path from "node:path";
import { writeFolderAtomic } from "../fs/atomic-folder.js";
import { UsageError } from "../errors.js";
import { writeFailure } from "../fs/atomic.js";
import type { DeployFile } from "./yaml-file.js";

/**
 * `repository`: the model repository the folder deploys. The two must not overlap: --force would replace the
 * repository with manifests, and manifests inside a repository become a model folder Triton fails to load.
 */
export function writeDeployFolder(outDir: string, files: readonly DeployFile[], options: { force?: boolean; repository: string }): void {
  const out = path.resolve(outDir);
  const repo = path.resolve(options.repository);
  const within = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
  if (within(out, repo) || within(repo, out)) {
    throw new UsageError(`the output folder ${outDir} overlaps the model repository ${options.repository}`, { hint: "write the deployment beside the repository, e.g. -o deploy" });
  }
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
