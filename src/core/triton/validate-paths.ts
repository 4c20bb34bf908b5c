/**
 * Files a config names beside the model: output label files and the backend `runtime` library, as Triton 2.51
 * (r24.10) resolves them.
 */
import fs from "node:fs";
import path from "node:path";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";

/** filesystem/api.cc JoinPath: a second absolute segment is appended, not substituted ("/m" + "/x" is "/m/x"). */
const joinPath = (dir: string, segment: string): string => (path.isAbsolute(segment) ? dir + segment : path.join(dir, segment));

/** filesystem/api.cc IsChildPathEscapingParentPath: links resolved, then a plain string-prefix test. */
function escapes(child: string, parent: string): boolean {
  return !weaklyCanonical(child).startsWith(fs.realpathSync(parent));
}

/** std::filesystem::weakly_canonical: the longest existing prefix with links resolved, the rest normalized. */
function weaklyCanonical(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  while (!fs.existsSync(head)) {
    tail.unshift(path.basename(head));
    head = path.dirname(head);
  }
  return path.resolve(fs.realpathSync(head), ...tail);
}

/**
 * core src/model.cc, Model::Init: each output's label_filename is read from the model folder (joined with
 * JoinPath) and a file that cannot be read fails the load. 2.51 does not check where it leads; later Triton
 * releases refuse a label file outside the model folder ("is outside model directory"), so that is a warning.
 */
export function checkLabelFiles(config: ConfigObject, modelDir: string): ValidateFinding[] {
  const outputs = (config.output as ConfigObject[] | undefined) ?? [];
  return outputs.flatMap((o): ValidateFinding[] => {
    const file = o.label_filename as string | undefined;
    if (file === undefined || file === "") return [];
    const labelPath = joinPath(modelDir, file);
    if (!fs.statSync(labelPath, { throwIfNoEntry: false })?.isFile()) {
      return [{ rule: "label-file", message: `output ${String(o.name)}: label_filename "${file}" is not a file in the model folder` }];
    }
    if (escapes(labelPath, modelDir)) {
      return [{ rule: "label-file", severity: "warning", message: `output ${String(o.name)}: label_filename "${file}" leads outside the model folder (Triton 2.51 reads it; later releases refuse the model)` }];
    }
    return [];
  });
}

/**
 * core src/backend_model.cc, TritonModel::GetBackendLibraryProperties and FindBackendLibraryPath: a `runtime`
 * other than "model.py" is looked for in the version folder, then the model folder, then the backend's own
 * folder, and the load fails when it is found nowhere or when the path found leaves the folder it was found in
 * ("escapes backend directory"). The backend folder is the server's, so a name that stays inside its folder and
 * is not beside the model cannot be judged here.
 */
export function checkRuntime(config: ConfigObject, modelDir: string, versions: readonly number[]): ValidateFinding[] {
  const runtime = (config.runtime as string | undefined) ?? "";
  if (runtime === "" || runtime === "model.py") return [];
  const findings: ValidateFinding[] = [];
  for (const version of versions) {
    const searched = [path.join(modelDir, String(version)), modelDir];
    const dir = searched.find((d) => fs.existsSync(joinPath(d, runtime)));
    if (dir !== undefined) {
      if (escapes(joinPath(dir, runtime), dir)) {
        findings.push({ rule: "runtime-path", message: `version ${version}: runtime "${runtime}" is found from ${path.relative(modelDir, dir) || "the model folder"} but leads out of it (Triton: "escapes backend directory")` });
      }
      continue;
    }
    // Not beside the model: from the backend's folder, a path that climbs out of its folder is either missing or escaping.
    const normalized = path.normalize(runtime.replace(/^\/+/, ""));
    if (normalized === ".." || normalized.startsWith(`..${path.sep}`)) {
      findings.push({ rule: "runtime-path", message: `version ${version}: runtime "${runtime}" is not in the version or model folder, and from the backend's folder it leads out of it (Triton refuses a runtime library that escapes the folder it is found in, or that is not found)` });
    }
  }
  return findings;
}
