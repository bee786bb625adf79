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

function labelName(n: string, esc: Escaping): string {
  if (esc === "allow-utf-8") return isLegacyName(n, false) ? n : '"' + escapeLabelValue(n) + '"';
  return escapeName(n, esc, false);
}

function typeWord(type: string, om: boolean): string {
  if (om) return type;
  return type === "info" || type === "stateset" ? "gauge" : type;
}

/**
 * Renders a registry line by line ("...\n" strings), one family after another in registration order, series in
 * creation order. Each series is snapshotted (its numbers copied, quantiles computed) before its first line is
 * yielded, so a consumer pausing between lines never emits a torn histogram or summary.
 * Text formats: `# HELP`, `# TYPE`, samples; no blank lines. OpenMetrics: `# HELP`, `# TYPE`, `# UNIT`, samples,
 * final `# EOF`.
 */
export function* renderLines(src: RenderSource, format: Format): Generator<string, void, undefined> {
  const om = format.kind === "openmetrics";
  const esc = format.escaping;
  const snap: number[] = [];
  for (const m of src._metrics.values()) {
    const type = m.type;
    let fam = m.name;
    if (type === "counter" && om && fam.length > 6 && fam.slice(fam.length - 6) === "_total") fam = fam.slice(0, fam.length - 6);
    else if (type === "info") fam = om ? (m as Info).family : (m as Info).family + "_info";
    const quoted = esc === "allow-utf-8" && !isLegacyName(fam, true);
    const famOut = quoted ? '"' + escapeLabelValue(fam) + '"' : escapeName(fam, esc, true);
    yield "# HELP " + famOut + " " + escapeHelp(m.help, om) + "\n";
    yield "# TYPE " + famOut + " " + typeWord(type, om) + "\n";
    if (om && m.unit !== undefined) yield "# UNIT " + famOut + " " + m.unit + "\n";

    const names = m.labelNames;
    const lnames: string[] = new Array(names.length);
    for (let i = 0; i < names.length; i++) lnames[i] = labelName(names[i], esc);
    let dPiece = "";
    const dn = src._defaultNames;
    for (let i = 0; i < dn.length; i++) {
      if (names.indexOf(dn[i]) >= 0) continue;
      const ln = labelName(dn[i], esc);
      // a series label that the escaping writes the same way also overrides the default label
      if (lnames.indexOf(ln) >= 0 || (type === "stateset" && ln === labelName(m.name, esc))) continue;
      dPiece += (dPiece.length > 0 ? "," : "") + ln + '="' + escapeLabelValue(src._defaultValues[i]) + '"';
    }
    // sample(suffix, labels, extra, value) → line
    const sample = (suffix: string, L: string, extra: string, value: string): string => {
      let inner = L;
      if (extra.length > 0) inner = inner.length > 0 ? inner + "," + extra : extra;
      if (quoted) return '{"' + escapeLabelValue(fam + suffix) + '"' + (inner.length > 0 ? "," + inner : "") + "} " + value + "\n";
      return famOut + suffix + (inner.length > 0 ? "{" + inner + "}" : "") + " " + value + "\n";
    };

    let les: string[] | undefined;
    let qs: string[] | undefined;
    let states: string[] | undefined;
    if (type === "histogram") {
      const b = (m as Histogram).upperBounds;
      les = new Array(b.length);
      for (let i = 0; i < b.length; i++) les[i] = 'le="' + (om ? formatCanonical(b[i]) : formatNumber(b[i])) + '"';
    } else if (type === "summary") {
      const p = (m as Summary).percentiles;
      qs = new Array(p.length);
      for (let i = 0; i < p.length; i++) qs[i] = 'quantile="' + (om ? formatCanonical(p[i]) : formatNumber(p[i])) + '"';
    } else if (type === "stateset") {
      const st = (m as StateSet).states;
      const ln = labelName(m.name, esc);
      states = new Array(st.length);
      for (let i = 0; i < st.length; i++) states[i] = ln + '="' + escapeLabelValue(st[i]) + '"';
    }
    const created = om && src.created;

    for (const s of (m._series as Map<string, Series>).values()) {
      let L = "";
      const vals = s.values;
      for (let i = 0; i < vals.length; i++) L += (i > 0 ? "," : "") + lnames[i] + '="' + escapeLabelValue(vals[i]) + '"';
      if (dPiece.length > 0) L = L.length > 0 ? L + "," + dPiece : dPiece;
      const createdAt = s.created;
      switch (type) {
        case "counter": {
          const v = (s as ValueSeries).value;
          yield sample(om ? "_total" : "", L, "", formatNumber(v));
          if (created) yield sample("_created", L, "", formatNumber(createdAt));
          break;
        }
        case "gauge":
          yield sample("", L, "", formatNumber((s as ValueSeries).value));
          break;
        case "info":
          yield sample(om ? "_info" : "", L, "", "1");
          break;
        case "stateset": {
          const on = (s as StateSetSeries).on;
          const n = on.length;
          for (let i = 0; i < n; i++) snap[i] = on[i];
          const st = states as string[];
          for (let i = 0; i < n; i++) yield sample("", L, st[i], snap[i] ? "1" : "0");
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
          for (let i = 0; i < n; i++) yield sample("_bucket", L, le[i], formatNumber(snap[i]));
          yield sample("_bucket", L, 'le="+Inf"', formatNumber(snap[n]));
          yield sample("_sum", L, "", formatNumber(snap[n + 1]));
          yield sample("_count", L, "", formatNumber(snap[n]));
          if (created) yield sample("_created", L, "", formatNumber(createdAt));
          break;
        }
        case "summary": {
          const sm = s as SummarySeries;
          const q = qs as string[];
          const n = q.length;
          (m as Summary)._quantiles(sm, snap, 0);
          snap[n] = sm.sum;
          snap[n + 1] = sm.count;
          for (let i = 0; i < n; i++) yield sample("", L, q[i], formatNumber(snap[i]));
          yield sample("_sum", L, "", formatNumber(snap[n]));
          yield sample("_count", L, "", formatNumber(snap[n + 1]));
          if (created) yield sample("_created", L, "", formatNumber(createdAt));
          break;
        }
      }
    }
  }
  if (om) yield "# EOF\n";
}
