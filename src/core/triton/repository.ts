/**
 * Lists a Triton model repository: one entry per model folder with what its config.pbtxt says and the
 * problems that can be found without loading anything. A broken model is an entry with problems, never an
 * exception, so one bad config does not hide the rest of the repository.
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, TrtxError } from "../errors.js";
import { lintModelConfig } from "./lint.js";
import { parseModelConfig, type ConfigObject } from "./pbtxt-parse.js";

export interface RepositoryModel {
  name: string;
  /** Version folders Triton would see: decimal numbers without a leading zero (0 included), ascending. */
  versions: number[];
  platform?: string;
  backend?: string;
  maxBatchSize?: number;
  dynamicBatching: boolean;
  /** e.g. "2x KIND_GPU [0, 1], KIND_CPU"; "default" when the config has none. */
  instanceGroups: string;
  /** config.pbtxt missing or unparsable: nothing above beyond name and versions is known. */
  error?: string;
  problems: string[];
}

/**
 * A version folder's name: a decimal number without leading zeros, `0` included. Triton reads every folder name
 * with std::stoll and skips multi-digit names starting with 0 (core model_lifecycle.cc, VersionsToLoad); it then
 * loads version N from the folder named N, so these are the names whose files it reads (validate-versions.ts
 * covers names such as "2_old" that it reads as a version without reading that folder).
 */
export const VERSION_FOLDER = /^(0|[1-9]\d*)$/;

/** The model folders of a repository (hidden ones skipped), refused when there are none; `command` words the hint. */
export function modelFolders(dir: string, command: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new FileError(`cannot read model repository ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: `pass the repository folder, e.g. trtx repo ${command} ./model_repository` });
  }
  // Triton follows links to model folders, so they are models here too (validate reports those leaving the repository).
  const isFolder = (e: fs.Dirent) => e.isDirectory() || (e.isSymbolicLink() && fs.statSync(path.join(dir, e.name), { throwIfNoEntry: false })?.isDirectory() === true);
  const models = entries.filter((e) => isFolder(e) && !e.name.startsWith(".")).map((e) => e.name).sort();
  if (models.length === 0) throw new FileError(`model repository ${dir} has no model folders`, { hint: "each model is a folder holding config.pbtxt and numeric version folders" });
  return models;
}

export function listRepository(dir: string): RepositoryModel[] {
  return modelFolders(dir, "ls").map((name) => describeModel(dir, name));
}

function describeModel(repo: string, name: string): RepositoryModel {
  const modelDir = path.join(repo, name);
  const versions = fs
    .readdirSync(modelDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && VERSION_FOLDER.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
  const base = { name, versions, dynamicBatching: false, instanceGroups: "default", problems: versions.length === 0 ? ["no version folders"] : [] };
  const configPath = path.join(modelDir, "config.pbtxt");
  if (!fs.existsSync(configPath)) return { ...base, error: "no config.pbtxt" };
  let config: ConfigObject;
  try {
    config = parseModelConfig(fs.readFileSync(configPath, "utf8"), configPath);
  } catch (e) {
    if (e instanceof TrtxError) return { ...base, error: e.message };
    throw e;
  }
  const problems = [...base.problems, ...lintModelConfig(config).map((f) => `${f.severity === "warning" ? "warning: " : ""}${f.rule}: ${f.path}: ${f.message}`)];
  if (config.name !== undefined && config.name !== name) problems.unshift(`config name "${String(config.name)}" is not the folder name`);
  return {
    ...base,
    ...(config.platform === undefined ? {} : { platform: config.platform as string }),
    ...(config.backend === undefined ? {} : { backend: config.backend as string }),
    maxBatchSize: (config.max_batch_size as number | undefined) ?? 0,
    dynamicBatching: config.dynamic_batching !== undefined,
    instanceGroups: summarizeInstanceGroups(config.instance_group as ConfigObject[] | undefined),
    problems,
  };
}

function summarizeInstanceGroups(groups: ConfigObject[] | undefined): string {
  if (groups === undefined || groups.length === 0) return "default";
  return groups
    .map((g) => {
      const count = g.count === undefined ? "" : `${String(g.count)}x `;
      const gpus = g.gpus === undefined ? "" : ` [${(g.gpus as number[]).join(", ")}]`;
      return `${count}${(g.kind as string | undefined) ?? "KIND_AUTO"}${gpus}`;
    })
    .join(", ");
}
