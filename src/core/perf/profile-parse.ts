/**
 * `trtx perf --profile`: ONNX Runtime's own profiler, read back and turned into a diagnosis in trtexec's spirit
 * (where does a query's time go: the model's kernels, copies between host and device, or the host around them).
 *
 * What onnxruntime-node 1.29 writes (seen on CPU and on the CUDA EP of an H100): with the session options
 * `enableProfiling` and `profileFilePrefix`, session creation makes an empty `<prefix>_<YYYY-MM-DD_HH-MM-SS_mmm>.json`;
 * `session.endProfiling()` (which returns nothing in JS; calling it twice is harmless, runs after it are not
 * recorded) or `release()` fills it with a Chrome-trace JSON array of complete events (`"ph": "X"`, `ts` and `dur`
 * in whole microseconds from the profiler's start, `pid`, `tid`):
 *   - cat "Session": `model_loading_uri` (or `model_loading_array` for a model given as bytes),
 *     `session_initialization`, and per run `model_run` enclosing `SequentialExecutor::Execute`;
 *   - cat "Node": one `<node name>_kernel_time` per node execution, recorded at its end (so it comes before its
 *     run's events in the array), with args `op_name`, `provider` ("CPUExecutionProvider", "CUDAExecutionProvider"),
 *     `node_index`, input/output type-shapes, memory and thread statistics. Node names are the graph's after ORT's
 *     optimizations: fused nodes keep a name ("Relu_1_out_nchwc" with op_name Conv, "MatMul_1/MatMulAddFusion" with
 *     op_name Gemm) and layout nodes appear (ReorderOutput on CPU).
 *   - Subgraphs (If, Loop, Scan bodies) record their nodes and their own `SequentialExecutor::Execute` inside the
 *     control-flow node's event: kernel time here is self time, nested kernels subtracted from their parent.
 * On the CUDA EP, a node's duration is the host's time in its Compute (mostly the kernel launch): CUDA kernels run
 * asynchronously, and the GPU time of work still queued surfaces where the host waits for it, which is the output
 * copy after the executor, inside model_run. The graph's own inputs and outputs are copied outside any node (no
 * Memcpy events for them); MemcpyFromHost/MemcpyToHost nodes appear only where the graph's partition moves a
 * tensor between providers mid-graph.
 */
import { DataFormatError } from "../errors.js";

/** The op types ORT inserts to move a tensor between a device and the host (onnxruntime's kMemcpy ops). */
export const TRANSFER_OPS: ReadonlySet<string> = new Set(["MemcpyFromHost", "MemcpyToHost"]);
export const CPU_PROVIDER = "CPUExecutionProvider";
const KERNEL_SUFFIX = "_kernel_time";
const EXECUTE = "SequentialExecutor::Execute";

/** One op type on one provider, over the measured runs. */
export interface ProfileOpRow {
  op: string;
  provider: string;
  /** Node executions (nodes of this type × measured runs). */
  count: number;
  totalUs: number;
  meanUsPerRun: number;
  /** Share of all kernel time (compute and transfer) in the measured runs. */
  percent: number;
}

export interface ProfileNodeRow {
  name: string;
  op: string;
  provider: string;
  totalUs: number;
  meanUsPerRun: number;
  percent: number;
}

export interface ProfileProviderRow {
  provider: string;
  /** Distinct nodes that ran on it. */
  nodes: number;
  /** Its op types, by time. */
  ops: string[];
  usPerRun: number;
  percent: number;
}

export interface OrtProfileSummary {
  /** The file the summary was read from (profileRun: the kept copy, or ORT's file name, since deleted). */
  file: string;
  /** model_run events: session.run calls. */
  runs: number;
  /** The runs the per-run figures are averaged over: all but the first when there are two or more. */
  measuredRuns: number;
  firstRunExcluded: boolean;
  /** The first run's model_run, kept for comparison (one-time allocations and kernel selection land in it). */
  firstRunUs: number;
  /** Session creation as ORT timed it; null when the event is missing. */
  session: { loadUs: number | null; initUs: number | null };
  modelRun: { totalUs: number; meanUs: number; minUs: number; maxUs: number };
  /** The outermost SequentialExecutor::Execute per run; null when the profile has none. */
  executeUsPerRun: number | null;
  /** Summed kernel (self) time per run, and its split into compute and Memcpy nodes. */
  kernelUsPerRun: number;
  computeUsPerRun: number;
  transferUsPerRun: number;
  /** model_run minus the kernels: ORT's own time per run (never negative: see ortOverhead()). */
  ortOverheadUsPerRun: number;
  /**
   * model_run minus the executor: feeding inputs and fetching outputs. On a GPU provider that is the copies of the
   * graph's inputs and outputs and the wait for queued GPU work to finish. null without Execute events.
   */
  outsideExecutorUsPerRun: number | null;
  /** Compute op types (Memcpy excluded), by total time. */
  ops: ProfileOpRow[];
  /** Memcpy op types, by total time: reported apart from compute. */
  transfers: ProfileOpRow[];
  topNodes: ProfileNodeRow[];
  /** Kernel time per provider, by time: nodes a GPU provider could not take run on CPUExecutionProvider. */
  providers: ProfileProviderRow[];
  /** Kernel events inside no model_run (none in profiles ORT writes for sequential runs). */
  unattributedKernels: number;
}

export interface ParseOptions {
  /** How many nodes topNodes lists (10). */
  topNodes?: number;
}

interface Span {
  ts: number;
  dur: number;
  tid: number;
}

interface Kernel extends Span {
  name: string;
  op: string;
  provider: string;
  self: number;
}

/** Reads an ORT profile (the JSON text of `file`, named in errors) into per-op, per-node and per-provider tables. */
export function parseOrtProfile(text: string, file: string, options: ParseOptions = {}): OrtProfileSummary {
  const notProfile = (why: string) =>
    new DataFormatError(`${file} is not an ONNX Runtime profile: ${why}`, { hint: "pass the .json that a session with enableProfiling wrote" });
  if (text.trim() === "") {
    throw new DataFormatError(`${file} is empty: ONNX Runtime fills its profile only at endProfiling() or release()`, {
      hint: "end the profiling session before reading the file",
    });
  }
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw notProfile(`not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(events)) throw notProfile("expected a JSON array of trace events");

  const runs: Span[] = [];
  const executes: Span[] = [];
  const kernels: Kernel[] = [];
  let loadUs: number | null = null;
  let initUs: number | null = null;
  let sessionEvents = 0;
  events.forEach((e: unknown, i) => {
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw notProfile(`event ${i} is not an object`);
    const ev = e as Record<string, unknown>;
    if (ev.cat !== "Session" && ev.cat !== "Node") return; // other categories (CUPTI "Kernel", "Api") are not summed
    const { name, ts, dur } = ev;
    if (typeof name !== "string" || !isTime(ts) || !isTime(dur)) throw notProfile(`event ${i} (${ev.cat}) lacks a name, ts or dur`);
    const span: Span = { ts, dur, tid: typeof ev.tid === "number" ? ev.tid : 0 };
    if (ev.cat === "Session") {
      sessionEvents++;
      if (name === "model_run") runs.push(span);
      else if (name === EXECUTE) executes.push(span);
      else if (name.startsWith("model_loading")) loadUs = dur;
      else if (name === "session_initialization") initUs = dur;
      return;
    }
    if (!name.endsWith(KERNEL_SUFFIX)) return; // older ORT also wrote _fence_before/_fence_after: not kernel time
    const args = ev.args as Record<string, unknown> | undefined;
    if (typeof args !== "object" || args === null || typeof args.op_name !== "string") throw notProfile(`node event ${i} (${name}) has no args.op_name`);
    const op = args.op_name;
    const provider = typeof args.provider === "string" ? args.provider : "unknown";
    const node = name.slice(0, -KERNEL_SUFFIX.length) || `(unnamed ${op} #${String(args.node_index ?? "?")})`;
    kernels.push({ ...span, name: node, op, provider, self: dur });
  });
  if (sessionEvents === 0) throw notProfile("it has no Session events (model_loading, session_initialization, model_run)");
  if (runs.length === 0) {
    throw new DataFormatError(`${file} records no runs (no model_run events)`, { hint: "run the session at least once before ending profiling" });
  }

  subtractNested(kernels);
  runs.sort((a, b) => a.ts - b.ts);
  // The first run carries one-time work: arena growth, cuDNN/cuBLAS algorithm search, lazy initialisation (on the
  // CUDA EP it ran 100–1000× longer than the next). Averages leave it out, unless it is the only run.
  const firstRunExcluded = runs.length > 1;
  const measured = firstRunExcluded ? runs.slice(1) : runs;
  const n = measured.length;
  const firstRun = runs[0]!;

  // Each kernel belongs to the run whose interval holds its start (the latest-starting such run).
  const runOf = (k: Span): number => {
    let lo = 0;
    let hi = runs.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid]!.ts <= k.ts) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let r = at; r >= 0; r--) if (k.ts <= runs[r]!.ts + runs[r]!.dur) return r;
    return -1;
  };
  let unattributed = 0;
  const counted: Kernel[] = [];
  for (const k of kernels) {
    const r = runOf(k);
    if (r < 0) unattributed++;
    else if (!(firstRunExcluded && r === 0)) counted.push(k);
  }
  // The outermost executor span per measured run (subgraph executors nest inside it).
  const executeByRun = new Map<number, number>();
  for (const x of executes) {
    const r = runOf(x);
    if (r < 0 || (firstRunExcluded && r === 0)) continue;
    executeByRun.set(r, Math.max(executeByRun.get(r) ?? 0, x.dur));
  }

  const kernelTotal = sum(counted.map((k) => k.self));
  const pct = (us: number) => (kernelTotal > 0 ? (100 * us) / kernelTotal : 0);
  const opRows = new Map<string, ProfileOpRow>();
  const nodeRows = new Map<string, ProfileNodeRow>();
  const providerRows = new Map<string, { us: number; nodes: Set<string>; ops: Map<string, number> }>();
  for (const k of counted) {
    const key = `${k.provider}\u0000${k.op}`;
    const row = opRows.get(key) ?? { op: k.op, provider: k.provider, count: 0, totalUs: 0, meanUsPerRun: 0, percent: 0 };
    row.count++;
    row.totalUs += k.self;
    opRows.set(key, row);
    const nodeKey = `${k.provider}\u0000${k.name}`;
    const node = nodeRows.get(nodeKey) ?? { name: k.name, op: k.op, provider: k.provider, totalUs: 0, meanUsPerRun: 0, percent: 0 };
    node.totalUs += k.self;
    nodeRows.set(nodeKey, node);
    const p = providerRows.get(k.provider) ?? { us: 0, nodes: new Set<string>(), ops: new Map<string, number>() };
    p.us += k.self;
    p.nodes.add(k.name);
    p.ops.set(k.op, (p.ops.get(k.op) ?? 0) + k.self);
    providerRows.set(k.provider, p);
  }
  const finish = <T extends { totalUs: number; meanUsPerRun: number; percent: number }>(rows: Iterable<T>): T[] =>
    [...rows].map((r) => ({ ...r, meanUsPerRun: r.totalUs / n, percent: pct(r.totalUs) })).sort((a, b) => b.totalUs - a.totalUs);
  const allOps = finish(opRows.values());
  const ops = allOps.filter((r) => !TRANSFER_OPS.has(r.op));
  const transfers = allOps.filter((r) => TRANSFER_OPS.has(r.op));

  const modelRunTotal = sum(measured.map((r) => r.dur));
  const modelRunMean = modelRunTotal / n;
  const kernelUsPerRun = kernelTotal / n;
  const transferUsPerRun = sum(transfers.map((r) => r.totalUs)) / n;
  const executeUsPerRun = executeByRun.size > 0 ? sum([...executeByRun.values()]) / executeByRun.size : null;
  return {
    file,
    runs: runs.length,
    measuredRuns: n,
    firstRunExcluded,
    firstRunUs: firstRun.dur,
    session: { loadUs, initUs },
    modelRun: { totalUs: modelRunTotal, meanUs: modelRunMean, minUs: measured.reduce((m, r) => Math.min(m, r.dur), Infinity), maxUs: measured.reduce((m, r) => Math.max(m, r.dur), 0) },
    executeUsPerRun,
    kernelUsPerRun,
    computeUsPerRun: kernelUsPerRun - transferUsPerRun,
    transferUsPerRun,
    ortOverheadUsPerRun: ortOverhead(modelRunMean, kernelUsPerRun),
    outsideExecutorUsPerRun: executeUsPerRun === null ? null : Math.max(0, modelRunMean - executeUsPerRun),
    ops,
    transfers,
    topNodes: finish(nodeRows.values()).slice(0, options.topNodes ?? 10),
    providers: [...providerRows.entries()]
      .map(([provider, p]) => ({
        provider,
        nodes: p.nodes.size,
        ops: [...p.ops.entries()].sort((a, b) => b[1] - a[1]).map(([op]) => op),
        usPerRun: p.us / n,
        percent: pct(p.us),
      }))
      .sort((a, b) => b.usPerRun - a.usPerRun),
    unattributedKernels: unattributed,
  };
}

/**
 * ORT's time per run outside the kernels. With executionMode "parallel" (or concurrent runs on one session)
 * kernels overlap and their sum can exceed the run; the overhead is then unknown and reported as 0, not negative.
 */
function ortOverhead(modelRunUs: number, kernelUs: number): number {
  return Math.max(0, modelRunUs - kernelUs);
}

/**
 * Turns each kernel's duration into self time: a kernel that starts inside another on the same thread (a node of
 * an If/Loop/Scan body inside the control-flow node) is subtracted from that parent, so sums count each µs once.
 */
function subtractNested(kernels: Kernel[]): void {
  const byThread = new Map<number, Kernel[]>();
  for (const k of kernels) {
    const list = byThread.get(k.tid);
    if (list) list.push(k);
    else byThread.set(k.tid, [k]);
  }
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const open: Kernel[] = [];
    for (const k of list) {
      while (open.length > 0 && k.ts >= open.at(-1)!.ts + open.at(-1)!.dur) open.pop();
      const parent = open.at(-1);
      if (parent) parent.self = Math.max(0, parent.self - k.dur);
      open.push(k);
    }
  }
}

function isTime(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
