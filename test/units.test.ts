import assert from "node:assert/strict";
import { test } from "node:test";
import { CommanderError } from "commander";
import { CheckFailedError, FileError, UsageError } from "../src/core/errors.js";
import { cpuInfo } from "../src/core/system/cpu.js";
import { queryGpus } from "../src/core/system/gpu.js";
import { fromFloat16Bits, toFloat16Bits } from "../src/core/tensor/float16.js";
import { reportError } from "../src/cli/exit-codes.js";
import { colorEnabled } from "../src/cli/ui.js";

test("float16 conversion rounds to nearest even and keeps specials", () => {
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(-2), 0xc000);
  assert.equal(toFloat16Bits(65504), 0x7bff);
  assert.equal(toFloat16Bits(65520), 0x7c00); // rounds up to Inf
  assert.equal(toFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(toFloat16Bits(2 ** -26), 0x0000);
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  for (const v of [0.1, -3.14159, 1000.5, 6e-5]) assert.ok(Math.abs(fromFloat16Bits(toFloat16Bits(v)) - v) <= Math.abs(v) * 2 ** -11);
});

test("exit codes: usage 2, failure 1, failed check 3, bug 70 with a stack", () => {
  assert.equal(reportError(new UsageError("x")).code, 2);
  assert.equal(reportError(new FileError("x", { hint: "y" })).line, "x — y");
  assert.equal(reportError(new CheckFailedError("accuracy")).code, 3);
  assert.equal(reportError(new CommanderError(1, "commander.unknownOption", "error: unknown option '--x'")).code, 2);
  const bug = reportError(new TypeError("undefined is not a function"));
  assert.equal(bug.code, 70);
  assert.ok(bug.stack?.includes("TypeError"));
  assert.equal(reportError(new UsageError("two\nlines")).line, "two lines");
});

test("NO_COLOR (any non-empty value) and --no-color turn colour off", () => {
  assert.equal(colorEnabled(undefined, {}), true);
  assert.equal(colorEnabled(undefined, { NO_COLOR: "1" }), false);
  assert.equal(colorEnabled(false, {}), false);
});

test("cpu flags that matter for ORT kernels are picked out of /proc/cpuinfo", () => {
  const info = cpuInfo("model name\t: Test CPU 9000\nflags\t\t: fpu sse4_2 avx avx2 avx512f avx512_vnni amx_tile ht\n");
  assert.equal(info.model, "Test CPU 9000");
  assert.deepEqual(info.isa, ["sse4_2", "avx", "avx2", "avx512f", "avx512_vnni", "amx_tile"]);
  assert.deepEqual(cpuInfo("Features\t: fp asimd asimddp sve i8mm\n").isa, ["asimd", "asimddp", "i8mm", "sve"]);
});

test("nvidia-smi output is parsed; its absence is a reason, not an error", () => {
  const report = queryGpus((args) =>
    args.length ? "0, NVIDIA H100 80GB HBM3, 81559, 9.0, 580.65.06\n" : "| NVIDIA-SMI 580.65.06   Driver Version: 580.65.06   CUDA Version: 13.0 |",
  );
  assert.deepEqual(report.devices, [{ index: 0, name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, computeCapability: "9.0" }]);
  assert.equal(report.cudaVersion, "13.0");
  assert.equal(report.driverVersion, "580.65.06");
  const none = queryGpus(() => {
    throw Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" });
  });
  assert.deepEqual(none, { available: false, reason: "nvidia-smi not found (no NVIDIA driver)", devices: [] });
});
