/**
 * trtx-bundle.json beside a model's config.pbtxt: which bundle the model came from and the machine it was built and
 * checked on. Triton ignores the file; `trtx deploy` reads it to pin pods to the GPU the engines were tuned for.
 */
import fs from "node:fs";
import path from "node:path";
import type { BundleManifest } from "../build/manifest.js";

export const PROVENANCE_FILE = "trtx-bundle.json";
export const PROVENANCE_SCHEMA = "trtx.model-provenance/1";

export interface ModelProvenance {
  schema: typeof PROVENANCE_SCHEMA;
  /** The bundle's inputsHash: equal hashes, same source and build options. */
  bundle: string;
  provider: BundleManifest["provider"];
  precision: BundleManifest["precision"];
  builtOn: BundleManifest["fingerprint"];
}

export function provenanceOf(manifest: BundleManifest): ModelProvenance {
  return { schema: PROVENANCE_SCHEMA, bundle: manifest.inputsHash, provider: manifest.provider, precision: manifest.precision, builtOn: manifest.fingerprint };
}

export function renderProvenance(p: ModelProvenance): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}

/** The model folder's provenance, or undefined when it has none (a model not made from a bundle) or it is unreadable. */
export function readProvenance(modelDir: string): ModelProvenance | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(modelDir, PROVENANCE_FILE), "utf8")) as ModelProvenance;
    return parsed?.schema === PROVENANCE_SCHEMA ? parsed : undefined;
  } catch {
    return undefined;
  }
}
