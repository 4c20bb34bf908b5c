/**
 * Which versions of a model Triton loads, and from which folders: the subfolder names as Triton's repository poll
 * reads them and the config's version_policy, after core src/model_repository_manager/model_lifecycle.cc,
 * VersionsToLoad (Triton 2.51, r24.10).
 */
import fs from "node:fs";
import path from "node:path";
import { dimsOf } from "./lint-io.js";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

/** Subfolders VersionsToLoad skips by name (constants.h kWarmupDataFolder, kInitialStateFolder, kModelConfigFolder). */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(["warmup", "initial_state", "configs"]);

/** Names Triton ignores but that were likely meant as a version ("v1", "version_2"). */
const VERSION_LIKE = /^v(ersion)?[-_ ]?\d+$/i;

export interface VersionPlan {
  /** The versions Triton loads, ascending; each is read from the folder named String(version). */
  load: number[];
  findings: ValidateFinding[];
}

/**
 * The version std::stoll reads from a folder name — leading white space, a sign, then digits, anything after them
 * ignored — or undefined when VersionsToLoad skips the folder (a multi-digit name starting with "0", or no digits).
 */
export function stollVersion(name: string): number | undefined {
  if (name.length > 1 && name.startsWith("0")) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** The subfolders of a model folder, links to folders included, in byte order (a std::set<std::string>). */
export function subfolders(modelDir: string): string[] {
  return fs
    .readdirSync(modelDir)
    .filter((name) => fs.statSync(path.join(modelDir, name), { throwIfNoEntry: false })?.isDirectory() === true)
    .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0));
}

export function planVersions(modelDir: string, config: ConfigObject, modelName: string): VersionPlan {
  const findings: ValidateFinding[] = [];
  // version → the folder names that read as it; Triton reads the version's files from the folder String(version).
  const existing = new Map<number, string[]>();
  for (const name of subfolders(modelDir)) {
    if (SKIPPED_FOLDERS.has(name)) continue;
    const version = stollVersion(name);
    if (version === undefined) {
      if (name.length > 1 && name.startsWith("0") && /^\d+$/.test(name)) {
        findings.push({ rule: "version-dir", severity: "warning", message: `Triton skips folder "${name}": a version folder's name has no leading zeros` });
      } else if (VERSION_LIKE.test(name)) {
        findings.push({ rule: "version-dir", severity: "warning", message: `Triton ignores folder "${name}": version folders are named by the number alone, e.g. "${name.replace(/\D/g, "")}"` });
      }
      continue;
    }
    if (!Number.isSafeInteger(version)) {
      findings.push({ rule: "version-dir", message: `folder "${name}" is a number Triton cannot read as a 64-bit version` });
      continue;
    }
    existing.set(version, [...(existing.get(version) ?? []), name]);
  }
  const load = versionsToLoad(config, new Set(existing.keys()), findings, modelName);
  for (const version of new Set([...existing.keys(), ...load])) {
    const folder = String(version);
    const names = existing.get(version) ?? [];
    if (names.includes(folder)) continue;
    // std::stoll reads "2_old" as 2, but Triton reads a version's files from the folder String(version).
    const why = names.length > 0 ? `folder ${names.map((n) => `"${n}"`).join(", ")} reads as version ${version} (Triton parses the leading number)` : `version_policy lists version ${version} twice`;
    if (load.includes(version)) {
      findings.push({ rule: "version-dir", message: `${why}, and Triton loads that version from folder "${folder}", which does not exist` });
    } else {
      findings.push({ rule: "version-dir", severity: "warning", message: `${why}; the version policy does not load it, but it would be read from folder "${folder}"` });
    }
  }
  return { load, findings };
}

/** VersionsToLoad's choice among the versions that exist; at least one is needed (ModelLifeCycle::AsyncLoad). */
function versionsToLoad(config: ConfigObject, existing: ReadonlySet<number>, findings: ValidateFinding[], modelName: string): number[] {
  const policy = config.version_policy as ConfigObject | undefined;
  const found = [...existing].sort((a, b) => a - b);
  let load: number[];
  let policyText: string;
  if (policy?.specific !== undefined) {
    const wanted = dimsOf((policy.specific as ConfigObject).versions);
    // VersionsToLoad inserts each listed version into the set of existing ones and loads it when it was already
    // there; a missing one is logged ("the version directory is not present") and skipped — unless it is listed
    // again, when the insert finds it.
    const seen = new Set(existing);
    load = [];
    for (const v of wanted) {
      if (seen.has(v)) load.push(v);
      else {
        seen.add(v);
        findings.push({ rule: "version-missing", severity: "warning", message: `version_policy lists version ${v}, which has no folder (Triton logs an error and skips it)` });
      }
    }
    policyText = `specific versions [${wanted.join(", ")}]`;
  } else if (policy?.all !== undefined) {
    load = found;
    policyText = "all";
  } else {
    // No policy is latest { num_versions: 1 } (model_config_utils.cc, NormalizeModelConfig).
    const latest = policy?.latest as ConfigObject | undefined;
    const count = latest === undefined ? 1 : Number(latest.num_versions ?? 0);
    load = count > 0 ? found.slice(-count) : [];
    policyText = `latest ${count}`;
  }
  if (load.length === 0) {
    const have = found.length === 0 ? "no version folders" : `versions ${found.join(", ")}`;
    findings.push({ rule: "no-versions", message: `at least one version must be available under the version policy of model '${modelName}' (policy ${policyText}; the folder has ${have})` });
  }
  return [...new Set(load)].sort((a, b) => a - b);
}
