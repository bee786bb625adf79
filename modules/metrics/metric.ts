import {
  checkLabelName,
  checkMetricName,
  describe,
  isLegacyMetricName,
  isWellFormed,
  legacyLabelEscape,
  toWellFormed,
} from "./validation";
import { defaultRegistry } from "./default-registry";
import type { Registry } from "./registry";
import { labelBlock } from "../model/exposition";
import type { FamilyDesc, MetricType, SampleWriter, SeriesDesc } from "../model/exposition";

export type LabelValue = string | number;
export type Labels = Record<string, LabelValue>;
export type { MetricType };

/** Default per-metric series cap, sized for an ESP32 (≈100 KB of JS heap for the whole app). */
export const DEFAULT_MAX_SERIES = 64;

export interface MetricConfiguration {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** Registries to register with; default [register]. Pass [] to register nowhere. */
  registers?: Registry[];
  /** Called by registry.collect() / metrics() before a render; may return a promise. `this` is the metric. */
  collect?: (this: any) => void | Promise<void>;
  /** OpenMetrics unit (e.g. "seconds"): the name must end with `_<unit>` (before `_total` for counters). */
  unit?: string;
  /** Cap on distinct label sets. Default: the first registry's maxSeries, else 64. */
  maxSeries?: number;
  /** Clock in milliseconds (default Date.now): timers, setToCurrentTime, _created, summary windows. */
  now?: () => number;
}

export interface Series extends SeriesDesc {
  readonly key: string;
  /** Creation time, seconds since the epoch (OpenMetrics `_created`). */
  created: number;
}

/**
 * Base of every metric. Series live in a Map keyed by their label values (creation order = render order).
 * A new label set beyond `maxSeries` is refused: the operation is dropped (no throw on the hot path) and
 * counted in each registry's `exporter_series_refused_total{metric="<name>"}` and in `refusedSeries`.
 */
export abstract class Metric<S extends Series = Series> implements FamilyDesc {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly unit: string | undefined;
  readonly maxSeries: number;
  abstract readonly type: MetricType;
  /** Label sets refused because the cap was reached (since creation). */
  refusedSeries = 0;
  readonly registers: Registry[];
  readonly now: () => number;
  /** @internal */ readonly _collect: ((this: any) => void | Promise<void>) | undefined;
  /** Name of the per-sample extra label (histogram "le", summary "quantile", stateset its own name), if any. */
  extraName: string | undefined = undefined;
  /** Values of the extra label, indexed by the `extra` argument of SampleWriter.sample. */
  extraValues: readonly (number | string)[] | undefined = undefined;
  /** Series hold one number, `value` (see FamilyDesc.valued): set by Gauge and Counter. */
  readonly valued: boolean = false;
  /** @internal series by key (label block) */ _series: Map<string, S> = new Map();
  /**
   * @internal The series in creation order. Copy-on-write: a snapshot (Registry.gather) takes this array and marks
   * it shared; a later change copies it first, so a paused scrape keeps walking the membership it started with.
   */
  _list: S[] = [];
  /** @internal */ _listShared = false;

  constructor(config: MetricConfiguration, reserved: readonly string[] = []) {
    if (config === null || typeof config !== "object")
      throw new TypeError("Metric constructor expects a configuration object");
    const name = checkMetricName(config.name);
    this.name = name;
    if (typeof config.help !== "string" || config.help.length === 0)
      throw new TypeError(`Metric "${name}": help must be a non-empty string`);
    // help is written as UTF-8: a lone surrogate becomes U+FFFD here, once, as an encoder would write it
    this.help = toWellFormed(config.help);
    const labelNames = config.labelNames === undefined ? [] : config.labelNames;
    if (!Array.isArray(labelNames)) throw new TypeError(`Metric "${name}": labelNames must be an array of strings`);
    for (let i = 0; i < labelNames.length; i++) {
      const l = checkLabelName(labelNames[i], name);
      for (let r = 0; r < reserved.length; r++) {
        if (l === reserved[r])
          throw new TypeError(`Metric "${name}": label name "${l}" is reserved for ${this._reservedWhat()}`);
      }
      for (let j = 0; j < i; j++) {
        if (labelNames[j] === l) throw new TypeError(`Metric "${name}": duplicate label name "${l}"`);
        if (legacyLabelEscape(labelNames[j]) === legacyLabelEscape(l)) {
          throw new TypeError(
            `Metric "${name}": label names "${labelNames[j]}" and "${l}" both become "${legacyLabelEscape(l)}" in the legacy (underscore-escaped) formats`,
          );
        }
      }
    }
    this.labelNames = labelNames.slice();
    if (config.unit !== undefined) {
      const unit = config.unit;
      if (typeof unit !== "string" || unit.length === 0 || !isLegacyMetricName(unit))
        throw new TypeError(`Metric "${name}": invalid unit ${describe(unit)}`);
      const stem = this._unitStem(name);
      const suffix = "_" + unit;
      if (stem.length <= suffix.length || stem.slice(stem.length - suffix.length) !== suffix) {
        throw new TypeError(`Metric "${name}": name must end with "${suffix}" to declare unit "${unit}"`);
      }
    }
    this.unit = config.unit;
    if (config.collect !== undefined && typeof config.collect !== "function")
      throw new TypeError(`Metric "${name}": collect must be a function`);
    this._collect = config.collect;
    this.now = config.now === undefined ? Date.now : config.now;
    if (typeof this.now !== "function") throw new TypeError(`Metric "${name}": now must be a function`);
    const registers = config.registers === undefined ? [defaultRegistry()] : config.registers;
    if (!Array.isArray(registers)) throw new TypeError(`Metric "${name}": registers must be an array of registries`);
    let max = config.maxSeries;
    if (max === undefined) max = registers.length > 0 ? registers[0].maxSeries : DEFAULT_MAX_SERIES;
    if (typeof max !== "number" || !(max >= 1) || (max !== Infinity && Math.floor(max) !== max)) {
      throw new TypeError(`Metric "${name}": maxSeries must be a positive integer, got ${describe(max)}`);
    }
    this.maxSeries = max;
    this.registers = registers.slice();
  }

  /** Creates the unlabelled series (if no labels) and registers: called by subclasses at the end of their constructor. */
  protected _start(): void {
    if (this.labelNames.length === 0) this._init();
    this._register();
  }

  protected _register(): void {
    for (let i = 0; i < this.registers.length; i++) this.registers[i].registerMetric(this);
  }

  /** Name without the suffixes a unit must precede (`_total` for counters). */
  protected _unitStem(name: string): string {
    return name;
  }
  protected _reservedWhat(): string {
    return "this metric type";
  }

  /** Runs the collect callback (awaited if it returns a promise). */
  async collect(): Promise<void> {
    if (this._collect !== undefined) {
      const r = this._collect.call(this);
      if (r !== undefined && r !== null && typeof (r as Promise<void>).then === "function") await r;
    }
  }

  /** Removes every series (prom-client semantics: unlabelled metrics get their zero series back). */
  reset(): void {
    this._clear();
    if (this.labelNames.length === 0) this._init();
  }

  /** @internal Removes every series (a snapshot in progress keeps its own list). */
  _clear(): void {
    this._series.clear();
    this._list = [];
    this._listShared = false;
  }

  /** @internal The series list for a snapshot: not changed in place afterwards. */
  _takeList(): S[] {
    this._listShared = true;
    return this._list;
  }

  /** @internal Writes every sample of series `s` to `w`: the one place that knows this type's samples. */
  abstract _emit(s: S, w: SampleWriter): void;

  /** Creates the unlabelled series at construction / reset, as prom-client does for counters and gauges. */
  protected _init(): void {}

  protected abstract _newSeries(key: string, created: number): S;

  /** Removes the series of that label set (positional values or an object). */
  remove(...args: any[]): void {
    const values = this._values(args, args.length);
    const key = this._key(values);
    const s = this._series.get(key);
    if (s === undefined) return;
    this._series.delete(key);
    if (this._listShared) {
      this._list = this._list.slice();
      this._listShared = false;
    }
    const i = this._list.indexOf(s);
    if (i >= 0) this._list.splice(i, 1);
  }

  /** @internal The key (label block) of a label-value tuple. */
  _key(values: readonly string[]): string {
    return labelBlock(this.labelNames, values);
  }

  /** Number of series currently held. */
  get seriesCount(): number {
    return this._series.size;
  }

  /** @internal Label values (in labelNames order) from either positional values or an object. */
  _values(args: readonly any[], count: number): string[] {
    const names = this.labelNames;
    if (count === 1 && args[0] !== null && typeof args[0] === "object") return this._fromObject(args[0] as Labels);
    if (count !== names.length) {
      throw new TypeError(
        `Metric "${this.name}": expected ${names.length} label value(s) for [${names.join(", ")}], got ${count}`,
      );
    }
    const values: string[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = labelValue(args[i], names[i], this.name);
    return values;
  }

  /** @internal */
  _fromObject(labels: Labels | undefined): string[] {
    const names = this.labelNames;
    const values: string[] = new Array(names.length);
    if (labels === undefined || labels === null) {
      if (names.length === 0) return values;
      throw new TypeError(`Metric "${this.name}": missing labels [${names.join(", ")}]`);
    }
    if (typeof labels !== "object")
      throw new TypeError(`Metric "${this.name}": labels must be an object, got ${describe(labels)}`);
    let seen = 0;
    for (const k in labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
      const i = names.indexOf(k);
      if (i < 0)
        throw new TypeError(`Metric "${this.name}": label "${k}" is not one of its label names [${names.join(", ")}]`);
      values[i] = labelValue(labels[k], k, this.name);
      seen++;
    }
    if (seen !== names.length) {
      const missing: string[] = [];
      for (let i = 0; i < names.length; i++) if (values[i] === undefined) missing.push(names[i]);
      throw new TypeError(`Metric "${this.name}": missing label(s) [${missing.join(", ")}]`);
    }
    return values;
  }

  /** @internal The series for these values, created if allowed; undefined when refused by the cap. */
  _get(values: string[]): S | undefined {
    const key = labelBlock(this.labelNames, values);
    let s = this._series.get(key);
    if (s !== undefined) return s;
    if (this._series.size >= this.maxSeries) {
      this.refusedSeries++;
      for (let i = 0; i < this.registers.length; i++) this.registers[i]._refused(this);
      return undefined;
    }
    for (let i = 0; i < values.length; i++) {
      if (!isWellFormed(values[i]))
        throw new TypeError(
          `Metric "${this.name}": value of label "${this.labelNames[i]}" contains a lone UTF-16 surrogate`,
        );
    }
    s = this._newSeries(key, this.now() / 1000);
    this._series.set(key, s);
    if (this._listShared) {
      this._list = this._list.slice();
      this._listShared = false;
    }
    this._list.push(s);
    return s;
  }

  /** @internal The series for optional leading labels (object), or the unlabelled series. */
  _getFor(labels: Labels | undefined): S | undefined {
    return this._get(this._fromObject(labels));
  }
}

function labelValue(v: unknown, name: string, metric: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  throw new TypeError(`Metric "${metric}": value of label "${name}" must be a string or number, got ${describe(v)}`);
}

export function isLabels(v: unknown): v is Labels {
  return v !== null && typeof v === "object";
}

export function checkNumber(v: unknown, metric: string, what: string): number {
  if (typeof v !== "number") throw new TypeError(`Metric "${metric}": ${what} must be a number, got ${describe(v)}`);
  return v;
}
