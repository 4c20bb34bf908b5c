/**
 * Access to onnxruntime-node, imported lazily: loading it maps a 45 MB native library, which commands such
 * as `inspect` never need.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export type Ort = typeof import("onnxruntime-node");
export type OrtLogLevel = "verbose" | "info" | "warning" | "error" | "fatal";

let ortPromise: Promise<Ort> | undefined;

/**
 * Loads onnxruntime-node once. The log level applies to ORT's own environment logger, which is what prints
 * "Failed to load library" for a missing provider; it can only be set before the first session.
 */
export function loadOrt(logLevel: OrtLogLevel = "fatal"): Promise<Ort> {
  ortPromise ??= import("onnxruntime-node").then((ort) => {
    ort.env.logLevel = logLevel;
    return ort;
  });
  return ortPromise;
}

const require = createRequire(import.meta.url);

/** onnxruntime-node's installed version, read without loading the native library. */
export function ortPackageVersion(): string {
  return JSON.parse(fs.readFileSync(require.resolve("onnxruntime-node/package.json"), "utf8")).version;
}

/** The folder holding libonnxruntime.so.1 and the binding, where provider libraries must be placed. */
export function ortBinaryDir(): string {
  const root = path.dirname(require.resolve("onnxruntime-node/package.json"));
  const bin = path.join(root, "bin");
  const napi = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith("napi-v")).sort() : [];
  return path.join(bin, napi.at(-1) ?? "napi-v6", process.platform, process.arch);
}
