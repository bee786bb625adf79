import type { Format, Escaping } from "./types";
import type { Metric, Series } from "../metrics/metric";
import type { ValueSeries } from "../metrics/counter";
import type { Histogram, HistogramSeries } from "../metrics/histogram";
import type { Summary, SummarySeries } from "../metrics/summary";
import type { StateSetSeries, StateSet } from "../metrics/stateset";
import type { Info } from "../metrics/info";
import { escapeHelp, escapeLabelValue, escapeName, isLegacyName } from "./escape";
import { formatCanonical, formatNumber } from "./numbers";

/** What the renderer needs from a registry. */
export interface RenderSource {
  readonly _metrics: Map<string, Metric<any>>;
  readonly _defaultNames: readonly string[];
  readonly _defaultValues: readonly string[];
  readonly created: boolean;
}

/** Receives the exposition as pieces of text; a line ends with the piece that ends in "\n". */
export interface Sink {
  put(s: string): void;
  /** True when the renderer should pause (yield) at the end of the current line. */
  readonly full: boolean;
}

function labelName(n: string, esc: Escaping): string {
  if (esc === "allow-utf-8") return isLegacyName(n, false) ? n : '"' + escapeLabelValue(n) + '"';
  return escapeName(n, esc, false);
}

function typeWord(type: string, om: boolean): string {
  if (om) return type;
  return type === "info" || type === "stateset" ? "gauge" : type;
}

/** Per-family constants of one render. */
interface Family {
  fam: string;
  famOut: string;
  quoted: boolean;
}

/** One sample line: `<family><suffix>{<labels>,<extra>} <value>\n` (UTF-8 names quoted inside the braces). */
function sample(k: Sink, f: Family, suffix: string, L: string, extra: string, value: string): void {
  // the line's tail ("} " or " ", value, newline) as one short piece: fewer sink calls per line
  if (f.quoted) {
    k.put('{"');
    k.put(escapeLabelValue(f.fam + suffix));
    k.put('"');
    if (L.length > 0) {
      k.put(",");
      k.put(L);
    }
    if (extra.length > 0) {
      k.put(",");
      k.put(extra);
    }
    k.put("} " + value + "\n");
  } else {
    k.put(f.famOut);
    if (suffix.length > 0) k.put(suffix);
    if (L.length > 0) {
      k.put("{");
      k.put(L);
      if (extra.length > 0) {
        k.put(",");
        k.put(extra);
      }
      k.put("} " + value + "\n");
    } else if (extra.length > 0) {
      k.put("{");
      k.put(extra);
      k.put("} " + value + "\n");
    } else k.put(" " + value + "\n");
  }
}

/**
 * A series' own label block (`a="x",b="y"`, no default labels) in escaping `esc`. Cached on the series (`_lb`):
 * its label values never change, and the block is only reused while the metric's blocks were made for the same
 * escaping (`_lbEsc`); a render in another escaping first drops every cached block of the metric. Cost: one string
 * per series, bounded by the series cap.
 */
function labelBlock(m: Metric<any>, s: Series, lnames: readonly string[], esc: Escaping): string {
  const cacheable = m._lbEsc === esc;
  if (cacheable) {
    const cached = s._lb;
    if (cached !== undefined) return cached;
  }
  let L = "";
  const vals = s.values;
  for (let i = 0; i < vals.length; i++) L += (i > 0 ? "," : "") + lnames[i] + '="' + escapeLabelValue(vals[i]) + '"';
  if (cacheable) s._lb = L;
  return L;
}

/** Makes the metric's cached label blocks those of escaping `esc` (drops blocks made for another one). */
function useEscaping(m: Metric<any>, esc: Escaping): void {
  if (m._lbEsc === esc) return;
  for (const s of (m._series as Map<string, Series>).values()) s._lb = undefined;
  m._lbEsc = esc;
}

/**
 * Renders a registry into `k`, one family after another in registration order, series in creation order,
 * pausing (yield) at the end of a line (the family header counts as one) when `k.full` says so. Each series is
 * snapshotted (its numbers copied, quantiles computed) before its first line is written, so a consumer pausing
 * between lines never emits a torn histogram or summary.
 * Text formats: `# HELP`, `# TYPE`, samples; no blank lines. OpenMetrics: `# HELP`, `# TYPE`, `# UNIT`, samples,
 * final `# EOF`.
 */
export function* renderInto(src: RenderSource, format: Format, k: Sink): Generator<void, void, undefined> {
  const om = format.kind === "openmetrics";
  const esc = format.escaping;
  const snap: number[] = [];
  const f: Family = { fam: "", famOut: "", quoted: false };
  for (const m of src._metrics.values()) {
    const type = m.type;
    const hdrKey = om ? "om:" + esc : esc;
    if (m._hdrKey !== hdrKey) {
      // the header depends only on the metric's fixed name, help, type and unit: made once per format kind and escaping
      let fam = m.name;
      if (type === "counter" && om && fam.length > 6 && fam.slice(fam.length - 6) === "_total") fam = fam.slice(0, fam.length - 6);
      else if (type === "info") fam = om ? (m as Info).family : (m as Info).family + "_info";
      const quoted = esc === "allow-utf-8" && !isLegacyName(fam, true);
      const famOut = quoted ? '"' + escapeLabelValue(fam) + '"' : escapeName(fam, esc, true);
      let hdr = "# HELP " + famOut + " " + escapeHelp(m.help, om) + "\n# TYPE " + famOut + " " + typeWord(type, om) + "\n";
      if (om && m.unit !== undefined) hdr += "# UNIT " + famOut + " " + m.unit + "\n";
      m._hdr = hdr;
      m._hdrFam = fam;
      m._hdrFamOut = famOut;
      m._hdrQuoted = quoted;
      m._hdrKey = hdrKey;
    }
    f.fam = m._hdrFam;
    f.famOut = m._hdrFamOut;
    f.quoted = m._hdrQuoted;
    k.put(m._hdr);
    if (k.full) yield;

    const names = m.labelNames;
    if (m._hdrLnames === undefined || m._hdrKeyL !== hdrKey) {
      // label names and the per-line label pieces (le, quantile, state) in this format: fixed per metric, made once
      const lnames: string[] = new Array(names.length);
      for (let i = 0; i < names.length; i++) lnames[i] = labelName(names[i], esc);
      let extra: string[] | undefined;
      if (type === "histogram") {
        const b = (m as Histogram).upperBounds;
        extra = new Array(b.length);
        for (let i = 0; i < b.length; i++) extra[i] = 'le="' + (om ? formatCanonical(b[i]) : formatNumber(b[i])) + '"';
      } else if (type === "summary") {
        const p = (m as Summary).percentiles;
        extra = new Array(p.length);
        for (let i = 0; i < p.length; i++) extra[i] = 'quantile="' + (om ? formatCanonical(p[i]) : formatNumber(p[i])) + '"';
      } else if (type === "stateset") {
        const st = (m as StateSet).states;
        const ln = labelName(m.name, esc);
        extra = new Array(st.length);
        for (let i = 0; i < st.length; i++) extra[i] = ln + '="' + escapeLabelValue(st[i]) + '"';
      }
      m._hdrLnames = lnames;
      m._hdrExtra = extra;
      m._hdrKeyL = hdrKey;
    }
    const lnames = m._hdrLnames;
    let dPiece = "";
    const dn = src._defaultNames;
    for (let i = 0; i < dn.length; i++) {
      if (names.indexOf(dn[i]) >= 0) continue;
      const ln = labelName(dn[i], esc);
      // a series label that the escaping writes the same way also overrides the default label
      if (lnames.indexOf(ln) >= 0 || (type === "stateset" && ln === labelName(m.name, esc))) continue;
      dPiece += (dPiece.length > 0 ? "," : "") + ln + '="' + escapeLabelValue(src._defaultValues[i]) + '"';
    }

    const les = m._hdrExtra;
    const qs = les;
    const states = les;
    const created = om && src.created;

    useEscaping(m, esc);
    for (const s of (m._series as Map<string, Series>).values()) {
      let L = labelBlock(m, s, lnames, esc);
      if (dPiece.length > 0) L = L.length > 0 ? L + "," + dPiece : dPiece;
      const createdAt = s.created;
      switch (type) {
        case "counter": {
          const v = (s as ValueSeries).value;
          sample(k, f, om ? "_total" : "", L, "", formatNumber(v));
          if (k.full) yield;
          if (created) {
            sample(k, f, "_created", L, "", formatNumber(createdAt));
            if (k.full) yield;
          }
          break;
        }
        case "gauge":
          sample(k, f, "", L, "", formatNumber((s as ValueSeries).value));
          if (k.full) yield;
          break;
        case "info":
          sample(k, f, om ? "_info" : "", L, "", "1");
          if (k.full) yield;
          break;
        case "stateset": {
          const on = (s as StateSetSeries).on;
          const n = on.length;
          for (let i = 0; i < n; i++) snap[i] = on[i];
          const st = states as string[];
          for (let i = 0; i < n; i++) {
            sample(k, f, "", L, st[i], snap[i] ? "1" : "0");
            if (k.full) yield;
          }
          break;
        }
        case "histogram": {
          const h = s as HistogramSeries;
          const n = h.counts.length;
          let acc = 0;
          for (let i = 0; i < n; i++) snap[i] = acc += h.counts[i];
          snap[n] = h.count;
          snap[n + 1] = h.sum;
          const le = les as string[];
          for (let i = 0; i < n; i++) {
            sample(k, f, "_bucket", L, le[i], formatNumber(snap[i]));
            if (k.full) yield;
          }
          sample(k, f, "_bucket", L, 'le="+Inf"', formatNumber(snap[n]));
          if (k.full) yield;
          sample(k, f, "_sum", L, "", formatNumber(snap[n + 1]));
          if (k.full) yield;
          sample(k, f, "_count", L, "", formatNumber(snap[n]));
          if (k.full) yield;
          if (created) {
            sample(k, f, "_created", L, "", formatNumber(createdAt));
            if (k.full) yield;
          }
          break;
        }
        case "summary": {
          const sm = s as SummarySeries;
          const q = qs as string[];
          const n = q.length;
          (m as Summary)._quantiles(sm, snap, 0);
          snap[n] = sm.sum;
          snap[n + 1] = sm.count;
          for (let i = 0; i < n; i++) {
            sample(k, f, "", L, q[i], formatNumber(snap[i]));
            if (k.full) yield;
          }
          sample(k, f, "_sum", L, "", formatNumber(snap[n]));
          if (k.full) yield;
          sample(k, f, "_count", L, "", formatNumber(snap[n + 1]));
          if (k.full) yield;
          if (created) {
            sample(k, f, "_created", L, "", formatNumber(createdAt));
            if (k.full) yield;
          }
          break;
        }
      }
    }
  }
  if (om) {
    k.put("# EOF\n");
    if (k.full) yield;
  }
}

/** Collects pieces into a string; `full`: pause after each line. */
class LineSink implements Sink {
  text = "";
  constructor(readonly full: boolean) {}
  put(s: string): void {
    this.text += s;
  }
}

/** The exposition as a whole string. */
export function renderText(src: RenderSource, format: Format): string {
  const sink = new LineSink(false);
  const it = renderInto(src, format, sink);
  while (!it.next().done);
  return sink.text;
}

/**
 * Renders a registry as strings: one per line (the family header, `# HELP`/`# TYPE`/`# UNIT`, as one string).
 * See `renderInto`.
 */
export function* renderLines(src: RenderSource, format: Format): Generator<string, void, undefined> {
  const sink = new LineSink(true);
  const it = renderInto(src, format, sink);
  for (;;) {
    const r = it.next();
    if (sink.text.length > 0) {
      const line = sink.text;
      sink.text = "";
      yield line;
    }
    if (r.done) return;
  }
}
