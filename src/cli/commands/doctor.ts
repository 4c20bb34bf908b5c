/** `trtx doctor`: versions, CPU, GPUs and which execution providers work here, each with its reason. */
import { Command } from "commander";
import { runDoctor, type DoctorReport } from "../../core/doctor.js";
import { ProviderUnavailableError } from "../../core/errors.js";
import type { EpChoice } from "../../core/ep/providers.js";
import { epOption } from "../options/inference.js";
import { uiFor } from "../options/reporting.js";
import { formatBytes, formatMs } from "../render/format.js";
import { renderTable } from "../render/table.js";
import type { Ui } from "../ui.js";

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("report versions, CPU, GPUs and which execution providers work on this machine")
    .addOption(epOption(undefined))
    .addHelpText("after", "\n--ep makes doctor a check: exit 1 unless that provider (or, for auto, any) works.\n\nExamples:\n  trtx doctor\n  trtx doctor --ep cuda --json   # fails on a machine where CUDA does not run")
    .action(async (opts: { ep?: EpChoice }, command: Command) => {
      const ui = uiFor(command);
      const spinner = ui.spinner("checking execution providers");
      const report = await runDoctor({ logLevel: ui.verbose ? "warning" : "fatal" });
      spinner.succeed("checked execution providers");
      if (ui.json) ui.printJson(report);
      else renderDoctor(ui, report);
      if (opts.ep && opts.ep !== "auto") {
        const status = report.providers.find((p) => p.provider === opts.ep)!;
        if (!status.available) {
          throw new ProviderUnavailableError(`execution provider ${status.provider} is unavailable: ${status.reason}`, status.hint ? { hint: status.hint } : {});
        }
      }
    });
}

function renderDoctor(ui: Ui, r: DoctorReport): void {
  const c = ui.out;
  ui.print(`${c.bold("trtx")} ${r.trtx} · node ${r.node} · onnxruntime-node ${r.onnxruntimeNode} · ${r.platform}`);
  ui.print(`${c.bold("CPU")}  ${r.cpu.model}, ${r.cpu.cores} cores, ${formatBytes(r.cpu.memoryBytes)} RAM · ${r.cpu.isa.join(" ") || "no SIMD flags reported"}`);
  if (r.gpu.available) {
    const cuda = r.gpu.cudaVersion ? `, CUDA ${r.gpu.cudaVersion}` : "";
    ui.print(`${c.bold("GPU")}  driver ${r.gpu.driverVersion ?? "?"}${cuda}`);
    for (const d of r.gpu.devices) ui.print(`     ${d.index}: ${d.name}, ${formatBytes(d.memoryMiB * 1024 * 1024)}, compute ${d.computeCapability}`);
  } else {
    ui.print(`${c.bold("GPU")}  none: ${r.gpu.reason}`);
  }
  ui.print();
  const rows = r.providers.map((p) => [
    p.provider,
    p.available ? c.green("available") : c.red("unavailable"),
    p.available ? `self-test passed in ${formatMs(p.ms ?? 0)}` : (p.reason ?? ""),
  ]);
  ui.print(renderTable(["provider", "status", "detail"], rows, c));
  ui.print(`--ep auto selects ${c.bold(r.autoSelects)} here.`);
  ui.print(
    r.bridge.available
      ? `ORT C-API bridge (--ep-option, --no-data-transfers): self-test passed on onnxruntime ${r.bridge.version} in ${formatMs(r.bridge.ms)}`
      : `ORT C-API bridge (--ep-option, --no-data-transfers): ${c.red("unavailable")}: ${r.bridge.reason}`,
  );
  const hints = r.providers.filter((p) => !p.available && p.hint);
  for (const p of hints) ui.print(`${c.dim(`hint (${p.provider}):`)} ${p.hint}`);
}
