import { Metric, isLabels, checkNumber } from "./metric";
import { VALUE } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";
import type { Labels, MetricConfiguration } from "./metric";
import type { ValueSeries } from "./counter";

export interface GaugeChild {
  inc(value?: number): void;
  dec(value?: number): void;
  set(value: number): void;
  setToCurrentTime(): void;
  startTimer(): (endLabels?: Labels) => number;
}

/** A value that goes up and down. `set` accepts any number, including NaN and ±Inf (rendered NaN, +Inf, -Inf). */
export class Gauge extends Metric<ValueSeries> {
  readonly type = "gauge" as const;
  override readonly valued = true;

  constructor(config: MetricConfiguration) {
    super(config);
    this._start();
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
  }

  set(labels: Labels | number, value?: number): void {
    if (isLabels(labels)) this._set(this._fromObject(labels), value as number);
    else this._set(this._fromObject(undefined), labels);
  }

  inc(labels?: Labels | number, value?: number): void {
    if (isLabels(labels)) this._add(this._fromObject(labels), value === undefined ? 1 : value);
    else this._add(this._fromObject(undefined), labels === undefined ? 1 : labels);
  }

  dec(labels?: Labels | number, value?: number): void {
    if (isLabels(labels))
      this._add(this._fromObject(labels), -checkNumber(value === undefined ? 1 : value, this.name, "decrement"));
    else
      this._add(this._fromObject(undefined), -checkNumber(labels === undefined ? 1 : labels, this.name, "decrement"));
  }

  /** Sets the gauge to the current time in seconds since the epoch (from the `now` clock). */
  setToCurrentTime(labels?: Labels): void {
    this._set(this._fromObject(labels), this.now() / 1000);
  }

  /** Returns a function that sets the gauge to the elapsed seconds and returns them. */
  startTimer(labels?: Labels): (endLabels?: Labels) => number {
    const start = this.now();
    return (endLabels?: Labels) => {
      const seconds = (this.now() - start) / 1000;
      this._set(this._fromObject(mergeLabels(labels, endLabels)), seconds);
      return seconds;
    };
  }

  zero(labels?: Labels): void {
    this._get(this._fromObject(labels));
  }

  get(labels?: Labels): number {
    const s = this._series.get(this._key(this._fromObject(labels)));
    return s === undefined ? 0 : s.value;
  }

  /** @internal */
  _set(values: string[], v: number): void {
    checkNumber(v, this.name, "value");
    const s = this._get(values);
    if (s !== undefined) s.value = v;
  }

  /** @internal */
  _add(values: string[], v: number): void {
    checkNumber(v, this.name, "increment");
    const s = this._get(values);
    if (s !== undefined) s.value += v;
  }

  labels(...args: any[]): GaugeChild {
    const values = this._values(args, args.length);
    const self = this;
    return {
      inc(value?: number) {
        self._add(values, value === undefined ? 1 : value);
      },
      dec(value?: number) {
        self._add(values, -checkNumber(value === undefined ? 1 : value, self.name, "decrement"));
      },
      set(value: number) {
        self._set(values, value);
      },
      setToCurrentTime() {
        self._set(values, self.now() / 1000);
      },
      startTimer() {
        const start = self.now();
        return () => {
          const seconds = (self.now() - start) / 1000;
          self._set(values, seconds);
          return seconds;
        };
      },
    };
  }
}

export function mergeLabels(a: Labels | undefined, b: Labels | undefined): Labels | undefined {
  if (b === undefined) return a;
  if (a === undefined) return b;
  const out: Labels = {};
  // defineProperty: a label named "__proto__" must stay a label
  for (const k in a)
    if (Object.prototype.hasOwnProperty.call(a, k))
      Object.defineProperty(out, k, { value: a[k], enumerable: true, writable: true, configurable: true });
  for (const k in b)
    if (Object.prototype.hasOwnProperty.call(b, k))
      Object.defineProperty(out, k, { value: b[k], enumerable: true, writable: true, configurable: true });
  return out;
}
