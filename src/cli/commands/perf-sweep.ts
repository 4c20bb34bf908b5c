/** `trtx perf --sweep`: which flags go with it, and which repository model it measures. */
import { UsageError } from "../../core/errors.js";
import { isBatched, resolveRepoModel, SWEEP_BATCHES, type RepoModel } from "../../core/perf/sweep.js";
import type { PerfFlags } from "./perf.js";

/** --sweep's model and the batch sizes to try: model_analyzer's 1 → 128 for a batched config, the model's own otherwise. */
export function sweepTarget(name: string | undefined, flags: PerfFlags): { model: RepoModel; batches?: number[] } | undefined {
  if (!flags.sweep) {
    const given: [boolean, string][] = [
      [name !== undefined, `model name ${name}`],
      [flags.repo !== undefined, "--repo"],
      [Boolean(flags.writeConfig), "--write-config"],
      [flags.latencyBudgetMs !== undefined, "--latency-budget-ms"],
    ];
    const stray = given.find(([present]) => present)?.[1];
    if (stray !== undefined) throw new UsageError(`${stray} goes with --sweep`, { hint: "trtx perf --sweep --repo model_repository NAME" });
    return undefined;
  }
  if (flags.repo === undefined || name === undefined) throw new UsageError("--sweep needs --repo and a model name", { hint: "trtx perf --sweep --repo model_repository NAME" });
  if (flags.onnx !== undefined || flags.loadEngine !== undefined) throw new UsageError("--sweep measures the repository's model: drop --onnx/--loadEngine");
  const model = resolveRepoModel(flags.repo, name);
  return { model, ...(isBatched(model.config) ? { batches: SWEEP_BATCHES } : {}) };
}
