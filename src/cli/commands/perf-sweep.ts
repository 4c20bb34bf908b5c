/** `trtx perf --sweep`: which repository model to measure, and the choice rendered and written back. */
import { CheckFailedError, UsageError } from "../../core/errors.js";
import type { PerfReport } from "../../core/perf/perf.js";
import { applyChoice, pickBest, resolveRepoModel, SWEEP_BATCHES, writeConfig, type RepoModel, type SweepChoice } from "../../core/perf/sweep.js";
import type { PerfFlags } from "./perf.js";

/** --sweep's model and the batch sizes to try: model_analyzer's 1 → 128 for a batched config, the model's own otherwise. */
export function sweepTarget(name: string | undefined, flags: PerfFlags): { model: RepoModel; batches?: number[] } | undefined {
  if (!flags.sweep) {
    const stray = name !== undefined ? `model name ${name}` : flags.repo !== undefined ? "--repo" : flags.writeConfig ? "--write-config" : flags.latencyBudgetMs !== undefined ? "--latency-budget-ms" : undefined;
    if (stray !== undefined) throw new UsageError(`${stray} goes with --sweep`, { hint: "trtx perf --sweep --repo model_repository NAME" });
    return undefined;
  }
  if (flags.repo === undefined || name === undefined) throw new UsageError("--sweep needs --repo and a model name", { hint: "trtx perf --sweep --repo model_repository NAME" });
  if (flags.onnx !== undefined || flags.loadEngine !== undefined) throw new UsageError("--sweep measures the repository's model: drop --onnx/--loadEngine");
  const model = resolveRepoModel(flags.repo, name);
  const batched = Number(model.config.max_batch_size ?? 0) > 0;
  return { model, ...(batched ? { batches: SWEEP_BATCHES } : {}) };
}

export type SweepOutcome = { choice: SweepChoice; written: boolean; configPath: string; config?: string } | { error: CheckFailedError };

export function chooseAndWrite(model: RepoModel, report: PerfReport, flags: PerfFlags): SweepOutcome {
  let choice: SweepChoice;
  try {
    choice = pickBest(report.points, flags.latencyBudgetMs);
  } catch (e) {
    if (e instanceof CheckFailedError) return { error: e };
    throw e;
  }
  if (!flags.writeConfig) return { choice, written: false, configPath: model.configPath };
  const config = writeConfig(model.configPath, applyChoice(model.config, choice, report.provider));
  return { choice, written: true, configPath: model.configPath, config };
}

export function renderSweep(s: SweepOutcome, budget: number | undefined): string {
  if ("error" in s) return s.error.message;
  const { choice } = s;
  const within = budget === undefined ? "" : ` (p99 within ${budget} ms)`;
  const line = `best${within}: batch ${choice.batch}, ${choice.instances} instance(s): ${choice.throughput.toFixed(0)} infer/s, p99 ${choice.p99Ms.toFixed(2)} ms`;
  return s.written ? `${line}\nwrote ${s.configPath}: max_batch_size / preferred_batch_size / instance_group` : `${line}\n(--write-config writes it into ${s.configPath})`;
}

