/** `trtx run`: inference on real or random inputs, saved tensors, and a comparison that can fail the command. */
import { Command, Option } from "commander";
import fs from "node:fs";
import path from "node:path";
import { CheckFailedError, UsageError } from "../../core/errors.js";
import { parseTolerance } from "../../core/compare/tolerances.js";
import type { EpChoice } from "../../core/ep/providers.js";
import { parseEp } from "../../core/ep/providers.js";
import { writeFileAtomic } from "../../core/fs/atomic.js";
import { describeModelFile } from "../../core/onnx/model-file.js";
import { compareRun, type CompareTarget, type RunComparison } from "../../core/run/comparison.js";
import { buildFeeds } from "../../core/run/feeds.js";
import { loadJsonInputs } from "../../core/run/json-feeds.js";
import { resolveModelSource } from "../../core/run/model-source.js";
import { runModel, type RunOutcome } from "../../core/run/run.js";
import { parseShapeSpecs } from "../../core/shapes/shape-spec.js";
import type { HostTensor } from "../../core/tensor/host-tensor.js";
import { saveNpy } from "../../core/tensor/load.js";
import { parseValueRanges } from "../../core/tensor/random-inputs.js";
import { readLabels, summarize, type TensorSummary } from "../../core/tensor/summary.js";
import { epOption, epOptionFlag, providerOptionsFrom, trtCacheFlag, type ProviderOptionFlags } from "../options/inference.js";
import { collect } from "../options/numbers.js";
import { uiFor } from "../options/reporting.js";
import { renderRun } from "../render/run-report.js";

interface RunFlags extends ProviderOptionFlags {
  onnx?: string;
  loadEngine?: string;
  allowForeign?: boolean;
  ep: EpChoice;
  input?: string[];
  shapes?: string;
  loadInputs?: string;
  random?: boolean;
  seed: number;
  valRange?: string[];
  iterations: number;
  saveInputs?: string;
  saveOutputs?: string;
  compareTo?: string;
  compareEp?: EpChoice;
  compareOnnx?: string | true;
  atol?: string[];
  rtol?: string[];
  checkErrorStat: "elemwise" | "max" | "mean" | "median";
  topK?: number;
  labels?: string;
  preprocess?: "imagenet";
}

export interface RunReport {
  schema: "trtx.run/1";
  model: string;
  provider: string;
  attempts: RunOutcome["attempts"];
  iterations: number;
  timingsMs: number[];
  inputs: Record<string, TensorSummary & { source: string }>;
  outputs: Record<string, TensorSummary>;
  comparison?: RunComparison;
  saved: string[];
}

const positive = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${v} is not valid`, { hint: "use a positive integer" });
  return n;
};

export function runCommand(): Command {
  return new Command("run")
    .description("run inference on real or random inputs, save tensors, compare with a reference")
    .option("--onnx <model.onnx>", "the model to run")
    .option("--loadEngine <bundle>", "an engine bundle written by trtx build")
    .option("--allow-foreign", "run a bundle built for a provider or GPU this machine does not have")
    .addOption(epOption())
    .addOption(epOptionFlag())
    .addOption(trtCacheFlag())
    .option("--input <name:FILE>", "an input from .npy, .pb, .bin (with --shapes), JSON or an image (repeatable)", collect)
    .option("--shapes <specs>", "input shapes, trtexec syntax name:1x3x224x224[,name:dims]")
    .option("--load-inputs <file.json>", "inputs from perf_analyzer input-data JSON or Polygraphy's --save-inputs JSON (first request)")
    .option("--random", "random data for inputs without --input (the default when no --input is given)")
    .addOption(new Option("--seed <n>", "seed for random inputs").default(1).argParser(positive("--seed")))
    .option("--val-range <name:[lo,hi]>", "range of random values, per input or [lo,hi] for all (repeatable)", collect)
    .addOption(new Option("--iterations <n>", "runs of the same inputs").default(1).argParser(positive("--iterations")))
    .option("--save-inputs <dir>", "write each input as <name>.npy")
    .option("--save-outputs <dir>", "write each output as <name>.npy and summary.json")
    .option("--compare-to <dir|file>", "compare with saved outputs (.npy per output, or ONNX test output_N.pb)")
    .addOption(new Option("--compare-ep <provider>", "compare with the same model on another provider").argParser(parseEp))
    .option("--compare-onnx [model.onnx]", "compare with another model on the same inputs; alone, with --loadEngine: the bundle's source model")
    .option("--atol <[name:]value>", "absolute tolerance, default 1e-5; name:value for one output (repeatable)", collect)
    .option("--rtol <[name:]value>", "relative tolerance, default 1e-5; name:value for one output (repeatable)", collect)
    .addOption(new Option("--check-error-stat <stat>", "compare each element, or the max/mean/median error").choices(["elemwise", "max", "mean", "median"]).default("elemwise"))
    .addOption(new Option("--top-k <k>", "show the K largest values of each output row").argParser(positive("--top-k")))
    .option("--labels <file>", "class labels for --top-k (one per line, or JSON)")
    .addOption(new Option("--preprocess <kind>", "turn JPEG/PNG inputs into tensors").choices(["imagenet"]))
    .addHelpText("after", "\nExit code 3 when the comparison fails.\n\nExamples:\n  trtx run --onnx model.onnx --compare-ep cpu\n  trtx run --onnx resnet50.onnx --input input:cat.jpg --preprocess imagenet --top-k 5 --labels imagenet.txt\n  trtx run --onnx m.onnx --input x:x.npy --save-outputs out/ && trtx run --onnx m2.onnx --input x:x.npy --compare-to out/")
    .action(async (flags: RunFlags, command: Command) => {
      const ui = uiFor(command);
      const source = resolveModelSource(flags);
      const targets = [flags.compareTo, flags.compareEp, flags.compareOnnx].filter((t) => t !== undefined);
      if (targets.length > 1) throw new UsageError("give one of --compare-to, --compare-ep and --compare-onnx");
      const atol = parseTolerance("--atol", flags.atol ?? [], 1e-5);
      const rtol = parseTolerance("--rtol", flags.rtol ?? [], 1e-5);
      const labels = flags.labels !== undefined ? readLabels(readText(flags.labels)) : undefined;
      if (labels && flags.topK === undefined) throw new UsageError("--labels needs --top-k");

      const info = describeModelFile(source.onnx);
      const files = parseInputFlags(flags.input ?? [], info.inputs.map((i) => i.name));
      const shapes = flags.shapes !== undefined ? parseShapeSpecs(flags.shapes) : undefined;
      const loaded = flags.loadInputs !== undefined ? loadJsonInputs(flags.loadInputs, info.inputs, shapes) : undefined;
      const random = flags.random || (files.size === 0 && !loaded) ? { seed: flags.seed, ranges: parseValueRanges(flags.valRange ?? []) } : undefined;
      const feeds = buildFeeds(info.inputs, {
        files,
        ...(loaded ? { tensors: loaded } : {}),
        ...(shapes ? { shapes } : {}),
        ...(random ? { random } : {}),
        ...(flags.preprocess ? { preprocess: flags.preprocess } : {}),
      });
      const providerOptions = providerOptionsFrom(flags, flags.ep);
      const spinner = ui.spinner(`running ${path.basename(source.onnx)}`);
      const outcome = await runModel(source.onnx, feeds, { ep: flags.ep, iterations: flags.iterations, logLevel: ui.verbose ? "warning" : "fatal", ...(providerOptions ? { providerOptions } : {}) });
      spinner.succeed(`ran on ${outcome.provider}`);

      const target: CompareTarget | undefined =
        flags.compareTo !== undefined ? { to: flags.compareTo } : flags.compareEp !== undefined ? { ep: flags.compareEp } : flags.compareOnnx !== undefined ? { onnx: compareModel(flags.compareOnnx, source.sourceOnnx) } : undefined;
      const comparison = target ? await compareRun(target, source.onnx, flags.ep, feeds, outcome.outputs, { atol, rtol }, flags.checkErrorStat) : undefined;

      const summaries = (tensors: Map<string, HostTensor>, topK?: number) => Object.fromEntries([...tensors].map(([n, t]) => [n, summarize(t, topK, labels)]));
      const inputSummaries = Object.fromEntries(
        Object.entries(summaries(feeds)).map(([n, s]) => [n, { ...s, source: files.get(n) ?? (loaded?.has(n) ? flags.loadInputs! : `random (seed ${flags.seed})`) }]),
      );
      const report: RunReport = {
        schema: "trtx.run/1",
        model: source.onnx,
        provider: outcome.provider,
        attempts: outcome.attempts,
        iterations: flags.iterations,
        timingsMs: outcome.timings,
        inputs: inputSummaries,
        outputs: summaries(outcome.outputs, flags.topK),
        ...(comparison ? { comparison } : {}),
        saved: [],
      };
      if (flags.saveInputs) report.saved.push(...saveAll(flags.saveInputs, feeds));
      if (flags.saveOutputs) {
        report.saved.push(...saveAll(flags.saveOutputs, outcome.outputs));
        const summaryPath = path.join(flags.saveOutputs, "summary.json");
        writeFileAtomic(summaryPath, Buffer.from(JSON.stringify(report, null, 2)));
        report.saved.push(summaryPath);
      }
      if (ui.json) ui.printJson(report);
      else renderRun(ui, report);
      if (comparison && !comparison.result.passed) {
        throw new CheckFailedError(`outputs differ from ${comparison.against}`, { hint: "see the table above; loosen --atol/--rtol only if the difference is expected" });
      }
    });
}

/** `name:FILE`; a model input whose name has colons ("input:0") is matched whole before splitting at the first colon. */
function parseInputFlags(values: string[], inputNames: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const v of values) {
    const known = inputNames.filter((n) => v.startsWith(`${n}:`)).sort((a, b) => b.length - a.length)[0];
    const colon = known !== undefined ? known.length : v.indexOf(":");
    if (colon <= 0 || colon === v.length - 1) throw new UsageError(`--input ${v} is not name:FILE`, { hint: "e.g. --input input:cat.npy" });
    const name = v.slice(0, colon);
    if (files.has(name)) throw new UsageError(`--input ${name} is given twice`);
    files.set(name, v.slice(colon + 1));
  }
  return files;
}

function compareModel(flag: string | true, bundleSource: string | undefined): string {
  if (flag !== true) return flag;
  if (bundleSource === undefined) throw new UsageError("--compare-onnx without a model needs --loadEngine with a bundle whose manifest names an existing source model", { hint: "pass --compare-onnx model.onnx" });
  return bundleSource;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code})`, { hint: "check the --labels path" });
  }
}

function saveAll(dir: string, tensors: Map<string, HostTensor>): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return [...tensors].map(([name, t]) => saveNpy(dir, name, t));
}
