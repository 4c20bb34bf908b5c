/** Reading YAML a user may have edited: any value may be anything, so shapes are asked for, never assumed. */

export type Loose = Record<string, unknown>;

/** A mapping (not a list), or undefined: YAML from a user may put anything anywhere. */
export const asObject = (v: unknown): Loose | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Loose) : undefined);
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** Any YAML value as message text; String() would call a `toString` key the YAML defined. */
export const text = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"));
