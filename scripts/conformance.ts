/**
 * `npm run conformance`: every model in ../shared/onnx-conformance and ../shared/real-models (when present)
 * through trtx: `trtx inspect --json` (the real CLI) must describe it, an unmodified load → save must be
 * byte-identical, and the inputs and outputs inspect reports must be the ones ONNX Runtime sees (where ORT
 * can load the model at all; where it cannot, the reason is listed).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSession } from "../src/core/ep/session.js";
import { encodeModelChunks } from "../src/core/onnx/chunked-encode.js";
import { loadModel } from "../src/core/onnx/model-file.js";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const shared = process.env.TRTX_SHARED ?? path.resolve(root, "..", "shared");
const SETS = ["onnx-conformance", "real-models"];

function modelsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".onnx"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const bin = path.join(root, "bin", "trtx.js");

function inspectJson(file: string): Promise<{ schema?: string; inputs?: unknown[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, "inspect", "--json", file], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`trtx inspect failed: ${stderr.trim() || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

interface Outcome {
  problem?: string;
  /** Why ONNX Runtime could not load the model, so the I/O cross-check did not run. */
  ortSkipped?: string;
}

async function checkModel(file: string): Promise<Outcome> {
  const json = await inspectJson(file);
  if (json.schema !== "trtx.inspect/1" || !Array.isArray(json.inputs)) return { problem: "inspect --json lacks schema or inputs" };
  const model = loadModel(file);
  const original = fs.readFileSync(file);
  const saved = Buffer.concat(encodeModelChunks(model.proto)); // what saveModel writes
  if (Buffer.compare(Buffer.from(saved), original) !== 0) return { problem: `round trip differs (${original.length} → ${saved.length} bytes)` };
  let session;
  try {
    session = (await createSession(file, { ep: "cpu" })).session;
  } catch (e) {
    return { ortSkipped: (e as Error).message.split(":").slice(1).join(":").trim().slice(0, 160) };
  }
  try {
    const names = (values: { name: string }[]) => values.map((v) => v.name).join(",");
    if (names(model.info.inputs) !== session.inputNames.join(",")) return { problem: `inputs ${names(model.info.inputs)} but ORT sees ${session.inputNames}` };
    if (names(model.info.outputs) !== session.outputNames.join(",")) return { problem: `outputs ${names(model.info.outputs)} but ORT sees ${session.outputNames}` };
  } finally {
    await session.release();
  }
  return {};
}

const files = SETS.flatMap((set) => modelsUnder(path.join(shared, set)));
if (files.length === 0) {
  process.stdout.write(`no conformance data at ${shared}; nothing to check\n`);
} else {
  let passed = 0;
  const failures: string[] = [];
  const ortSkipped: string[] = [];
  const queue = [...files];
  // Two at a time: each check spawns the CLI, and CI has two cores.
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const label = path.relative(shared, file);
      try {
        const outcome = await checkModel(file);
        if (outcome.problem) failures.push(`${label}: ${outcome.problem}`);
        else passed++;
        if (outcome.ortSkipped) ortSkipped.push(`${label}: ${outcome.ortSkipped}`);
      } catch (e) {
        failures.push(`${label}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  for (const s of ortSkipped.sort()) process.stdout.write(`note: ORT cannot load ${s}\n`);
  for (const f of failures.sort()) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(`conformance: inspect, byte-identical round trip and ORT I/O agreement on ${files.length} models\n`);
  process.stdout.write(`${passed} passed, ${failures.length} failed\n`);
  process.exitCode = failures.length ? 1 : 0;
}
