/**
 * `trtx deploy validate` on a deployment folder: the golden folders with one file mutated as text or as a YAML tree
 * (any node replaced by a value of another type, deleted, renamed or duplicated). Manifests are files users edit, so
 * every shape must end in findings or a TrtxError, never a crash.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parseAllDocuments, stringify as stringifyYaml } from "yaml";
import { validateDeployFolder } from "../../src/core/deploy/validate.js";
import { ROOT } from "../helpers.js";
import { caseDir } from "./case-dir.js";
import { parseOrRefuse, type Target } from "./harness.js";
import { editTree, mutatedText } from "./mutate.js";
import { nestedComplexKeys, treeEdit, YAML_TOKENS } from "./targets-text.js";

type Folder = Record<string, string>;

function readFolder(dir: string, rel = ""): Folder {
  const out: Folder = {};
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) Object.assign(out, readFolder(dir, r));
    else out[r] = fs.readFileSync(path.join(dir, r), "utf8");
  }
  return out;
}

let cache: Folder[] | undefined;
const folders = () => (cache ??= ["k8s-pvc-hpa", "k8s-default", "compose"].map((f) => readFolder(path.join(ROOT, "test", "golden-deploy", f))));

const DEPLOY_TOKENS = [...YAML_TOKENS, "apiVersion: ", "kind: ", "Deployment", "Service", "v1", "apps/v1", "selector:", "matchLabels:", "ports:", "containerPort: ", "port: ", "targetPort: ", "name: ", "services:", "volumes:", "- ./", "- ../", ":/models:ro", "resources:", "panels:", "targets:", "expr: "];

/** Anchors inside their own aliases: toJS makes cycles of them. */
const SELF_REFERENCES = [
  "apiVersion: v1\nkind: Service\nmetadata: &m {name: x, labels: *m}\nspec: {selector: *m}\n",
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: trtx}\nspec: &s {template: {spec: *s}, selector: {matchLabels: {a: b}}}\n",
  "services: &s {triton: {image: x, depends_on: *s, volumes: [*s]}}\n",
  "rules: {custom: &c [{seriesQuery: *c, metricsQuery: *c, name: {as: *c}}]}\n",
];

/** One file of one golden folder replaced: mutated text, or a parsed-and-edited YAML/JSON tree written back. */
const mutatedFolder: fc.Arbitrary<Folder> = fc
  .tuple(fc.nat(), fc.nat(), fc.oneof(mutatedText(["x"], DEPLOY_TOKENS).map((t) => ({ kind: "text" as const, t })), fc.array(treeEdit, { minLength: 1, maxLength: 4 }).map((edits) => ({ kind: "tree" as const, edits })), fc.oneof(nestedComplexKeys, fc.constantFrom(...SELF_REFERENCES)).map((t) => ({ kind: "raw" as const, t }))))
  .chain(([fi, ni, how]) => {
    const folder = folders()[fi % folders().length]!;
    const names = Object.keys(folder).filter((n) => /\.(ya?ml|json)$/.test(n));
    const name = names[ni % names.length]!;
    const original = folder[name]!;
    if (how.kind === "raw") return fc.constant({ ...folder, [name]: how.t });
    if (how.kind === "text") return mutatedText([original], DEPLOY_TOKENS).map((t) => ({ ...folder, [name]: t }));
    const json = name.endsWith(".json");
    const docs = json ? [JSON.parse(original) as unknown] : parseAllDocuments(original).map((d) => d.toJS() as unknown);
    let tree: unknown = docs.length === 1 ? docs[0] : docs;
    // Cloned: fast-check hands out the same constant objects, and one edited into another would make a cycle JSON cannot write.
    for (const e of how.edits) tree = editTree(tree, structuredClone(e) as [number[], string, unknown, string]);
    const written = json ? JSON.stringify(tree) : Array.isArray(tree) && docs.length > 1 ? tree.map((d) => stringifyYaml(d)).join("---\n") : stringifyYaml(tree);
    return fc.constant({ ...folder, [name]: written ?? "" });
  });

function validate(folder: Folder): void {
  const dir = caseDir();
  dir.reset(folder);
  parseOrRefuse("validateDeployFolder", Object.values(folder).join("\n"), () => validateDeployFolder(dir.dir));
}

export const deployTargets: Target[] = [
  {
    name: "deploy.validate",
    runs: 600,
    property: () => fc.property(mutatedFolder, (folder) => validate(folder)),
  },
];
