import { Metric, isLabels, checkNumber } from "./metric";
import { VALUE, CREATED } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";
import type { Labels, MetricConfiguration, Series } from "./metric";
import { describe } from "./validation";

export interface ValueSeries extends Series {
  value: number;
}

export interface CounterChild {
  inc(value?: number): void;
}

/** A monotonically increasing value. In OpenMetrics the family is the name without `_total`, samples `<family>_total`. */
export class Counter extends Metric<ValueSeries> {
  readonly type = "counter" as const;
  override readonly valued = true;

  constructor(config: MetricConfiguration) {
    super(config);
    this._start();
  }

  protected override _unitStem(name: string): string {
    return name.length > 6 && name.slice(name.length - 6) === "_total" ? name.slice(0, name.length - 6) : name;
  }

  protected override _init(): void {
    this._get([]);
  }

  protected _newSeries(key: string, created: number): ValueSeries {
    return { key, created, value: 0 };
  }

  /** @internal */
  _emit(s: ValueSeries, w: SampleWriter): void {
    w.sample(s, VALUE, -1, s.value);
    w.sample(s, CREATED, -1, s.created);
  }

  /** inc(), inc(value), inc(labels), inc(labels, value). Throws on a negative, NaN or infinite value. */
  inc(labels?: Labels | number, value?: number): void {
    let v: number;
    let l: Labels | undefined;
    if (isLabels(labels)) {
      l = labels;
      v = value === undefined ? 1 : value;
    } else {
      v = labels === undefined ? 1 : labels;
    }
    this._inc(this._fromObject(l), v);
  }

  /** @internal */
  _inc(values: string[], v: number): void {
    checkNumber(v, this.name, "increment");
    if (!(v >= 0) || v === Infinity) {
      throw new RangeError(
        `Counter "${this.name}": increment must be a finite number >= 0, got ${describe(v)} (counters cannot decrease)`,
      );
    }
    const s = this._get(values);
    if (s !== undefined) s.value += v;
  }

  /** Creates the series of a known label set at 0, so it is exported before its first event. */
  zero(labels?: Labels): void {
    this._get(this._fromObject(labels));
  }

  /** Current value of a series (0 when absent). */
  get(labels?: Labels): number {
    const values = this._fromObject(labels);
    const s = this._series.get(this._key(values));
    return s === undefined ? 0 : s.value;
  }

  labels(...args: any[]): CounterChild {
    const values = this._values(args, args.length);
    return {
      inc: (value?: number) => this._inc(values, value === undefined ? 1 : value),
    };
  }
}
