import { codePointAt, codePointUnits, isWellFormed, toWellFormed } from "../text/utf8";
// Name validation by character scanning (no regular expressions: each regex literal evaluation compiles on XS).

function isAlpha(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Legacy metric name: [a-zA-Z_:][a-zA-Z0-9_:]* */
export function isLegacyMetricName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (isAlpha(c) || c === 95 || c === 58 || (i > 0 && isDigit(c))) continue;
    return false;
  }
  return true;
}

/** Legacy label name: [a-zA-Z_][a-zA-Z0-9_]* */
export function isLegacyLabelName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (isAlpha(c) || c === 95 || (i > 0 && isDigit(c))) continue;
    return false;
  }
  return true;
}

export { isWellFormed, toWellFormed };

/**
 * Metric names: the legacy charset, or (Prometheus 3 style) any non-empty well-formed UTF-8 string, which is
 * written quoted in text 1.0.0 with escaping=allow-utf-8 and escaped (underscores/dots/values) everywhere else.
 */
export function checkMetricName(name: unknown, what = "metric name"): string {
  if (typeof name !== "string" || name.length === 0)
    throw new TypeError(`Invalid ${what}: expected a non-empty string, got ${describe(name)}`);
  if (!isWellFormed(name))
    throw new TypeError(`Invalid ${what} ${JSON.stringify(name)}: contains a lone UTF-16 surrogate`);
  return name;
}

export function checkLabelName(name: unknown, metric: string): string {
  if (typeof name !== "string" || name.length === 0)
    throw new TypeError(
      `Invalid label name for metric "${metric}": expected a non-empty string, got ${describe(name)}`,
    );
  if (!isWellFormed(name))
    throw new TypeError(
      `Invalid label name ${JSON.stringify(name)} for metric "${metric}": contains a lone UTF-16 surrogate`,
    );
  if (name.length >= 2 && name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95) {
    throw new TypeError(`Invalid label name "${name}" for metric "${metric}": names starting with "__" are reserved`);
  }
  const esc = legacyLabelEscape(name);
  if (esc.charCodeAt(0) === 95 && esc.charCodeAt(1) === 95) {
    throw new TypeError(
      `Invalid label name "${name}" for metric "${metric}": it becomes the reserved "${esc}" in the legacy (underscore-escaped) formats; start it with a letter`,
    );
  }
  return name;
}

export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return typeof v;
}

/** A label name as the underscore escaping writes it (each character outside [a-zA-Z0-9_], or a leading digit, → "_"). */
export function legacyLabelEscape(name: string): string {
  if (isLegacyLabelName(name)) return name;
  let out = "";
  const n = name.length;
  for (let i = 0, pos = 0; i < n; pos++) {
    const cp = codePointAt(name, i);
    const w = codePointUnits(cp);
    out += w === 1 && (isAlpha(cp) || cp === 95 || (pos > 0 && isDigit(cp))) ? name[i] : "_";
    i += w;
  }
  return out;
}
