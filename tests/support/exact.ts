// Exact check, independent of Number() parsing (XS parses decimal ties half up): does the decimal string s name the
// double v under IEEE round-half-to-even? Uses BigInt rationals. XS-safe (no Node imports).

export function namesDouble(s: string, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  let neg = false;
  let i = 0;
  if (s[0] === "-") {
    neg = true;
    i = 1;
  }
  if (neg !== (v < 0 || Object.is(v, -0))) return v === 0 && s.replace("-", "") === "0";
  let digits = "";
  let exp = 0;
  let seenDot = false;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch === ".") seenDot = true;
    else if (ch === "e" || ch === "E") {
      exp += parseInt(s.slice(i + 1), 10);
      break;
    } else {
      digits += ch;
      if (seenDot) exp--;
    }
  }
  const D = BigInt(digits);
  const a = Math.abs(v);
  if (a === 0) return D === BigInt(0);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, a);
  const hi = dv.getUint32(0);
  const be = (hi >>> 20) & 0x7ff;
  let m = BigInt(hi & 0xfffff) * BigInt(4294967296) + BigInt(dv.getUint32(4));
  let e = -1074;
  if (be > 0) {
    m += BigInt(2) ** BigInt(52);
    e = be - 1075;
  }
  // compare 2·D·10^exp with (2m ± 1)·2^e (or 2m − 1/2 below a power of two), all scaled to integers
  const isPow2 = be > 1 && m === BigInt(2) ** BigInt(52);
  const ten = BigInt(10);
  let left = D * BigInt(4); // 4·x in units of 10^exp
  let right = BigInt(1);
  if (exp > 0) left *= ten ** BigInt(exp);
  else right *= ten ** BigInt(-exp);
  // bounds ×4: high = 4m + 2, low = 4m − 2 (4m − 1 for a power of two), in units of 2^e
  let lhs = left;
  let scale = right;
  if (e >= 0) scale *= BigInt(2) ** BigInt(e);
  else lhs *= BigInt(2) ** BigInt(-e);
  const highB = (m * BigInt(4) + BigInt(2)) * scale;
  const lowB = (m * BigInt(4) - (isPow2 ? BigInt(1) : BigInt(2))) * scale;
  const even = m % BigInt(2) === BigInt(0);
  return (lhs > lowB || (even && lhs === lowB)) && (lhs < highB || (even && lhs === highB));
}
