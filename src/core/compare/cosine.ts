/** Cosine similarity of two outputs, the accuracy figure build's gate and the precision tests use. */

/** Two all-zero outputs agree perfectly; one all-zero output against a non-zero one does not; NaN is -Infinity. */
export function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 && nb === 0) return 1;
  if (na === 0 || nb === 0) return 0;
  const c = dot / Math.sqrt(na * nb);
  return Number.isNaN(c) ? Number.NEGATIVE_INFINITY : c;
}
