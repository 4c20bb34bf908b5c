/**
 * The inputs of one run: from files (`--input name:FILE`), from tensors already in memory, or seeded random
 * data shaped by the model and `--shapes`; each checked against the model's declared dtype and dims, with both
 * sides named when they disagree.
 */
import path from "node:path";
import { UsageError } from "../errors.js";
import { formatShape, type Dim, type ValueDesc } from "../onnx/model-info.js";
import type { HostTensor, TensorDtype } from "../tensor/host-tensor.js";
import { NUMERIC_DTYPES } from "../tensor/host-tensor.js";
import { loadTensorFile } from "../tensor/load.js";
import { randomTensor, resolveDims, valueRangeFor } from "../tensor/random-inputs.js";
import { SeededRandom } from "../tensor/random.js";

export interface FeedRequest {
  /** --input name:FILE */
  files?: Map<string, string>;
  /** Tensors already loaded (conformance data). */
  tensors?: Map<string, HostTensor>;
  /** --shapes, for random data and raw .bin files. */
  shapes?: Map<string, number[]>;
  /** Seeded random data for inputs without a file; absent: such inputs are an error. */
  random?: { seed: number; ranges: Map<string, [number, number]> };
  preprocess?: "imagenet";
}

const FEEDABLE = new Set<string>([...NUMERIC_DTYPES, "string"]);

/** Refuses an input whose element type onnxruntime-node has no typed array for (bfloat16, float8, ...). */
export function assertFeedable(desc: ValueDesc): void {
  if (!FEEDABLE.has(desc.dtype)) throw new UsageError(`input ${desc.name} is ${desc.dtype}, which onnxruntime-node cannot feed`, { hint: "add a Cast at the graph's boundary (export --onnx) or use another runtime" });
}

export function buildFeeds(inputs: readonly ValueDesc[], req: FeedRequest): Map<string, HostTensor> {
  const names = inputs.map((i) => i.name);
  for (const [flag, given] of [["--input", req.files], ["--shapes", req.shapes], ["input", req.tensors]] as const) {
    for (const name of given?.keys() ?? []) {
      if (!names.includes(name)) throw new UsageError(`${flag} names ${name}, which is not an input of the model`, { hint: `its inputs: ${names.join(", ")}` });
    }
  }
  const rng = req.random ? new SeededRandom(req.random.seed) : undefined;
  const shapes = withSharedSymbols(inputs, req.shapes);
  const feeds = new Map<string, HostTensor>();
  const symbols = new Map<string, { value: number; from: string }>();
  for (const desc of inputs) {
    if (desc.kind !== "tensor") throw new UsageError(`input ${desc.name} is a ${desc.kind}; trtx run feeds tensors only`);
    assertFeedable(desc);
    const dtype = desc.dtype as TensorDtype;
    const file = req.files?.get(desc.name);
    let tensor = req.tensors?.get(desc.name);
    let source = "the data";
    if (file !== undefined) {
      tensor = loadTensorFile(file, {
        dtype,
        ...(shapes.get(desc.name) ? { dims: shapes.get(desc.name)! } : {}),
        ...(req.preprocess ? { preprocess: req.preprocess, imageSize: imageSize(desc, file) } : {}),
      });
      source = path.basename(file);
    } else if (!tensor && rng) {
      const dims = resolveDims(desc, shapes, { batch: 1 });
      tensor = randomTensor({ name: desc.name, dtype, dims }, rng, valueRangeFor(req.random!.ranges, desc.name));
      source = "random data";
    }
    if (!tensor) {
      throw new UsageError(`missing input ${desc.name} (${desc.dtype} ${formatShape(desc.shape)})`, { hint: `pass --input ${desc.name}:FILE, or --random` });
    }
    checkTensor(desc, tensor, source, symbols);
    feeds.set(desc.name, tensor);
  }
  return feeds;
}

/**
 * --shapes plus the shapes they imply: a symbolic dim sized in one input ("batch" = 2 in tokens:2x5) has that
 * size in every other input that shares it, so random data for those inputs agrees.
 */
function withSharedSymbols(inputs: readonly ValueDesc[], given: Map<string, number[]> | undefined): Map<string, number[]> {
  const shapes = new Map(given ?? []);
  const sizes = new Map<string, number>();
  for (const desc of inputs) {
    const dims = shapes.get(desc.name);
    desc.shape?.forEach((d, i) => {
      if (typeof d === "string" && dims?.[i] !== undefined && !sizes.has(d)) sizes.set(d, dims[i]!);
    });
  }
  for (const desc of inputs) {
    if (shapes.has(desc.name) || !desc.shape) continue;
    const implied = desc.shape.map((d) => (typeof d === "number" ? d : typeof d === "string" ? sizes.get(d) : undefined));
    const anySymbolic = desc.shape.some((d) => typeof d === "string");
    if (anySymbolic && implied.every((d) => d !== undefined)) shapes.set(desc.name, implied as number[]);
  }
  return shapes;
}

/** An image becomes [1,3,H,W]: the model's H and W when fixed, else 224. */
function imageSize(desc: ValueDesc, file: string): [number, number] {
  const s = desc.shape;
  if (!s || s.length !== 4 || (typeof s[1] === "number" && s[1] !== 3)) {
    throw new UsageError(`input ${desc.name} takes ${formatShape(s)}, but ${path.basename(file)} would be an image [1,3,H,W]`, { hint: "images fit models with one [N,3,H,W] input" });
  }
  return [typeof s[2] === "number" ? s[2] : 224, typeof s[3] === "number" ? s[3] : 224];
}

function checkTensor(desc: ValueDesc, t: HostTensor, source: string, symbols: Map<string, { value: number; from: string }>): void {
  if (t.dtype !== desc.dtype) {
    throw new UsageError(`input ${desc.name}: the model takes ${desc.dtype}, ${source} holds ${t.dtype}`, { hint: "convert the data, or pass it with the model's dtype" });
  }
  if (desc.shape === null) return;
  const mismatch = () => new UsageError(`input ${desc.name}: the model takes ${formatShape(desc.shape)}, ${source} has shape ${formatShape(t.dims)}`);
  if (t.dims.length !== desc.shape.length) throw mismatch();
  desc.shape.forEach((d: Dim, i) => {
    const got = t.dims[i]!;
    if (typeof d === "number" && d >= 0 && d !== got) throw mismatch();
    if (typeof d === "string") {
      const seen = symbols.get(d);
      if (seen && seen.value !== got) {
        throw new UsageError(`input ${desc.name}: dim '${d}' is ${got} here but ${seen.value} in ${seen.from}`, { hint: "inputs that share a symbolic dim must agree on its size" });
      }
      symbols.set(d, { value: got, from: desc.name });
    }
  });
}
