/**
 * What `inspect` reports about a model, and the pure rules derived from it (batchability as Triton decides it).
 */

/** A dimension: a fixed size, a symbolic name (dim_param), or null when the model leaves it unknown. */
export type Dim = number | string | null;

export interface ValueDesc {
  name: string;
  /** tensor, sparse_tensor, sequence, map, optional, or unknown when the model gives no type. */
  kind: "tensor" | "sparse_tensor" | "sequence" | "map" | "optional" | "unknown";
  /** Element dtype for tensors ("float32"); for other kinds the full type, e.g. "seq(tensor(float32))". */
  dtype: string;
  /** null when the model gives no shape (rank unknown). */
  shape: Dim[] | null;
}

export interface DtypeTotals {
  dtype: string;
  tensors: number;
  parameters: number;
  bytes: number;
}

export interface ExternalDataFile {
  /** The `location` as written in the model (relative to the model's folder). */
  location: string;
  tensors: number;
  /** Bytes the model's tensors occupy in that file. */
  bytes: number;
  /** The furthest byte any tensor reads (offset + length): the file must be at least this long. */
  end: number;
}

export interface OpCount {
  domain: string;
  op: string;
  count: number;
}

export interface ModelInfo {
  fileBytes: number;
  irVersion: number;
  producer: { name: string; version: string };
  domain: string;
  modelVersion: number;
  docString: string;
  opsets: { domain: string; version: number }[];
  graphName: string;
  /** Graph inputs that are not initializers (IR < 4 models list weights as inputs too). */
  inputs: ValueDesc[];
  outputs: ValueDesc[];
  /** Nodes in the main graph and, recursively, in subgraphs (If/Loop/Scan bodies). */
  nodeCount: number;
  subgraphCount: number;
  ops: OpCount[];
  /** Local functions as domain:name. */
  functions: string[];
  weights: { tensors: number; parameters: number; bytes: number; byDtype: DtypeTotals[] };
  externalData: ExternalDataFile[];
  metadata: Record<string, string>;
  batch: BatchVerdict;
}

export interface BatchVerdict {
  /** True when every input and output has a dynamic first dimension, which Triton needs for max_batch_size > 0. */
  batchable: boolean;
  reason: string;
}

/** A dim counts as dynamic for batching when it is symbolic, unknown, or a negative value (-1 as Triton writes it). */
export function isDynamicDim(d: Dim): boolean {
  return d === null || typeof d === "string" || d < 0;
}

export function batchVerdict(inputs: readonly ValueDesc[], outputs: readonly ValueDesc[]): BatchVerdict {
  if (inputs.length === 0) return { batchable: false, reason: "the model has no inputs" };
  for (const [role, values] of [["input", inputs], ["output", outputs]] as const) {
    for (const v of values) {
      if (v.kind !== "tensor") return { batchable: false, reason: `${role} ${v.name} is a ${v.kind}, not a tensor` };
      if (v.shape === null) return { batchable: false, reason: `${role} ${v.name} has no shape (rank unknown)` };
      if (v.shape.length === 0) return { batchable: false, reason: `${role} ${v.name} is a scalar` };
      if (!isDynamicDim(v.shape[0]!)) return { batchable: false, reason: `${role} ${v.name} has a fixed first dimension (${v.shape[0]})` };
    }
  }
  return { batchable: true, reason: "every input and output has a dynamic first dimension" };
}

/** "[batch,3,224,224]", with "?" for an unknown dim and "?" alone for an unknown rank. */
export function formatShape(shape: Dim[] | null): string {
  if (shape === null) return "?";
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
}
