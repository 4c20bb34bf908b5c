/**
 * `trtx deploy validate DIR`: a deployment folder checked offline. Each Kubernetes object against its API schema
 * (kubernetes-models' validators: types, required fields, formats), then the references between objects that the
 * API server does not check and that fail only at run time: Services and monitors that select no pods, ports
 * named nowhere, an autoscaler aimed at a missing Deployment. Compose files, Prometheus and adapter configs and
 * Grafana dashboards are checked for what trtx writes in them. Fields an object's kind does not have are found from
 * kubernetes-models' type declarations (known-fields.ts).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import YAML from "yaml";
import { FileError } from "../errors.js";
import { checkDashboard } from "./dashboard.js";
import { unknownFields } from "./known-fields.js";
import { asList, asObject, text, type Loose } from "./loose.js";
import { checkCompose } from "./validate-compose.js";
import { checkReferences } from "./validate-references.js";

export interface DeployFinding {
  file: string;
  rule: string;
  message: string;
}

export interface DeployValidation {
  dir: string;
  /** Every file read, relative to dir. */
  files: string[];
  objects: { file: string; kind: string; name: string; namespace?: string }[];
  /** Files read but not recognised as anything trtx writes: listed, not judged. */
  unchecked: string[];
  findings: DeployFinding[];
}

/** A Kubernetes object as read from YAML: loosely typed, since it is what is being checked. */
export type K8sObject = { apiVersion: string; kind: string; metadata?: unknown; spec?: unknown; [k: string]: unknown };

const API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+([a-z]+[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

export function validateDeployFolder(dir: string): DeployValidation {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new FileError(`${dir} is not a folder`, { hint: "pass the folder trtx deploy wrote, e.g. trtx deploy validate deploy/" });
  let files: string[];
  try {
    files = listFiles(dir);
  } catch (e) {
    throw new FileError(`cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: "check the folder's permissions" });
  }
  const result: DeployValidation = { dir, files, objects: [], unchecked: [], findings: [] };
  const objects: { file: string; object: K8sObject }[] = [];
  if (files.length === 0) throw new FileError(`${dir} is empty`, { hint: "write it first with trtx deploy k8s or trtx deploy compose" });
  for (const file of files) {
    const full = path.join(dir, file);
    const add = (rule: string, message: string) => result.findings.push({ file, rule, message });
    const read = (): string | undefined => {
      try {
        return fs.readFileSync(full, "utf8");
      } catch (e) {
        add("read", `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return undefined;
      }
    };
    if (/\.ya?ml$/.test(file)) {
      const content = read();
      if (content === undefined) continue;
      const parsed = yamlDocuments(content, (m) => add("yaml-parse", m));
      for (const value of parsed) {
        if (value === null || value === undefined) continue;
        const kind = classify(file, value);
        if (kind === "k8s") {
          objects.push({ file, object: value as K8sObject });
          checkSchema(value as K8sObject, add);
        } else if (kind === "kustomization") checkKustomization(dir, value as Loose, add);
        else if (kind === "compose") checkCompose(dir, file, value as Loose, add);
        else if (kind === "adapter") checkAdapterValues(value as Loose, add);
        else if (kind === "prometheus") checkPrometheus(value as Loose, add);
        else if (kind === "grafana-provisioning") continue;
        else result.unchecked.push(file);
      }
    } else if (file.endsWith(".json")) {
      const content = read();
      if (content === undefined) continue;
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (e) {
        add("json-parse", (e as Error).message);
        continue;
      }
      if (isDashboard(value)) checkDashboard(value as Loose, (m) => add("dashboard", m));
      else result.unchecked.push(file);
    } else if (!/(^|\/)(README\.md|Dockerfile[^/]*)$/.test(file)) result.unchecked.push(file);
  }
  result.objects = objects.map(({ file, object }) => {
    const meta = asObject(object.metadata);
    return { file, kind: object.kind, name: text(meta?.name ?? ""), ...(typeof meta?.namespace === "string" ? { namespace: meta.namespace } : {}) };
  });
  result.findings.push(...checkReferences(objects));
  result.unchecked = [...new Set(result.unchecked)];
  return result;
}

/** Every document of a YAML file as plain values; a broken document is a finding, never an exception. */
function yamlDocuments(text: string, fail: (message: string) => void): unknown[] {
  const values: unknown[] = [];
  for (const doc of YAML.parseAllDocuments(text) as YAML.Document[]) {
    if (doc.errors.length > 0) {
      fail(doc.errors[0]!.message.split("\n")[0]!);
      continue;
    }
    // Mapping keys that are collections make toJS exponential in their nesting; no manifest has one.
    let complexKey = false;
    YAML.visit(doc, { Pair: (_, pair) => (YAML.isCollection(pair.key) ? ((complexKey = true), YAML.visit.BREAK) : undefined) });
    if (complexKey) {
      fail("a mapping key is itself a mapping or a list");
      continue;
    }
    try {
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      // An anchor inside its own alias (`a: &x {b: *x}`) becomes a cycle, which no manifest is and no check can walk.
      if (hasCycle(value)) fail("a YAML anchor contains an alias to itself");
      else values.push(value);
    } catch (e) {
      fail(e instanceof RangeError ? "nested too deeply to read" : (e as Error).message.split("\n")[0]!);
    }
  }
  return values;
}

function hasCycle(value: unknown, open = new Set<object>()): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (open.has(value)) return true;
  open.add(value);
  const cyclic = Object.values(value).some((v) => hasCycle(v, open));
  open.delete(value);
  return cyclic;
}

function listFiles(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) return listFiles(dir, r);
      return e.isFile() ? [r] : [];
    });
}

type Kind = "k8s" | "kustomization" | "compose" | "adapter" | "prometheus" | "grafana-provisioning" | "other";

function classify(file: string, v: unknown): Kind {
  if (typeof v !== "object" || Array.isArray(v)) return "other";
  const o = v as Loose;
  if (o.kind === "Kustomization") return "kustomization";
  if (typeof o.apiVersion === "string" && typeof o.kind === "string") return "k8s";
  if (/(^|\/)(docker-)?compose\.ya?ml$/.test(file) || (o.services !== undefined && typeof o.services === "object")) return "compose";
  if ((o.rules as Loose | undefined)?.custom !== undefined) return "adapter";
  if (o.scrape_configs !== undefined) return "prometheus";
  if (o.apiVersion === 1 && (o.datasources !== undefined || o.providers !== undefined)) return "grafana-provisioning";
  return "other";
}

/** kubernetes-models' CommonJS build: loading a class on demand stays synchronous, so the check is one plain call. */
const requireModel = createRequire(import.meta.url);

/** The kubernetes-models module of an apiVersion and kind, or undefined when the name cannot be one. */
function modelSpecifier(apiVersion: string, kind: string): string | undefined {
  // Both end up in a module specifier: only API-shaped names, never a path.
  if (!API_VERSION.test(apiVersion) || !KIND.test(kind)) return undefined;
  return apiVersion.startsWith("monitoring.coreos.com/") ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}` : `kubernetes-models/${apiVersion}/${kind}`;
}

type ModelClass = new (data: unknown) => { validate(): void };

function modelClass(specifier: string, kind: string): ModelClass | undefined {
  try {
    const module = requireModel(specifier) as Record<string, unknown>;
    return typeof module[kind] === "function" ? (module[kind] as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/** The object against its API schema; each mismatch is a finding. */
function checkSchema(object: K8sObject, add: (rule: string, message: string) => void): void {
  const name = asObject(object.metadata)?.name;
  const what = `${object.kind}/${typeof name === "string" ? name : "?"}`;
  if (typeof name !== "string" || name === "") add("schema", `${what}: metadata.name is missing`);
  const specifier = modelSpecifier(object.apiVersion, object.kind);
  const Class = specifier === undefined ? undefined : modelClass(specifier, object.kind);
  if (Class === undefined || specifier === undefined) {
    add("unknown-kind", `${what}: no schema for ${object.apiVersion} ${object.kind} (a typo, or an API trtx does not know)`);
    return;
  }
  try {
    new Class(object).validate();
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (errors === undefined) throw e;
    for (const err of errors) add("schema", `${what}: ${err.instancePath === "" ? "(object)" : err.instancePath} ${err.message ?? "is not valid"}`);
  }
  for (const field of unknownFields(object, specifier, object.kind) ?? []) {
    add("unknown-field", `${what}: ${field} is not a field of ${object.apiVersion} ${object.kind} (kubectl apply refuses it)`);
  }
}


function checkKustomization(dir: string, k: Loose, add: (rule: string, message: string) => void): void {
  const resources = k.resources;
  if (!Array.isArray(resources)) {
    add("kustomization", "resources is not a list");
    return;
  }
  for (const r of resources) {
    const inside = typeof r === "string" && !path.relative(dir, path.join(dir, r)).startsWith("..") && !path.isAbsolute(r);
    if (!inside || !fs.existsSync(path.join(dir, r))) add("kustomization", `resource ${text(r)} is not in the folder`);
  }
}

function checkAdapterValues(v: Loose, add: (rule: string, message: string) => void): void {
  const rules = asList(asObject(v.rules)?.custom);
  if (rules.length === 0) return add("adapter", "rules.custom has no rules");
  rules.forEach((item, i) => {
    const rule = asObject(item);
    for (const key of ["seriesQuery", "metricsQuery"]) if (typeof rule?.[key] !== "string") add("adapter", `rules.custom[${i}].${key} is missing`);
    if (typeof rule?.metricsQuery === "string" && !rule.metricsQuery.includes("<<.LabelMatchers>>")) add("adapter", `rules.custom[${i}].metricsQuery has no <<.LabelMatchers>>: it would average every pod of the cluster`);
    if (typeof asObject(rule?.name)?.as !== "string") add("adapter", `rules.custom[${i}].name.as is missing: the metric would keep Triton's counter name`);
  });
}

function checkPrometheus(v: Loose, add: (rule: string, message: string) => void): void {
  const jobs = asList(v.scrape_configs);
  if (jobs.length === 0) return add("prometheus", "scrape_configs has no jobs");
  jobs.forEach((item, i) => {
    const j = asObject(item);
    if (typeof j?.job_name !== "string") add("prometheus", `scrape_configs[${i}].job_name is missing`);
    const targets = asList(j?.static_configs).flatMap((s) => asList(asObject(s)?.targets));
    for (const t of targets) if (typeof t !== "string" || !/^[^\s:/]+:\d+$/.test(t)) add("prometheus", `scrape_configs[${i}] target ${text(t)} is not host:port`);
  });
}

const isDashboard = (v: unknown): boolean => typeof v === "object" && v !== null && Array.isArray((v as Loose).panels);

