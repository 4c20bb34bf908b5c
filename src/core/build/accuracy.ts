/**
 * The accuracy gate: the source model (float32) and the built model run on the same provider over the same samples,
 * and every output must keep its direction (cosine similarity) and, when asked, its values (atol/rtol). Max errors and
 * classifier top-1 agreement are reported alongside, since a cosine alone hides a flipped arg-max.
 */
import type { InferenceSession } from "onnxruntime-node";
import { TrtxError } from "../errors.js";
import { compareTensors } from "../compare/compare.js";
import { loadOrt, type Ort, type OrtLogLevel } from "../ep/ort.js";
import type { Provider } from "../ep/providers.js";
import { createSession } from "../ep/session.js";
import { fromOrtTensor, toOrtTensor } from "../run/ort-tensor.js";
import { toFloat16Array } from "../tensor/float16.js";
import { toFloat64, type HostTensor } from "../tensor/host-tensor.js";
import type { Sample } from "./calibration-data.js";
import { cosine } from "../compare/cosine.js";

export interface OutputAccuracy {
  name: string;
  maxAbs: number;
  maxRel: number;
  meanAbs: number;
  /** The lowest cosine similarity over the samples. */
  minCosine: number;
  /** Share of rows whose arg-max agrees, for [N, C≥2] outputs. */
  top1Agreement?: number;
  /** Elements within atol/rtol (Polygraphy's elementwise rule), when tolerances were given. */
  passRate?: number;
  passed: boolean;
}

export interface AccuracyReport {
  provider: Provider;
  samples: number;
  inputs: string;
  minCosine: number;
  atol?: number;
  rtol?: number;
  outputs: OutputAccuracy[];
  passed: boolean;
  ms: number;
}

export interface AccuracyOptions {
  provider: Provider;
  minCosine: number;
  atol?: number;
  rtol?: number;
  inputs: string;
  logLevel?: OrtLogLevel;
}

export async function checkAccuracy(reference: string, candidate: string, samples: readonly Sample[], options: AccuracyOptions): Promise<AccuracyReport> {
  const start = performance.now();
  const ort = await loadOrt(options.logLevel);
  const session = (model: string) => createSession(model, { ep: options.provider, ...(options.logLevel ? { logLevel: options.logLevel } : {}) }).then((r) => r.session);
  const ref = await session(reference);
  try {
    const cand = await session(candidate);
    try {
      const acc = new Map<string, Accumulator>();
      for (const sample of samples) {
        const expected = await run(ort, ref, sample, reference);
        const actual = await run(ort, cand, castFeeds(sample, cand), candidate);
        for (const [name, want] of expected) {
          const got = actual.get(name);
          if (!got) throw new TrtxError(`the built model has no output ${name}`, { hint: "this is a bug in the conversion; please report it" });
          const a = acc.get(name) ?? new Accumulator();
          a.add(got, want, options);
          acc.set(name, a);
        }
      }
      const outputs = [...acc].map(([name, a]) => a.result(name, options));
      return {
        provider: options.provider,
        samples: samples.length,
        inputs: options.inputs,
        minCosine: options.minCosine,
        ...(options.atol !== undefined ? { atol: options.atol } : {}),
        ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
        outputs,
        passed: outputs.every((o) => o.passed),
        ms: performance.now() - start,
      };
    } finally {
      await cand.release();
    }
  } finally {
    await ref.release();
  }
}

async function run(ort: Ort, session: InferenceSession, feeds: Sample, model: string): Promise<Map<string, HostTensor>> {
  try {
    const results = await session.run(Object.fromEntries([...feeds].map(([n, t]) => [n, toOrtTensor(ort, t)])));
    return new Map(session.outputNames.map((name) => [name, fromOrtTensor(results[name]!)]));
  } catch (e) {
    throw new TrtxError(`onnxruntime could not run ${model}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
  }
}

/** A model built with --io-fp16 takes float16 where the samples (and the source) are float32. */
function castFeeds(sample: Sample, session: InferenceSession): Sample {
  const meta = new Map(session.inputMetadata.map((m) => [m.name, m]));
  return new Map(
    [...sample].map(([name, t]) => {
      const m = meta.get(name);
      const wantsHalf = m?.isTensor && m.type === "float16" && t.dtype === "float32";
      return [name, wantsHalf ? { dtype: "float16", dims: t.dims, data: toFloat16Array(t.data as Float32Array) } : t];
    }),
  );
}

class Accumulator {
  maxAbs = 0;
  maxRel = 0;
  sumAbs = 0;
  elements = 0;
  minCosine = 1;
  rows = 0;
  agreeing = 0;
  failing = 0;
  classifier = true;

  add(actual: HostTensor, expected: HostTensor, options: AccuracyOptions): void {
    const tol = { atol: options.atol ?? 0, rtol: options.rtol ?? 0 };
    const c = compareTensors("", actual, expected, tol);
    if (!c.errors) {
      // Shapes differ, or NaN everywhere: nothing agrees.
      this.minCosine = Number.NEGATIVE_INFINITY;
      this.failing += Math.max(1, c.elements);
      this.classifier = false;
      return;
    }
    this.maxAbs = Math.max(this.maxAbs, c.errors.maxAbs);
    this.maxRel = Math.max(this.maxRel, c.errors.maxRel);
    this.sumAbs += c.errors.meanAbs * c.elements;
    this.elements += c.elements;
    this.failing += c.failing;
    const a = toFloat64(actual);
    const e = toFloat64(expected);
    this.minCosine = Math.min(this.minCosine, cosine(a, e));
    if (expected.dims.length === 2 && expected.dims[1]! >= 2) {
      const classes = expected.dims[1]!;
      for (let r = 0; r < expected.dims[0]!; r++) {
        this.rows++;
        if (argmax(a, r * classes, classes) === argmax(e, r * classes, classes)) this.agreeing++;
      }
    } else this.classifier = false;
  }

  result(name: string, options: AccuracyOptions): OutputAccuracy {
    const tolerances = options.atol !== undefined || options.rtol !== undefined;
    const passRate = this.elements === 0 ? 0 : (this.elements - this.failing) / this.elements;
    return {
      name,
      maxAbs: this.maxAbs,
      maxRel: this.maxRel,
      meanAbs: this.elements === 0 ? 0 : this.sumAbs / this.elements,
      minCosine: this.minCosine,
      ...(this.classifier && this.rows > 0 ? { top1Agreement: this.agreeing / this.rows } : {}),
      ...(tolerances ? { passRate } : {}),
      passed: this.minCosine >= options.minCosine && (!tolerances || this.failing === 0),
    };
  }
}


function argmax(v: Float64Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[offset + i]! > v[offset + best]!) best = i;
  return best;
}
