/**
 * The fast path (which the text reader inlines): String(v) is the answer when it has at most SHORT characters and
 * |v| < TWO53 (NaN and ±Inf fail the range test). Such a decimal has at most 15 significant digits below 2^53, so it
 * can never be the midpoint between two doubles (a fractional midpoint has 16+ significant digits; an integral one
 * is >= 2^53): XS's tie handling cannot make it name another double, and XS's observed divergences all have 16+
 * digits. String(-0) is "0".
 */
export const SHORT = 15;
export const TWO53 = 9007199254740992;

/**
 * Sample values: the ECMAScript Number::toString form (shortest digits that round-trip, the closest such digits when
 * several qualify) with explicit NaN, +Inf, -Inf. Negative zero is written "0" (as String(-0) and prom-client do;
 * Prometheus stores it as 0 either way).
 *
 * XS's String(n) round-trips but is not always the shortest/closest form (1e23 prints as 9.999999999999999e+22 and
 * 79837709710068.62 as ...63). So String(n) is used when it is short (see SHORT) or, below 2^53, when it is the
 * only decimal of its length that names n (isUniqueShortest); otherwise the digits are computed exactly with
 * BigInt: the closest p-digit decimal for the smallest p whose decimal lies in the double's rounding interval
 * (binary search over p = 1..17; no Number() parsing, which rounds ties half up on XS). Renders are therefore
 * byte-identical on XS and V8.
 */
export function formatNumber(v: number): string {
  const s = String(v);
  if (s.length <= SHORT && v < TWO53 && v > -TWO53) return s;
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  // Longer strings (computed values usually print 16 or 17 digits): s is the answer when it is the only decimal
  // of its length that names v (isUniqueShortest: three native parses, no digit loop); else the exact search.
  if (v < TWO53 && v > -TWO53 && isUniqueShortest(v, s)) return s;
  return v < 0 ? "-" + shortest(-v, s.slice(1)) : shortest(v, s);
}

/** @internal formatNumber without its fast paths (the exact digit search for every non-integer): for tests. */
export function formatNumberExact(v: number): string {
  if (v !== v || v === Infinity || v === -Infinity || v === 0) return formatNumber(v);
  const s = String(v);
  return v < 0 ? "-" + shortest(-v, s.slice(1)) : shortest(v, s);
}

/**
 * For a non-integer |v| < 2^53 whose String(v) is a plain decimal (no exponent: |v| >= 1e-6): true when s names v
 * and neither decimal next to it at the same length (last digit ±1) does. Then s is the only decimal of its length
 * that names v, and no shorter one does (one would lie within one unit of s's last digit, and s's last digit is not
 * 0), so s is the ECMAScript form. The tests are exact: a decimal of at most 17 significant digits is never the
 * midpoint of two doubles below 2^53 (a midpoint has at least 18), so Number() cannot meet a tie, which XS rounds
 * half up. False (use the exact search) when a neighbour names v too or the last digit would carry.
 */
function isUniqueShortest(v: number, s: string): boolean {
  if ((v | 0) === v || Math.floor(v) === v || s.indexOf("e") >= 0 || Number(s) !== v) return false;
  const last = s.length - 1;
  const d = s.charCodeAt(last) - 48;
  if (d < 1 || d > 8) return false;
  const head = s.slice(0, last);
  return Number(head + String(d - 1)) !== v && Number(head + String(d + 1)) !== v;
}

// Allocated on first use, at run time: a module-level buffer would be in ROM (read-only) when this module is preloaded.
let view: DataView | undefined;
const TEN = BigInt(10);
const ZERO = BigInt(0);
const ONE = BigInt(1);
const TWO = BigInt(2);

function pow10(n: number): bigint {
  let r = ONE;
  let b = TEN;
  while (n > 0) {
    if (n & 1) r *= b;
    b *= b;
    n >>= 1;
  }
  return r;
}

/** Decimal exponent k (v in [10^k, 10^(k+1))) read from String(v) — correct for any round-tripping output. */
function exponentOf(s: string): number {
  let e = 0;
  const ei = s.indexOf("e");
  const mant = ei < 0 ? s : s.slice(0, ei);
  if (ei >= 0) e = Number(s.slice(ei + 1));
  const dot = mant.indexOf(".");
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  let i = 0;
  while (i < intPart.length && intPart.charCodeAt(i) === 48) i++;
  if (i < intPart.length) return e + intPart.length - i - 1;
  // 0.000ddd
  let j = dot + 1;
  while (j < mant.length && mant.charCodeAt(j) === 48) j++;
  return e - (j - dot);
}

/** Closest p-significant-digit decimal to v (> 0): [digits, k] with digits of length p (may carry to p+1 → adjusted). */
function closest(m: bigint, e2: number, k: number, p: number): [string, number] {
  const t = k - p + 1; // v / 10^t rounded to an integer
  let num = m;
  let den = ONE;
  if (e2 > 0) num <<= BigInt(e2);
  else if (e2 < 0) den <<= BigInt(-e2);
  if (t < 0) num *= pow10(-t);
  else if (t > 0) den *= pow10(t);
  let q = num / den;
  const r2 = (num % den) * TWO;
  if (r2 > den || (r2 === den && (q & ONE) === ONE)) q += ONE;
  let digits = q.toString();
  if (digits.length > p) {
    digits = digits.slice(0, p);
    k++;
  }
  return [digits, k];
}

/** ECMAScript Number::toString layout of digits d (no trailing zeros) with decimal point position n = k + 1. */
function layout(d: string, k: number): string {
  let end = d.length;
  while (end > 1 && d.charCodeAt(end - 1) === 48) end--;
  d = d.slice(0, end);
  const len = d.length;
  const n = k + 1;
  if (len <= n && n <= 21) {
    let z = "";
    for (let i = len; i < n; i++) z += "0";
    return d + z;
  }
  if (0 < n && n <= 21) return d.slice(0, n) + "." + d.slice(n);
  if (-6 < n && n <= 0) {
    let z = "";
    for (let i = 0; i < -n; i++) z += "0";
    return "0." + z + d;
  }
  const exp = n - 1;
  return d[0] + (len > 1 ? "." + d.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + String(exp < 0 ? -exp : exp);
}

/** The p-digit candidate for m·2^e2 (closest p-digit decimal, or for a power of two the next one up), or "" if none names it. */
function attempt(m: bigint, e2: number, k: number, lowerHalf: boolean, p: number): string {
  const [d, kk] = closest(m, e2, k, p);
  if (p === 17 || roundTrips(BigInt(d), kk - d.length + 1, m, e2, lowerHalf)) return layout(d, kk);
  if (lowerHalf) {
    // a power of two has a narrower interval below it: the next p-digit decimal up may qualify instead
    const up = (BigInt(d) + ONE).toString();
    if (roundTrips(BigInt(up), kk - d.length + 1, m, e2, lowerHalf))
      return up.length > d.length ? layout(up.slice(0, d.length), kk + 1) : layout(up, kk);
  }
  return "";
}

function shortest(v: number, s: string): string {
  view ??= new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const be = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << BigInt(32)) | BigInt(lo);
  let e2: number;
  if (be === 0) e2 = -1074;
  else {
    m |= ONE << BigInt(52);
    e2 = be - 1075;
  }
  if (m === ZERO) return "0";
  const k = exponentOf(s);
  const lowerHalf = be > 1 && m === ONE << BigInt(52);
  // Computed values (the usual reason to be here) need 16 or 17 digits: try 16 first (if no 16-digit decimal
  // names v, no shorter one does either, since appending a zero keeps the value), then 15; 17 digits always name v.
  const d16 = attempt(m, e2, k, lowerHalf, 16);
  if (d16 === "") return attempt(m, e2, k, lowerHalf, 17);
  let best = attempt(m, e2, k, lowerHalf, 15);
  if (best === "") return d16;
  let loP = 1;
  let hiP = 14;
  while (loP <= hiP) {
    const p = (loP + hiP) >> 1;
    const found = attempt(m, e2, k, lowerHalf, p);
    if (found !== "") {
      best = found;
      hiP = p - 1;
    } else loP = p + 1;
  }
  return best;
}

/**
 * Exactly whether D·10^t reads back as m·2^e2 under round-half-to-even (not by calling Number(), which on XS rounds
 * decimal ties half up): it must lie inside the rounding interval of the double, boundaries included when m is even.
 */
function roundTrips(D: bigint, t: number, m: bigint, e2: number, lowerHalf: boolean): boolean {
  // boundaries in units of 2^(e2-2): high = 4m+2, low = 4m-2 (4m-1 below a power of two, where the gap halves)
  const E = e2 - 2;
  const four = BigInt(4);
  const hi = m * four + TWO;
  const lo = m * four - (lowerHalf ? ONE : TWO);
  let x = D;
  if (t > 0) x *= pow10(t);
  if (E < 0) x <<= BigInt(-E);
  let scale = ONE;
  if (E > 0) scale <<= BigInt(E);
  if (t < 0) scale *= pow10(-t);
  const h = hi * scale;
  const l = lo * scale;
  const even = (m & ONE) === ZERO;
  return (x > l || (even && x === l)) && (x < h || (even && x === h));
}

/**
 * OpenMetrics canonical form for `le` and `quantile` label values: like formatNumber, but an integral value
 * gets ".0" ("1.0", "0.0", "1.0e+21") so that the same bound is always the same string.
 */
export function formatCanonical(v: number): string {
  const s = formatNumber(v);
  const n = s.length;
  let e = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */ || c === 73 /* I */ || c === 78 /* N */) return s;
    if (c === 101 /* e */) {
      e = i;
      break;
    }
  }
  if (e < 0) return s + ".0";
  return s.slice(0, e) + ".0" + s.slice(e);
}
