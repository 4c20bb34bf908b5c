/**
 * Calibration: a copy of the float32 model with every tensor the plan quantizes exposed as a graph output, run
 * on ONNX Runtime's CPU provider over the samples, with per-tensor statistics reduced to ranges by the method.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ActivationRange, ActivationRanges } from "../../calibration/ranges.js";
import { createSession } from "../../ep/session.js";
import { loadOrt } from "../../ep/ort.js";
import { DataFormatError, TrtxError, UsageError } from "../../errors.js";
import { DataLocation, make, type ModelProto } from "../../onnx/codec.js";
import { graphs, saveModel } from "../../onnx/model-file.js";
import { addGraphOutputs } from "../../onnx/rewrite/add-outputs.js";
import { modelInputs } from "../../onnx/rewrite/values.js";
import { toOrtTensor } from "../../run/ort-tensor.js";
import type { HostTensor } from "../../tensor/host-tensor.js";
import { TensorStats } from "./histogram.js";
import { planQuantization } from "./plan.js";
import { DEFAULT_PERCENTILE, type CalibrationSource, type Int8Options } from "./types.js";

export async function calibrate(model: ModelProto, source: CalibrationSource, options: Int8Options): Promise<ActivationRanges> {
  const plan = planQuantization(model, options.excludeOps);
  const inputs = modelInputs(plan.graph).map((v) => v.name);
  checkSamples(source, inputs);
  const percentile = options.percentile ?? DEFAULT_PERCENTILE;
  if (options.method === "percentile" && !(percentile > 0 && percentile <= 100)) {
    throw new UsageError(`percentile ${percentile} is not in (0, 100]`, { hint: "pass e.g. 99.99" });
  }
  // MaxPool outputs take their input's range, so they need no statistics of their own.
  const measured = plan.tensors.filter((t) => !plan.sameAs.has(t));
  const stats = new Map(measured.map((t) => [t, new TensorStats()]));
  const passes = options.method === "minmax" ? 1 : 2;
  const total = passes * source.samples.length;
  let done = 0;
  await withExposedModel(model, measured, options.modelDir, async (run) => {
    for (let pass = 0; pass < passes; pass++) {
      for (const [index, sample] of source.samples.entries()) {
        const values = await run(sample);
        for (const [name, s] of stats) {
          const data = values.get(name)!;
          if (pass === 1) {
            s.observeHistogram(data);
          } else if (s.observeRange(data) >= 0) {
            throw new TrtxError(`calibration sample ${index}: tensor ${name} holds NaN or Inf (the inputs are finite)`, {
              hint: "the model overflows float32 on this data; exclude the op that produces it (excludeOps) or fix the model",
            });
          }
        }
        options.onProgress?.(++done, total);
      }
    }
  });
  const symmetric = options.target === "tensorrt";
  const ranges = new Map<string, ActivationRange>();
  for (const t of plan.tensors) {
    const s = stats.get(plan.sameAs.get(t) ?? t)!;
    const range = options.method === "minmax" ? s.minmax() : options.method === "entropy" ? s.entropy() : s.percentile(percentile, symmetric);
    ranges.set(t, range);
  }
  return ranges;
}

/** Every sample has every float input, each finite: a NaN would silently become every range's min or max. */
function checkSamples(source: CalibrationSource, inputs: string[]): void {
  if (source.samples.length === 0) throw new UsageError("no calibration samples", { hint: "pass at least one sample (a few hundred representative inputs is typical)" });
  for (const [index, sample] of source.samples.entries()) {
    for (const name of inputs) {
      const t = sample.get(name);
      if (!t) throw new UsageError(`calibration sample ${index} has no input ${name}`, { hint: `every sample needs: ${inputs.join(", ")}` });
      if (t.dtype !== "float32" && t.dtype !== "float64") continue;
      const bad = (t.data as Float32Array | Float64Array).findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new DataFormatError(`calibration sample ${index}: input ${name} holds ${t.data[bad]} at element ${bad}`, {
          hint: "calibration data must be finite; check the preprocessing",
        });
      }
    }
  }
}

type Runner = (sample: Map<string, HostTensor>) => Promise<Map<string, Float32Array>>;

/** Saves a copy of the model with `tensors` as outputs to a temporary folder and hands a runner for it to `body`. */
async function withExposedModel(model: ModelProto, tensors: string[], modelDir: string | undefined, body: (run: Runner) => Promise<void>): Promise<void> {
  const graph = model.graph!;
  const external = graphs(graph).some((g) => g.initializer.some((t) => t.dataLocation === DataLocation.EXTERNAL));
  if (external && modelDir === undefined) {
    throw new TrtxError("cannot calibrate: the model's weights are external data and the folder they are in was not given", { hint: "pass modelDir" });
  }
  const inputs = new Set(modelInputs(graph).map((v) => v.name));
  const outputs = new Set(graph.output.map((v) => v.name));
  // A shallow copy: the nodes and weights are shared, only the output and value_info lists are the copy's own.
  const copy = make.model({ ...model, graph: make.graph({ ...graph, output: [...graph.output], valueInfo: [...graph.valueInfo] }) });
  addGraphOutputs(copy.graph!, tensors.filter((t) => !inputs.has(t) && !outputs.has(t)), []);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trtx-calibrate-"));
  try {
    const file = path.join(dir, "calibrate.onnx");
    saveModel(copy, file, modelDir === undefined ? {} : { sourceDir: modelDir });
    const ort = await loadOrt();
    const { session } = await createSession(file, { ep: "cpu" });
    const fetched = tensors.filter((t) => !inputs.has(t));
    try {
      await body(async (sample) => {
        const feeds = Object.fromEntries([...sample].map(([name, t]) => [name, toOrtTensor(ort, t)]));
        let results: Awaited<ReturnType<typeof session.run>>;
        try {
          results = await session.run(feeds, fetched);
        } catch (e) {
          throw new TrtxError(`onnxruntime could not run the calibration model: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`, {
            hint: "check that the samples match the model's inputs (`trtx inspect`)",
          });
        }
        const values = new Map<string, Float32Array>();
        for (const t of tensors) values.set(t, asFloat32(inputs.has(t) ? sample.get(t)!.data : results[t]!.data));
        return values;
      });
    } finally {
      await session.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function asFloat32(data: unknown): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}
