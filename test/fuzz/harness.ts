/**
 * The fuzz suite's contract, in one place: a parser given any input either returns or throws a TrtxError subclass
 * (which the CLI turns into exit 1/2/3 with one line), never anything else (TypeError, RangeError from a typed
 * array allocation, a stack overflow, ...), within a time bound, without allocating memory out of proportion to
 * its input, and without opening files outside the folder it was pointed at.
 *
 * Targets (one fast-check property each, plus optional exhaustive sweeps) run inside a worker thread (worker.ts)
 * so that a hang or a heap blow-up is caught by a watchdog; the input being parsed at that moment is mirrored into
 * shared memory so the watchdog can print it.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { TrtxError } from "../../src/core/errors.js";

export interface Target {
  /** "parser.what", e.g. "onnx.scan-mutated"; the part before the dot groups targets into parsers for reporting. */
  name: string;
  /** fast-check runs in the default (npm test) run. */
  runs: number;
  /** Runs under `npm run fuzz` relative to FUZZ_RUNS (default 1; large-input targets are slower, so less). */
  fuzzShare?: number;
  property?(): fc.IProperty<any[]>;
  /** false for large inputs: shrinking one means hundreds more slow parses, so the first counterexample is reported as is. */
  shrink?: boolean;
  /** Deterministic cases run before the property (e.g. every prefix of every seed); returns how many. */
  sweep?(): number;
}

/** fast-check runs for a target: its default, or (npm run fuzz) FUZZ_RUNS scaled by its fuzzShare. */
export function runsFor(t: Target, fuzzRuns: number | undefined): number {
  if (!t.property) return 0;
  return fuzzRuns === undefined ? t.runs : Math.max(1, Math.ceil(fuzzRuns * (t.fuzzShare ?? 1)));
}

export const parserOf = (name: string) => name.slice(0, name.indexOf("."));

/**
 * The per-call time bound is `npm run fuzz`'s (scripts/fuzz.ts sets FUZZ_CALL_MS, 3 s by default): it is what tells a
 * quadratic parse from a linear one. `npm test` asserts no durations; there a hang is caught by the watchdog alone.
 */
const CALL_MS = process.env.FUZZ_CALL_MS === undefined ? undefined : Number(process.env.FUZZ_CALL_MS);

/** Per-call limits. */
export const LIMITS = {
  /** FUZZ_CALL_MS plus 1 ms per 100 bytes of input: linear work on a large input passes, quadratic does not. */
  callMs: (inputBytes: number) => (CALL_MS === undefined ? Number.POSITIVE_INFINITY : CALL_MS + inputBytes / 100),
  /** ArrayBuffer growth allowed per call: a parse may copy its input a few times, never more than this. */
  arrayBufferBytes: (inputBytes: number) => 64 * 1024 * 1024 + 16 * inputBytes,
};

/** A violation of the contract; fast-check reports it with the input that caused it. */
export class ContractViolation extends Error {
  override name = "ContractViolation";
}

// ---- the input being parsed, mirrored into shared memory for the watchdog -------------------------------------

const RECORD_BYTES = 64 * 1024;
let record: { meta: Int32Array; bytes: Uint8Array } | undefined;

export function recordInto(sab: SharedArrayBuffer): void {
  record = { meta: new Int32Array(sab, 0, 4), bytes: new Uint8Array(sab, 16) };
}
export const newRecordBuffer = () => new SharedArrayBuffer(16 + RECORD_BYTES);

/** Stores `input` (and what it is, as a label) as the current case. */
function remember(label: string, input: Uint8Array | string): void {
  if (!record) return;
  const data = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const head = new TextEncoder().encode(`${label}\n`).subarray(0, 256);
  const n = Math.min(data.length, RECORD_BYTES - head.length);
  record.bytes.set(head, 0);
  record.bytes.set(data.subarray(0, n), head.length);
  Atomics.store(record.meta, 0, head.length + n);
  Atomics.store(record.meta, 1, data.length);
}

/** What the watchdog prints: the label, the size, and the first bytes (as text when printable, else base64). */
export function describeRecord(sab: SharedArrayBuffer): string {
  const meta = new Int32Array(sab, 0, 4);
  const stored = Atomics.load(meta, 0);
  if (stored === 0) return "(no input recorded)";
  const bytes = Buffer.from(new Uint8Array(sab, 16, stored));
  const nl = bytes.indexOf(10);
  const label = bytes.subarray(0, nl).toString("utf8");
  const data = bytes.subarray(nl + 1);
  const text = data.toString("utf8");
  const printable = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes("\ufffd");
  const shown = printable ? JSON.stringify(text.slice(0, 2000)) : `base64 ${data.subarray(0, 1500).toString("base64")}`;
  return `${label}, ${Atomics.load(meta, 1)} bytes: ${shown}${data.length > 2000 ? " ..." : ""}`;
}

// ---- reads outside the case's folder --------------------------------------------------------------------------

let readRoot: string | undefined;
let outsideReads: string[] = [];

/** Wraps fs's path-taking read entry points once; while a guard is active, reads outside its folder are recorded. */
function installReadSpy(): void {
  const f = fs as unknown as Record<string, (...args: unknown[]) => unknown> & { __fuzzSpy?: boolean };
  if (f.__fuzzSpy) return;
  f.__fuzzSpy = true;
  for (const name of ["openSync", "readFileSync", "createReadStream", "readSync"]) {
    const original = f[name]!;
    f[name] = function (this: unknown, ...args: unknown[]) {
      const p = args[0];
      if (readRoot !== undefined && (typeof p === "string" || p instanceof URL)) {
        const abs = path.resolve(p instanceof URL ? p.pathname : p);
        const rel = path.relative(readRoot, abs);
        if (rel.startsWith("..") || path.isAbsolute(rel)) outsideReads.push(abs);
      }
      return original.apply(this, args);
    };
  }
}

/** Runs `fn` with reads outside `root` recorded; fails when there were any. */
export function guardReads<T>(root: string, fn: () => T): T {
  installReadSpy();
  readRoot = path.resolve(root);
  outsideReads = [];
  try {
    return fn();
  } finally {
    readRoot = undefined;
    if (outsideReads.length) {
      throw new ContractViolation(`read outside the model's folder ${root}: ${[...new Set(outsideReads)].join(", ")}`);
    }
  }
}

// ---- the contract ----------------------------------------------------------------------------------------------

/** Outcomes per parse label ("ok" or the error's class and the start of its message), for FUZZ_STATS=1. */
export const outcomeStats = new Map<string, number>();
const STATS = process.env.FUZZ_STATS === "1";
/** FUZZ_TRACE_MS=N: log every parse slower than N ms to stderr. */
const TRACE_MS = process.env.FUZZ_TRACE_MS === undefined ? undefined : Number(process.env.FUZZ_TRACE_MS);

function tally(label: string, outcome: Outcome<unknown>): void {
  const what = outcome.ok ? "ok" : `${outcome.error.name}: ${outcome.error.message.replace(/^\S*(config\.pbtxt|\.npy|\.pb|\.json|\.yaml|\.onnx)\S*/, "").replace(/\d+/g, "N").slice(0, 70)}`;
  const key = `${label.replace(/^.*: /, "")} → ${what}`;
  outcomeStats.set(key, (outcomeStats.get(key) ?? 0) + 1);
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TrtxError };

/**
 * Runs one parse of `input` (what `label` names); returns its value or the TrtxError it threw, and throws a
 * ContractViolation for anything else: another kind of exception, too slow, too much memory.
 */
export function parseOrRefuse<T>(label: string, input: Uint8Array | string, fn: () => T): Outcome<T> {
  remember(label, input);
  const size = typeof input === "string" ? Buffer.byteLength(input) : input.length;
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof ContractViolation) throw e;
    if (!(e instanceof TrtxError)) {
      const err = e instanceof Error ? e : new Error(String(e));
      const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 8).join("\n");
      throw new ContractViolation(`${label}: threw ${err.name} (not a TrtxError): ${err.message.slice(0, 300)}\n${frames}`);
    }
    outcome = { ok: false, error: e };
  }
  const ms = performance.now() - start;
  if (TRACE_MS !== undefined && ms > TRACE_MS) process.stderr.write(`fuzz: ${label} took ${ms.toFixed(0)} ms for ${size} bytes\n`);
  if (ms > LIMITS.callMs(size)) throw new ContractViolation(`${label}: took ${ms.toFixed(0)} ms for ${size} bytes of input (limit ${LIMITS.callMs(size).toFixed(0)} ms)`);
  const grew = process.memoryUsage().arrayBuffers - before;
  if (grew > LIMITS.arrayBufferBytes(size)) {
    throw new ContractViolation(`${label}: ArrayBuffers grew by ${(grew / 2 ** 20).toFixed(0)} MiB for ${size} bytes of input`);
  }
  if (STATS) tally(label, outcome);
  return outcome;
}

/** The same contract for a parse that must refuse (throw a TrtxError), e.g. external data outside the model's folder. */
export function mustRefuse(label: string, input: Uint8Array | string, fn: () => unknown, why: string): TrtxError {
  const outcome = parseOrRefuse(label, input, fn);
  if (outcome.ok) throw new ContractViolation(`${label}: accepted, but it must be refused: ${why}`);
  return outcome.error;
}

// ---- seeds -----------------------------------------------------------------------------------------------------

/** A stable 31-bit seed per target, from the run's base seed and the target's name. */
export function seedFor(base: number, name: string): number {
  let h = base | 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 1;
}

/** The base seed: FUZZ_SEED, else the fixed one that `npm test` always uses. */
export const DEFAULT_SEED = 0x7472_7478;
