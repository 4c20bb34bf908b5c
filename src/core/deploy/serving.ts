/**
 * What every trtx deployment runs, whatever the orchestrator: the tritonserver command line, the time to allow for
 * start-up, the GPU the pods must land on, and the engine-cache folders to keep on a volume.
 */
import { UsageError } from "../errors.js";
import type { ModelControlMode } from "./options.js";
import type { ModelFacts, RepositoryFacts } from "./repo-facts.js";

export const PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
export const MODEL_REPOSITORY_PATH = "/models";

/**
 * Triton's strict settings: READY only when every model loaded, exit (and restart) when one fails instead of
 * serving a partial repository, configs used exactly as trtx wrote them, and latency summaries for percentiles.
 */
export function tritonCommand(o: { repository: string; mode: ModelControlMode; models: readonly string[]; pollSeconds?: number }): string[] {
  const args = [
    "tritonserver",
    `--model-repository=${o.repository}`,
    `--model-control-mode=${o.mode}`,
    "--strict-readiness=true",
    "--exit-on-error=true",
    "--disable-auto-complete-config",
    `--http-port=${PORTS.http}`,
    `--grpc-port=${PORTS.grpc}`,
    `--metrics-port=${PORTS.metrics}`,
    "--metrics-config=summary_latencies=true",
  ];
  // explicit mode loads nothing by itself: name every model so a restarted pod serves what the last one did.
  if (o.mode === "explicit") args.push(...o.models.map((m) => `--load-model=${m}`));
  if (o.mode === "poll") args.push(`--repository-poll-secs=${o.pollSeconds ?? 30}`);
  return args;
}

/** Seconds allowed for what Triton does before READY, model by model, with the reason for each part. */
export interface StartupBudget {
  seconds: number;
  parts: { model: string; seconds: number; why: string }[];
}

/** Server start, backends loaded: a fixed allowance. */
const SERVER_START_S = 60;
/**
 * A TensorRT engine build per warm-up (each profile's opt shape builds its engine): a base plus a share per 100 MB of
 * weights. A budget, not a measurement — builds vary with GPU, precision and tactics; --startup-seconds overrides it.
 */
const ENGINE_BUILD_BASE_S = 180;
const ENGINE_BUILD_PER_100MB_S = 60;
/** INT8 builds time more tactics than FP16. */
const INT8_FACTOR = 1.5;
/** A warm-up without TensorRT: cuDNN's algorithm search and the allocator's first growth. */
const CUDA_WARMUP_S = 20;
/** A remote repository is downloaded before loading; 50 MB/s is a cautious object-store rate. */
const DOWNLOAD_BYTES_PER_S = 50e6;

export function startupBudget(facts: RepositoryFacts, remote: boolean): StartupBudget {
  const parts: StartupBudget["parts"] = [];
  if (remote) parts.push({ model: "*", seconds: Math.ceil(facts.bytes / DOWNLOAD_BYTES_PER_S), why: `download ${(facts.bytes / 1e6).toFixed(1)} MB from the object store` });
  for (const m of facts.models) {
    const part = modelStartup(m);
    if (part !== undefined) parts.push(part);
  }
  const seconds = SERVER_START_S + parts.reduce((s, p) => s + p.seconds, 0);
  return { seconds, parts };
}

function modelStartup(m: ModelFacts): StartupBudget["parts"][number] | undefined {
  const n = m.warmups.length;
  if (n === 0) return undefined;
  if (m.tensorrt !== undefined) {
    const perEngine = (ENGINE_BUILD_BASE_S + ENGINE_BUILD_PER_100MB_S * Math.ceil(m.bytes / 100e6)) * (m.tensorrt.precision === "INT8" ? INT8_FACTOR : 1);
    return { model: m.name, seconds: Math.ceil(n * perEngine), why: `${n} TensorRT engine build(s) at ${m.tensorrt.precision} during warm-up (${m.warmups.join(", ")})` };
  }
  return { model: m.name, seconds: n * CUDA_WARMUP_S, why: `${n} warm-up run(s)` };
}

/** Where the pods must run: the GPU model the bundles were built and checked on, as GPU Feature Discovery labels it. */
export interface GpuPlacement {
  /** The `nvidia.com/gpu.product` label value, e.g. NVIDIA-H100-80GB-HBM3; undefined when any GPU will do. */
  product?: string;
  /** What the bundles say they were built on, for the README and --json. */
  builtOn: { model: string; gpu: string; computeCapability: string }[];
  /** Folder under the engine-cache volume: engines of different GPU models never mix. */
  cacheFolder: string;
}

/** GPU Feature Discovery's label value for an nvidia-smi product name: spaces become dashes. */
export function gpuProductLabel(name: string): string {
  return name.trim().replace(/\s+/g, "-");
}

/**
 * `requested`: --gpu-product (a label value, or "any" to leave placement open). Without it, the GPU the bundles
 * name; bundles built on different GPUs need the flag, since one Deployment runs on one GPU model.
 */
export function gpuPlacement(facts: RepositoryFacts, requested: string | undefined): GpuPlacement {
  const builtOn = facts.models.flatMap((m) => {
    const gpu = m.provenance?.builtOn.gpu;
    return gpu !== undefined && m.provenance?.provider !== "cpu" ? [{ model: m.name, gpu: gpu.name, computeCapability: gpu.computeCapability }] : [];
  });
  let product: string | undefined;
  if (requested !== undefined) {
    if (requested !== "any" && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(requested)) {
      throw new UsageError(`--gpu-product '${requested}' is not a node label value`, { hint: "use the nvidia.com/gpu.product label of your GPU nodes (e.g. NVIDIA-H100-80GB-HBM3), or any" });
    }
    product = requested === "any" ? undefined : requested;
  } else {
    const names = [...new Set(builtOn.map((b) => gpuProductLabel(b.gpu)))];
    if (names.length > 1) {
      throw new UsageError(`the repository's bundles were built on different GPUs (${names.join(", ")}) and one Deployment runs on one GPU model`, { hint: "pass --gpu-product LABEL to choose, or rebuild the bundles on one GPU" });
    }
    product = names[0];
  }
  return { ...(product !== undefined ? { product } : {}), builtOn, cacheFolder: product?.toLowerCase() ?? "any-gpu" };
}

/**
 * The GPUs a pod needs against what its models ask for: a model bound to a GPU cannot load in a pod without one, and
 * an instance group naming GPU 1 fails to load in a pod given one GPU.
 */
export function checkGpuRequest(facts: RepositoryFacts, gpusPerPod: number, flag: string): void {
  for (const m of facts.models) {
    if (gpusPerPod === 0 && m.needsGpu) {
      const why = m.tensorrt !== undefined ? "its TensorRT accelerator" : m.platform.startsWith("tensorrt") ? "a TensorRT plan" : "KIND_GPU instances";
      const fix = why === "KIND_GPU instances" ? `pass ${flag} 1, or re-create the model with --kind cpu` : `pass ${flag} 1`;
      throw new UsageError(`model ${m.name} needs a GPU (${why}) but ${flag} is 0`, { hint: fix });
    }
    const over = m.gpuIndices.find((g) => g >= gpusPerPod);
    if (over !== undefined && gpusPerPod > 0) {
      throw new UsageError(`model ${m.name}'s instance group uses GPU ${over} but ${flag} is ${gpusPerPod}`, { hint: `pass ${flag} ${over + 1}, or drop the gpus list from its instance_group` });
    }
  }
}

/** The distinct engine-cache folders named by the models' TensorRT accelerators, each to be mounted from the cache volume. */
export function engineCachePaths(facts: RepositoryFacts): string[] {
  const paths = [...new Set(facts.models.flatMap((m) => (m.tensorrt?.cachePath !== undefined ? [m.tensorrt.cachePath] : [])))].sort();
  const relative = paths.find((p) => !p.startsWith("/"));
  if (relative !== undefined) {
    throw new UsageError(`trt_engine_cache_path '${relative}' is relative: it depends on tritonserver's working folder and cannot be mounted`, { hint: "use an absolute path in config.pbtxt (trtx repo init writes /tmp/trtx_engines)" });
  }
  return paths;
}

/**
 * Warnings every deployment of this repository shares: engines cached without a weights-hash prefix, and TensorRT
 * models without warm-ups, whose engines are then built by the first request — after the server reports READY.
 */
export function repositoryWarnings(facts: RepositoryFacts): string[] {
  const warnings = facts.models
    .filter((m) => m.tensorrt?.cachePath !== undefined && m.tensorrt.cachePrefix === undefined)
    .map((m) => `model ${m.name} caches TensorRT engines without trt_engine_cache_prefix: after retraining, a server may load the old engine (re-create it with trtx repo init --loadEngine)`);
  for (const m of facts.models) {
    if (m.tensorrt !== undefined && m.warmups.length === 0) {
      warnings.push(`model ${m.name} has no warm-up: TensorRT builds its engine during the first request, after READY, and that request waits minutes (build the bundle with --minShapes/--optShapes/--maxShapes, or re-create the model with --warmup)`);
    }
  }
  return warnings;
}
