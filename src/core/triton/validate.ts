/**
 * `trtx repo validate`: each model folder of a Triton repository checked as Triton 2.51 loads it — the config
 * parses and is lint-clean, the platform and backend it settles on (inferred from the files when the config leaves
 * them out), the versions its policy loads and their folders, label and runtime files, and for onnxruntime models
 * what the onnxruntime backend checks: its parameters and accelerators, and the config's IO against the ONNX model
 * of every version it loads; then its warm-up samples (validate-warmup.ts), and each ensemble against the configs of
 * its composing models (validate-ensemble.ts). A broken model is a list of findings, never an exception; advice is a finding with
 * severity "warning", which never fails a check.
 */
import fs from "node:fs";
import path from "node:path";
import { TrtxError } from "../errors.js";
import { sniffFile } from "../onnx/sniff.js";
import { describeModelFile } from "../onnx/model-file.js";
import type { ValueDesc } from "../onnx/model-info.js";
import { lintModelConfig } from "./lint.js";
import { parseModelConfig, type ConfigObject } from "./pbtxt-parse.js";
import { modelFolders, VERSION_FOLDER } from "./repository.js";
import { overridableInitializers } from "./validate-onnx.js";
import { autoCompleteOrt, checkOrtIo } from "./validate-ort.js";
import { checkOrtOptions } from "./validate-ort-options.js";
import { checkLabelFiles, checkRuntime } from "./validate-paths.js";
import { checkModelKind, completeBackendFields, type ModelKind } from "./validate-platform.js";
import { planVersions } from "./validate-versions.js";
import { checkWarmups } from "./validate-warmup.js";
import { validateEnsembles } from "./validate-ensemble.js";

export interface ValidateFinding {
  rule: string;
  message: string;
  /** Advice: Triton loads the model anyway, so a warning never fails a check. */
  severity?: "warning";
}

export interface ModelValidation {
  name: string;
  findings: ValidateFinding[];
}

/** One model as Triton would load it, for the per-model checks. */
export interface ModelContext {
  name: string;
  dir: string;
  /** The config as the backend goes on with it: config.pbtxt (or nothing) after the onnxruntime auto-complete. */
  config: ConfigObject;
  kind: ModelKind;
  /** The versions the version policy loads whose folders exist, ascending. */
  versions: number[];
}

/** Backends whose model file Triton's own backends require in each version folder (the custom ones are unknown). */
const FILE_BACKENDS = new Set(["tensorflow", "tensorrt", "onnxruntime", "openvino", "pytorch", "python"]);

export function validateRepository(dir: string): ModelValidation[] {
  const names = modelFolders(dir, "validate");
  const root = fs.realpathSync(dir);
  const contexts = new Map<string, ModelContext>();
  const results = names.map((name) => {
    const modelDir = path.join(dir, name);
    // A symlink out of the repository is reported, not followed: validate reads only what the repository holds.
    if (!inside(root, modelDir)) return { name, findings: [{ rule: "symlink-escape", message: `${name} is a link to ${fs.realpathSync(modelDir)}, outside the repository (not read)` }] };
    const { findings, ctx } = inspectModel(modelDir, name, root);
    if (ctx !== undefined) contexts.set(name, ctx);
    return { name, findings };
  });
  // An ensemble is checked against the configs its composing models load with, once every model is read.
  const configs = new Map([...contexts].map(([name, ctx]) => [name, ctx.config]));
  const loaded = new Map([...contexts].map(([name, ctx]) => [name, ctx.versions]));
  const ensembles = validateEnsembles(configs, loaded);
  for (const result of results) result.findings.push(...(ensembles.get(result.name) ?? []));
  return results;
}

/** The numeric version folders of a model, ascending. */
export function versionsOf(modelDir: string): number[] {
  return fs
    .readdirSync(modelDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && VERSION_FOLDER.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/** The ONNX file Triton's onnxruntime backend loads from a version folder: model.onnx, or model.onnx/model.onnx. */
export function onnxFileIn(versionDir: string, fileName = "model.onnx"): string | undefined {
  const p = path.join(versionDir, fileName);
  if (!fs.existsSync(p)) return undefined;
  if (fs.statSync(p).isDirectory()) {
    const inner = path.join(p, "model.onnx");
    return fs.existsSync(inner) ? inner : undefined;
  }
  return p;
}

/** Reads and parses config.pbtxt, or the finding that says why it cannot be. */
export function readConfig(modelDir: string): { config: ConfigObject } | { finding: ValidateFinding } {
  const configPath = path.join(modelDir, "config.pbtxt");
  if (!fs.existsSync(configPath)) return { finding: { rule: "config-missing", message: `no config.pbtxt in ${modelDir}` } };
  try {
    return { config: parseModelConfig(fs.readFileSync(configPath, "utf8"), configPath) };
  } catch (e) {
    if (e instanceof TrtxError) return { finding: { rule: "config-parse", message: e.message } };
    throw e;
  }
}

/** Whether `p`, links resolved, lies inside `root` (itself resolved). */
function inside(root: string, p: string): boolean {
  const real = fs.realpathSync(p);
  return real === root || real.startsWith(root + path.sep);
}

/**
 * One model folder on its own (an ensemble's composing models are not looked at: validateRepository does that).
 * `root`: the repository's resolved path, when files linking out of it must not be read.
 */
export function validateModel(modelDir: string, name: string, root?: string): ValidateFinding[] {
  return inspectModel(modelDir, name, root).findings;
}

/** The model's findings, and the config Triton goes on with where it got that far. */
function inspectModel(modelDir: string, name: string, root?: string): { findings: ValidateFinding[]; ctx?: ModelContext } {
  const findings: ValidateFinding[] = [];
  const read = readConfig(modelDir);
  let declared: ConfigObject;
  if ("config" in read) declared = read.config;
  else if (read.finding.rule === "config-missing") {
    // model_repository_manager.cc: with auto-complete on (the default) a missing config starts empty and the backend fills it.
    findings.push({ ...read.finding, severity: "warning", message: `${read.finding.message}: Triton builds the config from the model (refused with --disable-auto-complete-config)` });
    declared = {};
  } else return { findings: [read.finding] };
  if (declared.name !== undefined && declared.name !== name) {
    findings.push({ rule: "config-name", message: `config name "${String(declared.name)}" is not the folder name "${name}"` });
  }
  for (const f of lintModelConfig(declared)) findings.push({ rule: f.rule, message: `${f.path}: ${f.message}`, ...(f.severity ? { severity: f.severity } : {}) });

  const kind = completeBackendFields(declared, modelDir, name);
  findings.push(...checkModelKind(kind, name));
  const plan = planVersions(modelDir, declared, name);
  findings.push(...plan.findings);
  findings.push(...checkRuntime(declared, modelDir, plan.load));
  findings.push(...checkLabelFiles(declared, modelDir));

  // A loaded version without its folder is already a version-dir finding.
  const versions = plan.load.filter((v) => fs.existsSync(path.join(modelDir, String(v))));
  const ctx: ModelContext = { name, dir: modelDir, config: declared, kind, versions };
  if (kind.backend === "onnxruntime") findings.push(...validateOnnxruntime(ctx, root));
  else if (FILE_BACKENDS.has(kind.backend)) findings.push(...checkModelFiles(ctx));
  // Warm-up runs on the config the backend completed, and reads its data files from the model's warmup/ folder.
  findings.push(...checkWarmups(ctx.config, modelDir));
  return { findings, ctx };
}

/** Each loaded version's model file, for backends other than onnxruntime. */
function checkModelFiles(ctx: ModelContext): ValidateFinding[] {
  const findings: ValidateFinding[] = [];
  const fileName = ctx.kind.defaultModelFilename;
  for (const v of ctx.versions) {
    const file = path.join(ctx.dir, String(v), fileName);
    if (!fs.existsSync(file)) findings.push({ rule: "model-file", message: `version ${v} has no ${fileName}` });
    // A plan's tensors cannot be read without TensorRT, but an ONNX model or junk under model.plan can be told apart.
    else if (ctx.kind.backend === "tensorrt") {
      const found = fs.statSync(file).isFile() ? sniffFile(file).kind : "directory";
      if (found !== "tensorrt-plan") findings.push({ rule: "model-file", message: `version ${v}: ${fileName} is not a TensorRT plan (it looks like ${found})` });
    }
  }
  return findings;
}

/**
 * The onnxruntime backend, once per loaded version (each version is its own model to the backend): the model file
 * (ModelState::LoadModel), auto-complete, and the instance's IO checks; `ctx.config` becomes the latest version's
 * completed config.
 */
function validateOnnxruntime(ctx: ModelContext, root: string | undefined): ValidateFinding[] {
  const findings = checkOrtOptions(ctx.config);
  const declared = ctx.config;
  for (const v of ctx.versions) {
    const where = `version ${v}`;
    const file = onnxFileIn(path.join(ctx.dir, String(v)), ctx.kind.defaultModelFilename);
    if (file === undefined) {
      findings.push({ rule: "model-file", message: `${where} has no ${ctx.kind.defaultModelFilename} (a file, or a folder holding model.onnx)` });
      continue;
    }
    if (root !== undefined && !inside(root, file)) {
      findings.push({ rule: "symlink-escape", message: `${where}: ${path.basename(file)} links to ${fs.realpathSync(file)}, outside the repository (not read)` });
      continue;
    }
    let model: { inputs: ValueDesc[]; outputs: ValueDesc[]; overridable: ValueDesc[] };
    try {
      const info = describeModelFile(file);
      model = { inputs: info.inputs, outputs: info.outputs, overridable: overridableInitializers(file) };
    } catch (e) {
      if (!(e instanceof TrtxError)) throw e;
      findings.push({ rule: "model-read", message: `${where}: ${e.message}` });
      continue;
    }
    const completed = autoCompleteOrt(declared, model);
    findings.push(...completed.findings);
    if (completed.findings.length > 0) continue;
    ctx.config = completed.config;
    findings.push(...checkOrtIo(completed.config, model, where));
  }
  return findings;
}

/**
 * The config's inputs and outputs against an ONNX model's as the onnxruntime backend checks them, after its
 * auto-complete; `where` says which model file, e.g. "version 2".
 */
export function checkIo(config: ConfigObject, inputs: readonly ValueDesc[], outputs: readonly ValueDesc[], where: string, overridable: readonly ValueDesc[] = []): ValidateFinding[] {
  const model = { inputs, outputs, overridable };
  const completed = autoCompleteOrt(config, model);
  return completed.findings.length > 0 ? completed.findings : checkOrtIo(completed.config, model, where);
}
