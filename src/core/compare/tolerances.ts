/**
 * `--atol` / `--rtol` as Polygraphy takes them: a default and per-output overrides, `--atol 1e-5 --atol logits:1e-3`.
 * Output names may hold colons ("out:0"), so a value splits at its last colon.
 */
import { UsageError } from "../errors.js";

/** Polygraphy's default for both atol and rtol. */
export const DEFAULT_TOLERANCE = 1e-5;

/** One tolerance flag: a value for every output, and overrides by output name. */
export interface ToleranceSetting {
  default: number;
  perOutput: Map<string, number>;
}

export interface Tolerances {
  atol: ToleranceSetting;
  rtol: ToleranceSetting;
}

/** The tolerances that apply to one output. */
export interface ResolvedTolerance {
  atol: number;
  rtol: number;
}

// A plain decimal: Number() alone would also take "", " ", "0x10" and "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses the values of one repeatable tolerance flag (`flag` is its name, for messages). A value is a number (the
 * default for every output) or name:number; `fallback` stands when no plain number is given. A default or an output
 * given twice is refused rather than letting the later one win silently.
 */
export function parseTolerance(flag: string, values: readonly string[], fallback = DEFAULT_TOLERANCE): ToleranceSetting {
  const hint = `write ${flag} 1e-5 for every output, ${flag} name:1e-3 for one`;
  let defaultValue: number | undefined;
  const perOutput = new Map<string, number>();
  for (const value of values) {
    const colon = value.lastIndexOf(":");
    const name = colon < 0 ? undefined : value.slice(0, colon);
    const text = value.slice(colon + 1).trim();
    if (name === "") throw new UsageError(`${flag} "${value}" has an empty output name`, { hint });
    if (!NUMBER.test(text)) throw new UsageError(`${flag} "${value}": "${text}" is not a number`, { hint });
    const tolerance = Number(text);
    if (tolerance < 0 || !Number.isFinite(tolerance)) {
      throw new UsageError(`${flag} "${value}": a tolerance must be a finite number ≥ 0`, { hint });
    }
    if (name === undefined) {
      if (defaultValue !== undefined) throw new UsageError(`${flag} is given a default twice (${defaultValue} and ${tolerance})`, { hint: "give one plain value" });
      defaultValue = tolerance;
    } else {
      if (perOutput.has(name)) throw new UsageError(`${flag} gives output ${name} twice`, { hint: "give each output once" });
      perOutput.set(name, tolerance);
    }
  }
  return { default: defaultValue ?? fallback, perOutput };
}

export function toleranceFor(tolerances: Tolerances, output: string): ResolvedTolerance {
  return {
    atol: tolerances.atol.perOutput.get(output) ?? tolerances.atol.default,
    rtol: tolerances.rtol.perOutput.get(output) ?? tolerances.rtol.default,
  };
}

/** Per-output overrides that name none of `outputs`: most likely a typo, which would otherwise be ignored silently. */
export function unmatchedOverrides(tolerances: Tolerances, outputs: Iterable<string>): string[] {
  const known = new Set(outputs);
  const names = new Set([...tolerances.atol.perOutput.keys(), ...tolerances.rtol.perOutput.keys()]);
  return [...names].filter((name) => !known.has(name));
}
