/** The host CPU as inference cares about it: model, cores, and the vector/matrix extensions ORT's kernels use. */
import fs from "node:fs";
import os from "node:os";

export interface CpuInfo {
  model: string;
  arch: string;
  /** Logical cores available to this process. */
  cores: number;
  /** The inference-relevant ISA extensions present, in the kernel's spelling (avx2, avx512_vnni, amx_tile, sve...). */
  isa: string[];
  memoryBytes: number;
}

/** Extensions that change which ORT/MLAS kernels run (x86 flags and arm64 Features from /proc/cpuinfo). */
const RELEVANT = [
  "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16",
  "avx_vnni", "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "fphp", "asimdhp", "i8mm", "bf16", "sve", "sve2",
];

export function cpuInfo(cpuinfoText = readCpuinfo()): CpuInfo {
  const cpus = os.cpus();
  const field = (name: string) => cpuinfoText.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim();
  const flags = new Set((field("flags") ?? field("Features") ?? "").split(/\s+/).filter(Boolean));
  return {
    model: field("model name") ?? cpus[0]?.model ?? "unknown",
    arch: process.arch,
    cores: os.availableParallelism?.() ?? cpus.length,
    isa: RELEVANT.filter((f) => flags.has(f)),
    memoryBytes: os.totalmem(),
  };
}

function readCpuinfo(): string {
  try {
    return fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}
