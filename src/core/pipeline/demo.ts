/**
 * The whole trtx pipeline on a built-in model, as `npm start` runs it: export → build FP16 and INT8 (each gated on
 * accuracy) → a Triton repository for the bundle that suits this machine → validate it → one inference → perf at
 * a few batch sizes for every variant. Each step is a library call; the CLI renders the summary.
 */
import fs from "node:fs";
import path from "node:path";
import type { AccuracyReport } from "../build/accuracy.js";
import { buildBundle } from "../build/bundle.js";
import { resolveBuildRequest } from "../build/request.js";
import { COMPOSE_DEFAULTS, planCompose } from "../deploy/compose.js";
import { K8S_DEFAULTS, planK8s } from "../deploy/k8s.js";
import { readRepositoryFacts } from "../deploy/repo-facts.js";
import { validateDeployFolder } from "../deploy/validate.js";
import { writeDeployFolder } from "../deploy/write.js";
import type { Provider } from "../ep/providers.js";
import { exportNetwork } from "../export/network.js";
import { describeModelFile } from "../onnx/model-file.js";
import type { ValueDesc } from "../onnx/model-info.js";
import { loadTemplate } from "../network/templates.js";
import { runPerf } from "../perf/perf.js";
import type { PerfPoint } from "../perf/types.js";
import { buildFeeds } from "../run/feeds.js";
import { runModel } from "../run/run.js";
import { summarize } from "../tensor/summary.js";
import { planRepository, resolveRepoSource } from "../triton/plan-repository.js";
import { writeRepoPlan } from "../triton/repo-write.js";
import { failing } from "../triton/lint.js";
import { validateRepository } from "../triton/validate.js";

/** The largest batch the demo's bundles and repository serve. */
const DEMO_MAX_BATCH = 32;

export type DemoStep = "export" | "build fp16" | "build int8" | "repo" | "validate" | "deploy" | "run" | "perf";

export interface DemoOptions {
  template: string;
  dir: string;
  batches: number[];
  /** Seconds per perf point (three windows). */
  perfSeconds: number;
  onStep?: (step: DemoStep, detail?: string) => void;
}

export interface DemoVariant {
  name: "fp32" | "fp16" | "int8";
  /** Absent for a bundle that failed its accuracy gate and so was not written. */
  path?: string;
  /** The bundle matched its inputs from an earlier run and was not rebuilt. */
  upToDate?: boolean;
  bytes?: number;
  buildMs?: number;
  /** Lowest cosine similarity against FP32 over the build's accuracy samples and outputs, and the gate's floor. */
  minCosine?: number;
  cosineFloor?: number;
  accuracyPassed?: boolean;
  perf: Pick<PerfPoint, "batch" | "throughput" | "latency" | "stable">[];
}

export interface DemoSummary {
  schema: "trtx.demo/1";
  template: string;
  provider: Provider;
  exportMs: number;
  parameters: number;
  variants: DemoVariant[];
  /** `served`: the bundle (or, when every bundle failed its gate, the FP32 model) the repository serves. */
  repository: { dir: string; model: string; served: string; findings: number };
  /** Kubernetes manifests and a compose folder for the repository, checked offline; absent when the repository has findings. */
  deploy?: { k8s: string; compose: string; objects: number; findings: number };
  sample: { provider: Provider; ms: number; top1: number };
  totalMs: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  // An unknown template is refused before anything is written, the folder included.
  loadTemplate(o.template);
  fs.mkdirSync(o.dir, { recursive: true });
  o.onStep?.("export");
  const t0 = performance.now();
  const exported = exportNetwork({ template: o.template }, path.join(o.dir, `${o.template}.onnx`));
  const exportMs = performance.now() - t0;

  const build = async (name: "fp16" | "int8", flags: Record<string, unknown>) => {
    o.onStep?.(`build ${name}`);
    const saveEngine = path.join(o.dir, `${o.template}_${name}.trtx`);
    const start = performance.now();
    const result = await buildBundle(resolveBuildRequest({}, { onnx: exported.path, saveEngine, ...flags }), );
    return { result, ms: performance.now() - start };
  };
  const profile = batchProfile(exported.inputs);
  const fp16 = await build("fp16", { fp16: true, ...profile });
  // Random calibration: no data ships with the demo. Its ranges are meaningless for real images, which the
  // accuracy gate (on random inputs too) cannot tell; real deployments pass --calib DIR.
  const int8 = await build("int8", { int8: true, calib: "random", ...profile });
  const provider = fp16.result.manifest.provider;

  // The bundle that serves best here: INT8 on a CPU (QLinearConv kernels), FP16 on a GPU; a bundle that failed its
  // accuracy gate was not written, so the next best stands in (the FP32 export at worst).
  const preference = provider === "cpu" ? [int8, fp16] : [fp16, int8];
  const exists = (b: typeof fp16) => b.result.written || b.result.upToDate;
  const served = preference.find(exists);
  const servedModel = served === undefined ? exported.path : path.join(served.result.bundle, "model.onnx");
  o.onStep?.("repo");
  const repoDir = path.join(o.dir, "model_repository");
  const source = served === undefined ? { onnx: exported.path } : { loadEngine: served.result.bundle };
  const plan = planRepository({ name: o.template, repo: repoDir, source: resolveRepoSource({ name: o.template, ...source }) });
  writeRepoPlan(plan, { force: true });
  o.onStep?.("validate");
  const findings = validateRepository(repoDir).reduce((n, m) => n + failing(m.findings).length, 0);
  o.onStep?.("deploy");
  const deploy = findings === 0 ? writeDeployments(repoDir, o.dir, o.template) : undefined;

  o.onStep?.("run");
  const info = describeModelFile(servedModel);
  const feeds = buildFeeds(info.inputs, { random: { seed: 1, ranges: new Map() } });
  const sample = await runModel(servedModel, feeds, { ep: "auto", iterations: 3 });
  const top1 = summarize(sample.outputs.values().next().value!, 1).topK![0]![0]!.index;

  const variants: DemoVariant[] = [];
  for (const [name, file, built] of [
    ["fp32", exported.path, undefined],
    ["fp16", path.join(fp16.result.bundle, "model.onnx"), fp16],
    ["int8", path.join(int8.result.bundle, "model.onnx"), int8],
  ] as const) {
    const gate = built ? { buildMs: built.ms, ...(built.result.upToDate ? { upToDate: true } : {}), ...cosines(built.result.manifest.accuracy), accuracyPassed: built.result.manifest.accuracy.passed } : {};
    if (built !== undefined && !exists(built)) {
      variants.push({ name, ...gate, perf: [] });
      continue;
    }
    o.onStep?.("perf", name);
    const perf = await runPerf({
      onnx: file,
      batches: o.batches,
      ep: "auto",
      concurrency: [1],
      warmUpMs: 100,
      durationMs: o.perfSeconds * 1000,
      iterations: 3,
      percentiles: [99],
      stabilityPercent: 10,
      maxTrials: 3,
      inputData: "random",
      seed: 1,
    });
    variants.push({
      name,
      path: file,
      bytes: fs.statSync(file).size,
      ...gate,
      perf: perf.report.points.map((p) => ({ batch: p.batch, throughput: p.throughput, latency: p.latency, stable: p.stable })),
    });
  }
  return {
    schema: "trtx.demo/1",
    template: o.template,
    provider,
    exportMs,
    parameters: exported.parameters,
    variants,
    repository: { dir: repoDir, model: o.template, served: served === undefined ? exported.path : served.result.bundle, findings },
    ...(deploy !== undefined ? { deploy } : {}),
    sample: { provider: sample.provider, ms: [...sample.timings].sort((a, b) => a - b)[1] ?? sample.timings[0]!, top1 },
    totalMs: performance.now() - started,
  };
}

/**
 * A shape profile over the batch dim, 1 to DEMO_MAX_BATCH, when that is the inputs' only variable dim: the repository
 * then serves that range and warms up (builds its TensorRT engine) before READY. The opt shape is batch 1 because
 * calibration and the accuracy gate run at it, which keeps the demo's time; real deployments pass --optShapes at
 * their typical batch. Fixed rather than taken from -b, so a rerun with other batch sizes reuses the bundles.
 */
function batchProfile(inputs: readonly ValueDesc[]): Record<string, string[]> {
  const fixedRest = inputs.every((v) => v.shape !== null && v.shape.length > 0 && typeof v.shape[0] === "string" && v.shape.slice(1).every((d) => typeof d === "number" && d > 0));
  if (!fixedRest || inputs.length === 0) return {};
  const at = (b: number) => inputs.map((v) => `${v.name}:${[b, ...v.shape!.slice(1)].join("x")}`);
  return { minShapes: at(1), optShapes: at(1), maxShapes: at(DEMO_MAX_BATCH) };
}

function cosines(a: AccuracyReport): { minCosine: number; cosineFloor: number } {
  return { minCosine: Math.min(...a.outputs.map((o) => o.minCosine)), cosineFloor: a.minCosine };
}

/** `trtx deploy k8s` and `trtx deploy compose` with their defaults, into <dir>/deploy and <dir>/deploy-compose, then validated. */
function writeDeployments(repository: string, dir: string, template: string): NonNullable<DemoSummary["deploy"]> {
  const facts = readRepositoryFacts(repository);
  const name = template.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const k8s = path.join(dir, "deploy");
  const compose = path.join(dir, "deploy-compose");
  const k8sPlan = planK8s(facts, {
    ...K8S_DEFAULTS,
    name,
    repository,
  });
  writeDeployFolder(k8s, k8sPlan.files, { force: true, repository });
  writeDeployFolder(compose, planCompose(facts, { ...COMPOSE_DEFAULTS, name, repository, outDir: compose }).files, { force: true, repository });
  const checks = [validateDeployFolder(k8s), validateDeployFolder(compose)];
  return { k8s, compose, objects: checks[0]!.objects.length, findings: checks.reduce((n, c) => n + c.findings.length, 0) };
}
