/**
 * @module Number formatting shared by the messages people read (gates, evidence, redaction). Pure.
 */

/** A whole count with thousands separators: 12345 → "12,345". */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `x` to `digits` significant digits, without trailing zeros: 0.051234 → "0.05123", 123456 → "123500". */
export function sig(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}

/**
 * The number of significant digits (at least `min`) needed for `x` and `bound` to print differently,
 * so that a message never reads "0.01 > max 0.01". Equal numbers get `min`.
 */
export function digitsApart(x: number, bound: number, min = 4): number {
  if (x === bound) return min;
  for (let d = min; d <= 17; d++) if (sig(x, d) !== sig(bound, d)) return d;
  return 17;
}

