/**
 * A compose file checked for what makes `docker compose up` fail or quietly misbehave: services without an image,
 * ports that are not ports, bind mounts of paths that do not exist beside the file, named volumes never declared,
 * dependencies on services that are not there, GPU reservations Docker cannot read.
 */
import fs from "node:fs";
import path from "node:path";
import { asList, asObject, text, type Loose } from "./loose.js";

const PORT = /^(\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp))?$/;

export function checkCompose(dir: string, file: string, compose: Loose, add: (rule: string, message: string) => void): void {
  const services = asObject(compose.services);
  if (services === undefined || Object.keys(services).length === 0) return add("compose", "services is empty");
  const declared = new Set(Object.keys(asObject(compose.volumes) ?? {}));
  const base = path.join(dir, path.dirname(file));
  for (const [name, value] of Object.entries(services)) {
    const where = `service ${name}`;
    const s = asObject(value);
    if (s === undefined) {
      add("compose", `${where} is not a mapping`);
      continue;
    }
    if (typeof s.image !== "string" && s.build === undefined) add("compose", `${where} has no image`);
    for (const p of asList(s.ports)) {
      if (typeof p === "string" ? !PORT.test(p) : asObject(p) === undefined) add("compose", `${where}: port ${text(p)} is not HOST:CONTAINER`);
    }
    for (const v of asList(s.volumes)) {
      if (typeof v !== "string") continue;
      const source = v.split(":")[0]!;
      if (source.startsWith(".") || source.startsWith("/")) {
        if (!fs.existsSync(path.resolve(base, source))) add("compose", `${where}: bind mount source ${source} does not exist (relative to ${path.join(dir, path.dirname(file))})`);
      } else if (!declared.has(source)) add("compose", `${where}: volume ${source} is not declared under volumes`);
    }
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(asObject(s.depends_on) ?? {});
    for (const d of deps) if (typeof d !== "string" || !Object.hasOwn(services, d)) add("compose", `${where} depends on ${text(d)}, which is not a service`);
    const devices = asList(asObject(asObject(asObject(s.deploy)?.resources)?.reservations)?.devices);
    for (const item of devices) {
      const d = asObject(item);
      if (d?.count !== undefined && d.count !== "all" && !(Number.isInteger(d.count) && (d.count as number) >= 0)) add("compose", `${where}: device count ${text(d.count)} is not a number or "all"`);
      if (asList(d?.capabilities).length === 0) add("compose", `${where}: a device reservation needs capabilities (e.g. [gpu])`);
    }
    const command = s.command;
    if (Array.isArray(command) && command[0] === "tritonserver" && !command.some((a) => typeof a === "string" && a.startsWith("--model-repository"))) add("compose", `${where}: tritonserver has no --model-repository`);
  }
}
