/**
 * What `trtx run` shows of an output instead of its values: statistics over the finite values (NaN and ±∞ are
 * counted, not averaged, so one overflow does not hide the rest), and for classifiers the top-K classes per row.
 */
import { FileError } from "../errors.js";
import { elementCount, toFloat64, type HostTensor, type TensorDtype } from "./host-tensor.js";

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (numpy's default, ddof = 0). */
  std: number;
}

export interface TopKEntry {
  /** Position along the last axis (the class index for an [N, C] output). */
  index: number;
  value: number;
  /** labels[index], when labels were given and have one there. */
  label?: string;
}

export interface TensorSummary {
  dtype: TensorDtype;
  dims: number[];
  count: number;
  /** 0 for strings. */
  nanCount: number;
  infCount: number;
  /** Over the finite values; null for strings and when no value is finite. */
  stats: ValueStats | null;
  /** Per row (every index but the last axis, row-major; a 0-d or 1-d tensor is one row), the K largest, largest first. */
  topK?: TopKEntry[][];
}

/**
 * Summarizes `t`. With `topK` (a positive integer) each row's K largest values are listed, ties in index order and
 * NaN never among them; a row shorter than K lists all its values. Strings get only dtype, dims and count.
 */
export function summarize(t: HostTensor, topK?: number, labels?: readonly string[]): TensorSummary {
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) throw new RangeError(`top-K must be a positive integer, not ${topK}`);
  const base = { dtype: t.dtype, dims: t.dims, count: elementCount(t.dims) };
  if (Array.isArray(t.data)) return { ...base, nanCount: 0, infCount: 0, stats: null };
  const values = toFloat64(t);
  const summary: TensorSummary = { ...base, ...valueStats(values) };
  if (topK !== undefined) summary.topK = topKRows(values, t.dims, topK, labels);
  return summary;
}

function valueStats(values: Float64Array): Pick<TensorSummary, "nanCount" | "infCount" | "stats"> {
  let nanCount = 0;
  let infCount = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  // Welford's update: one pass, and no catastrophic cancellation for values far from zero.
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infCount++;
    else {
      n++;
      if (v < min) min = v;
      if (v > max) max = v;
      const delta = v - mean;
      mean += delta / n;
      m2 += delta * (v - mean);
    }
  }
  return { nanCount, infCount, stats: n === 0 ? null : { min, max, mean, std: Math.sqrt(m2 / n) } };
}

function topKRows(values: Float64Array, dims: readonly number[], k: number, labels: readonly string[] | undefined): TopKEntry[][] {
  const width = dims.length === 0 ? 1 : dims[dims.length - 1]!;
  const rows: TopKEntry[][] = [];
  if (width === 0) return rows;
  for (let start = 0; start < values.length; start += width) {
    // A best-first list of at most k indices, kept by insertion: O(width·k), cheap for the small K one asks for.
    const best: number[] = [];
    for (let i = 0; i < width; i++) {
      const v = values[start + i]!;
      if (Number.isNaN(v) || (best.length === k && !(v > values[start + best[k - 1]!]!))) continue;
      let pos = best.length;
      while (pos > 0 && v > values[start + best[pos - 1]!]!) pos--;
      best.splice(pos, 0, i);
      if (best.length > k) best.pop();
    }
    rows.push(
      best.map((index) => {
        const label = labels?.[index];
        return label === undefined ? { index, value: values[start + index]! } : { index, value: values[start + index]!, label };
      }),
    );
  }
  return rows;
}

/**
 * Class labels from a labels file's text: one label per line (trimmed; a trailing empty line is not a label), a JSON
 * array of strings, or an ImageNet-style JSON object keyed by class index, whose values are the label or a list
 * ending with it ({"0": ["n01440764", "tench"]}). `source` names the file in errors.
 */
export function readLabels(text: string, source = "labels"): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[") && !trimmed.startsWith("{")) {
    const lines = text.split("\n").map((line) => line.trim());
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines;
  }
  const hint = 'use one label per line, a JSON array of strings, or {"0": "tench", ...}';
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (e) {
    throw new FileError(`${source} looks like JSON but does not parse: ${(e as Error).message}`, { hint });
  }
  if (Array.isArray(json)) {
    const bad = json.findIndex((v) => typeof v !== "string");
    if (bad >= 0) throw new FileError(`${source}: entry ${bad} of the JSON array is not a string`, { hint });
    return json as string[];
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [key, value] of entries) {
    const index = Number(key);
    if (!/^(0|[1-9]\d*)$/.test(key) || index >= entries.length) {
      throw new FileError(`${source}: key "${key}" is not a class index from 0 to ${entries.length - 1}`, { hint: "key the object by class index, with no gaps" });
    }
    const label = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof label !== "string") throw new FileError(`${source}: the label of class ${key} is not a string`, { hint });
    labels[index] = label;
  }
  return labels;
}
