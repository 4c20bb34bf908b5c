/** NVIDIA GPUs as nvidia-smi reports them; absence is a normal answer, not an error. */
import { execFileSync } from "node:child_process";

export interface GpuDevice {
  index: number;
  name: string;
  memoryMiB: number;
  computeCapability: string;
}

export interface GpuReport {
  /** nvidia-smi ran and listed at least one GPU. */
  available: boolean;
  /** Why none are listed (nvidia-smi missing, or its error). */
  reason?: string;
  driverVersion?: string;
  /** The highest CUDA version the driver supports, from nvidia-smi's banner. */
  cudaVersion?: string;
  devices: GpuDevice[];
}

const QUERY = ["--query-gpu=index,name,memory.total,compute_cap,driver_version", "--format=csv,noheader,nounits"];

export function queryGpus(run: (args: string[]) => string = nvidiaSmi): GpuReport {
  let csv: string;
  try {
    csv = run(QUERY);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const reason = err.code === "ENOENT" ? "nvidia-smi not found (no NVIDIA driver)" : `nvidia-smi failed: ${(err.stderr || err.message).trim().split("\n")[0]}`;
    return { available: false, reason, devices: [] };
  }
  const rows = csv.trim().split("\n").filter(Boolean).map((line) => line.split(",").map((c) => c.trim()));
  const devices = rows.map(([index, name, mem, cc]) => ({
    index: Number(index),
    name: name ?? "",
    memoryMiB: Number(mem),
    computeCapability: cc ?? "",
  }));
  let cudaVersion: string | undefined;
  try {
    cudaVersion = run([]).match(/CUDA Version:\s*([\d.]+)/)?.[1];
  } catch {
    /* the banner is optional */
  }
  return {
    available: devices.length > 0,
    ...(devices.length === 0 ? { reason: "nvidia-smi lists no GPU" } : {}),
    ...(rows[0]?.[4] ? { driverVersion: rows[0][4] } : {}),
    ...(cudaVersion ? { cudaVersion } : {}),
    devices,
  };
}

function nvidiaSmi(args: string[]): string {
  return execFileSync("nvidia-smi", args, { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] });
}
