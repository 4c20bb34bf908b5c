/**
 * What a deployment needs to know about a Triton repository: its models, which of them need a GPU, where ORT's
 * TensorRT accelerator keeps its engines, how many engines Triton builds before the models report READY, the GPU
 * the bundles were built on, and a content hash that names this exact repository. The repository must pass
 * `trtx repo validate` first: deploying a repository Triton cannot load only moves the failure into a cluster.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { hashFileInto } from "../build/hash.js";
import { CheckFailedError } from "../errors.js";
import type { ConfigObject } from "../triton/pbtxt-parse.js";
import { readProvenance, type ModelProvenance } from "../triton/provenance.js";
import { failing } from "../triton/lint.js";
import { readConfig, validateRepository, versionsOf, type ModelValidation } from "../triton/validate.js";

export interface TensorRtFacts {
  precision: string;
  /** trt_engine_cache_path, when engine caching is on. */
  cachePath?: string;
  /** trt_engine_cache_prefix: the model's weights hash, which keeps a retrained model from loading a stale engine. */
  cachePrefix?: string;
}

export interface ModelFacts {
  name: string;
  platform: string;
  maxBatchSize: number;
  /** The GPU indices its instance groups name; KIND_GPU without `gpus` means every GPU of the pod. */
  gpuIndices: number[];
  /** Instance groups of kind KIND_GPU, or a TensorRT accelerator or plan: it cannot run without a GPU. */
  needsGpu: boolean;
  tensorrt?: TensorRtFacts;
  /** The names of its model_warmup entries: each runs before READY; with TensorRT each builds an engine. */
  warmups: string[];
  /** Bytes of the files of the highest version. */
  bytes: number;
  provenance?: ModelProvenance;
}

export interface RepositoryFacts {
  models: ModelFacts[];
  /** Every file of the repository, hidden ones aside. */
  bytes: number;
  /** SHA-256 over every file's relative path and bytes: the same repository gives the same hash anywhere. */
  sha256: string;
}

/** The repository failed `repo validate`; `models` holds every model's findings. */
export class RepositoryInvalidError extends CheckFailedError {
  override name = "RepositoryInvalidError";
  constructor(
    readonly repository: string,
    readonly models: ModelValidation[],
  ) {
    const failed = models.filter((m) => failing(m.findings).length > 0);
    const count = failed.reduce((n, m) => n + failing(m.findings).length, 0);
    super(`repository ${repository} fails validation: ${count} finding(s) in ${failed.map((m) => m.name).join(", ")}`, {
      hint: `fix them (trtx repo validate ${repository}) and deploy again`,
    });
  }
}

export function readRepositoryFacts(repository: string): RepositoryFacts {
  const validation = validateRepository(repository);
  if (validation.some((m) => failing(m.findings).length > 0)) throw new RepositoryInvalidError(repository, validation);
  // One pass over the files: the hash names the repository, and the sizes give each model's weight.
  const { bytes, sha256, sizes } = hashTree(repository);
  const models = validation.map((m) => modelFacts(path.join(repository, m.name), m.name, sizes));
  return { models, bytes, sha256 };
}

function modelFacts(modelDir: string, name: string, sizes: ReadonlyMap<string, number>): ModelFacts {
  const read = readConfig(modelDir);
  // validateRepository has just parsed it; a config that changed since is the user's race to lose, loudly.
  if ("finding" in read) throw new CheckFailedError(`${name}: ${read.finding.message}`);
  const { config } = read;
  const platform = String(config.platform ?? config.backend ?? "unknown");
  const groups = (config.instance_group as ConfigObject[] | undefined) ?? [];
  const kinds = groups.map((g) => String(g.kind ?? "KIND_AUTO"));
  const gpuIndices = [...new Set(groups.flatMap((g) => ((g.gpus as number[] | undefined) ?? []).map(Number)))].sort((a, b) => a - b);
  const tensorrt = tensorRtFacts(config);
  const isPlan = platform === "tensorrt_plan" || platform === "tensorrt";
  const warmups = ((config.model_warmup as ConfigObject[] | undefined) ?? []).map((w) => String(w.name ?? ""));
  const latest = versionsOf(modelDir).at(-1);
  const latestPrefix = `${name}/${latest}/`;
  const provenance = readProvenance(modelDir);
  return {
    name,
    platform,
    maxBatchSize: Number(config.max_batch_size ?? 0),
    gpuIndices,
    needsGpu: kinds.includes("KIND_GPU") || tensorrt !== undefined || isPlan,
    ...(tensorrt !== undefined ? { tensorrt } : {}),
    warmups,
    bytes: latest === undefined ? 0 : [...sizes].reduce((n, [file, size]) => (file.startsWith(latestPrefix) ? n + size : n), 0),
    ...(provenance !== undefined ? { provenance } : {}),
  };
}

function tensorRtFacts(config: ConfigObject): TensorRtFacts | undefined {
  const accelerators = ((config.optimization as ConfigObject | undefined)?.execution_accelerators as ConfigObject | undefined)?.gpu_execution_accelerator as ConfigObject[] | undefined;
  const trt = accelerators?.find((a) => a.name === "tensorrt");
  if (trt === undefined) return undefined;
  const p = (trt.parameters as Record<string, string> | undefined) ?? {};
  const on = (v: string | undefined) => v === "1" || v?.toLowerCase() === "true";
  return {
    precision: p.precision_mode ?? "FP32",
    ...(on(p.trt_engine_cache_enable) && p.trt_engine_cache_path !== undefined ? { cachePath: p.trt_engine_cache_path } : {}),
    ...(p.trt_engine_cache_prefix !== undefined ? { cachePrefix: p.trt_engine_cache_prefix } : {}),
  };
}

/** Size and SHA-256 of a folder's files, in path order, and each file's size by relative path; hidden entries (trtx's temporaries among them) are skipped. */
function hashTree(root: string): { bytes: number; sha256: string; sizes: Map<string, number> } {
  const hash = createHash("sha256");
  const sizes = new Map<string, number>();
  let bytes = 0;
  const walk = (dir: string, rel: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith(".")).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const relative = rel === "" ? e.name : `${rel}/${e.name}`;
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full, relative);
      else if (stat.isFile()) {
        hash.update(`${relative}\0${stat.size}\0`);
        hashFileInto(hash, full);
        sizes.set(relative, stat.size);
        bytes += stat.size;
      }
    }
  };
  walk(root, "");
  return { bytes, sha256: hash.digest("hex"), sizes };
}
