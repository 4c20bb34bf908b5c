/**
 * Structure-agnostic mutations for the fuzz suite: arbitraries that take valid seed inputs (bytes or text) and
 * damage them the way files get damaged or forged: cut at any point, bits and bytes flipped, runs deleted or
 * repeated, "absurd" varints and lengths spliced in, tokens of the format's own syntax inserted. Structure-aware
 * generators for each format live in targets-*.ts and are combined with these.
 */
import fc from "fast-check";
import { cat } from "./wire-writer.js";

/** Varints that decode to absurd values: 2^63-1, -1 (10 bytes), 2^53, 2^32, an 11-byte run, a lone continuation byte. */
export const ABSURD_VARINTS: readonly Uint8Array[] = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
  [0x80, 0x80, 0x80, 0x80, 0x10],
  [0xff, 0xff, 0xff, 0xff, 0x07],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80],
  [0x00],
].map((b) => Uint8Array.from(b));

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x22, 0x5c, 0xc0, 0xed, 0xf4];

/** `arb` one time in `oneIn`, else null (fc.option's freq is the other way round: nil one time in freq). */
export function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

type ByteMutation = (b: Uint8Array) => Uint8Array;


/** Positions are drawn as fractions so one mutation applies to inputs of any length. */
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const at = (b: Uint8Array, f: number) => Math.floor(f * (b.length + 1));

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  // Truncation anywhere (the exhaustive every-prefix sweep is in the tests themselves).
  frac.map((f) => (b: Uint8Array) => b.subarray(0, at(b, f))),
  // Bit flips.
  fc.array(fc.tuple(frac, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => (b: Uint8Array) => {
    const out = Uint8Array.from(b);
    for (const [f, bit] of flips) if (out.length) out[Math.floor(f * out.length)]! ^= 1 << bit;
    return out;
  }),
  // Bytes set to boundary values or random ones.
  fc.array(fc.tuple(frac, fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }).map((sets) => (b: Uint8Array) => {
    const out = Uint8Array.from(b);
    for (const [f, v] of sets) if (out.length) out[Math.floor(f * out.length)] = v;
    return out;
  }),
  // Random bytes inserted.
  fc.tuple(frac, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([f, ins]) => (b: Uint8Array) => cat(b.subarray(0, at(b, f)), ins, b.subarray(at(b, f)))),
  // A run deleted.
  fc.tuple(frac, fc.integer({ min: 1, max: 64 })).map(([f, n]) => (b: Uint8Array) => cat(b.subarray(0, at(b, f)), b.subarray(at(b, f) + n))),
  // A run repeated (duplicate fields, duplicate names).
  fc.tuple(frac, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 4 })).map(([f, n, times]) => (b: Uint8Array) => {
    const i = at(b, f);
    const run = b.subarray(i, i + n);
    return cat(b.subarray(0, i), ...Array.from({ length: times + 1 }, () => run), b.subarray(i + n));
  }),
  // An absurd varint written over or inserted at a position (lengths, tags, dims, dtypes).
  fc.tuple(frac, fc.constantFrom(...ABSURD_VARINTS), fc.boolean()).map(([f, v, overwrite]) => (b: Uint8Array) => {
    const i = at(b, f);
    return cat(b.subarray(0, i), v, b.subarray(overwrite ? i + v.length : i));
  }),
);

/** One seed, damaged by one to four mutations (most inputs get one, so the damage stays local). */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteMutation, { minLength: 1, maxLength: 4, depthIdentifier: "mut" }))
    .map(([seed, muts]) => muts.reduce((b, m) => m(b), seed));
}

/** Text mutations: the byte mutations above on its UTF-8 (decoded back the way readFileSync(file, "utf8") does), or token-level edits. */
export function mutatedText(seeds: readonly string[], tokens: readonly string[]): fc.Arbitrary<string> {
  const utf8 = seeds.map((s) => new TextEncoder().encode(s));
  const viaBytes = mutatedBytes(utf8).map((b) => Buffer.from(b).toString("utf8"));
  const token = fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 4 }));
  const edit = fc.oneof(
    fc.tuple(frac, token).map(([f, t]) => (s: string) => s.slice(0, Math.floor(f * (s.length + 1))) + t + s.slice(Math.floor(f * (s.length + 1)))),
    fc.tuple(frac, fc.integer({ min: 1, max: 40 })).map(([f, n]) => (s: string) => {
      const i = Math.floor(f * (s.length + 1));
      return s.slice(0, i) + s.slice(i + n);
    }),
    // A whole line deleted or repeated.
    fc.tuple(frac, fc.boolean()).map(([f, dup]) => (s: string) => {
      const lines = s.split("\n");
      const i = Math.floor(f * lines.length);
      lines.splice(i, dup ? 0 : 1, ...(dup ? [lines[i] ?? ""] : []));
      return lines.join("\n");
    }),
    frac.map((f) => (s: string) => s.slice(0, Math.floor(f * (s.length + 1)))),
  );
  const viaTokens = fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 5, depthIdentifier: "mut" }))
    .map(([seed, edits]) => edits.reduce((s, e) => e(s), seed));
  return fc.oneof(viaBytes, viaTokens);
}

/**
 * Large inputs built from a short snippet of syntax repeated tens of thousands of times, inserted into a seed: deep
 * nesting, long strings, long runs of escapes. They find parsers that are quadratic, recursive or that spread huge
 * arrays into call arguments.
 */
export function amplifiedText(seeds: readonly string[], snippets: readonly string[], maxRepeat = 20_000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.constantFrom(...snippets), fc.integer({ min: 1000, max: maxRepeat }), frac)
    .map(([seed, snippet, n, f]) => {
      const i = Math.floor(f * (seed.length + 1));
      return seed.slice(0, i) + snippet.repeat(n) + seed.slice(i);
    });
}

/** Every prefix of `b` (every prefix up to `limit` cuts, spread evenly, for longer inputs). */
export function prefixes(length: number, limit = 4096): number[] {
  if (length + 1 <= limit) return Array.from({ length: length + 1 }, (_, i) => i);
  const step = (length + 1) / limit;
  return Array.from({ length: limit }, (_, i) => Math.floor(i * step)).concat(length);
}

/** A sweep: `parse` on the prefixes (above) of every seed; returns how many it ran. */
export function sweepPrefixes<T extends string | Uint8Array>(seeds: readonly T[], parse: (prefix: T) => void, limit?: number): number {
  let n = 0;
  for (const s of seeds) {
    for (const cut of prefixes(s.length, limit)) {
      parse((typeof s === "string" ? s.slice(0, cut) : s.subarray(0, cut)) as T);
      n++;
    }
  }
  return n;
}

/**
 * One edit of a parsed document (JSON or YAML as plain values): the node reached by following `pathFracs` (each a
 * fraction of the keys at that level, so the same edit applies to any tree) is replaced by `value`, deleted, renamed
 * to `key`, or duplicated. Returns the root (or `value` when the root is not an object).
 */
export function editTree(root: unknown, [pathFracs, op, value, key]: [number[], string, unknown, string]): unknown {
  if (typeof root !== "object" || root === null) return value;
  let parent = root as Record<string, unknown>;
  for (let i = 0; ; i++) {
    const keys = Object.keys(parent);
    if (keys.length === 0) return root;
    const k = keys[Math.floor(pathFracs[i % pathFracs.length]! * keys.length)]!;
    const child = parent[k];
    const last = i >= pathFracs.length - 1 || typeof child !== "object" || child === null;
    if (!last) {
      parent = child as Record<string, unknown>;
      continue;
    }
    if (op === "replace") parent[k] = value;
    else if (op === "delete") delete parent[k];
    else if (op === "rename") {
      parent[key] = child;
      delete parent[k];
    } else if (Array.isArray(parent)) parent.push(structuredClone(child));
    else parent[`${k}_2`] = child;
    return root;
  }
}
