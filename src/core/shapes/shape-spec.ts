/**
 * trtexec's shape syntax, `input:1x3x224x224,mask:1x128`, shared by every command that takes shapes. As in
 * trtexec, a name may be quoted ('in:0':1x3) and an unquoted name ends at the last colon, so in:0:1x3 also
 * names "in:0"; `name:scalar` is a 0-d shape.
 */
import { UsageError } from "../errors.js";

const SYNTAX_HINT = "write name:1x3x224x224, several separated by commas; quote names that hold a colon ('in:0':1x3); name:scalar for 0-d";

/** Parses `name:dims[,name:dims...]` into name → dims, in the order given. */
export function parseShapeSpecs(text: string): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const entry of splitEntries(text)) {
    const { name, dims } = splitEntry(entry);
    if (shapes.has(name)) throw new UsageError(`shape spec "${text}" gives ${name} twice`, { hint: "give each input once" });
    shapes.set(name, parseDims(entry, dims));
  }
  return shapes;
}

/** Splits on commas outside quotes; an empty entry (",," or a trailing comma) is an error, not skipped. */
function splitEntries(text: string): string[] {
  const entries: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    if (text[i] === "'") quoted = !quoted;
    if (i < text.length && (quoted || text[i] !== ",")) continue;
    if (quoted) throw new UsageError(`shape spec "${text}" has an unclosed quote`, { hint: SYNTAX_HINT });
    const entry = text.slice(start, i).trim();
    if (entry === "") throw new UsageError(`shape spec "${text}" has an empty entry`, { hint: SYNTAX_HINT });
    entries.push(entry);
    start = i + 1;
  }
  return entries;
}

function splitEntry(entry: string): { name: string; dims: string } {
  if (entry.startsWith("'")) {
    const close = entry.indexOf("'", 1);
    if (entry[close + 1] !== ":") throw new UsageError(`shape spec "${entry}" has no colon after the quoted name`, { hint: SYNTAX_HINT });
    return checkName(entry, entry.slice(1, close), entry.slice(close + 2));
  }
  const colon = entry.lastIndexOf(":");
  if (colon < 0) throw new UsageError(`shape spec "${entry}" has no colon between name and dims`, { hint: SYNTAX_HINT });
  const name = entry.slice(0, colon);
  if (name.includes("'")) throw new UsageError(`shape spec "${entry}" has a quote inside an unquoted name`, { hint: SYNTAX_HINT });
  return checkName(entry, name, entry.slice(colon + 1));
}

function checkName(entry: string, name: string, dims: string): { name: string; dims: string } {
  if (name === "") throw new UsageError(`shape spec "${entry}" has an empty name`, { hint: SYNTAX_HINT });
  return { name, dims };
}

function parseDims(entry: string, text: string): number[] {
  if (text === "scalar") return [];
  return text.split("x").map((part) => {
    if (!/^[+-]?\d+$/.test(part)) throw new UsageError(`shape spec "${entry}": dim "${part}" is not an integer`, { hint: SYNTAX_HINT });
    const dim = Number(part);
    if (dim <= 0) throw new UsageError(`shape spec "${entry}": dim ${part} is not allowed, dims must be positive`, { hint: "use name:scalar for a 0-d input" });
    if (!Number.isSafeInteger(dim)) throw new UsageError(`shape spec "${entry}": dim ${part} is too large`, { hint: SYNTAX_HINT });
    return dim;
  });
}
