/**
 * `npm run conformance`: every model in ../shared/onnx-conformance and ../shared/real-models (when present)
 * through trtx's own code paths:
 *   - `trtx inspect --json` (the real CLI) describes it;
 *   - an unmodified load → save is byte-identical;
 *   - it runs through `trtx run`'s core: the ONNX test data (input_N.pb) fed and compared with output_N.pb
 *     (rtol 1e-3, atol 1e-7 as ONNX's backend test runner uses, with Polygraphy's semantics), the real models
 *     on seeded random inputs with symbolic dims set to 1.
 * What onnxruntime-node itself cannot do is listed as a limitation, with the reason, not hidden.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Chalk } from "chalk";
import { renderTable } from "../src/cli/render/table.js";
import { compareOutputs } from "../src/core/compare/compare.js";
import { encodeModelChunks } from "../src/core/onnx/chunked-encode.js";
import { loadModel } from "../src/core/onnx/model-file.js";
import type { ModelInfo } from "../src/core/onnx/model-info.js";
import { buildFeeds } from "../src/core/run/feeds.js";
import { runModel } from "../src/core/run/run.js";
import type { HostTensor } from "../src/core/tensor/host-tensor.js";
import { readTensorProto } from "../src/core/tensor/tensor-proto.js";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const shared = process.env.TRTX_SHARED ?? path.resolve(root, "..", "shared");
const bin = path.join(root, "bin", "trtx.js");
const TOLERANCES = { atol: { default: 1e-7, perOutput: new Map() }, rtol: { default: 1e-3, perOutput: new Map() } };

/** onnxruntime-node's own limits, recognised by the error they produce. */
const LIMITATIONS: [RegExp, string][] = [
  [/Unsupported data type: 16\b|bfloat16/, "onnxruntime-node cannot pass bfloat16 tensors in or out of a session"],
  [/ai\.onnx\.preview\.training/, "training op (ai.onnx.preview.training): not in onnxruntime's inference build"],
  [/locale/, "StringNormalizer needs the en_US.UTF-8 locale, which this machine does not have"],
  [/Non per-tensor quantization is not supported/, "onnxruntime's CPU ConvInteger takes only per-tensor zero points (this test has one per channel)"],
];

type Status = "passed" | "failed" | "limitation";
interface Outcome {
  suite: string;
  label: string;
  status: Status;
  detail?: string;
}

function modelsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".onnx"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function inspectJson(file: string): Promise<{ schema?: string; inputs?: unknown[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, "inspect", "--json", file], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`trtx inspect failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** Tensors of a test data set, keyed by the model's names (the .pb's own name when it matches, else by index). */
function readDataSet(dir: string, prefix: "input" | "output", names: string[]): Map<string, HostTensor> {
  const files = fs.readdirSync(dir).filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f));
  files.sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  const out = new Map<string, HostTensor>();
  files.forEach((f, i) => {
    const { name, tensor } = readTensorProto(fs.readFileSync(path.join(dir, f)), path.join(dir, f), dir);
    out.set(names.includes(name) ? name : names[i]!, tensor);
  });
  return out;
}

async function runDataSets(file: string, info: ModelInfo): Promise<string | undefined> {
  const sets = fs.readdirSync(path.dirname(file)).filter((d) => d.startsWith("test_data_set_")).sort();
  const inputNames = info.inputs.map((v) => v.name);
  const outputNames = info.outputs.map((v) => v.name);
  if (sets.length === 0) {
    // A real model: seeded random data, symbolic dims set to 1.
    const shapes = new Map(info.inputs.map((v) => [v.name, (v.shape ?? []).map((d) => (typeof d === "number" && d > 0 ? d : 1))]));
    const run = await runModel(file, buildFeeds(info.inputs, { shapes, random: { seed: 1, ranges: new Map() } }), { ep: "cpu" });
    const missing = outputNames.filter((n) => !run.outputs.has(n));
    return missing.length ? `ran but produced no ${missing.join(", ")}` : undefined;
  }
  for (const set of sets) {
    const dir = path.join(path.dirname(file), set);
    const feeds = buildFeeds(info.inputs, { tensors: readDataSet(dir, "input", inputNames) });
    const run = await runModel(file, feeds, { ep: "cpu" });
    const result = compareOutputs(run.outputs, readDataSet(dir, "output", outputNames), TOLERANCES);
    if (!result.passed) {
      const worst = result.outputs.find((o) => !o.passed);
      return `${set}: ${worst ? `${worst.name} ${worst.reason ?? "differs"}` : `missing ${result.missing.join(", ")}`}`;
    }
  }
  return undefined;
}

async function checkModel(file: string): Promise<Omit<Outcome, "suite" | "label">> {
  const json = await inspectJson(file);
  if (json.schema !== "trtx.inspect/1" || !Array.isArray(json.inputs)) return { status: "failed", detail: "inspect --json lacks schema or inputs" };
  const model = loadModel(file);
  const original = fs.readFileSync(file);
  const saved = Buffer.concat(encodeModelChunks(model.proto)); // what saveModel writes
  if (Buffer.compare(saved, original) !== 0) return { status: "failed", detail: `round trip differs (${original.length} → ${saved.length} bytes)` };
  try {
    const problem = await runDataSets(file, model.info);
    return problem ? { status: "failed", detail: problem } : { status: "passed" };
  } catch (e) {
    const message = (e as Error).message;
    const known = LIMITATIONS.find(([pattern]) => pattern.test(message));
    return known ? { status: "limitation", detail: known[1] } : { status: "failed", detail: message.slice(0, 300) };
  }
}

const files = ["onnx-conformance", "real-models"].flatMap((set) => modelsUnder(path.join(shared, set)));
if (files.length === 0) {
  process.stdout.write(`no conformance data at ${shared}; nothing to check\n`);
} else {
  const outcomes: Outcome[] = [];
  const queue = [...files];
  // Two at a time: each check spawns the CLI, and CI has two cores.
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const label = path.relative(shared, path.dirname(file.endsWith("model.onnx") ? file : `${file}/x`));
      const suite = label.split(path.sep).slice(0, label.startsWith("real-models") ? 1 : 2).join("/");
      try {
        outcomes.push({ suite, label, ...(await checkModel(file)) });
      } catch (e) {
        outcomes.push({ suite, label, status: "failed", detail: (e as Error).message.slice(0, 300) });
      }
    }
  };
  await Promise.all([worker(), worker()]);
  outcomes.sort((a, b) => a.label.localeCompare(b.label));
  const suites = [...new Set(outcomes.map((o) => o.suite))];
  const count = (s: string | undefined, status: Status) => outcomes.filter((o) => (s === undefined || o.suite === s) && o.status === status).length;
  const rows = suites.map((s) => [s, count(s, "passed"), count(s, "failed"), count(s, "limitation")]);
  process.stdout.write(`${renderTable(["suite", "passed", "failed", "onnxruntime-node limitation"], rows, new Chalk({ level: 0 }))}\n`);
  for (const o of outcomes.filter((x) => x.status === "limitation")) process.stdout.write(`limitation ${o.label}: ${o.detail}\n`);
  for (const o of outcomes.filter((x) => x.status === "failed")) process.stdout.write(`FAIL ${o.label}: ${o.detail}\n`);
  process.stdout.write(`conformance: inspect, byte-identical save and inference checked on ${files.length} models; limitations are counted as skipped\n`);
  process.stdout.write(`${count(undefined, "passed")} passed, ${count(undefined, "failed")} failed, ${count(undefined, "limitation")} skipped\n`);
  process.exitCode = count(undefined, "failed") ? 1 : 0;
}
