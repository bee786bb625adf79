import { Metric } from "./metric";
import { Counter } from "./counter";
import { checkLabelName, describe } from "./validation";
import { defaultRegistry, setDefaultRegistryFactory } from "./default-registry";
import { createReader, renderText, escapeName, PROMETHEUS_TEXT_0_0_4, OPENMETRICS_1_0_0, formatFromContentType } from "../format/index";
import type { Format, Reader } from "../format/index";

export interface RegistryOptions {
  /** Content type of metrics(): Registry.PROMETHEUS_CONTENT_TYPE (default) or Registry.OPENMETRICS_CONTENT_TYPE. */
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
 * A set of metrics, rendered in registration order (series in creation order). prom-client compatible.
 */
export class Registry {
  static get PROMETHEUS_CONTENT_TYPE(): string {
    return PROMETHEUS_TEXT_0_0_4.contentType;
  }
  static get OPENMETRICS_CONTENT_TYPE(): string {
    return OPENMETRICS_1_0_0.contentType;
  }

  /** @internal */ _metrics: Map<string, Metric<any>> = new Map();
  /** @internal sample/family names (underscore-escaped) → metric, to refuse clashing registrations */
  private _names: Map<string, Metric<any>> = new Map();
  /** @internal */ _defaultNames: string[] = [];
  /** @internal */ _defaultValues: string[] = [];
  readonly maxSeries: number;
  readonly created: boolean;
  private _format: Format;
  private _self: Counter | undefined = undefined;

  constructor(options?: string | RegistryOptions) {
    const o: RegistryOptions = typeof options === "string" ? { contentType: options } : options === undefined ? {} : options;
    if (o === null || typeof o !== "object") throw new TypeError("Registry: options must be a content type string or an options object");
    this._format = PROMETHEUS_TEXT_0_0_4;
    if (o.contentType !== undefined) this.setContentType(o.contentType);
    const max = o.maxSeries === undefined ? 64 : o.maxSeries;
    if (typeof max !== "number" || !(max >= 1) || (max !== Infinity && Math.floor(max) !== max)) throw new TypeError(`Registry: maxSeries must be a positive integer, got ${describe(max)}`);
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
    if (this._self !== undefined && this._metrics.get(SERIES_REFUSED) === this._self) this._self.inc({ metric: m.name });
  }

  get contentType(): string {
    return this._format.contentType;
  }

  setContentType(contentType: string): void {
    const f = formatFromContentType(contentType);
    if (f === undefined) throw new TypeError(`Registry: content type ${describe(contentType)} is unsupported (use Registry.PROMETHEUS_CONTENT_TYPE or Registry.OPENMETRICS_CONTENT_TYPE)`);
    this._format = f;
  }

  registerMetric(metric: Metric<any>): void {
    const existing = this._metrics.get(metric.name);
    if (existing === metric) return;
    if (existing !== undefined) throw new Error(`A metric with the name ${metric.name} has already been registered.`);
    const names = producedNames(metric);
    for (let i = 0; i < names.length; i++) {
      const other = this._names.get(names[i]);
      if (other !== undefined && other !== metric) {
        throw new Error(`Metric "${metric.name}" (${metric.type}) clashes with the registered metric "${other.name}" (${other.type}): both produce "${names[i]}"`);
      }
    }
    for (let i = 0; i < names.length; i++) this._names.set(names[i], metric);
    this._metrics.set(metric.name, metric);
  }

  getMetricsAsArray(): Metric<any>[] {
    return Array.from(this._metrics.values());
  }

  getSingleMetric(name: string): Metric<any> | undefined {
    return this._metrics.get(name);
  }

  removeSingleMetric(name: string): void {
    const m = this._metrics.get(name);
    if (m === undefined) return;
    this._metrics.delete(name);
    const names = producedNames(m);
    for (let i = 0; i < names.length; i++) if (this._names.get(names[i]) === m) this._names.delete(names[i]);
  }

  /** Removes every metric and the default labels (the self-metric stays, reset). */
  clear(): void {
    this._metrics.clear();
    this._names.clear();
    this._defaultNames = [];
    this._defaultValues = [];
    if (this._self !== undefined) {
      this._self.reset();
      this.registerMetric(this._self);
    }
  }

  resetMetrics(): void {
    for (const m of this._metrics.values()) m.reset();
  }

  /** Labels added to every series that does not have a label of that name. */
  setDefaultLabels(labels: Record<string, string | number>): void {
    if (labels === null || typeof labels !== "object") throw new TypeError("setDefaultLabels: expected an object of label values");
    const names: string[] = [];
    const values: string[] = [];
    for (const k in labels) {
      if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
      checkLabelName(k, "(default labels)");
      const v = labels[k];
      if (typeof v !== "string" && typeof v !== "number") throw new TypeError(`setDefaultLabels: value of "${k}" must be a string or number, got ${describe(v)}`);
      names.push(k);
      values.push(String(v));
    }
    this._defaultNames = names;
    this._defaultValues = values;
  }

  /** Runs every metric's collect callback (concurrently) and waits for them. Without any callback it returns an
   *  already resolved promise (no promise per metric). */
  collect(): Promise<void> {
    let pending: Promise<void>[] | undefined;
    try {
      for (const m of this._metrics.values()) {
        if (m._collect === undefined && m.collect === metricCollect) continue;
        if (pending === undefined) pending = [];
        pending.push(m.collect());
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return pending === undefined ? Promise.resolve() : Promise.all(pending).then(nothing);
  }

  /** Pull reader over the current state; call `await collect()` first. Default format: this.contentType's. */
  reader(format?: Format): Reader {
    return createReader(this, format === undefined ? this._format : format);
  }

  /** Collects, then renders in `this.contentType` (or the given format) as one string (built on the reader's line cursor). */
  async metrics(format?: Format): Promise<string> {
    await this.collect();
    return this.render(format);
  }

  /** Renders without running collect callbacks. */
  render(format?: Format): string {
    return renderText(this, format === undefined ? this._format : format);
  }

  /**
   * prom-client's JSON shape: [{ name, help, type, aggregator, values: [{ value, labels, metricName? }] }], after
   * collecting. Types as in the 0.0.4 text (info and stateset appear as gauges); default labels are added.
   */
  async getMetricsAsJSON(): Promise<MetricJSON[]> {
    await this.collect();
    const out: MetricJSON[] = [];
    for (const m of this._metrics.values()) {
      const values: MetricJSONValue[] = [];
      const type = m.type === "info" || m.type === "stateset" ? "gauge" : m.type;
      const snap: number[] = [];
      for (const s of (m._series as Map<string, any>).values()) {
        const labels: Record<string, string | number> = {};
        for (let i = 0; i < m.labelNames.length; i++) setOwn(labels, m.labelNames[i], s.values[i]);
        for (let i = 0; i < this._defaultNames.length; i++) {
          if (!Object.prototype.hasOwnProperty.call(labels, this._defaultNames[i])) setOwn(labels, this._defaultNames[i], this._defaultValues[i]);
        }
        const withLabel = (k: string, v: string | number) => {
          const l: Record<string, string | number> = {};
          for (const x in labels) setOwn(l, x, labels[x]);
          setOwn(l, k, v);
          return l;
        };
        switch (m.type) {
          case "counter":
          case "gauge":
            values.push({ value: s.value, labels });
            break;
          case "info":
            values.push({ value: 1, labels, metricName: (m as any).family + "_info" });
            break;
          case "stateset": {
            const st = (m as any).states as string[];
            for (let i = 0; i < st.length; i++) values.push({ value: s.on[i], labels: withLabel(m.name, st[i]) });
            break;
          }
          case "histogram": {
            const b = (m as any).upperBounds as number[];
            let acc = 0;
            for (let i = 0; i < b.length; i++) values.push({ value: (acc += s.counts[i]), labels: withLabel("le", b[i]), metricName: m.name + "_bucket" });
            values.push({ value: s.count, labels: withLabel("le", "+Inf"), metricName: m.name + "_bucket" });
            values.push({ value: s.sum, labels, metricName: m.name + "_sum" });
            values.push({ value: s.count, labels, metricName: m.name + "_count" });
            break;
          }
          case "summary": {
            const p = (m as any).percentiles as number[];
            (m as any)._quantiles(s, snap, 0);
            for (let i = 0; i < p.length; i++) values.push({ value: snap[i], labels: withLabel("quantile", p[i]) });
            values.push({ value: s.sum, labels, metricName: m.name + "_sum" });
            values.push({ value: s.count, labels, metricName: m.name + "_count" });
            break;
          }
        }
      }
      out.push({ name: m.name, help: m.help, type, aggregator: "sum", values });
    }
    return out;
  }

  async getSingleMetricAsString(name: string): Promise<string> {
    const m = this._metrics.get(name);
    if (m === undefined) throw new Error(`No metric named ${name}`);
    await m.collect();
    const r = new Registry({ contentType: this.contentType, selfMetrics: false, created: this.created });
    r._metrics.set(m.name, m);
    r._defaultNames = this._defaultNames;
    r._defaultValues = this._defaultValues;
    const t = r.render();
    // prom-client returns a single family without the final newline
    return t.length > 0 && t.charCodeAt(t.length - 1) === 10 ? t.slice(0, t.length - 1) : t;
  }

  /** Registries' metrics in one registry (same content type required; a clash throws). Self-metrics: the first one. */
  static merge(registers: Registry[]): Registry {
    if (!Array.isArray(registers) || registers.length === 0) throw new TypeError("Registry.merge expects a non-empty array of registries");
    const ct = registers[0].contentType;
    for (const r of registers) if (r.contentType !== ct) throw new Error("Registers can only be merged if they have the same content type");
    const merged = new Registry({ contentType: ct, selfMetrics: false, maxSeries: registers[0].maxSeries });
    let self = false;
    for (const r of registers) {
      for (const m of r._metrics.values()) {
        if (m === r._self) {
          if (self) continue;
          self = true;
        }
        merged.registerMetric(m);
      }
    }
    return merged;
  }
}

function nothing(): void {}
const metricCollect = Metric.prototype.collect;

/** obj[k] = v as an own property even for k = "__proto__". */
function setOwn(obj: Record<string, string | number>, k: string, v: string | number): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Family and sample names a metric can produce in any format, underscore-escaped (the default escaping). */
function producedNames(m: Metric<any>): string[] {
  const n = m.name;
  const out: string[] = [];
  const add = (s: string) => out.push(escapeName(s, "underscores", false));
  switch (m.type) {
    case "counter": {
      const fam = n.length > 6 && n.slice(n.length - 6) === "_total" ? n.slice(0, n.length - 6) : n;
      add(n); add(fam); add(fam + "_total"); add(fam + "_created");
      break;
    }
    case "histogram":
      add(n); add(n + "_bucket"); add(n + "_sum"); add(n + "_count"); add(n + "_created");
      break;
    case "summary":
      add(n); add(n + "_sum"); add(n + "_count"); add(n + "_created");
      break;
    case "info": {
      const fam = (m as any).family as string;
      add(fam); add(fam + "_info");
      break;
    }
    default:
      add(n);
  }
  return out;
}

setDefaultRegistryFactory(() => new Registry());

/**
 * The default registry (prom-client's `register`). It is a stand-in that forwards every property and method to a
 * Registry created on first use: a Registry created while this module loads would be preloaded into flash on the
 * device, with read-only maps. The stand-in itself holds no state (its target is empty), so it is safe to preload.
 */
export const register: Registry = new Proxy(Object.create(Registry.prototype) as Registry, {
  get(_target, key) {
    const r = defaultRegistry();
    const value = (r as any)[key];
    return typeof value === "function" ? value.bind(r) : value;
  },
  set(_target, key, value) {
    (defaultRegistry() as any)[key] = value;
    return true;
  },
  has(_target, key) {
    return key in defaultRegistry();
  },
});
