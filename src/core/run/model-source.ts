/**
 * What `--onnx` or `--loadEngine` names, resolved to the ONNX file a session loads. An engine bundle (written
 * by `trtx build`) is a folder holding model.onnx and a manifest that records the model it was built from.
 */
import fs from "node:fs";
import path from "node:path";
import { foreignReason, type Fingerprint } from "../build/fingerprint.js";
import { FileError, ProviderUnavailableError, UsageError } from "../errors.js";
import { PROVIDERS, type Provider } from "../ep/providers.js";

export interface ModelSource {
  /** The ONNX file to run. */
  onnx: string;
  /** For a bundle: the source model it was built from, when its manifest names one that exists. */
  sourceOnnx?: string;
}

/** allowForeign: run a bundle built for a provider or GPU this machine does not have (its numbers may differ). */
export function resolveModelSource(options: { onnx?: string; loadEngine?: string; allowForeign?: boolean }): ModelSource {
  if ((options.onnx === undefined) === (options.loadEngine === undefined)) {
    throw new UsageError(options.onnx ? "give --onnx or --loadEngine, not both" : "no model given", { hint: "pass --onnx model.onnx or --loadEngine model.trtx" });
  }
  if (options.onnx !== undefined) return { onnx: options.onnx };
  const bundle = options.loadEngine!;
  const onnx = path.join(bundle, "model.onnx");
  if (!fs.existsSync(bundle)) throw new FileError(`${bundle}: no such bundle`, { hint: "build one with trtx build --onnx model.onnx" });
  if (!fs.statSync(bundle).isDirectory() || !fs.existsSync(onnx)) {
    throw new FileError(`${bundle} is not an engine bundle (a folder with model.onnx and manifest.json, written by trtx build)`, {
      hint: "pass the bundle folder, or the model itself with --onnx",
    });
  }
  return { onnx, ...fromManifest(bundle, options.allowForeign ?? false) };
}

function fromManifest(bundle: string, allowForeign: boolean): { sourceOnnx?: string } {
  const manifest = path.join(bundle, "manifest.json");
  if (!fs.existsSync(manifest)) return {};
  let parsed: { source?: { path?: unknown }; provider?: unknown; fingerprint?: Fingerprint };
  try {
    parsed = JSON.parse(fs.readFileSync(manifest, "utf8"));
  } catch (e) {
    throw new FileError(`${manifest} is not valid JSON (${(e as Error).message})`, { hint: "rebuild the bundle with trtx build" });
  }
  const provider = parsed.provider;
  if (!allowForeign && typeof provider === "string" && (PROVIDERS as readonly string[]).includes(provider)) {
    const reason = foreignReason(provider as Provider, parsed.fingerprint);
    if (reason) throw new ProviderUnavailableError(`${bundle} was not built for this machine: ${reason}`, { hint: "rebuild it here with trtx build, or pass --allow-foreign to run it anyway" });
  }
  const source = parsed.source?.path;
  if (typeof source !== "string") return {};
  const resolved = path.resolve(bundle, source);
  return fs.existsSync(resolved) ? { sourceOnnx: resolved } : {};
}
