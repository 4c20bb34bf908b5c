/**
 * `trtx perf --sweep --repo REPO NAME`: model_analyzer's brute-force search in small — batch sizes × instance
 * counts measured on the model Triton would load, the best throughput under a p99 budget chosen, and (on request)
 * written back into that model's config.pbtxt as max_batch_size, preferred_batch_size and instance_group.
 * An instance is a session in its own thread with one query in flight, as a Triton instance is when clients keep
 * it busy.
 */
import fs from "node:fs";
import path from "node:path";
import { CheckFailedError, FileError, UsageError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import type { Provider } from "../ep/providers.js";
import { failing, lintModelConfig } from "../triton/lint.js";
import type { ConfigObject } from "../triton/pbtxt-parse.js";
import { renderModelConfig } from "../triton/pbtxt-render.js";
import { onnxFileIn, readConfig, versionsOf } from "../triton/validate.js";
import type { PerfPoint } from "./types.js";

/** model_analyzer's automatic sweep: max_batch_size 1 → 128 in powers of two. */
export const SWEEP_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128];
/** model_analyzer sweeps instance counts 1 → 5; powers of two reach the same range in fewer points. */
export const SWEEP_INSTANCES = [1, 2, 4];

export interface RepoModel {
  configPath: string;
  config: ConfigObject;
  /** The ONNX file of the latest version, as the onnxruntime backend loads it. */
  onnx: string;
  version: number;
}

export function resolveRepoModel(repo: string, name: string): RepoModel {
  const modelDir = path.join(repo, name);
  if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) {
    throw new FileError(`${modelDir}: no such model folder`, { hint: `trtx repo ls ${repo} lists the models` });
  }
  const read = readConfig(modelDir);
  if ("finding" in read) throw new FileError(read.finding.message, { hint: `trtx repo validate ${repo} says more` });
  const { config } = read;
  const isOnnx = config.platform === "onnxruntime_onnx" || config.backend === "onnxruntime";
  if (!isOnnx) throw new UsageError(`${name} is served by ${String(config.platform ?? config.backend ?? "an unnamed backend")}; trtx perf runs ONNX models only`, { hint: "sweep the ONNX model it was built from" });
  const version = versionsOf(modelDir).at(-1);
  if (version === undefined) throw new FileError(`${modelDir} has no version folders`, { hint: `add one with trtx repo add-version ${name} --onnx model.onnx` });
  const onnx = onnxFileIn(path.join(modelDir, String(version)), (config.default_model_filename as string | undefined) ?? "model.onnx");
  if (onnx === undefined) throw new FileError(`${modelDir}/${version} holds no model.onnx`);
  return { configPath: path.join(modelDir, "config.pbtxt"), config, onnx, version };
}

export interface SweepChoice {
  batch: number;
  instances: number;
  throughput: number;
  p99Ms: number;
}

/** The highest throughput whose p99 is within the budget; ties go to the smaller batch, then fewer instances. */
export function pickBest(points: readonly PerfPoint[], latencyBudgetMs?: number): SweepChoice {
  const p99 = (p: PerfPoint) => p.latency.percentiles["99"] ?? p.latency.max;
  const within = points.filter((p) => latencyBudgetMs === undefined || p99(p) <= latencyBudgetMs);
  if (within.length === 0) {
    const fastest = Math.min(...points.map(p99));
    throw new CheckFailedError(`no batch size and instance count keeps p99 within ${latencyBudgetMs} ms (the lowest measured is ${fastest.toFixed(2)} ms)`, { hint: "raise --latency-budget-ms, or sweep smaller batch sizes" });
  }
  const best = [...within].sort((a, b) => b.throughput - a.throughput || a.batch - b.batch || a.concurrency - b.concurrency)[0]!;
  return { batch: best.batch, instances: best.concurrency, throughput: best.throughput, p99Ms: p99(best) };
}

/**
 * The config with the choice applied. A config without batching (max_batch_size 0) keeps its batch: its dims hold
 * the batch dim, so turning batching on would need new dims (trtx repo init --force does that). Existing dynamic
 * batching settings and instance kinds and GPUs are kept.
 */
export function applyChoice(config: ConfigObject, choice: SweepChoice, provider: Provider): ConfigObject {
  const next: ConfigObject = structuredClone(config);
  if (isBatched(config)) {
    next.max_batch_size = choice.batch;
    const dynamic = (next.dynamic_batching as ConfigObject | undefined) ?? {};
    next.dynamic_batching = { ...dynamic, preferred_batch_size: [choice.batch] };
  }
  const groups = (config.instance_group as ConfigObject[] | undefined) ?? [];
  const kind = (groups[0]?.kind as string | undefined) ?? (provider === "cpu" ? "KIND_CPU" : "KIND_GPU");
  const gpus = groups[0]?.gpus;
  next.instance_group = [{ ...(groups[0]?.name === undefined ? {} : { name: groups[0].name }), kind, count: choice.instances, ...(gpus === undefined ? {} : { gpus }) }];
  return next;
}

/** Writes the new config atomically after checking it against Triton's rules, so a sweep never breaks a repository. */
export function writeConfig(configPath: string, config: ConfigObject): string {
  const findings = failing(lintModelConfig(config));
  if (findings.length > 0) throw new CheckFailedError(`the swept config would not load: ${findings[0]!.path}: ${findings[0]!.message}`);
  const text = renderModelConfig(config);
  writeFileAtomic(configPath, Buffer.from(text));
  return text;
}

/** A config with Triton batching on (max_batch_size > 0): its dims leave out the batch dim. */
export function isBatched(config: ConfigObject): boolean {
  return Number(config.max_batch_size ?? 0) > 0;
}

/** The sweep's outcome: the best point (written into config.pbtxt with `writeConfig`), or why there is none. */
export type SweepOutcome = { choice: SweepChoice; written: boolean; configPath: string; config?: string } | { error: CheckFailedError };

export function settleSweep(model: RepoModel, measured: { points: PerfPoint[]; provider: Provider }, o: { latencyBudgetMs?: number; writeConfig?: boolean }): SweepOutcome {
  let choice: SweepChoice;
  try {
    choice = pickBest(measured.points, o.latencyBudgetMs);
  } catch (e) {
    if (e instanceof CheckFailedError) return { error: e };
    throw e;
  }
  if (!o.writeConfig) return { choice, written: false, configPath: model.configPath };
  const config = writeConfig(model.configPath, applyChoice(model.config, choice, measured.provider));
  return { choice, written: true, configPath: model.configPath, config };
}
