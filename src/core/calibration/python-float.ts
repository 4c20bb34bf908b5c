/**
 * Python's repr(float), which is also str(float): ORT's calibration table stores str(x) of a Python float,
 * and matching its text exactly keeps trtx's tables byte-identical to ORT's for the same ranges.
 */

/**
 * The shortest round-trip digits of a finite x ≥ 0 and the decimal point's position: x = 0.DIGITS × 10^point.
 * JavaScript's Number→String picks the same digits as Python (shortest, then closest); only the layout
 * differs, so the digits are taken from it and laid out again.
 */
function shortestDigits(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: "0", point: 1 };
  const [mantissa, exponent = "0"] = x.toString().split("e") as [string, string?];
  const [whole, fraction = ""] = mantissa.split(".") as [string, string?];
  const all = whole + fraction;
  const lead = all.length - all.replace(/^0+/, "").length;
  return { digits: all.slice(lead).replace(/0+$/, ""), point: whole.length + Number(exponent) - lead };
}

/** repr(x) as CPython prints it (float_repr_style 'short'): 0.1, 6.0, 1e-05, 1e+16, inf, nan, -0.0. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (!Number.isFinite(x)) return `${sign}inf`;
  const { digits, point } = shortestDigits(Math.abs(x));
  // CPython's format_float_short switches to exponent form outside [1e-4, 1e16).
  if (point <= -4 || point > 16) {
    const exponent = point - 1;
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
