/** `trtx perf`: latency and throughput per batch size and concurrency, with trtexec's statistics and perf_analyzer's stability rule. */
import { Command, Option } from "commander";
import fs from "node:fs";
import { CheckFailedError, FileError, UsageError } from "../../core/errors.js";
import type { EpChoice } from "../../core/ep/providers.js";
import { writeFileAtomic } from "../../core/fs/atomic.js";
import { compareToBaseline, parseBaseline, parseRegression } from "../../core/perf/baseline.js";
import type { InputData } from "../../core/perf/batch-feeds.js";
import { runPerf } from "../../core/perf/perf.js";
import { settleSweep, SWEEP_INSTANCES } from "../../core/perf/sweep.js";
import { DEFAULT_STABILITY_PERCENT } from "../../core/perf/stability.js";
import { DEFAULT_PERCENTILES, parsePercentiles } from "../../core/perf/stats.js";
import { parseShapeSpecs } from "../../core/shapes/shape-spec.js";
import { epOption, epOptionFlag, providerOptionsFrom, trtCacheFlag, type ProviderOptionFlags } from "../options/inference.js";
import { uiFor } from "../options/reporting.js";
import { exportTimes, perfCsv, renderBaseline, renderPerfHeader, renderPerfTable } from "../render/perf-report.js";
import { renderProfile } from "../render/perf-profile.js";
import { renderSweep } from "../render/sweep.js";
import { sweepTarget } from "./perf-sweep.js";

/** Enough runs for stable per-op means once the first (allocation, kernel selection) is left out. */
const PROFILE_RUNS = 20;

export interface PerfFlags extends ProviderOptionFlags {
  onnx?: string;
  loadEngine?: string;
  allowForeign?: boolean;
  batch?: number[];
  shapes?: string;
  ep: EpChoice;
  concurrency?: number[];
  streams?: number;
  threads?: number;
  warmUp: number;
  duration: number;
  iterations: number;
  percentile: number[];
  stabilityPercentage: number;
  maxTrials: number;
  requireStable?: boolean;
  inputData: string;
  seed: number;
  profile?: boolean;
  dataTransfers: boolean;
  sweep?: boolean;
  repo?: string;
  latencyBudgetMs?: number;
  writeConfig?: boolean;
  csv?: string;
  exportTimes?: string;
  baseline?: string;
  maxRegression: number;
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) throw new UsageError(`${flag} ${value} is not valid`, { hint: "use a positive integer" });
    return n;
  };
}

function positiveIntList(flag: string) {
  const one = positiveInt(flag);
  return (value: string): number[] => {
    const parts = value.split(",").map((p) => p.trim());
    const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1);
    if (bad !== undefined) throw new UsageError(`${flag} ${value}: "${bad}" is not a positive integer`, { hint: `e.g. ${flag} 1,8,32` });
    return [...new Set(parts.map(one))];
  };
}

function nonNegative(flag: string, unit: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} ${value} is not valid`, { hint: `give ${unit}, 0 or more` });
    return n;
  };
}

function inputData(value: string): InputData {
  if (value === "random" || value === "zero") return value;
  if (!fs.existsSync(value) || !fs.statSync(value).isDirectory()) {
    throw new UsageError(`--input-data ${value} is not random, zero or a folder`, { hint: "a folder holds one .npy/.pb/.bin file per input, named after it" });
  }
  return { dir: value };
}

export function perfCommand(): Command {
  return new Command("perf")
    .description("measure latency and throughput per batch size and concurrency")
    .argument("[name]", "with --sweep: the model in --repo")
    .option("--onnx <model.onnx>", "the model to measure")
    .option("--loadEngine <bundle>", "an engine bundle written by trtx build")
    .option("--allow-foreign", "measure a bundle built for a provider or GPU this machine does not have")
    .addOption(new Option("-b, --batch <sizes>", "batch sizes (dim 0 of every input), e.g. 1,8,32").argParser(positiveIntList("-b")))
    .option("--shapes <specs>", "input shapes for other variable dims, trtexec syntax name:1x128[,name:dims]")
    .addOption(epOption())
    .addOption(epOptionFlag())
    .addOption(trtCacheFlag())
    .option("--no-data-transfers", "keep inputs and outputs in GPU memory (copied there once): time the model without host copies, as trtexec's --noDataTransfers")
    .addOption(new Option("--concurrency <levels>", "queries in flight, each in its own thread and session, e.g. 1,2,4").argParser(positiveIntList("--concurrency")))
    .addOption(new Option("--streams <n>", "trtexec's --infStreams: the same as --concurrency N").argParser(positiveInt("--streams")))
    .addOption(new Option("--threads <n>", "intra-op threads per session (default: ORT's at concurrency 1, the cores shared out above)").argParser(positiveInt("--threads")))
    .addOption(new Option("--warmUp <ms>", "warm-up time before measuring").default(200).argParser(nonNegative("--warmUp", "milliseconds")))
    .addOption(new Option("--duration <s>", "least timed seconds per point, in three measurement windows").default(3).argParser(nonNegative("--duration", "seconds")))
    .addOption(new Option("--iterations <n>", "least timed queries per point").default(10).argParser(positiveInt("--iterations")))
    .addOption(new Option("--percentile <list>", "latency percentiles to report").default([...DEFAULT_PERCENTILES], DEFAULT_PERCENTILES.join(",")).argParser(parsePercentiles))
    .addOption(new Option("--stability-percentage <p>", "the last 3 windows must agree within p% in throughput and mean latency").default(DEFAULT_STABILITY_PERCENT).argParser(nonNegative("--stability-percentage", "a percentage")))
    .addOption(new Option("--max-trials <n>", "measurement windows before giving up on stability").default(10).argParser(positiveInt("--max-trials")))
    .option("--require-stable", "exit 3 when a point is not stable")
    .option("--input-data <random|zero|dir>", "input values: seeded random, zeros, or a folder of <input>.npy files", "random")
    .addOption(new Option("--seed <n>", "seed for random inputs").default(1).argParser(positiveInt("--seed")))
    .option("--profile", "also profile each batch size with ORT's profiler (a separate run): top ops and where the time goes")
    .option("--sweep", "with --repo and NAME: sweep batch sizes × instance counts and pick the best (model_analyzer's search)")
    .option("--repo <dir>", "with --sweep: the model repository")
    .addOption(new Option("--latency-budget-ms <ms>", "with --sweep: the highest p99 the chosen point may have").argParser(nonNegative("--latency-budget-ms", "milliseconds")))
    .option("--write-config", "with --sweep: write the choice into the model's config.pbtxt")
    .option("--csv <file>", "write perf_analyzer-style CSV (latencies in µs)")
    .option("--export-times <file>", "write every timed query as JSON")
    .option("--baseline <report.json>", "compare with a saved `trtx perf --json`; exit 3 on a regression")
    .addOption(new Option("--max-regression <percent>", "with --baseline: the allowed drop in throughput or rise in p99").default(10, "10%").argParser(parseRegression))
    .addHelpText(
      "after",
      [
        "",
        "Throughput is inferences per second: batch × queries / wall time of the measured windows. Latency is the",
        "wall time of one run() call, host copies included; percentiles use trtexec's formula. A point is stable",
        "when its last three windows agree within --stability-percentage (perf_analyzer's rule).",
        "",
        "Exit code 3 on a regression against --baseline, or an unstable point with --require-stable.",
        "",
        "Examples:",
        "  trtx perf --onnx model.onnx -b 1,8,32",
        "  trtx perf --loadEngine resnet50.trtx --ep cuda -b 32 --concurrency 1,2 --json > now.json",
        "  trtx perf --onnx model.onnx -b 8 --baseline main.json --max-regression 5%",
        "  trtx perf --sweep --repo model_repository resnet50 --latency-budget-ms 50 --write-config",
      ].join("\n"),
    )
    .action(async (name: string | undefined, flags: PerfFlags, command: Command) => {
      const ui = uiFor(command);
      const sweep = sweepTarget(name, flags);
      if (flags.streams !== undefined && flags.concurrency !== undefined) throw new UsageError("give --streams or --concurrency, not both");
      if (!flags.dataTransfers && flags.ep === "cpu") throw new UsageError("--no-data-transfers keeps inputs and outputs in GPU memory and needs a GPU provider", { hint: "use --ep cuda (or tensorrt)" });
      if (flags.duration <= 0) throw new UsageError(`--duration ${flags.duration} is not valid`, { hint: "give a positive number of seconds" });
      const providerOptions = providerOptionsFrom(flags, flags.ep);
      const baseline = flags.baseline === undefined ? undefined : parseBaseline(readText(flags.baseline), flags.baseline);
      const spinner = ui.spinner("measuring");
      const outcome = await runPerf({
        ...(flags.onnx === undefined ? {} : { onnx: flags.onnx }),
        ...(flags.loadEngine === undefined ? {} : { loadEngine: flags.loadEngine }),
        ...(sweep === undefined ? {} : { onnx: sweep.model.onnx }),
        allowForeign: Boolean(flags.allowForeign),
        ...(flags.batch ?? sweep?.batches ? { batches: flags.batch ?? sweep!.batches! } : {}),
        ...(flags.shapes === undefined ? {} : { shapes: parseShapeSpecs(flags.shapes) }),
        ep: flags.ep,
        concurrency: flags.concurrency ?? (sweep ? SWEEP_INSTANCES : [flags.streams ?? 1]),
        ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        warmUpMs: flags.warmUp,
        durationMs: flags.duration * 1000,
        iterations: flags.iterations,
        percentiles: flags.percentile,
        stabilityPercent: flags.stabilityPercentage,
        maxTrials: flags.maxTrials,
        inputData: inputData(flags.inputData),
        seed: flags.seed,
        ...(flags.profile ? { profileRuns: PROFILE_RUNS } : {}),
        ...(providerOptions === undefined ? {} : { providerOptions }),
        ...(flags.dataTransfers ? {} : { deviceIo: true }),
        onProgress: (p) => spinner.update(p.profiling ? `batch ${p.batch}: profiling` : `batch ${p.batch}, concurrency ${p.concurrency}${p.window ? `: window ${p.index! + 1}, ${p.window.throughput.toFixed(0)} infer/s` : ""}`),
      }).catch((e: unknown) => {
        spinner.fail();
        throw e;
      });
      spinner.succeed("measured");
      const { report } = outcome;
      const comparison = baseline === undefined ? undefined : compareToBaseline(report, baseline, flags.maxRegression);
      if (flags.csv !== undefined) writeFileAtomic(flags.csv, Buffer.from(perfCsv(report)));
      if (flags.exportTimes !== undefined) writeFileAtomic(flags.exportTimes, Buffer.from(exportTimes(outcome.times)));
      const swept = sweep === undefined ? undefined : settleSweep(sweep.model, report, flags);

      if (ui.json) ui.printJson({ ...report, ...(comparison ? { baseline: { file: flags.baseline, ...comparison } } : {}), ...(swept ? { sweep: "error" in swept ? { error: { message: swept.error.message, ...(swept.error.hint ? { hint: swept.error.hint } : {}) } } : swept } : {}) });
      else {
        ui.print(renderPerfHeader(report));
        ui.print(renderPerfTable(report, ui.out));
        for (const profile of report.profiles ?? []) ui.print(`\n${renderProfile(profile, ui.out)}`);
        if (comparison) ui.print(`\nagainst ${flags.baseline}:\n${renderBaseline(comparison, ui.out)}`);
        if (swept) ui.print(`\n${renderSweep(swept, flags.latencyBudgetMs)}`);
      }
      if (swept && "error" in swept) throw swept.error;
      for (const p of report.points) for (const w of p.warnings) ui.warn(`batch ${p.batch}, concurrency ${p.concurrency}: ${w}`);
      const unstable = report.points.filter((p) => !p.stable);
      if (comparison?.regressed) {
        const worst = comparison.rows.filter((r) => r.regressed).map((r) => `batch ${r.batch} × ${r.concurrency}: ${r.reasons.join("; ")}`);
        throw new CheckFailedError(`performance regressed against ${flags.baseline}: ${worst.join(" | ")}`);
      }
      if (flags.requireStable && unstable.length > 0) {
        throw new CheckFailedError(`${unstable.length} point(s) not stable: ${unstable.map((p) => `batch ${p.batch} × ${p.concurrency}`).join(", ")}`, { hint: "measure longer (--duration) or on a quieter machine" });
      }
    });
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${code ?? String(e)})`, { hint: "pass a report saved with trtx perf --json > file" });
  }
}
