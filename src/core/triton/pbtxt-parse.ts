/**
 * A strict protobuf text-format parser for Triton's ModelConfig (config.pbtxt), so trtx reads and checks a
 * config as Triton's own TextFormat::ParseFromString would, with the same `line:col` in its errors.
 *
 * The result is a plain object in protobufjs's toObject shape with proto (snake_case) field names, enums as
 * their names, int64/uint64 as exact decimal strings (int32/uint32/float/double as numbers, NaN and ±Infinity
 * included), maps as objects keyed by the key's text. `ModelConfigType.fromObject` accepts it. Proto3 has no
 * presence for plain scalars, so fields at their default (0, "", false, the enum's zero value, empty lists) are
 * left out; messages and oneof members are kept even when empty or default, because there presence matters
 * (`dynamic_batching { }` turns dynamic batching on).
 *
 * Deliberately stricter than TextFormat: an enum given by a number must name a declared value (proto3 enums are
 * open there), a map key given twice is an error (TextFormat keeps the last), an octal escape above \377 is an
 * error (TextFormat truncates it), and a string field must decode as UTF-8 (TextFormat only logs that).
 */
import protobuf from "protobufjs";
import { TrtxError } from "../errors.js";
import { enumTypeOf, messageTypeOf, ModelConfigType } from "./schema.js";

/** A config.pbtxt that is not a valid ModelConfig; the message is `label:line:col: what`. */
export class ConfigParseError extends TrtxError {
  override name = "ConfigParseError";
}

export type ConfigObject = Record<string, unknown>;

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

export function parseModelConfig(text: string, label: string): ConfigObject {
  return new Parser(text, label).parseRoot();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  constructor(
    text: string,
    private readonly label: string,
  ) {
    this.tokens = tokenize(text, (message, line, col) => this.error(message, line, col));
  }

  parseRoot(): ConfigObject {
    return this.parseFields(ModelConfigType, undefined);
  }

  private error(message: string, line: number, col: number, hint?: string): ConfigParseError {
    return new ConfigParseError(`${this.label}:${line}:${col}: ${message}`, hint === undefined ? {} : { hint });
  }
  private errorAt(tok: Token, message: string, hint?: string): ConfigParseError {
    return this.error(message, tok.line, tok.col, hint);
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    const tok = this.tokens[this.pos]!;
    if (tok.kind !== "eof") this.pos++;
    return tok;
  }
  private trySymbol(...symbols: string[]): Token | undefined {
    const tok = this.peek();
    return tok.kind === "symbol" && symbols.includes(tok.text) ? this.next() : undefined;
  }
  private expectSymbol(symbol: string, what: string): Token {
    const tok = this.peek();
    if (tok.kind === "symbol" && tok.text === symbol) return this.next();
    throw this.errorAt(tok, `expected '${symbol}' ${what}, found ${describe(tok)}`);
  }

  /** The fields of one message, up to its closing delimiter (or the end of the text at the top level). */
  private parseFields(type: protobuf.Type, open: Token | undefined): ConfigObject {
    const close = open === undefined ? undefined : open.text === "<" ? ">" : "}";
    const out: ConfigObject = {};
    const seen = new Set<string>();
    const oneofSet = new Map<string, string>();
    for (;;) {
      const tok = this.peek();
      if (close !== undefined && this.trySymbol(close)) return out;
      if (tok.kind === "eof") {
        if (open === undefined) return out;
        throw this.errorAt(tok, `expected '${close}' to close the message opened at ${open.line}:${open.col}, found end of input`);
      }
      if (tok.kind !== "ident") throw this.errorAt(tok, `expected a field name, found ${describe(tok)}`);
      this.next();
      const field = type.fields[tok.text];
      if (field === undefined) {
        throw this.errorAt(tok, `unknown field "${tok.text}" in ${type.fullName.slice(1)}`, `fields of ${type.name}: ${Object.keys(type.fields).join(", ")}`);
      }
      if (!field.repeated && !field.map) {
        if (seen.has(field.name)) throw this.errorAt(tok, `field "${field.name}" is set more than once`);
        const group = field.partOf;
        const other = group === null ? undefined : oneofSet.get(group.name);
        if (group !== null && other !== undefined) {
          throw this.errorAt(tok, `field "${field.name}" and field "${other}" are both set, but they are members of oneof ${group.name}`);
        }
        if (group !== null) oneofSet.set(group.name, field.name);
        seen.add(field.name);
      }
      this.parseField(field, out);
      this.trySymbol(",", ";");
    }
  }

  private parseField(field: protobuf.FieldBase, out: ConfigObject): void {
    const msgType = messageTypeOf(field);
    const isMessage = field.map || msgType !== undefined;
    const colon = this.trySymbol(":");
    if (!isMessage && colon === undefined) throw this.errorAt(this.peek(), `expected ':' after field "${field.name}", found ${describe(this.peek())}`);
    const readOne = (): unknown => (field.map ? this.parseMapEntry(field as unknown as protobuf.MapField, out) : isMessage ? this.parseMessageValue(msgType!) : this.parseScalar(field, field.type));
    if (field.repeated || field.map) {
      const list = this.trySymbol("[");
      const values: unknown[] = [];
      if (list === undefined) values.push(readOne());
      else if (!this.trySymbol("]")) {
        do values.push(readOne());
        while (this.trySymbol(","));
        this.expectSymbol("]", `to close the list opened at ${list.line}:${list.col}`);
      }
      if (field.map) return;
      if (values.length > 0) out[field.name] = [...((out[field.name] as unknown[] | undefined) ?? []), ...values];
      return;
    }
    const value = readOne();
    if (isMessage || field.partOf !== null || !isDefault(field, value)) out[field.name] = value;
  }

  private parseMessageValue(type: protobuf.Type): ConfigObject {
    const open = this.trySymbol("{", "<");
    if (open === undefined) throw this.errorAt(this.peek(), `expected '{' or '<' to open a ${type.name} message, found ${describe(this.peek())}`);
    return this.parseFields(type, open);
  }

  /** One `{ key: … value: … }` entry, stored into `out[field.name]`; a missing key or value is its default. */
  private parseMapEntry(field: protobuf.MapField, out: ConfigObject): void {
    const open = this.trySymbol("{", "<");
    if (open === undefined) throw this.errorAt(this.peek(), `expected '{' to open a "${field.name}" map entry, found ${describe(this.peek())}`);
    const close = open.text === "<" ? ">" : "}";
    const valueType = messageTypeOf(field);
    let key: unknown;
    let value: unknown;
    while (!this.trySymbol(close)) {
      const tok = this.next();
      if (tok.kind === "eof") throw this.errorAt(tok, `expected '${close}' to close the map entry opened at ${open.line}:${open.col}, found end of input`);
      if (tok.kind !== "ident" || (tok.text !== "key" && tok.text !== "value")) {
        throw this.errorAt(tok, `expected "key" or "value" in a "${field.name}" map entry, found ${describe(tok)}`);
      }
      if ((tok.text === "key" ? key : value) !== undefined) throw this.errorAt(tok, `field "${tok.text}" is set more than once`);
      if (tok.text === "key") {
        this.expectSymbol(":", `after "key"`);
        key = this.parseScalar(field, field.keyType);
      } else if (valueType !== undefined) {
        this.trySymbol(":");
        value = this.parseMessageValue(valueType);
      } else {
        this.expectSymbol(":", `after "value"`);
        value = this.parseScalar(field, field.type);
      }
      this.trySymbol(",", ";");
    }
    const map = (out[field.name] ??= {}) as ConfigObject;
    const k = String(key ?? defaultScalar(field, field.keyType));
    if (Object.hasOwn(map, k)) throw this.errorAt(open, `map "${field.name}" has key ${JSON.stringify(k)} more than once`);
    map[k] = value ?? (valueType !== undefined ? {} : defaultScalar(field, field.type));
  }

  private parseScalar(field: protobuf.FieldBase, type: string): unknown {
    const tok = this.peek();
    const enumType = type === field.type ? enumTypeOf(field) : undefined;
    if (enumType !== undefined) {
      const negative = this.trySymbol("-");
      const t = this.next();
      if (t.kind === "ident" && !negative && Object.hasOwn(enumType.values, t.text)) return t.text;
      const name = t.kind === "int" ? enumType.valuesById[Number(this.integer(t, negative !== undefined))] : undefined;
      if (name !== undefined) return name;
      throw this.errorAt(tok, `invalid value ${describe(t)} for enum field "${field.name}"`, `values of ${enumType.name}: ${Object.keys(enumType.values).join(", ")}`);
    }
    if (type === "string") {
      if (tok.kind !== "string") throw this.errorAt(tok, `expected a string for field "${field.name}", found ${describe(tok)}`);
      const parts: number[] = [];
      // A loop, not push(...bytes): spreading a string of a few hundred thousand bytes into arguments overflows the
      // stack (RangeError; found by fuzzing with a long string literal).
      while (this.peek().kind === "string") for (const b of this.next().bytes!) parts.push(b);
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(parts));
      } catch {
        throw this.errorAt(tok, `string for field "${field.name}" is not valid UTF-8`);
      }
    }
    if (type === "bool") {
      const t = this.next();
      if (t.kind === "ident" && ["true", "True", "t"].includes(t.text)) return true;
      if (t.kind === "ident" && ["false", "False", "f"].includes(t.text)) return false;
      if (t.kind === "int" && (t.text === "0" || t.text === "1")) return t.text === "1";
      throw this.errorAt(t, `expected true or false for field "${field.name}", found ${describe(t)}`);
    }
    const negative = this.trySymbol("-") !== undefined;
    const t = this.next();
    if (type === "float" || type === "double") {
      const sign = negative ? -1 : 1;
      if (t.kind === "float") return sign * Number(t.text.replace(/[fF]$/, ""));
      if (t.kind === "int") return sign * Number(this.integer(t, false));
      const word = t.kind === "ident" ? t.text.toLowerCase() : "";
      if (word === "inf" || word === "infinity") return sign * Infinity;
      if (word === "nan") return NaN;
      throw this.errorAt(t, `expected a number for field "${field.name}", found ${describe(t)}`);
    }
    const range = INT_RANGES[type];
    if (range === undefined) throw this.errorAt(t, `field "${field.name}" has type ${type}, which this parser does not handle`);
    if (t.kind !== "int") throw this.errorAt(t, `expected an integer for field "${field.name}" (${type}), found ${describe(t)}`);
    const n = this.integer(t, negative);
    if (n < range[0] || n > range[1]) throw this.errorAt(tok, `${negative ? "-" : ""}${t.text} is out of range for field "${field.name}" (${type})`);
    return type.endsWith("64") ? n.toString() : Number(n);
  }

  private integer(t: Token, negative: boolean): bigint {
    const text = t.text;
    const n = /^0[xX]/.test(text) ? BigInt(text) : /^0\d/.test(text) ? BigInt(`0o${text.slice(1)}`) : BigInt(text);
    return negative ? -n : n;
  }
}

function describe(tok: Token): string {
  if (tok.kind === "eof") return "end of input";
  if (tok.kind === "string") return "a string";
  return `'${tok.text}'`;
}

function defaultScalar(field: protobuf.FieldBase, type: string): unknown {
  const enumType = type === field.type ? enumTypeOf(field) : undefined;
  if (enumType !== undefined) return enumType.valuesById[0];
  if (type === "string") return "";
  if (type === "bool") return false;
  return type.endsWith("64") ? "0" : 0;
}

/** Proto3: a plain scalar at its default is the same as absent. */
export function isDefault(field: protobuf.FieldBase, value: unknown): boolean {
  return value === defaultScalar(field, field.type);
}

interface Token {
  kind: "ident" | "int" | "float" | "string" | "symbol" | "eof";
  text: string;
  line: number;
  col: number;
  /** A string literal's bytes, escapes decoded (text format strings are bytes; string fields must be UTF-8). */
  bytes?: number[];
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "'": 39, '"': 34, "?": 63 };
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)/;

/** Splits the text into tokens, dropping whitespace and `#` comments; lines and columns count from 1. */
function tokenize(text: string, fail: (message: string, line: number, col: number) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < text.length) {
    const c = text[i]!;
    const col = i - lineStart + 1;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
    } else if (/\s/.test(c)) i++;
    else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
    else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      tokens.push({ kind: "ident", text: word, line, col });
      i += word.length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const num = NUMBER.exec(text.slice(i))?.[0];
      if (num === undefined || /[A-Za-z0-9_.]/.test(text[i + num.length] ?? "")) {
        throw fail(`invalid number "${/^[A-Za-z0-9_.+-]+/.exec(text.slice(i))![0]}"`, line, col);
      }
      const isFloat = !/^0[xX]/.test(num) && /[.eEfF]/.test(num);
      if (!isFloat && /^0\d*[89]/.test(num)) throw fail(`invalid octal number "${num}"`, line, col);
      tokens.push({ kind: isFloat ? "float" : "int", text: num, line, col });
      i += num.length;
    } else if (c === '"' || c === "'") {
      const bytes: number[] = [];
      let j = i + 1;
      for (;;) {
        const d = text[j];
        if (d === undefined || d === "\n") throw fail("unterminated string", line, col);
        if (d === c) break;
        if (d !== "\\") {
          const cp = text.codePointAt(j)!;
          bytes.push(...new TextEncoder().encode(String.fromCodePoint(cp)));
          j += cp > 0xffff ? 2 : 1;
          continue;
        }
        const e = text[j + 1] ?? "";
        const escCol = j - lineStart + 1;
        let m: RegExpExecArray | null;
        if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
          bytes.push(SIMPLE_ESCAPES[e]!);
          j += 2;
        } else if ((m = /^[0-7]{1,3}/.exec(text.slice(j + 1, j + 4)))) {
          const v = parseInt(m[0], 8);
          if (v > 255) throw fail(`invalid octal escape "\\${m[0]}"`, line, escCol);
          bytes.push(v);
          j += 1 + m[0].length;
        } else if ((m = /^[xX]([0-9a-fA-F]{1,2})/.exec(text.slice(j + 1, j + 4)))) {
          bytes.push(parseInt(m[1]!, 16));
          j += 1 + m[0].length;
        } else if ((m = /^(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(text.slice(j + 1, j + 10)))) {
          const cp = parseInt(m[1] ?? m[2]!, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw fail(`invalid Unicode escape "\\${m[0]}"`, line, escCol);
          bytes.push(...new TextEncoder().encode(String.fromCodePoint(cp)));
          j += 1 + m[0].length;
        } else throw fail(`invalid escape "\\${e}" in string`, line, escCol);
      }
      tokens.push({ kind: "string", text: text.slice(i, j + 1), line, col, bytes });
      i = j + 1;
    } else if ("{}<>[]:,;-.".includes(c)) {
      tokens.push({ kind: "symbol", text: c, line, col });
      i++;
    } else throw fail(`unexpected character ${JSON.stringify(c)}`, line, col);
  }
  tokens.push({ kind: "eof", text: "", line, col: i - lineStart + 1 });
  return tokens;
}
