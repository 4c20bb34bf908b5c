/**
 * Unknown fields in a Kubernetes object — `replica:` for `replicas:`, a probe one level too deep. kubernetes-models'
 * validators accept any extra key, while `kubectl apply` refuses them (strict field validation, the default since
 * Kubernetes 1.27). The field names come from the type declarations (.d.ts) that kubernetes-models ships beside each
 * class: a generated, regular subset of TypeScript (named interfaces, inline object types, Array<...>, index
 * signatures, unions of literals), read on demand and kept.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** A field's type as far as field names go: anything that is not an object or an array of them is a leaf. */
type Shape = { kind: "object"; fields: Map<string, Shape>; index?: Shape } | { kind: "array"; of: Shape } | { kind: "ref"; name: string; file: string } | { kind: "leaf" };

interface Declarations {
  /** Imported name → the .d.ts file it comes from. */
  imports: Map<string, string>;
  /** Interface name (and its exported aliases) → its shape. */
  interfaces: Map<string, Shape>;
}

const requireModel = createRequire(import.meta.url);
const files = new Map<string, Declarations | undefined>();
const MAX_DEPTH = 64;

/** The .d.ts beside a module that `specifier` resolves to, or undefined. */
function declarationFile(specifier: string, from?: string): string | undefined {
  try {
    const js = specifier.startsWith(".") && from !== undefined ? path.resolve(path.dirname(from), specifier) : requireModel.resolve(specifier).replace(/\.js$/, "");
    const dts = `${js.replace(/\.d\.ts$/, "")}.d.ts`;
    return fs.existsSync(dts) ? dts : undefined;
  } catch {
    return undefined;
  }
}

function declarations(file: string): Declarations | undefined {
  if (!files.has(file)) {
    let parsed: Declarations | undefined;
    try {
      parsed = parseDeclarations(fs.readFileSync(file, "utf8"), file);
    } catch {
      parsed = undefined;
    }
    files.set(file, parsed);
  }
  return files.get(file);
}

export function parseDeclarations(text: string, file: string): Declarations {
  const source = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const imports = new Map<string, string>();
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)";/g)) {
    const target = declarationFile(m[2]!, file);
    if (target === undefined) continue;
    for (const name of m[1]!.split(",").map((n) => n.trim().split(/\s+as\s+/).at(-1)!)) if (name) imports.set(name, target);
  }
  const interfaces = new Map<string, Shape>();
  for (const m of source.matchAll(/export interface (\w+)(?:\s+extends\s+[^{]+)?\s*\{/g)) {
    const open = m.index! + m[0].length - 1;
    const parser = new TypeParser(source, open, file);
    interfaces.set(m[1]!, parser.object());
  }
  for (const m of source.matchAll(/export \{([^}]*)\};/g)) {
    for (const pair of m[1]!.split(",")) {
      const [local, alias] = pair.trim().split(/\s+as\s+/);
      const shape = local !== undefined ? interfaces.get(local) : undefined;
      if (shape !== undefined && alias !== undefined) interfaces.set(alias, shape);
    }
  }
  return { imports, interfaces };
}

/** A recursive-descent reader of the type expressions kubernetes-models generates. */
class TypeParser {
  constructor(
    private readonly s: string,
    private i: number,
    private readonly file: string,
  ) {}

  private skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private eat(token: string): boolean {
    this.skip();
    if (this.s.startsWith(token, this.i)) {
      this.i += token.length;
      return true;
    }
    return false;
  }

  /** `{ "name"?: T; [key: string]: T; }` starting at `{`. */
  object(): Shape {
    if (!this.eat("{")) throw new Error(`expected { at ${this.i}`);
    const fields = new Map<string, Shape>();
    let index: Shape | undefined;
    while (!this.eat("}")) {
      this.skip();
      if (this.eat("[")) {
        this.i = this.s.indexOf("]", this.i) + 1;
        this.eat(":");
        index = this.type();
      } else {
        const name = /^"([^"]*)"|^(\w+)/.exec(this.s.slice(this.i, this.i + 200));
        if (name === null) throw new Error(`expected a field at ${this.i}`);
        this.i += name[0].length;
        this.eat("?");
        if (!this.eat(":")) throw new Error(`expected : at ${this.i}`);
        fields.set(name[1] ?? name[2]!, this.type());
      }
      this.eat(";");
    }
    return { kind: "object", fields, ...(index !== undefined ? { index } : {}) };
  }

  /** A union of primaries; a union of several shapes is a leaf (no field names to check). */
  type(): Shape {
    const parts = [this.primary()];
    while (this.eat("|")) parts.push(this.primary());
    return parts.length === 1 ? parts[0]! : { kind: "leaf" };
  }

  private primary(): Shape {
    this.skip();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === '"') {
      this.i = this.s.indexOf('"', this.i + 1) + 1;
      return { kind: "leaf" };
    }
    if (this.eat("Array<")) {
      const of = this.type();
      this.eat(">");
      return { kind: "array", of };
    }
    if (c === "(") {
      this.i++;
      const inner = this.type();
      this.eat(")");
      return inner;
    }
    const word = /^[\w.-]+/.exec(this.s.slice(this.i, this.i + 200));
    if (word === null) throw new Error(`unexpected ${c} at ${this.i}`);
    this.i += word[0].length;
    if (this.eat("[]")) return { kind: "array", of: this.named(word[0]) };
    return this.named(word[0]);
  }

  private named(word: string): Shape {
    return /^I[A-Z]/.test(word) ? { kind: "ref", name: word, file: this.file } : { kind: "leaf" };
  }
}

/** The shape a reference names: an interface of its own file, or of the file it was imported from. */
function resolve(ref: { name: string; file: string }): Shape | undefined {
  const own = declarations(ref.file);
  const local = own?.interfaces.get(ref.name);
  if (local !== undefined) return local;
  const from = own?.imports.get(ref.name);
  return from !== undefined ? declarations(from)?.interfaces.get(ref.name) : undefined;
}

/**
 * JSON-pointer paths of the fields `object` has that its kind does not, for a class `specifier` of kubernetes-models
 * (e.g. kubernetes-models/apps/v1/Deployment); undefined when the declarations cannot be read (nothing is claimed).
 */
export function unknownFields(object: unknown, specifier: string, kind: string): string[] | undefined {
  const file = declarationFile(specifier);
  if (file === undefined) return undefined;
  const root = declarations(file)?.interfaces.get(`I${kind}`);
  if (root === undefined) return undefined;
  const found: string[] = [];
  walk(object, root, "", found, 0);
  return found;
}

function walk(value: unknown, shape: Shape, at: string, found: string[], depth: number): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
  if (shape.kind === "ref") {
    const target = resolve(shape);
    if (target !== undefined) walk(value, target, at, found, depth + 1);
    return;
  }
  if (shape.kind === "array") {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, shape.of, `${at}/${i}`, found, depth + 1));
    return;
  }
  if (shape.kind !== "object" || Array.isArray(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const field = shape.fields.get(key) ?? shape.index;
    if (field === undefined) found.push(`${at}/${key}`);
    else walk(v, field, `${at}/${key}`, found, depth + 1);
  }
}
