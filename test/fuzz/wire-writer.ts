/** A minimal protobuf wire writer, for inputs no encoder would write: 20,000-deep nesting, lying lengths. */

export function varint(n: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return Uint8Array.from(out);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field (wire type 2); `length` overrides the true length to lie about it. */
export function len(field: number, payload: Uint8Array, length?: number | bigint): Uint8Array {
  return cat(varint((field << 3) | 2), varint(length ?? payload.length), payload);
}

export function int(field: number, value: bigint | number): Uint8Array {
  return cat(varint(field << 3), varint(value));
}

export const str = (field: number, s: string) => len(field, new TextEncoder().encode(s));

/**
 * `inner` wrapped in a chain of length-delimited fields, `fields[0]` outermost: 20,000-deep messages in one pass (sizes
 * are computed from the inside out, then written from the outside in), without recursion or quadratic copying.
 */
export function nestLen(fields: readonly number[], inner: Uint8Array): Uint8Array {
  const n = fields.length;
  const sizes = new Array<number>(n + 1);
  sizes[n] = inner.length;
  for (let i = n - 1; i >= 0; i--) sizes[i] = varint((fields[i]! << 3) | 2).length + varint(sizes[i + 1]!).length + sizes[i + 1]!;
  const out = new Uint8Array(sizes[0]!);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (const part of [varint((fields[i]! << 3) | 2), varint(sizes[i + 1]!)]) {
      out.set(part, at);
      at += part.length;
    }
  }
  out.set(inner, at);
  return out;
}
