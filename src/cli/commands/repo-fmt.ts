/**
 * `trtx repo fmt`: config.pbtxt files in canonical form (the .proto's field order, two-space indent), so
 * configs diff cleanly and review the same. Every file is read and parsed before any is written, so a parse
 * error leaves all of them untouched.
 */
import fs from "node:fs";
import { Command } from "commander";
import { CheckFailedError, FileError, UsageError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/fs/atomic.js";
import { parseModelConfig } from "../../core/triton/pbtxt-parse.js";
import { renderModelConfig } from "../../core/triton/pbtxt-render.js";
import { uiFor } from "../options/reporting.js";

interface Formatted {
  path: string;
  canonical: boolean;
  text: string;
}

export function readConfigText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new FileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: "pass config.pbtxt files" });
  }
}

export function repoFmtCommand(): Command {
  return new Command("fmt")
    .description("print config.pbtxt files in canonical form, check them (--check) or rewrite them (--write)")
    .argument("<config.pbtxt...>", "model configuration files")
    .option("--check", "print nothing and exit 3 if a file is not in canonical form (lists those files)")
    .option("--write", "rewrite files that are not in canonical form, atomically")
    .addHelpText("after", ["", "Examples:", "  trtx repo fmt model_repository/resnet50/config.pbtxt", "  trtx repo fmt --check model_repository/*/config.pbtxt", "  trtx repo fmt --write model_repository/*/config.pbtxt"].join("\n"))
    .action((files: string[], flags: { check?: boolean; write?: boolean }, command: Command) => {
      if (flags.check && flags.write) throw new UsageError("--check and --write cannot be used together", { hint: "check first, then --write" });
      const ui = uiFor(command);
      const results: Formatted[] = files.map((path) => {
        const original = readConfigText(path);
        const text = renderModelConfig(parseModelConfig(original, path));
        return { path, canonical: text === original, text };
      });
      const changed = results.filter((r) => !r.canonical);
      if (flags.write) for (const r of changed) writeFileAtomic(r.path, Buffer.from(r.text, "utf8"));
      if (ui.json) {
        ui.printJson({ schema: "trtx.repo-fmt/1", files: results.map((r) => ({ path: r.path, canonical: r.canonical, ...(flags.write ? { written: !r.canonical } : flags.check ? {} : { text: r.text }) })) });
      } else if (flags.check) {
        for (const r of changed) ui.print(r.path);
      } else if (!flags.write) {
        results.forEach((r, i) => {
          if (results.length > 1) ui.print(`${i > 0 ? "\n" : ""}==> ${r.path} <==`);
          ui.print(r.text.slice(0, -1)); // the rendering ends with a newline and print adds one
        });
      }
      if (flags.check && changed.length > 0) {
        throw new CheckFailedError(`${changed.length} of ${results.length} file(s) not in canonical form: ${changed.map((r) => r.path).join(", ")}`, { hint: "run trtx repo fmt --write" });
      }
    });
}
