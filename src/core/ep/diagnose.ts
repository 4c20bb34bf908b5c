/**
 * Why a provider could not load, in terms a user can act on: ORT only says "Failed to load shared library",
 * so trtx checks the provider library itself and asks the dynamic linker (ldd) which dependency is missing.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ortBinaryDir, ortPackageVersion } from "./ort.js";
import { PROVIDER_LIBRARIES, type Provider } from "./providers.js";

export interface LibraryDiagnosis {
  /** A library file that should sit beside libonnxruntime.so.1 and does not. */
  missingFile?: string;
  /** Libraries the dynamic linker could not find for the provider library (libcudart.so.13, libnvinfer.so.10...). */
  missingDependencies: string[];
}

export function diagnoseProvider(provider: Provider, dir = ortBinaryDir()): LibraryDiagnosis {
  for (const lib of PROVIDER_LIBRARIES[provider]) {
    if (!fs.existsSync(path.join(dir, lib))) return { missingFile: lib, missingDependencies: [] };
  }
  const main = PROVIDER_LIBRARIES[provider][0];
  return { missingDependencies: main ? missingDependencies(path.join(dir, main)) : [] };
}

/** Dependencies that ldd reports as "not found"; empty when ldd is unavailable or finds everything. */
export function missingDependencies(library: string): string[] {
  let out: string;
  try {
    out = execFileSync("ldd", [library], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? "";
  }
  return [...out.matchAll(/^\s*(\S+)\s*=>\s*not found/gm)].map((m) => m[1]!);
}

/** One sentence naming what is missing, or undefined when the libraries look complete. */
export function describeDiagnosis(provider: Provider, d: LibraryDiagnosis): string | undefined {
  if (d.missingFile) return `${d.missingFile} is not installed beside onnxruntime-node's libonnxruntime.so.1`;
  if (d.missingDependencies.length > 0)
    return `${PROVIDER_LIBRARIES[provider][0]} cannot load: ${d.missingDependencies.join(", ")} not found`;
  return undefined;
}

/** What to do about it. */
export function hintFor(provider: Provider, d: LibraryDiagnosis): string | undefined {
  if (d.missingFile) {
    return `onnxruntime-node's GPU download is skipped when installing trtx; place ${provider === "cuda" ? "the CUDA" : "the TensorRT"} provider libraries built for onnxruntime ${ortPackageVersion()} in ${ortBinaryDir()}`;
  }
  const deps = d.missingDependencies.join(" ");
  if (/nvinfer|nvonnxparser/.test(deps)) return "install TensorRT 10 and add its lib folder to LD_LIBRARY_PATH; TensorRT options for Triton still go into config.pbtxt";
  if (/cudnn/.test(deps)) return "install cuDNN 9 for CUDA 13 and add its lib folder to LD_LIBRARY_PATH";
  if (/cuda|cublas|cufft|curand/.test(deps)) return "install the CUDA 13 runtime (cudart, cublas, cufft, curand) and add its lib folder to LD_LIBRARY_PATH";
  return undefined;
}
