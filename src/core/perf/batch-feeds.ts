/**
 * The inputs of one perf point, built once per batch size (perf_analyzer generates its data once too): random or
 * zero data shaped by the model, --shapes and the batch, or tensors from a folder (one file per input, named after
 * it) repeated along dim 0 up to the batch.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import type { ValueDesc } from "../onnx/model-info.js";
import { buildFeeds } from "../run/feeds.js";
import type { HostTensor, TensorValues } from "../tensor/host-tensor.js";
import { ALL_INPUTS, resolveDims } from "../tensor/random-inputs.js";

export type InputData = "random" | "zero" | { dir: string };

const DATA_EXTENSIONS = [".npy", ".pb", ".bin"];

export function perfFeeds(inputs: readonly ValueDesc[], o: { batch: number; batched: boolean; shapes?: ReadonlyMap<string, number[]>; data: InputData; seed: number }): Map<string, HostTensor> {
  const shapes = new Map(inputs.map((v) => {
    const dims = resolveDims(v, o.shapes, { batch: o.batch });
    return [v.name, o.batched ? [o.batch, ...dims.slice(1)] : dims] as const;
  }));
  if (o.data === "random" || o.data === "zero") {
    const range: [number, number] = o.data === "zero" ? [0, 0] : [0, 1];
    return buildFeeds(inputs, { shapes, random: { seed: o.seed, ranges: new Map([[ALL_INPUTS, range]]) } });
  }
  const files = new Map(inputs.map((v) => [v.name, dataFile(o.data as { dir: string }, v.name)]));
  const loaded = buildFeeds(inputs, { files, shapes });
  return o.batched ? new Map([...loaded].map(([name, t]) => [name, repeatToBatch(t, o.batch)])) : loaded;
}

function dataFile(data: { dir: string }, input: string): string {
  const base = input.replace(/[/\\:]/g, "_");
  const found = DATA_EXTENSIONS.map((ext) => path.join(data.dir, base + ext)).find((f) => fs.existsSync(f));
  if (found === undefined) throw new UsageError(`--input-data ${data.dir} has no file for input ${input}`, { hint: `add ${base}.npy (or .pb, .bin) there` });
  return found;
}

/** Rows of dim 0 cycled until there are `batch` of them: a file of one sample serves every batch size. */
function repeatToBatch(t: HostTensor, batch: number): HostTensor {
  const rows = t.dims[0] ?? 1;
  if (rows === batch) return t;
  const rowSize = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const take = (i: number) => (i % rows) * rowSize;
  let data: TensorValues;
  if (Array.isArray(t.data)) {
    data = Array.from({ length: batch * rowSize }, (_, k) => (t.data as string[])[take(Math.floor(k / rowSize)) + (k % rowSize)]!);
  } else {
    const src = t.data;
    const out = new (src.constructor as new (n: number) => typeof src)(batch * rowSize);
    for (let b = 0; b < batch; b++) out.set(src.subarray(take(b), take(b) + rowSize) as never, b * rowSize);
    data = out;
  }
  return { dtype: t.dtype, dims: [batch, ...t.dims.slice(1)], data };
}
