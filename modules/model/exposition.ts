/*
 * What metrics and encoders share (client_golang's "model"): the sample kinds, the family description a writer
 * receives, the writer interface, and the naming rules of families and samples. Imports nothing.
 *
 * A registry hands a consistent snapshot to a writer one unit at a time: a family (`family`), then each series
 * (`series`, followed by its samples, `sample`). Each metric type is the one place that knows which samples its
 * series have (Metric._emit); encoders only encode, and know nothing of metric classes.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "info" | "stateset";

/** Sample kinds: which sample of a series (the encoder derives the sample name from the family and the kind). */
export const VALUE = 0; // counter (`_total` in OpenMetrics), gauge, info, stateset state, summary quantile
export const BUCKET = 1; // histogram `_bucket`
export const SUM = 2; // `_sum`
export const COUNT = 3; // `_count`
export const CREATED = 4; // `_created` (OpenMetrics only, when the registry enables it)
export type SampleKind = 0 | 1 | 2 | 3 | 4;

/** What a writer needs to know of a family: fixed for the metric's lifetime. */
export interface FamilyDesc {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly unit: string | undefined;
  readonly labelNames: readonly string[];
  /**
   * The per-sample extra label of VALUE/BUCKET samples, if any: its name ("le", "quantile", or the stateset's own
   * name) and its values, indexed by the `extra` argument of `sample` (histograms: the finite upper bounds; +Inf is
   * `extra` = values.length).
   */
  readonly extraName: string | undefined;
  readonly extraValues: readonly (number | string)[] | undefined;
  /**
   * Declared by the types whose series hold one number, `value` (SeriesDesc.value), written as their VALUE sample
   * (counters add their CREATED sample, `created`): an encoder may then write a series without calling `_emit`.
   * `_emit` writes exactly the same samples.
   */
  readonly valued: boolean;
}

/** A series as writers see it. */
export interface SeriesDesc {
  /**
   * The label block in exposition syntax, `a="x",b="y"` (labelBlock of labelNames and values): also its identity.
   * The label values are not kept apart (heap per series): labelValues(key, n) reads them back.
   */
  readonly key: string;
  /** Creation time, seconds since the epoch (OpenMetrics `_created`). */
  readonly created: number;
  /** The series' one number, for families that are `valued`. */
  readonly value?: number;
}

/** A family as a snapshot holds it: its description, its series, and the one place that writes their samples. */
export interface Family extends FamilyDesc {
  /**
   * The family's series in order, taken when a walk reaches the family: the array is never changed in place
   * afterwards (copy-on-write), so a series removed and re-added while the walk is paused is not written twice.
   */
  _takeList(): readonly SeriesDesc[];
  /** Writes every sample of series `s` to `w` (numbers read in one go, so a series is never torn). */
  _emit(s: SeriesDesc, w: SampleWriter): void;
}

/**
 * Receives a snapshot one unit at a time: `family` starts a family (its header), then each of its series is one
 * call of Metric._emit, which writes all the samples of that series with `sample` (numbers read in one go, so a
 * series is never torn).
 */
export interface SampleWriter {
  family(f: FamilyDesc): void;
  /** One sample of series `s`; `extra` indexes FamilyDesc.extraValues (-1: no extra label). */
  sample(s: SeriesDesc, kind: SampleKind, extra: number, value: number): void;
}

/**
 * A consistent snapshot of a registry: the families (fixed when the snapshot is taken), each walked in order with
 * `_takeList` then `_emit` per series (see `walk`; an encoder may walk it itself the same way).
 */
export interface Snapshot {
  readonly families: readonly Family[];
  readonly defaultNames: readonly string[];
  readonly defaultValues: readonly string[];
  /** write OpenMetrics `_created` samples */
  readonly created: boolean;
}

/** Writes a whole snapshot to `w`: each family, then each of its series. */
export function walk(snap: Snapshot, w: SampleWriter): void {
  const families = snap.families;
  for (let i = 0; i < families.length; i++) {
    const f = families[i];
    const list = f._takeList();
    w.family(f);
    for (let k = 0; k < list.length; k++) f._emit(list[k], w);
  }
}

/** The n label values of a label block made by labelBlock (unescaped), in order. */
export function labelValues(key: string, n: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (let k = 0; k < n; k++) {
    i = key.indexOf('="', i) + 2;
    let v = "";
    for (;;) {
      const c = key[i++];
      if (c === '"') break;
      if (c === "\\") {
        const d = key[i++];
        v += d === "n" ? "\n" : d;
      } else v += c;
    }
    out.push(v);
    i++; // the comma
  }
  return out;
}

/** Family name of a metric in a format: OpenMetrics drops a counter's `_total` and an info's `_info`. */
export function familyName(name: string, type: MetricType, openMetrics: boolean): string {
  if (openMetrics && (type === "counter" || type === "info"))
    return stripSuffix(name, type === "counter" ? "_total" : "_info");
  if (type === "info") return stripSuffix(name, "_info") + "_info";
  return name;
}

/** Suffix that a sample of `kind` adds to the family name. */
export function sampleSuffix(type: MetricType, kind: SampleKind, openMetrics: boolean): string {
  switch (kind) {
    case VALUE:
      return openMetrics ? (type === "counter" ? "_total" : type === "info" ? "_info" : "") : "";
    case BUCKET:
      return "_bucket";
    case SUM:
      return "_sum";
    case COUNT:
      return "_count";
    default:
      return "_created";
  }
}

/** The sample kinds a metric type produces (CREATED included where OpenMetrics may write it). */
export function sampleKinds(type: MetricType): readonly SampleKind[] {
  switch (type) {
    case "counter":
      return [VALUE, CREATED];
    case "histogram":
      return [BUCKET, SUM, COUNT, CREATED];
    case "summary":
      return [VALUE, SUM, COUNT, CREATED];
    default:
      return [VALUE];
  }
}

function stripSuffix(n: string, suffix: string): string {
  const k = suffix.length;
  return n.length > k && n.slice(n.length - k) === suffix ? n.slice(0, n.length - k) : n;
}

/** Label values (and quoted names) in every exposition format: backslash, double quote and newline escaped. */
export function escapeLabelValue(s: string): string {
  // native search first: the common value needs no escaping, and a per-character loop is slow on XS
  if (s.indexOf("\\") < 0 && s.indexOf('"') < 0 && s.indexOf("\n") < 0) return s;
  let out = "";
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s[i];
    out += c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === '"' ? '\\"' : c;
  }
  return out;
}

/**
 * A series' label block, `a="x",b="y"` (names as given, values escaped): the same text in every format whose
 * label names need no escaping, and injective (so it also serves as the series' key).
 */
export function labelBlock(names: readonly string[], values: readonly string[]): string {
  const n = values.length;
  if (n === 0) return "";
  let L = "".concat(names[0], '="', escapeLabelValue(values[0]), '"');
  for (let i = 1; i < n; i++) L = L.concat(",", names[i], '="', escapeLabelValue(values[i]), '"');
  return L;
}
