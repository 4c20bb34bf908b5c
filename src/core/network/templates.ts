/** The built-in architectures: YAML network definitions shipped in templates/. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import { parseNetworkYaml, type NetworkSpec } from "./spec.js";

/** templates/ at the package root (three folders above dist/src/core/network). */
export const TEMPLATES_DIR = fileURLToPath(new URL("../../../../templates/", import.meta.url));

export function templateNames(): string[] {
  return fs.readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -".yaml".length)).sort();
}

export function loadTemplate(name: string): NetworkSpec {
  const names = templateNames();
  if (!names.includes(name)) throw new UsageError(`unknown template '${name}'`, { hint: `built-in templates: ${names.join(", ")}` });
  const file = path.join(TEMPLATES_DIR, `${name}.yaml`);
  return parseNetworkYaml(fs.readFileSync(file, "utf8"), `templates/${name}.yaml`);
}
