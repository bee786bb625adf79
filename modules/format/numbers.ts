/**
 * Sample values: String(n) (shortest round-trip form, identical on XS and V8) with explicit NaN, +Inf, -Inf.
 * Negative zero is written "0" (as String(-0) and prom-client do; Prometheus stores it as 0 either way).
 */
export function formatNumber(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
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
