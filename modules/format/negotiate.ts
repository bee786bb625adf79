import type { Escaping, Format } from "./types";

export function makeFormat(kind: "text" | "openmetrics", version: string, escaping: Escaping): Format {
  let ct =
    (kind === "text" ? "text/plain" : "application/openmetrics-text") + "; version=" + version + "; charset=utf-8";
  if ((kind === "text" && version === "1.0.0") || escaping !== "underscores") ct += "; escaping=" + escaping;
  return Object.freeze({ kind, version, escaping, contentType: ct });
}

/** Prometheus text format 0.0.4 — the fallback and prom-client's default. */
export const PROMETHEUS_TEXT_0_0_4: Format = makeFormat("text", "0.0.4", "underscores");
/** OpenMetrics 1.0.0 text. */
export const OPENMETRICS_1_0_0: Format = makeFormat("openmetrics", "1.0.0", "underscores");
/** Prometheus text format 1.0.0 with UTF-8 names (quoted where needed). */
export const PROMETHEUS_TEXT_1_0_0: Format = makeFormat("text", "1.0.0", "allow-utf-8");

/** The format whose exact Content-Type this is (the three constants above), or undefined. */
export function formatFromContentType(ct: string): Format | undefined {
  if (ct === PROMETHEUS_TEXT_0_0_4.contentType) return PROMETHEUS_TEXT_0_0_4;
  if (ct === OPENMETRICS_1_0_0.contentType) return OPENMETRICS_1_0_0;
  if (ct === PROMETHEUS_TEXT_1_0_0.contentType) return PROMETHEUS_TEXT_1_0_0;
  return undefined;
}

interface Range {
  type: string;
  subtype: string;
  version: string | undefined;
  escaping: string | undefined;
  q: number;
  pos: number;
}

// Candidates in tie-break preference order (used only when q, specificity and header position are all equal,
// i.e. for wildcards and version-less ranges): the plain 0.0.4 text first, like prom-client and client_golang.
const CANDIDATES: ReadonlyArray<{ kind: "text" | "openmetrics"; version: string }> = [
  { kind: "text", version: "0.0.4" },
  { kind: "openmetrics", version: "1.0.0" },
  { kind: "text", version: "1.0.0" },
  { kind: "openmetrics", version: "0.0.1" },
];

/** Specificity with which range r matches candidate c: 3 exact version, 2 type without version, 1 type/*, 0 *\/*; -1 none. */
function specificity(r: Range, c: { kind: string; version: string }): number {
  if (r.type === "*" && r.subtype === "*") return 0;
  if (c.kind === "text") {
    if (r.type !== "text") return -1;
    if (r.subtype === "*") return 1;
    if (r.subtype !== "plain") return -1;
    if (r.version === undefined) return c.version === "0.0.4" ? 2 : -1;
    return r.version === c.version ? 3 : -1;
  }
  if (r.type !== "application" || r.subtype !== "openmetrics-text") return -1;
  if (r.version === undefined) return 2;
  return r.version === c.version ? 3 : -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function trim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function lower(s: string): string {
  return s.toLowerCase();
}

/** q-value per RFC 9110: 0(.ddd) or 1(.000); anything else is invalid (-1). */
function parseQ(s: string): number {
  const n = s.length;
  if (n === 0 || n > 5) return -1;
  const c0 = s.charCodeAt(0);
  if (c0 !== 48 && c0 !== 49) return -1;
  if (n > 1 && s.charCodeAt(1) !== 46) return -1;
  for (let i = 2; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    if (c0 === 49 && c !== 48) return -1;
  }
  return Number(s);
}

/** Splits on `sep` outside double-quoted strings. */
function split(s: string, sep: number): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) {
    let out = "";
    for (let i = 1; i < v.length - 1; i++) {
      if (v.charCodeAt(i) === 92 && i + 1 < v.length - 1) i++;
      out += v[i];
    }
    return out;
  }
  return v;
}

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  // Bound the work on hostile headers: at most 64 media ranges are considered.
  const parts = split(accept, 44);
  for (let p = 0; p < parts.length && ranges.length < 64; p++) {
    const params = split(parts[p], 59);
    const mt = lower(trim(params[0]));
    const slash = mt.indexOf("/");
    if (slash <= 0 || slash === mt.length - 1) continue;
    const r: Range = {
      type: mt.slice(0, slash),
      subtype: mt.slice(slash + 1),
      version: undefined,
      escaping: undefined,
      q: 1,
      pos: p,
    };
    if (r.type === "*" && r.subtype !== "*") continue;
    let ok = true;
    for (let i = 1; i < params.length; i++) {
      const kv = params[i];
      const eq = kv.indexOf("=");
      if (eq < 0) continue;
      const k = lower(trim(kv.slice(0, eq)));
      const v = unquote(trim(kv.slice(eq + 1)));
      if (k === "q") {
        r.q = parseQ(v);
        if (r.q < 0) ok = false;
      } else if (k === "version") r.version = v;
      else if (k === "escaping") r.escaping = v;
    }
    if (ok) ranges.push(r);
  }
  return ranges;
}

function escapingOf(v: string | undefined): Escaping {
  if (v === "allow-utf-8" || v === "underscores" || v === "dots" || v === "values") return v;
  return "underscores";
}

/**
 * Picks the exposition format for an HTTP Accept header. Pure. For each format we serve, the most specific
 * matching media range gives its q (q=0: not acceptable); the highest q wins, then the more specific match, then
 * the earlier range in the header, then the order 0.0.4 text, OpenMetrics 1.0.0, text 1.0.0, OpenMetrics 0.0.1.
 * `*\/*` and `text/*` (alone) give text 0.0.4; a version-less `application/openmetrics-text` gives 1.0.0.
 * Nothing acceptable (or no header): text 0.0.4. The `escaping=` parameter of the deciding range is honoured
 * (allow-utf-8, underscores, dots, values; default underscores). Returns the exact Content-Type to send.
 */
export function negotiate(accept: string | undefined | null): { format: Format; contentType: string } {
  if (accept === undefined || accept === null || typeof accept !== "string" || accept.length === 0) {
    return { format: PROMETHEUS_TEXT_0_0_4, contentType: PROMETHEUS_TEXT_0_0_4.contentType };
  }
  const ranges = parseAccept(accept.length > 4096 ? accept.slice(0, 4096) : accept);
  let best = -1;
  let bestQ = 0;
  let bestSpec = -1;
  let bestPos = 0;
  let bestRange: Range | undefined;
  for (let c = 0; c < CANDIDATES.length; c++) {
    let spec = -1;
    let range: Range | undefined;
    for (let i = 0; i < ranges.length; i++) {
      const s = specificity(ranges[i], CANDIDATES[c]);
      if (s > spec) {
        spec = s;
        range = ranges[i];
      }
    }
    if (range === undefined || range.q <= 0) continue;
    if (
      best < 0 ||
      range.q > bestQ ||
      (range.q === bestQ && (spec > bestSpec || (spec === bestSpec && range.pos < bestPos)))
    ) {
      best = c;
      bestQ = range.q;
      bestSpec = spec;
      bestPos = range.pos;
      bestRange = range;
    }
  }
  if (best < 0 || bestRange === undefined)
    return { format: PROMETHEUS_TEXT_0_0_4, contentType: PROMETHEUS_TEXT_0_0_4.contentType };
  const cand = CANDIDATES[best];
  const esc = escapingOf(bestRange.escaping);
  let format: Format;
  if (cand.kind === "text" && cand.version === "0.0.4" && esc === "underscores") format = PROMETHEUS_TEXT_0_0_4;
  else if (cand.kind === "openmetrics" && cand.version === "1.0.0" && esc === "underscores") format = OPENMETRICS_1_0_0;
  else format = makeFormat(cand.kind, cand.version, esc);
  return { format, contentType: format.contentType };
}
