/** Argument parsers for whole-number flags and repeatable flags, shared by the commands. */
import { UsageError } from "../../core/errors.js";

/** A whole number from `min` (to `max`, when given), written as digits: "1e3" and "0x10" are refused. */
export function integer(flag: string, min: number, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new UsageError(`${flag} ${value} is not valid`, { hint: max === Number.POSITIVE_INFINITY ? `use an integer of at least ${min}` : `use an integer from ${min} to ${max}` });
    }
    return n;
  };
}

export function integerList(flag: string) {
  const one = integer(flag, 0);
  return (value: string): number[] => value.split(",").map((part) => one(part.trim()));
}

/** For a flag given several times: every value, in order. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
