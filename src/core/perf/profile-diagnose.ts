/**
 * `trtx perf --profile`'s diagnosis: where a query's time goes (the model's kernels, copies between host and
 * device, or the host around them), read from an OrtProfileSummary (profile-parse.ts), and what to try.
 */
import { CPU_PROVIDER, TRANSFER_OPS, type OrtProfileSummary } from "./profile-parse.js";

/** What a run moves across the host/device boundary (the graph's inputs and outputs). */
export interface RunIo {
  bytes: number;
  tensors: number;
}

export type Bound = "compute" | "host" | "transfer";

export interface ProfileDiagnosis {
  /**
   * Kernel time per run. On a GPU provider kernels are timed on the host around their launch, so this adds the GPU
   * work still queued when the executor finished (the part of model_run outside it that the copies do not explain).
   */
  computeUsPerRun: number;
  /** The harness's mean query time minus model_run: binding, tensor creation, copies into and out of JS. */
  hostOverheadUsPerRun: number;
  /**
   * Memcpy nodes, plus on a GPU provider the copies of the graph's inputs and outputs (estimated from `io`; without
   * it, all of model_run outside the executor, an upper bound).
   */
  transferUsPerRun: number;
  /** The summary's model_run minus kernels: ORT's own time on CPU; on a GPU mostly copies and queued GPU work. */
  ortOverheadUsPerRun: number;
  /** A provider other than CPUExecutionProvider ran kernels. */
  gpu: boolean;
  /** GPU only: the GPU kept up with the kernel launches, so the host's launching set the pace (bound "host"). */
  launchBound: boolean;
  bound: Bound;
  advice: string[];
}

export interface DiagnoseOptions {
  /** The run's inputs and outputs (profileRun's `io`): splits a GPU run's boundary time into copies and GPU work. */
  io?: RunIo;
}

/**
 * A copy between pageable host memory (JS ArrayBuffers) and the GPU, as measured through onnxruntime-node 1.29 on
 * the lent H100: 38.5 MB of a Relu's input and output took 3.93 ms outside the executor (≈ 9.8 GB/s; pageable
 * memory goes through a staging buffer, well below PCIe's peak), and small tensors cost ≈ 13–15 µs a copy whatever
 * their size (a 4 kB input and a 256 B output: 26 µs). An estimate: other hosts differ, and it is capped at what
 * the profile measured.
 */
const COPY_BYTES_PER_US = 10_000;
const COPY_LATENCY_US = 15;
/**
 * GPU work still queued after the last launch below this share of the launch time means the GPU was waiting on the
 * host: ResNet-50 at batch 1 on the H100 left 3% (launches set the pace), at batch 32 48% (the GPU did).
 */
const LAUNCH_BOUND_TAIL_SHARE = 0.1;
/** A cost at least this share of the bound's own time is worth its own line of advice even when it is not the bound. */
const SIGNIFICANT_SHARE = 0.25;
/**
 * CPU nodes under a GPU provider below this share of kernel time are usually ORT's own choice (it keeps shape
 * arithmetic on the host on purpose); above it they are ops the provider lacks, and worth removing.
 */
const CPU_FALLBACK_SHARE = 0.05;

/**
 * Where a query's time goes, and what to try, in trtexec's spirit. `hostQueryMeanUs` is the mean query time the
 * caller measured around session.run (profileRun's hostQueryMeanUs, or the perf harness's own). The bound is the
 * largest share, ties going to the host, then transfer (cheaper to fix than the model's compute); a GPU run whose
 * GPU kept up with the launches is host-bound whatever the kernels' sum.
 */
export function diagnose(summary: OrtProfileSummary, hostQueryMeanUs: number, options: DiagnoseOptions = {}): ProfileDiagnosis {
  const gpuProviders = summary.providers.filter((p) => p.provider !== CPU_PROVIDER);
  const gpu = gpuProviders.length > 0;
  const modelRun = summary.modelRun.meanUs;
  // The profiled session is slower than an unprofiled one (events, memory statistics): a harness mean taken
  // without the profiler can fall below model_run, and the host's share is then taken as none.
  const hostOverheadUsPerRun = Math.max(0, hostQueryMeanUs - modelRun);
  let computeUsPerRun = summary.computeUsPerRun;
  let transferUsPerRun = summary.transferUsPerRun;
  let launchBound = false;
  let gpuTail: number | null = null;
  if (gpu && summary.outsideExecutorUsPerRun !== null) {
    const outside = summary.outsideExecutorUsPerRun;
    if (options.io) {
      const copies = Math.min(outside, options.io.bytes / COPY_BYTES_PER_US + options.io.tensors * COPY_LATENCY_US);
      gpuTail = outside - copies;
      transferUsPerRun += copies;
      computeUsPerRun += gpuTail;
      launchBound = gpuTail < LAUNCH_BOUND_TAIL_SHARE * summary.computeUsPerRun;
    } else {
      transferUsPerRun += outside;
    }
  }
  const bound: Bound = launchBound
    ? "host"
    : hostOverheadUsPerRun >= computeUsPerRun && hostOverheadUsPerRun >= transferUsPerRun
      ? "host"
      : transferUsPerRun >= computeUsPerRun
        ? "transfer"
        : "compute";

  const us = (v: number) => `${Math.round(v).toLocaleString("en-US")} µs`;
  const advice: string[] = [];
  const top = summary.ops[0];
  const topShare = top ? `${top.op} is ${top.percent.toFixed(0)}% of kernel time` : "";
  switch (bound) {
    case "host":
      if (launchBound) {
        advice.push(
          `launch-bound: launching the kernels took ${us(summary.computeUsPerRun)} per run and the GPU finished ${us(gpuTail ?? 0)} after the last one, so the host sets the pace: ` +
            "a larger batch launches the same kernels for more samples, more concurrency (--concurrency) overlaps launches, and the TensorRT EP (--ep tensorrt) fuses kernels",
        );
      } else {
        advice.push(
          `host-bound: ${us(hostOverheadUsPerRun)} per query outside ONNX Runtime against ${us(computeUsPerRun)} of compute: ` +
            "a larger batch, or more concurrency (--concurrency), spreads it",
        );
      }
      break;
    case "transfer":
      advice.push(
        `transfer-bound: ${us(transferUsPerRun)} per query copying tensors against ${us(computeUsPerRun)} of compute: ` +
          "fp16 IO (trtx build --fp16 --io-fp16) halves the bytes copied",
      );
      break;
    case "compute":
      advice.push(
        gpu
          ? `compute-bound${topShare ? ` (${topShare})` : ""}: trtx build --fp16 (or --int8 with calibration) cuts the GPU's work; the TensorRT EP (--ep tensorrt) fuses kernels`
          : `compute-bound on CPU${topShare ? ` (${topShare})` : ""}: a GPU provider (--ep cuda) if one works here (trtx doctor), or trtx build --int8`,
      );
      break;
  }
  const boundUs = bound === "host" ? Math.max(hostOverheadUsPerRun, launchBound ? summary.computeUsPerRun : 0) : bound === "transfer" ? transferUsPerRun : computeUsPerRun;
  if (bound !== "host" && hostOverheadUsPerRun >= SIGNIFICANT_SHARE * boundUs) {
    advice.push(`host overhead is ${us(hostOverheadUsPerRun)} per query (binding, tensor creation, copies into and out of JS): a larger batch or --concurrency hides it`);
  }
  if (bound !== "transfer" && transferUsPerRun >= SIGNIFICANT_SHARE * boundUs && transferUsPerRun > 0) {
    advice.push(`copies take ${us(transferUsPerRun)} per query: fp16 IO (trtx build --fp16 --io-fp16) halves the bytes copied`);
  }
  // On a GPU provider model_run minus the kernels is mostly copies and GPU work, not ORT's overhead: CPU only.
  if (!gpu && summary.ortOverheadUsPerRun >= SIGNIFICANT_SHARE * boundUs && summary.ortOverheadUsPerRun > 0) {
    advice.push(
      `ONNX Runtime spends ${us(summary.ortOverheadUsPerRun)} per run outside the kernels (per-node dispatch, output allocation): ` +
        "keep graph optimizations on (they fuse nodes), or a larger batch amortises it",
    );
  }
  const cpu = summary.providers.find((p) => p.provider === CPU_PROVIDER);
  if (gpu && cpu) {
    const ops = cpu.ops.filter((op) => !TRANSFER_OPS.has(op));
    advice.push(
      `${cpu.nodes} node${cpu.nodes === 1 ? "" : "s"} fell back to CPU under ${gpuProviders.map((p) => p.provider).join(", ")} ` +
        `(${ops.join(", ")}; ${cpu.percent.toFixed(1)}% of kernel time)` +
        (summary.transfers.length > 0 ? `, with Memcpy nodes moving tensors around them (${us(summary.transferUsPerRun)} per run)` : "") +
        (cpu.percent >= 100 * CPU_FALLBACK_SHARE
          ? ": the provider lacks them; rewrite them into ops it has (trtx export --onnx), or try another provider"
          : ": cheap here (ORT keeps shape arithmetic on the host on purpose)"),
    );
  }
  return { computeUsPerRun, hostOverheadUsPerRun, transferUsPerRun, ortOverheadUsPerRun: summary.ortOverheadUsPerRun, gpu, launchBound, bound, advice };
}
