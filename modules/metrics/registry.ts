import { Metric } from "./metric";
import { Counter } from "./counter";
import { checkLabelName, describe, isWellFormed, legacyLabelEscape } from "./validation";
import { CREATED, familyName, labelValues, sampleKinds, sampleSuffix, walk } from "../model/exposition";
import type { FamilyDesc, SampleKind, SampleWriter, SeriesDesc, Snapshot } from "../model/exposition";

export interface RegistryOptions {
  /** Content type of metrics() (see modules/client): Registry.PROMETHEUS_CONTENT_TYPE (default) or Registry.OPENMETRICS_CONTENT_TYPE. */
  contentType?: string;
  /** Default series cap of metrics whose first registry is this one (default 64). */
  maxSeries?: number;
  /** Register `exporter_series_refused_total` (default true). */
  selfMetrics?: boolean;
  /** Emit OpenMetrics `_created` samples for counters, histograms and summaries (default false: a device
   *  without a synchronised clock would report 1970). */
  created?: boolean;
}

export interface MetricJSONValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}
export interface MetricJSON {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: MetricJSONValue[];
}

/** Name of the self-metric counting label sets refused by series caps. */
export const SERIES_REFUSED = "exporter_series_refused_total";

/**
 * A set of metrics, gathered in registration order (series in creation order). prom-client compatible; the
 * exposition methods (metrics(), contentType) are added by modules/client, which knows the formats.
 */
export class Registry {
  /** @internal */ _metrics: Map<string, Metric<any>> = new Map();
  /** @internal registration order, copy-on-write like Metric._list */ _list: Metric<any>[] = [];
  /** @internal */ _listShared = false;
  /** @internal sample/family names (underscore-escaped) → metric, to refuse clashing registrations */
  private _names: Map<string, Metric<any>> = new Map();
  /** @internal */ _defaultNames: string[] = [];
  /** @internal */ _defaultValues: string[] = [];
  readonly maxSeries: number;
  readonly created: boolean;
  /** @internal */ _self: Counter | undefined = undefined;
  /** @internal metrics registered here that have a collect step (see collects) */
  private _collectors = 0;

  constructor(options?: string | RegistryOptions) {
    const o: RegistryOptions =
      typeof options === "string" ? { contentType: options } : options === undefined ? {} : options;
    if (o === null || typeof o !== "object")
      throw new TypeError("Registry: options must be a content type string or an options object");
    const max = o.maxSeries === undefined ? 64 : o.maxSeries;
    if (typeof max !== "number" || !(max >= 1) || (max !== Infinity && Math.floor(max) !== max))
      throw new TypeError(`Registry: maxSeries must be a positive integer, got ${describe(max)}`);
    this.maxSeries = max;
    this.created = o.created === true;
    if (o.selfMetrics !== false) this._addSelf();
  }

  private _addSelf(): void {
    this._self = new Counter({
      name: SERIES_REFUSED,
      help: "Label sets refused because their metric reached its series cap (maxSeries); the operation was dropped.",
      labelNames: ["metric"],
      registers: [],
      maxSeries: Infinity,
    });
    this.registerMetric(this._self);
  }

  /** @internal called by a metric that refused a new label set */
  _refused(m: Metric<any>): void {
    if (this._self !== undefined && this._metrics.get(SERIES_REFUSED) === this._self)
      this._self.inc({ metric: m.name });
  }

  /**
   * A consistent snapshot to walk (client_golang's Gather, streamed; see model/exposition's Snapshot): the metric
   * list is fixed now, each metric's series when the walk reaches it. Both lists are copy-on-write, so a series
   * removed and re-added, a metric registered or removed, or a reset while the consumer is paused never makes a
   * series appear twice. Run `await collect()` first.
   */
  gather(): Snapshot {
    this._listShared = true;
    return {
      families: this._list,
      defaultNames: this._defaultNames,
      defaultValues: this._defaultValues,
      created: this.created,
    };
  }

  private _ownList(): Metric<any>[] {
    if (this._listShared) {
      this._list = this._list.slice();
      this._listShared = false;
    }
    return this._list;
  }

  registerMetric(metric: Metric<any>): void {
    const existing = this._metrics.get(metric.name);
    if (existing === metric) return;
    if (existing !== undefined) throw new Error(`A metric with the name ${metric.name} has already been registered.`);
    const names = producedNames(metric);
    for (let i = 0; i < names.length; i++) {
      const other = this._names.get(names[i]);
      if (other !== undefined && other !== metric) {
        throw new Error(
          `Metric "${metric.name}" (${metric.type}) clashes with the registered metric "${other.name}" (${other.type}): both produce "${names[i]}"`,
        );
      }
    }
    for (let i = 0; i < names.length; i++) this._names.set(names[i], metric);
    this._metrics.set(metric.name, metric);
    this._ownList().push(metric);
    if (hasCollect(metric)) this._collectors++;
  }

  getMetricsAsArray(): Metric<any>[] {
    return this._list.slice();
  }

  getSingleMetric(name: string): Metric<any> | undefined {
    return this._metrics.get(name);
  }

  removeSingleMetric(name: string): void {
    const m = this._metrics.get(name);
    if (m === undefined) return;
    this._metrics.delete(name);
    const list = this._ownList();
    list.splice(list.indexOf(m), 1);
    if (hasCollect(m)) this._collectors--;
    const names = producedNames(m);
    for (let i = 0; i < names.length; i++) if (this._names.get(names[i]) === m) this._names.delete(names[i]);
  }

  /** Removes every metric and the default labels (the self-metric stays, reset). */
  clear(): void {
    this._metrics.clear();
    this._list = [];
    this._listShared = false;
    this._names.clear();
    this._collectors = 0;
    this._defaultNames = [];
    this._defaultValues = [];
    if (this._self !== undefined) {
      this._self.reset();
      this.registerMetric(this._self);
    }
  }

  resetMetrics(): void {
    for (let i = 0; i < this._list.length; i++) this._list[i].reset();
  }

  /** Labels added to every series that does not have a label of that name. */
  setDefaultLabels(labels: Record<string, string | number>): void {
    if (labels === null || typeof labels !== "object")
      throw new TypeError("setDefaultLabels: expected an object of label values");
    const names: string[] = [];
    const values: string[] = [];
    for (const k in labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
      checkLabelName(k, "(default labels)");
      const v = labels[k];
      if (typeof v !== "string" && typeof v !== "number")
        throw new TypeError(`setDefaultLabels: value of "${k}" must be a string or number, got ${describe(v)}`);
      if (typeof v === "string" && !isWellFormed(v))
        throw new TypeError(`setDefaultLabels: value of "${k}" contains a lone UTF-16 surrogate`);
      names.push(k);
      values.push(String(v));
    }
    this._defaultNames = names;
    this._defaultValues = values;
  }

  /** Whether some metric has a collect callback: when none has, collect() has nothing to wait for, and a scrape
   *  can be answered at once (no promise, no later turn). */
  collects(): boolean {
    return this._collectors > 0;
  }

  /** Runs every metric's collect callback (concurrently) and waits for them. Without any callback it returns an
   *  already resolved promise (no promise per metric). */
  collect(): Promise<void> {
    let pending: Promise<void>[] | undefined;
    try {
      const list = this._list;
      for (let i = 0; i < list.length; i++) {
        const m = list[i];
        if (!hasCollect(m)) continue;
        if (pending === undefined) pending = [];
        pending.push(m.collect());
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return pending === undefined ? Promise.resolve() : Promise.all(pending).then(nothing);
  }

  /**
   * prom-client's JSON shape: [{ name, help, type, aggregator, values: [{ value, labels, metricName? }] }], after
   * collecting. Types as in the 0.0.4 text (info and stateset appear as gauges); default labels are added.
   */
  async getMetricsAsJSON(): Promise<MetricJSON[]> {
    await this.collect();
    const out: MetricJSON[] = [];
    const w = new JSONWriter(this._defaultNames, this._defaultValues);
    walk(this.gather(), w);
    w.flush(out);
    return out;
  }

  /** Registries' metrics in one registry (same content type required; a clash throws). Self-metrics: the first one. */
  static merge(registers: Registry[]): Registry {
    if (!Array.isArray(registers) || registers.length === 0)
      throw new TypeError("Registry.merge expects a non-empty array of registries");
    const merged = new this({ selfMetrics: false, maxSeries: registers[0].maxSeries });
    merged._mergeFrom(registers);
    return merged;
  }

  /** @internal registers the metrics of `registers` (self-metric: the first one only) */
  _mergeFrom(registers: Registry[]): void {
    let self = false;
    for (const r of registers) {
      for (const m of r._list) {
        if (m === r._self) {
          if (self) continue;
          self = true;
        }
        this.registerMetric(m);
      }
    }
  }
}

function nothing(): void {}
const metricCollect = Metric.prototype.collect;

/** The metric has a collect step: a collect callback, or a collect method of its own. */
function hasCollect(m: Metric<any>): boolean {
  return m._collect !== undefined || m.collect !== metricCollect;
}

/** obj[k] = v as an own property even for k = "__proto__". */
function setOwn(obj: Record<string, string | number>, k: string, v: string | number): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Family and sample names a metric can produce in any format, underscore-escaped (the default escaping). */
function producedNames(m: Metric<any>): string[] {
  const out: string[] = [];
  for (let f = 0; f < 2; f++) {
    const om = f === 1;
    const fam = familyName(m.name, m.type, om);
    out.push(legacyLabelEscape(fam));
    const kinds = sampleKinds(m.type);
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] === CREATED && !om) continue;
      const n = legacyLabelEscape(fam + sampleSuffix(m.type, kinds[i], om));
      if (out.indexOf(n) < 0) out.push(n);
    }
  }
  const n = legacyLabelEscape(m.name);
  if (out.indexOf(n) < 0) out.push(n);
  return out;
}

/** prom-client's JSON shape of a snapshot (types as in the 0.0.4 text; default labels added; no _created). */
class JSONWriter implements SampleWriter {
  private fam: FamilyDesc | null = null;
  private cur: MetricJSON | null = null;
  private done: MetricJSON[] = [];
  constructor(
    private readonly dn: readonly string[],
    private readonly dv: readonly string[],
  ) {}

  family(f: FamilyDesc): void {
    this.fam = f;
    const type = f.type === "info" || f.type === "stateset" ? "gauge" : f.type;
    this.cur = { name: f.name, help: f.help, type, aggregator: "sum", values: [] };
    this.done.push(this.cur);
  }

  sample(s: SeriesDesc, kind: SampleKind, extra: number, value: number): void {
    const f = this.fam as FamilyDesc;
    if (kind === CREATED) return;
    const labels: Record<string, string | number> = {};
    const values = labelValues(s.key, f.labelNames.length);
    for (let i = 0; i < f.labelNames.length; i++) setOwn(labels, f.labelNames[i], values[i]);
    for (let i = 0; i < this.dn.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(labels, this.dn[i])) setOwn(labels, this.dn[i], this.dv[i]);
    }
    if (extra >= 0) {
      const ev = f.extraValues as readonly (number | string)[];
      setOwn(labels, f.extraName as string, extra < ev.length ? ev[extra] : "+Inf");
    }
    const v: MetricJSONValue = { value, labels };
    const suffix = sampleSuffix(f.type, kind, false);
    if (f.type === "info") v.metricName = familyName(f.name, "info", false);
    else if (suffix !== "") v.metricName = f.name + suffix;
    (this.cur as MetricJSON).values.push(v);
  }

  flush(out: MetricJSON[]): void {
    for (let i = 0; i < this.done.length; i++) out.push(this.done[i]);
  }
}
