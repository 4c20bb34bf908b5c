/**
 * The platform, backend and default_model_filename Triton settles on for a model before it validates the config:
 * what the config says, completed from the files when it leaves them out, after core src/model_config_utils.cc,
 * AutoCompleteBackendFields and ValidateModelConfig (Triton 2.51, r24.10).
 */
import fs from "node:fs";
import path from "node:path";
import type { ConfigObject } from "./pbtxt-parse.js";
import type { ValidateFinding } from "./validate.js";
import { subfolders } from "./validate-versions.js";

export interface ModelKind {
  platform: string;
  backend: string;
  defaultModelFilename: string;
  /** The backend came from the model folder's name ("x.foo" → "foo"), as for a custom backend. */
  fromModelName: boolean;
}

const isDir = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;

/**
 * AutoCompleteBackendFields: Triton looks only at the first subfolder in byte order (any subfolder, not only
 * version folders, so ".ipynb_checkpoints" or "01" shadows "1"), and fills what the config leaves out in a fixed
 * order of backends. The model name "x.foo" means backend "foo" when nothing else is given.
 */
export function completeBackendFields(config: ConfigObject, modelDir: string, modelName: string): ModelKind {
  let platform = (config.platform as string | undefined) ?? "";
  let backend = (config.backend as string | undefined) ?? "";
  let file = (config.default_model_filename as string | undefined) ?? "";
  const first = subfolders(modelDir)[0];
  const versionPath = first === undefined ? undefined : path.join(modelDir, first);
  const content = new Set(versionPath === undefined ? [] : fs.readdirSync(versionPath));
  const inspect = platform === "" && file === "" && versionPath !== undefined;
  const done = (fromModelName = false): ModelKind => ({ platform, backend, defaultModelFilename: file, fromModelName });

  if (platform === "" && (backend === "" || backend === "tensorflow")) {
    if (file === "model.savedmodel") platform = "tensorflow_savedmodel";
    else if (file === "model.graphdef") platform = "tensorflow_graphdef";
    else if (file === "" && versionPath !== undefined) {
      if (content.has("model.savedmodel") && isDir(path.join(versionPath, "model.savedmodel"))) platform = "tensorflow_savedmodel";
      if (content.has("model.graphdef") && !isDir(path.join(versionPath, "model.graphdef"))) platform = "tensorflow_graphdef";
    }
  }
  if (platform === "tensorflow_savedmodel" || platform === "tensorflow_graphdef") {
    if (backend === "") backend = "tensorflow";
    if (file === "") file = platform === "tensorflow_savedmodel" ? "model.savedmodel" : "model.graphdef";
    return done();
  }

  if (backend === "") {
    if (platform === "tensorrt_plan" || file === "model.plan") backend = "tensorrt";
    else if (inspect && content.has("model.plan") && !isDir(path.join(versionPath, "model.plan"))) backend = "tensorrt";
  }
  if (backend === "tensorrt") {
    if (platform === "") platform = "tensorrt_plan";
    if (file === "") file = "model.plan";
    return done();
  }

  if (backend === "") {
    // An ONNX model may be a file or a folder (model.onnx/model.onnx beside its external data).
    if (platform === "onnxruntime_onnx" || file === "model.onnx" || (inspect && content.has("model.onnx"))) backend = "onnxruntime";
  }
  if (backend === "onnxruntime") {
    if (platform === "") platform = "onnxruntime_onnx";
    if (file === "") file = "model.onnx";
    return done();
  }

  if (backend === "" && (file === "model.xml" || (inspect && content.has("model.xml")))) backend = "openvino";
  if (backend === "openvino") {
    if (file === "") file = "model.xml";
    return done();
  }

  if (backend === "") {
    if (platform === "pytorch_libtorch" || file === "model.pt") backend = "pytorch";
    else if (inspect && content.has("model.pt") && !isDir(path.join(versionPath, "model.pt"))) backend = "pytorch";
  }
  if (backend === "pytorch") {
    if (platform === "") platform = "pytorch_libtorch";
    if (config.runtime !== "model.py" && file === "") file = "model.pt";
    return done();
  }

  if (backend === "" && (file === "model.py" || (inspect && content.has("model.py")))) backend = "python";
  if (backend === "python") {
    if (file === "") file = "model.py";
    return done();
  }

  // A custom backend, named by the model folder's "model.<backend>" form.
  if (backend === "" && platform === "" && file === "") {
    const dot = modelName.indexOf(".");
    if (dot >= 0) {
      backend = modelName.slice(dot + 1);
      file = `model.${backend}`;
      return done(true);
    }
  }
  return done();
}

/** ValidateModelConfig's first checks, on the completed fields: a backend is needed, except for ensembles. */
export function checkModelKind(kind: ModelKind, modelName: string): ValidateFinding[] {
  if (kind.platform === "ensemble") {
    return kind.backend === "" ? [] : [{ rule: "platform-unknown", message: `an ensemble must have platform "ensemble" and no backend (it has backend "${kind.backend}")` }];
  }
  if (kind.fromModelName) {
    // Triton loads it only if a backend of that name is installed, which cannot be seen from the repository.
    return [{ rule: "platform-inferred", severity: "warning", message: `no platform or backend, and no model file Triton knows: Triton takes backend "${kind.backend}" from the model name` }];
  }
  if (kind.backend !== "") return [];
  if (kind.platform === "" && kind.defaultModelFilename === "") {
    return [{ rule: "platform-unknown", message: `Triton could not determine the backend for model '${modelName}': the config has no platform or backend, the first subfolder in byte order holds no model file Triton knows, and the name is not of the form 'model.<backend>'` }];
  }
  return [{ rule: "platform-unknown", message: `unexpected platform type '${kind.platform}' for ${modelName}: Triton finds no backend for it (set backend, or a platform Triton knows)` }];
}
