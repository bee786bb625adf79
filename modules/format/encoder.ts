import type { Format, Escaping } from "./types";
import { escapeHelp, escapeName, isLegacyName } from "./escape";
import { formatCanonical, formatNumber } from "./numbers";
import {
  CREATED,
  VALUE,
  escapeLabelValue,
  familyName,
  labelBlock,
  labelValues,
  sampleSuffix,
} from "../model/exposition";
import type { FamilyDesc, SampleKind, SampleWriter, SeriesDesc } from "../model/exposition";

/**
 * The text encoders (Prometheus text 0.0.4 and 1.0.0, OpenMetrics 1.0.0) as a SampleWriter: each unit the
 * gathering writes (a family header, or all the lines of one series) becomes one string, `unit`. Lines are built
 * with one native concatenation each; no per-character loop runs on the hot path (label blocks come from the
 * series' key, headers and per-family pieces from a cache made once per family and format).
 */

/** What the encoder keeps per family and format: fixed for the metric's lifetime. */
export interface FamilyPieces {
  header: string;
  /** header.length (counted once: on XS a string's length is counted on each use) */
  hlen: number;
  /** line start of VALUE samples: `name_suffix` (legacy names) or `{"name_suffix"` (quoted UTF-8 names) */
  pre0: string;
  /** pre0 + "{" */
  open: string;
  /** line start per sample kind, for the types that have other kinds than VALUE (heap: only where needed) */
  pre: string[] | undefined;
  quoted: boolean;
  /** the series key is the label block as written (label names need no escaping in this format) */
  keyIsBlock: boolean;
  /** label names as this format writes them; undefined when they are written as given (keyIsBlock) */
  labelNames: string[] | undefined;
  /** extra label pieces (`le="0.5"`, `quantile="0.9"`, `state="on"`), index = SampleWriter extra */
  extras: string[] | undefined;
  /** labels whose name is also a default label's (those default labels are not written) */
  dflt: string;
  dfltOf: readonly string[] | undefined;
  /**
   * A series is one line `pre0{key} value` (or `pre0 value`): the family is `valued`, its key is the label block
   * as written, no default label applies and the name is not quoted (see Reader's fast path). Set with `dflt`.
   */
  fast: boolean;
}

// Encoder caches, one WeakMap per format kind and escaping: created on first use (a module-level collection would
// be read-only once preloaded on the device); weak, so a metric that is dropped takes its cache with it.
let textCaches: Map<string, WeakMap<FamilyDesc, FamilyPieces>> | undefined;
let omCaches: Map<string, WeakMap<FamilyDesc, FamilyPieces>> | undefined;

function cacheFor(om: boolean, escaping: string): WeakMap<FamilyDesc, FamilyPieces> {
  let m = om ? omCaches : textCaches;
  if (m === undefined) {
    m = new Map();
    if (om) omCaches = m;
    else textCaches = m;
  }
  let c = m.get(escaping);
  if (c === undefined) {
    c = new WeakMap();
    m.set(escaping, c);
  }
  return c;
}

function labelName(n: string, esc: Escaping): string {
  if (esc === "allow-utf-8") return isLegacyName(n, false) ? n : '"' + escapeLabelValue(n) + '"';
  return escapeName(n, esc, false);
}

function typeWord(type: string, om: boolean): string {
  if (om) return type;
  return type === "info" || type === "stateset" ? "gauge" : type;
}

function makePieces(f: FamilyDesc, format: Format): FamilyPieces {
  const om = format.kind === "openmetrics";
  const esc = format.escaping;
  const type = f.type;
  const fam = familyName(f.name, type, om);
  const quoted = esc === "allow-utf-8" && !isLegacyName(fam, true);
  const famOut = quoted ? '"' + escapeLabelValue(fam) + '"' : escapeName(fam, esc, true);
  let header =
    "# HELP " + famOut + " " + escapeHelp(f.help, om) + "\n# TYPE " + famOut + " " + typeWord(type, om) + "\n";
  if (om && f.unit !== undefined) header += "# UNIT " + famOut + " " + f.unit + "\n";
  let pre: string[] | undefined;
  let pre0 = "";
  const many = type === "counter" || type === "histogram" || type === "summary";
  for (let k = VALUE; k <= (many ? CREATED : VALUE); k++) {
    const suffix = sampleSuffix(type, k as SampleKind, om);
    const start = quoted ? '{"' + escapeLabelValue(fam + suffix) + '"' : famOut + suffix;
    if (k === VALUE) pre0 = start;
    if (many) (pre ??= []).push(start);
  }
  const names = f.labelNames;
  let labelNames: string[] | undefined;
  let keyIsBlock = true;
  for (let i = 0; i < names.length; i++) if (labelName(names[i], esc) !== names[i]) keyIsBlock = false;
  if (!keyIsBlock) {
    labelNames = [];
    for (let i = 0; i < names.length; i++) labelNames.push(labelName(names[i], esc));
  }
  let extras: string[] | undefined;
  const ev = f.extraValues;
  if (ev !== undefined) {
    extras = [];
    const en = labelName(f.extraName as string, esc);
    for (let i = 0; i < ev.length; i++) {
      const v = ev[i];
      extras.push(
        en + '="' + (typeof v === "number" ? (om ? formatCanonical(v) : formatNumber(v)) : escapeLabelValue(v)) + '"',
      );
    }
    if (type === "histogram") extras.push('le="+Inf"');
  }
  return {
    header,
    hlen: header.length,
    pre0,
    open: pre0 + "{",
    pre,
    quoted,
    keyIsBlock,
    labelNames,
    extras,
    dflt: "",
    dfltOf: undefined,
    fast: false,
  };
}

/** The encoder cache of a format (see cacheFor). */
export function formatCache(format: Format): WeakMap<FamilyDesc, FamilyPieces> {
  return cacheFor(format.kind === "openmetrics", format.escaping);
}

/** The pieces of family f in a format (cached), with the default labels dn = dv applied. */
export function familyPieces(
  cache: WeakMap<FamilyDesc, FamilyPieces>,
  f: FamilyDesc,
  format: Format,
  dn: readonly string[],
  dv: readonly string[],
): FamilyPieces {
  let p = cache.get(f);
  if (p === undefined) {
    p = makePieces(f, format);
    cache.set(f, p);
  }
  if (p.dfltOf !== dn) defaults(f, p, format, dn, dv);
  return p;
}

/** The default labels' piece of this family (those the series' own labels do not override). */
function defaults(f: FamilyDesc, p: FamilyPieces, format: Format, dn: readonly string[], dv: readonly string[]): void {
  const stateLabel = f.type === "stateset" ? labelName(f.name, format.escaping) : "";
  let d = "";
  for (let i = 0; i < dn.length; i++) {
    if (f.labelNames.indexOf(dn[i]) >= 0) continue;
    const ln = labelName(dn[i], format.escaping);
    // a series label that the escaping writes the same way also overrides the default label
    if ((p.labelNames === undefined ? f.labelNames : p.labelNames).indexOf(ln) >= 0 || ln === stateLabel) continue;
    d += (d.length > 0 ? "," : "") + ln + '="' + escapeLabelValue(dv[i]) + '"';
  }
  p.dflt = d;
  p.dfltOf = dn;
  p.fast = f.valued && p.keyIsBlock && !p.quoted && d === "";
}

export class LineEncoder implements SampleWriter {
  // fields assigned in the constructor, most used first (XS finds a property by walking the instance's list, and a
  // field initializer costs a function call per construction)
  /** the text of the last unit written */
  declare unit: string;
  declare private p: FamilyPieces | null;
  /** series whose label block is in `L` */
  declare private s: SeriesDesc | null;
  declare private L: string;
  declare private created: boolean;
  declare private cache: WeakMap<FamilyDesc, FamilyPieces>;
  declare private dn: readonly string[];
  declare private dv: readonly string[];
  declare readonly format: Format;

  constructor(format: Format, created: boolean, dn: readonly string[], dv: readonly string[]) {
    this.unit = "";
    this.p = null;
    this.s = null;
    this.L = "";
    this.created = created && format.kind === "openmetrics";
    this.cache = formatCache(format);
    this.dn = dn;
    this.dv = dv;
    this.format = format;
  }

  family(f: FamilyDesc): void {
    this.start(f);
  }

  /** Starts family f: its pieces (made once per family and format), header in `unit`. */
  protected start(f: FamilyDesc): FamilyPieces {
    const p = familyPieces(this.cache, f, this.format, this.dn, this.dv);
    this.p = p;
    this.s = null;
    this.unit = p.header;
    return p;
  }

  sample(s: SeriesDesc, kind: SampleKind, extra: number, value: number): void {
    const p = this.p as FamilyPieces;
    let L: string;
    const first = s !== this.s;
    if (first) {
      L = p.keyIsBlock
        ? s.key
        : labelBlock(p.labelNames as string[], labelValues(s.key, (p.labelNames as string[]).length));
      if (p.dflt !== "") L = L !== "" ? L + "," + p.dflt : p.dflt;
      this.s = s;
      this.L = L;
    } else L = this.L;
    let v: string;
    if (kind === CREATED) {
      if (!this.created) {
        if (first) this.unit = "";
        return;
      }
      v = formatNumber(value);
    } else v = (value | 0) === value ? String(value) : formatNumber(value);
    const ex = extra < 0 ? "" : (p.extras as string[])[extra];
    const start = kind === VALUE ? p.pre0 : (p.pre as string[])[kind];
    let line: string;
    if (p.quoted) line = "".concat(start, L !== "" ? "," : "", L, ex !== "" ? "," : "", ex, "} ", v, "\n");
    else if (L !== "")
      line = ex !== "" ? "".concat(start, "{", L, ",", ex, "} ", v, "\n") : "".concat(start, "{", L, "} ", v, "\n");
    else if (ex !== "") line = "".concat(start, "{", ex, "} ", v, "\n");
    else line = "".concat(start, " ", v, "\n");
    this.unit = first ? line : this.unit + line;
  }
}
