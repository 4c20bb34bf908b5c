/**
 * Lint rules for a ModelConfig's input and output tensors, after Triton core's ValidateIOShape and
 * ValidateModelInput/Output (model_config_utils.cc), which reject these at load time.
 */
import type { ConfigObject } from "./pbtxt-parse.js";
import type { Finding } from "./lint.js";

/** Triton's marker for a variable-size dimension. */
const WILDCARD = -1;

export function lintTensors(config: ConfigObject, maxBatchSize: number): Finding[] {
  const findings: Finding[] = [];
  for (const field of ["input", "output"] as const) {
    const tensors = (config[field] as ConfigObject[] | undefined) ?? [];
    const seen = new Set<string>();
    tensors.forEach((io, i) => {
      const at = `${field}[${i}]`;
      const name = io.name as string | undefined;
      if (name === undefined) findings.push({ rule: "io-name", path: `${at}.name`, message: `${field} has no name` });
      else if (seen.has(name)) findings.push({ rule: "io-duplicate-name", path: `${at}.name`, message: `${field} "${name}" is declared more than once` });
      else seen.add(name);
      if (io.data_type === undefined || io.data_type === "TYPE_INVALID") {
        findings.push({ rule: "io-data-type", path: `${at}.data_type`, message: `${field} ${label(name)}needs a data_type other than TYPE_INVALID` });
      }
      findings.push(...lintShape(io, at, maxBatchSize));
      if (field === "input" && (io.format === "FORMAT_NHWC" || io.format === "FORMAT_NCHW") && dimsOf(io.dims).length !== 3) {
        findings.push({ rule: "io-format-dims", path: `${at}.dims`, message: `${io.format} needs exactly 3 dims (without the batch dim)` });
      }
    });
  }
  return findings;
}

function lintShape(io: ConfigObject, at: string, maxBatchSize: number): Finding[] {
  const dims = dimsOf(io.dims);
  // A [batch] tensor is dims [1] + reshape { shape: [] }; Triton still requires dims to be non-empty.
  if (dims.length === 0) return [{ rule: "dims-empty", path: `${at}.dims`, message: "dims must not be empty (for a scalar use dims: [ 1 ] with reshape: { shape: [ ] })" }];
  const findings: Finding[] = [];
  dims.forEach((d, k) => {
    if (d < 1 && d !== WILDCARD) findings.push({ rule: "dims-value", path: `${at}.dims[${k}]`, message: `dimension ${d} must be >= 1, or -1 for a variable size` });
  });
  const reshape = io.reshape as ConfigObject | undefined;
  if (reshape === undefined) return findings;
  const shape = dimsOf(reshape.shape);
  if (shape.length === 0 && maxBatchSize === 0) {
    findings.push({ rule: "reshape-scalar", path: `${at}.reshape`, message: "an empty reshape (scalar) needs max_batch_size > 0" });
  }
  shape.forEach((d, k) => {
    if (d < 1 && d !== WILDCARD) findings.push({ rule: "reshape-value", path: `${at}.reshape.shape[${k}]`, message: `dimension ${d} must be >= 1, or -1 for a variable size` });
  });
  // Element counts only mean something once every dimension is valid.
  if (findings.length === 0) {
    const mismatch = reshapeMismatch(dims, shape);
    if (mismatch !== undefined) findings.push({ rule: "reshape-size", path: `${at}.reshape`, message: mismatch });
  }
  return findings;
}

/**
 * Triton's comparison: the runs of fixed dims between -1s must hold the same element counts, so dims
 * [2, -1, 6] reshapes to [2, -1, 2, 3] but not to [-1, 12] or [2, 6].
 */
function reshapeMismatch(dims: number[], shape: number[]): string | undefined {
  const runs = (ds: number[]) => {
    const out = [1];
    for (const d of ds) {
      if (d === WILDCARD) out.push(1);
      else out[out.length - 1]! *= d;
    }
    return out;
  };
  const a = runs(dims);
  const b = runs(shape);
  const show = (ds: number[]) => `[${ds.join(", ")}]`;
  if (a.length !== b.length) return `dims ${show(dims)} and reshape ${show(shape)} have different numbers of -1 dimensions`;
  if (a.some((n, i) => n !== b[i])) return `dims ${show(dims)} and reshape ${show(shape)} hold different element counts`;
  return undefined;
}

/** int64 lists come from the parser as decimal strings. */
export function dimsOf(value: unknown): number[] {
  return ((value as (string | number)[] | undefined) ?? []).map(Number);
}

function label(name: string | undefined): string {
  return name === undefined ? "" : `"${name}" `;
}
