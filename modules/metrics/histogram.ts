import { checkNumber } from "./metric";
import { BUCKET, SUM, COUNT, CREATED } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";
import { ObservingMetric } from "./observing";
import type { ObservationChild } from "./observing";
import type { Labels, MetricConfiguration, Series } from "./metric";
import { describe } from "./validation";

export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HistogramConfiguration extends MetricConfiguration {
  /** Strictly increasing finite upper bounds; a trailing +Inf is accepted and implied anyway. */
  buckets?: readonly number[];
}

export interface HistogramSeries extends Series {
  /** Non-cumulative count per finite bucket; observations above the last bound only count in `count`. */
  counts: number[];
  sum: number;
  count: number;
}

export type HistogramChild = ObservationChild;

/** Bucketed observations. Memory per series: (buckets + 2) numbers. */
export class Histogram extends ObservingMetric<HistogramSeries> {
  readonly type = "histogram" as const;
  readonly upperBounds: readonly number[];

  constructor(config: HistogramConfiguration) {
    super(config, ["le"]);
    const b = config.buckets === undefined ? DEFAULT_BUCKETS : config.buckets;
    if (!Array.isArray(b)) throw new TypeError(`Histogram "${this.name}": buckets must be an array of numbers`);
    const bounds: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const x = b[i];
      if (typeof x !== "number" || x !== x)
        throw new TypeError(`Histogram "${this.name}": bucket ${i} is not a number: ${describe(x)}`);
      if (x === Infinity && i === b.length - 1) break;
      if (x === Infinity || x === -Infinity)
        throw new TypeError(
          `Histogram "${this.name}": bucket ${i} must be finite (only a last +Inf is allowed), got ${describe(x)}`,
        );
      if (i > 0 && !(x > b[i - 1])) {
        throw new TypeError(
          `Histogram "${this.name}": buckets must be strictly increasing, but bucket ${i} (${describe(x)}) <= bucket ${i - 1} (${describe(b[i - 1])})`,
        );
      }
      bounds.push(x);
    }
    this.upperBounds = bounds;
    this.extraName = "le";
    this.extraValues = bounds;
    this._start();
  }

  protected override _reservedWhat(): string {
    return "histogram buckets";
  }

  protected _newSeries(key: string, created: number): HistogramSeries {
    const counts: number[] = new Array(this.upperBounds.length);
    for (let i = 0; i < counts.length; i++) counts[i] = 0;
    return { key, created, counts, sum: 0, count: 0 };
  }

  /** @internal Cumulative buckets (+Inf is extra = bounds.length), sum, count; read before the first write. */
  _emit(s: HistogramSeries, w: SampleWriter): void {
    const counts = s.counts;
    const n = counts.length;
    const count = s.count;
    const sum = s.sum;
    let acc = 0;
    for (let i = 0; i < n; i++) w.sample(s, BUCKET, i, (acc += counts[i]));
    w.sample(s, BUCKET, n, count);
    w.sample(s, SUM, -1, sum);
    w.sample(s, COUNT, -1, count);
    w.sample(s, CREATED, -1, s.created);
  }

  /** @internal */
  _observe(values: string[], v: number): void {
    checkNumber(v, this.name, "observed value");
    if (v !== v || v === Infinity || v === -Infinity)
      throw new RangeError(`Histogram "${this.name}": observed value must be finite, got ${describe(v)}`);
    const s = this._get(values);
    if (s === undefined) return;
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= bounds[i]) {
        s.counts[i]++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }

  /** Snapshot of one series: cumulative bucket counts, sum and count (undefined when absent). */
  get(labels?: Labels): { buckets: number[]; sum: number; count: number } | undefined {
    const s = this._series.get(this._key(this._fromObject(labels)));
    if (s === undefined) return undefined;
    const buckets: number[] = [];
    let acc = 0;
    for (let i = 0; i < s.counts.length; i++) buckets.push((acc += s.counts[i]));
    return { buckets, sum: s.sum, count: s.count };
  }
}
