/**
 * model.opt.onnx: the graph as ONNX Runtime optimizes it for the chosen provider (level "all"), written by ORT
 * itself through optimizedModelFilePath. Loading it skips those optimizations at startup, but it may hold ORT-only
 * fused ops (com.microsoft domain) and suits only that provider and ORT version, which the manifest records.
 */
import fs from "node:fs";
import type { OrtLogLevel } from "../ep/ort.js";
import type { Provider } from "../ep/providers.js";
import { createSession } from "../ep/session.js";

export type OptimizedOutcome = { bytes: number } | { skipped: string };

export async function writeOptimizedModel(model: string, dest: string, provider: Provider, logLevel?: OrtLogLevel): Promise<OptimizedOutcome> {
  try {
    const { session } = await createSession(model, {
      ep: provider,
      options: { graphOptimizationLevel: "all", optimizedModelFilePath: dest },
      ...(logLevel ? { logLevel } : {}),
    });
    await session.release();
  } catch (e) {
    // TensorRT's compiled nodes cannot be serialized: ORT refuses, and the bundle goes without the optimized form.
    fs.rmSync(dest, { force: true });
    return { skipped: `onnxruntime could not write the ${provider} optimized model: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}` };
  }
  if (!fs.existsSync(dest)) return { skipped: `onnxruntime wrote no optimized model for ${provider}` };
  return { bytes: fs.statSync(dest).size };
}
