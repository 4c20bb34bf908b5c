/**
 * Text formats: Triton's config.pbtxt (parseModelConfig, then what `repo lint` and `repo fmt` do with the result),
 * YAML network definitions (parseNetworkYaml) and YAML build configs (readBuildConfig + resolveBuildRequest).
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { readBuildConfig, resolveBuildRequest } from "../../src/core/build/request.js";
import { parseNetworkYaml } from "../../src/core/network/spec.js";
import { lintModelConfig } from "../../src/core/triton/lint.js";
import { parseModelConfig } from "../../src/core/triton/pbtxt-parse.js";
import { renderModelConfig } from "../../src/core/triton/pbtxt-render.js";
import { ROOT } from "../helpers.js";
import { caseDir } from "./case-dir.js";
import { ContractViolation, parseOrRefuse, type Target } from "./harness.js";
import { amplifiedText, editTree, mutatedText, sweepPrefixes } from "./mutate.js";

const readDir = (dir: string, ext: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));

// ---- config.pbtxt ----------------------------------------------------------------------------------------------

let pbtxtCache: string[] | undefined;
const pbtxtSeeds = () => (pbtxtCache ??= readDir(path.join(ROOT, "test", "fixtures-pbtxt"), ".pbtxt"));

const PBTXT_TOKENS = [
  "{", "}", "<", ">", "[", "]", ":", ",", ";", "-", '"', "'", "\\", '"\\x"', '"\\777"', '"\\u12"', '"\\U0011ffff"', '"\\ud800"', '"\\xff\\xfe"',
  "#", "\n", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "4294967296", "0x", "0xffffffffffffffffff",
  "08", "0777", "1e999", "-1e999", "nan", "inf", "-inf", ".5", "1.5f", "1e", "TYPE_FP32", "TYPE_BANANA", "99", "-1", "true", "t", "name", "input", "output",
  "dims", "data_type", "max_batch_size", "dynamic_batching { }", "parameters { key: \"k\" value: { string_value: \"v\" } }", "key", "value", "\ufffd", "\u0000",
];
/** Repeated tens of thousands of times: long strings and comments, deep brackets, long lists, duplicate map keys. */
const PBTXT_SNIPPETS = ["a", "\\\"", "\\x41", "{", "[", "<", "{ ", "input [ { ", "dims: 1 ", "-", "# c\n", "\u00e9", "parameters { key: \"k\" value: { string_value: \"v\" } }\n"];

function parseConfig(text: string): void {
  const parsed = parseOrRefuse("parseModelConfig", text, () => parseModelConfig(text, "config.pbtxt"));
  if (!parsed.ok) return;
  // What `repo lint` and `repo fmt` do next with a config that parsed.
  parseOrRefuse("lintModelConfig", text, () => lintModelConfig(parsed.value));
  const rendered = parseOrRefuse("renderModelConfig", text, () => renderModelConfig(parsed.value));
  if (rendered.ok) {
    const again = parseOrRefuse("parseModelConfig(rendered)", rendered.value, () => parseModelConfig(rendered.value, "rendered.pbtxt"));
    if (!again.ok) throw new ContractViolation(`repo fmt output does not parse: ${again.error.message}`);
  }
}

/** A string literal of any bytes, escaped the ways text format allows, in a string field. */
const stringLiteral = fc
  .array(fc.oneof(fc.string({ maxLength: 1, unit: "binary" }), fc.integer({ min: 0, max: 255 }).map((b) => `\\${b.toString(8)}`), fc.integer({ min: 0, max: 255 }).map((b) => `\\x${b.toString(16)}`), fc.constantFrom("\\n", "\\\"", "\\u00e9", "\\U0001F600", "\\ud800", "\\z")), { maxLength: 12 })
  .map((parts) => `name: "${parts.join("")}"`);

export const pbtxtTargets: Target[] = [
  {
    name: "pbtxt.truncated",
    runs: 0,
    sweep: () => sweepPrefixes(pbtxtSeeds(), parseConfig, 400),
  },
  {
    name: "pbtxt.mutated",
    runs: 2500,
    property: () => fc.property(fc.oneof({ weight: 8, arbitrary: mutatedText(pbtxtSeeds(), PBTXT_TOKENS) }, { weight: 1, arbitrary: stringLiteral }), (text) => parseConfig(text)),
  },
  {
    name: "pbtxt.large",
    runs: 25,
    fuzzShare: 0.02,
    shrink: false,
    property: () =>
      fc.property(
        fc.oneof(
          amplifiedText(pbtxtSeeds(), PBTXT_SNIPPETS, 60_000),
          // One string literal of up to 400,000 bytes, and lists of as many values.
          fc.tuple(fc.integer({ min: 100_000, max: 250_000 }), fc.constantFrom("a", "\\x41", "\u00e9")).map(([n, c]) => `name: "${c.repeat(n)}"\nplatform: "onnxruntime_onnx"\n`),
          fc.integer({ min: 1000, max: 100_000 }).map((n) => `input [ { name: "x" data_type: TYPE_FP32 dims: [ ${"1, ".repeat(n)}1 ] } ]\n`),
        ),
        (text) => parseConfig(text),
      ),
  },
];

// ---- YAML network definitions --------------------------------------------------------------------------------

let yamlCache: string[] | undefined;
const templateSeeds = () => (yamlCache ??= readDir(path.join(ROOT, "templates"), ".yaml"));

export const YAML_TOKENS = [
  "&a ", "*a", "*b", "!!binary ", "!!set ", "!!omap ", "!!str ", "!!int ", "!!float ", "!custom ", "? ", "- ", ": ", "{", "}", "[", "]", '"', "'", "|", ">", "%YAML 1.1\n---\n",
  "<<: *a", "toString", "__proto__", "constructor", "valueOf", "\t", "\n  ", "\n", "---\n", "...\n", "#", "9223372036854775808", "1e999", ".nan", "-.inf", "0x1F",
  "0o17", "~", "null", "2199023255552", "-1", "0", "1.5", "\ufffd", "\u0000", "\ud800", "inputs:", "outputs:", "layers:", "blocks:", "shape: [", "dtype: ", "type: ",
];
const YAML_SNIPPETS = ["[", "{a: ", "- ", "- [", "a: &a [*a]\n", "\\\"", '"', "x", "&a a ", "? ", "  "];

/** Values put in place of any node of a template: wrong types, absurd numbers, objects with builtin-looking keys. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 31, 2 ** 40, 2 ** 53 + 2, 1e308, -0, "", "x", "float32", "bfloat16", "int4", "batch", "0x10", "__proto__"),
  fc.constantFrom({ toString: 1 }, { valueOf: {} }, { toString: "x", valueOf: "y" }, { constructor: 1 }, [], {}, [[[]]], { type: "relu" }, [2 ** 40, -1, 0]),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Replaces, deletes or duplicates one node of a parsed document, chosen by fractions so it applies to any tree. */
export const treeEdit = fc.tuple(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.constantFrom("replace", "delete", "duplicate", "rename"), weirdValue, fc.string({ maxLength: 6 }));

function structuredYaml(seeds: () => string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds()), fc.array(treeEdit, { minLength: 1, maxLength: 4 })).map(([seed, edits]) => {
    let tree = parseYaml(seed) as unknown;
    for (const e of edits) tree = editTree(tree, e as [number[], string, unknown, string]);
    return stringifyYaml(tree);
  });
}

function parseSpec(text: string): void {
  parseOrRefuse("parseNetworkYaml", text, () => parseNetworkYaml(text, "net.yaml"));
}

/** Deep flow and block nesting, nested complex keys, aliases that multiply, YAML 1.1 tags. */
export const nestedComplexKeys = fc.tuple(fc.integer({ min: 250, max: 600 }), fc.constantFrom("? ", "- ? ", "? - ", "? [", "? {")).map(([n, s]) => s.repeat(n));
const specialYaml = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }).map((n) => `inputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers: ${"[".repeat(n)}${"]".repeat(n)}`),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `inputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers:\n${"- ".repeat(n)}x`),
  // A billion laughs: each level repeats the previous one ten times (10^k values after k levels).
  fc.integer({ min: 2, max: 12 }).map((k) => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < k; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    return `${lines.join("\n")}\ninputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers: [{type: relu}]`;
  }),
  fc.constantFrom(
    "%YAML 1.1\n---\ninputs: {x: {dtype: !!binary aGVsbG8=, shape: !!set {1, 2}}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "inputs: {x: {dtype: {toString: 1}, shape: [1]}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "name: {toString: 1}\ninputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "inputs: {x: &a {shape: [1], dtype: *a}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "onnx: &a [*a]\nfp16: true\n",
    "onnx: m.onnx\nmin-shapes: &a {x: *a}\nfp16: &b [*b, *b]\n",
    "inputs: &a {x: {shape: [1]}, y: *a}\noutputs: &b {y: *b}\nlayers: &c [*c]",
    "inputs: {? [a, b] : {shape: [1]}}\noutputs: {? {a: 1} : a}\nlayers: [{type: relu}]",
    "inputs: {x: {shape: [2199023255552, 9223372036854775808, 0x7fffffff, -1, 0]}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "inputs: {x: {shape: [1]}, x: {shape: [2]}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "__proto__: {polluted: 1}\ninputs: {x: {shape: [1]}}\noutputs: {y: a}\nlayers: [{type: relu}]",
    "inputs: {x: {shape: [1]}}\noutputs: {y: a}\nblocks: {b: {args: {toString: 1}, layers: [{type: relu}]}}\nlayers: [{type: relu}]",
  ),
);

export const specTargets: Target[] = [
  {
    name: "spec.truncated",
    runs: 0,
    sweep: () => sweepPrefixes(templateSeeds(), parseSpec, 150),
  },
  {
    name: "spec.mutated",
    runs: 1000,
    property: () => fc.property(fc.oneof(mutatedText(templateSeeds(), YAML_TOKENS), structuredYaml(templateSeeds)), (text) => parseSpec(text)),
  },
  {
    name: "spec.special",
    runs: 30,
    fuzzShare: 0.02,
    shrink: false,
    property: () => fc.property(fc.oneof(nestedComplexKeys, specialYaml, amplifiedText(templateSeeds(), YAML_SNIPPETS, 8_000)), (text) => parseSpec(text)),
  },
];

// ---- YAML build configs --------------------------------------------------------------------------------------

const BUILD_SEEDS = [
  "onnx: model.onnx\nfp16: true\n",
  "onnx: model.onnx\nsave-engine: out.trtx\nint8: true\ncalib: random\ncalib-method: percentile\npercentile: 99.99\ncalib-samples: 16\n",
  "onnx: ../models/resnet50.onnx\nfp16: true\nio-fp16: true\nfp16-exclude-ops: [Softmax, LayerNormalization]\nmin-shapes: input:1x3x224x224\nopt-shapes: [input:8x3x224x224]\nmax-shapes: input:32x3x224x224\nworkspace: 4GiB\nep: tensorrt\naccuracy-samples: 4\natol: 1e-3\nrtol: 0.01\nminCosine: 0.999\nkeep-failed: true\nforce: false\ntrt-version: 10.9.0\n",
  "onnx: m.onnx\nkeep-io-types: false\nio-fp16: true\nfp16: true\n",
  "# empty\n",
];
const BUILD_KEYS = ["onnx", "save-engine", "saveEngine", "fp16", "int8", "calib", "calib-method", "calib-samples", "percentile", "min-shapes", "opt-shapes", "max-shapes", "ep", "workspace", "accuracy-samples", "atol", "rtol", "min-cosine", "keep-io-types", "io-fp16", "fp16-exclude-ops", "keep-failed", "force", "trt-version", "unknown-key", "__proto__", "constructor", "toString"];
const buildValue = fc.oneof(weirdValue, fc.constantFrom("model.onnx", "random", "entropy", "percentile", "4GiB", "99999999999999999999 GiB", "1e400", "-1", "0", "10.9", "auto", "cuda", "CPU", " tensorrt ", "Softmax,", [], ["a", 1]));
const buildDoc = fc.dictionary(fc.constantFrom(...BUILD_KEYS), buildValue, { maxKeys: 8 }).map((d) => stringifyYaml({ onnx: "model.onnx", ...d }));

function parseBuild(text: string): void {
  const dir = caseDir();
  const file = dir.reset({ "build.yaml": text });
  const config = parseOrRefuse("readBuildConfig", text, () => readBuildConfig(file));
  if (config.ok) parseOrRefuse("resolveBuildRequest", text, () => resolveBuildRequest(config.value, {}));
}

export const buildTargets: Target[] = [
  {
    name: "build.config",
    runs: 1200,
    property: () =>
      fc.property(fc.oneof(mutatedText(BUILD_SEEDS, YAML_TOKENS), buildDoc, fc.constantFrom(...BUILD_SEEDS), structuredYaml(() => BUILD_SEEDS.slice(0, 4))), (text) => parseBuild(text)),
  },
  {
    name: "build.special",
    runs: 20,
    fuzzShare: 0.02,
    shrink: false,
    property: () => fc.property(fc.oneof(nestedComplexKeys, specialYaml, amplifiedText(BUILD_SEEDS, YAML_SNIPPETS, 8_000)), (text) => parseBuild(text)),
  },
];
