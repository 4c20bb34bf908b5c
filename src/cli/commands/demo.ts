/**
 * `trtx demo` (what `npm start` runs): the whole pipeline on a built-in model — export, FP16 and INT8 bundles with
 * their accuracy gates, a validated Triton repository, one inference and perf per variant — and a summary.
 */
import { Command, Option } from "commander";
import path from "node:path";
import { CheckFailedError, UsageError } from "../../core/errors.js";
import { runDemo, type DemoSummary } from "../../core/pipeline/demo.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatCount, formatMs } from "../render/format.js";
import { renderTable } from "../render/table.js";
import type { Ui } from "../ui.js";

const STEPS: Record<string, string> = {
  export: "exporting",
  "build fp16": "building the FP16 bundle",
  "build int8": "calibrating and building the INT8 bundle",
  repo: "writing the Triton repository",
  validate: "validating the repository",
  deploy: "writing and checking Kubernetes and compose deployments",
  run: "running one sample",
  perf: "measuring",
};

export function demoCommand(): Command {
  return new Command("demo")
    .description("run the whole pipeline on a built-in model (what `npm start` runs)")
    .addOption(new Option("--template <name>", "the built-in model").default("resnet50"))
    .addOption(new Option("--dir <dir>", "where the demo writes its files").default("trtx-demo"))
    .addOption(new Option("-b, --batch <sizes>", "perf batch sizes").default("1,8,32"))
    .addOption(new Option("--perf-seconds <s>", "least seconds measured per batch size and variant").default("1"))
    .addHelpText(
      "after",
      "\nWrites <dir>/<model>.onnx, <dir>/<model>_fp16.trtx, <dir>/<model>_int8.trtx, <dir>/model_repository, and its deployments <dir>/deploy (Kubernetes) and <dir>/deploy-compose.\nExit code 3 when a bundle fails its accuracy gate, or the repository or its deployments do not validate.\n\nExamples:\n  trtx demo\n  trtx demo --template resnet18 -b 1,8 --json > summary.json",
    )
    .action(async (opts: { template: string; dir: string; batch: string; perfSeconds: string }, command: Command) => {
      const ui = uiFor(command);
      const batches = opts.batch.split(",").map(Number);
      if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`-b ${opts.batch} is not a list of batch sizes`, { hint: "e.g. -b 1,8,32" });
      const perfSeconds = Number(opts.perfSeconds);
      if (!(perfSeconds > 0)) throw new UsageError(`--perf-seconds ${opts.perfSeconds} is not valid`, { hint: "give a positive number of seconds" });
      const spinner = ui.spinner(`exporting ${opts.template}`);
      const summary = await runDemo({
        template: opts.template,
        dir: opts.dir,
        batches,
        perfSeconds,
        onStep: (step, detail) => spinner.update(`${STEPS[step]}${detail ? ` ${detail}` : ""}`),
      }).catch((e: unknown) => {
        spinner.fail();
        throw e;
      });
      spinner.succeed(`pipeline done in ${formatMs(summary.totalMs)}`);
      if (ui.json) ui.printJson(summary);
      else render(ui, summary);
      const failed = summary.variants.filter((v) => v.accuracyPassed === false).map((v) => v.name);
      if (failed.length > 0) {
        throw new CheckFailedError(`${failed.join(" and ")} failed the accuracy gate (not written)`, { hint: "random calibration (--calib random) suits some models poorly; build with real data: trtx build --int8 --calib DIR" });
      }
      if (summary.repository.findings > 0) throw new CheckFailedError(`the repository has ${summary.repository.findings} finding(s)`, { hint: `trtx repo validate ${summary.repository.dir}` });
      if (summary.deploy !== undefined && summary.deploy.findings > 0) throw new CheckFailedError(`the deployments have ${summary.deploy.findings} finding(s)`, { hint: `trtx deploy validate ${summary.deploy.k8s}` });
    });
}

/** Paths under the working folder shown relative to it, as the user typed the others. */
const shown = (p: string) => (path.isAbsolute(p) && !path.relative(process.cwd(), p).startsWith("..") ? path.relative(process.cwd(), p) : p);

function render(ui: Ui, s: DemoSummary): void {
  const c = ui.out;
  const served = shown(s.repository.served);
  ui.print(`${c.bold(s.template)}: ${formatCount(s.parameters)} parameters, exported in ${formatMs(s.exportMs)}; provider ${c.bold(s.provider)}`);
  const batches = s.variants[0]?.perf.map((p) => p.batch) ?? [];
  const rows = s.variants.map((v) => [
    v.name,
    v.bytes === undefined ? "not written" : formatBytes(v.bytes),
    v.buildMs === undefined ? "—" : v.upToDate ? "up to date" : formatMs(v.buildMs),
    v.minCosine === undefined ? "reference" : `${v.minCosine.toFixed(5)} ≥ ${v.cosineFloor} ${v.accuracyPassed ? c.green("pass") : c.red("FAIL")}`,
    ...(v.perf.length === 0 ? batches.map(() => "—") : v.perf.map((p) => `${p.throughput.toFixed(p.throughput >= 100 ? 0 : 1)}${p.stable ? "" : "*"}`)),
  ]);
  ui.print(renderTable(["variant", "size", "build", "cosine vs fp32 (gate)", ...batches.map((b) => `infer/s b${b}`)], rows, c));
  if (s.variants.some((v) => v.perf.some((p) => !p.stable))) ui.print("* not stable within its windows (a busy machine); rerun with a longer --perf-seconds");
  const repo = shown(s.repository.dir);
  ui.print(`repository  ${repo}/${s.repository.model} from ${served}: ${s.repository.findings === 0 ? c.green("validates") : c.red(`${s.repository.findings} finding(s)`)}`);
  if (s.deploy !== undefined) {
    const verdict = s.deploy.findings === 0 ? c.green("valid offline") : c.red(`${s.deploy.findings} finding(s)`);
    ui.print(`deploy      ${shown(s.deploy.k8s)} (${s.deploy.objects} Kubernetes objects) and ${shown(s.deploy.compose)}: ${verdict}`);
  }
  ui.print(`sample      one random input on ${s.sample.provider}: class ${s.sample.top1}, ${formatMs(s.sample.ms)}`);
  ui.print(
    `next        ${s.deploy !== undefined ? `cd ${shown(s.deploy.compose)} && docker compose up -d` : `tritonserver --model-repository ${repo}`}; trtx perf --onnx ${shown(s.variants[0]!.path!)} -b 1,8,32 --concurrency 1,2; ${served.endsWith(".trtx") ? `trtx run --loadEngine ${served} --top-k 5` : `trtx run --onnx ${served} --top-k 5`}; trtx doctor`,
  );
}
