/**
 * `repo init --labels`: Triton's classification extension reads label_filename from the model folder, one label per
 * line in class-index order, so a file whose line count differs from the output's class count mislabels silently.
 */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import type { ValueDesc } from "../onnx/model-info.js";
import { requireFile } from "../fs/checked-file.js";

export interface LabelsPlan {
  output: string;
  from: string;
  /** The name it gets in the model folder, which label_filename refers to. */
  fileName: string;
  count: number;
}

/** `file` for a single-output model, `output=file` to pick the output. */
export function labelsFile(spec: string, outputs: readonly ValueDesc[], batched: boolean): LabelsPlan {
  const eq = spec.indexOf("=");
  const named = eq > 0 && outputs.some((o) => o.name === spec.slice(0, eq));
  const from = named ? spec.slice(eq + 1) : spec;
  let output: ValueDesc | undefined;
  if (named) output = outputs.find((o) => o.name === spec.slice(0, eq));
  else if (outputs.length === 1) output = outputs[0];
  else throw new UsageError(`--labels ${spec}: the model has ${outputs.length} outputs, so say which one the labels are for`, { hint: `write --labels OUTPUT=${from}, OUTPUT one of ${outputs.map((o) => o.name).join(", ")}` });
  requireFile(from, "label file", "pass a text file with one label per line");
  const fileName = path.basename(from);
  if (fileName === "config.pbtxt" || /^\d+$/.test(fileName)) throw new UsageError(`--labels ${from}: its name would clash with the model folder's own files`, { hint: "rename it, e.g. labels.txt" });
  const lines = fs.readFileSync(from, "utf8").split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  const classes = classCount(output!, batched);
  if (classes !== undefined && lines.length !== classes) {
    throw new UsageError(`--labels ${from} has ${lines.length} labels but output ${output!.name} has ${classes} classes`, { hint: "one label per line, in class-index order" });
  }
  return { output: output!.name, from, fileName, count: lines.length };
}

/** Elements per request of the output, when every dim is known: Triton's classification indexes them flat. */
function classCount(output: ValueDesc, batched: boolean): number | undefined {
  const dims = batched ? output.shape?.slice(1) : output.shape;
  if (dims === undefined || dims === null || !dims.every((d) => typeof d === "number" && d >= 0)) return undefined;
  return (dims as number[]).reduce((a, b) => a * b, 1);
}
