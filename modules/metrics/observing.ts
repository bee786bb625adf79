import { Metric, isLabels } from "./metric";
import type { Labels, Series } from "./metric";
import { mergeLabels } from "./gauge";

/** The series of one label set of a Histogram or Summary (from `labels(...)`). */
export interface ObservationChild {
  observe(value: number): void;
  startTimer(): (endLabels?: Labels) => number;
}

/** What Histogram and Summary share: observations, timers, children, and zero-initialised label sets. */
export abstract class ObservingMetric<S extends Series> extends Metric<S> {
  /** @internal records one observation in the series of `values`; throws on a non-finite value */
  abstract _observe(values: string[], v: number): void;

  /** observe(value) or observe(labels, value). Throws on a non-finite value. */
  observe(labels: Labels | number, value?: number): void {
    if (isLabels(labels)) this._observe(this._fromObject(labels), value as number);
    else this._observe(this._fromObject(undefined), labels);
  }

  /** Creates the series of a known label set with nothing observed yet. */
  zero(labels?: Labels): void {
    this._get(this._fromObject(labels));
  }

  /** Starts a timer; calling the returned function observes the elapsed seconds (and returns them). */
  startTimer(labels?: Labels): (endLabels?: Labels) => number {
    const start = this.now();
    return (endLabels?: Labels) => {
      const seconds = (this.now() - start) / 1000;
      this._observe(this._fromObject(mergeLabels(labels, endLabels)), seconds);
      return seconds;
    };
  }

  labels(...args: any[]): ObservationChild {
    const values = this._values(args, args.length);
    const self = this;
    return {
      observe(value: number) {
        self._observe(values, value);
      },
      startTimer() {
        const start = self.now();
        return () => {
          const seconds = (self.now() - start) / 1000;
          self._observe(values, seconds);
          return seconds;
        };
      },
    };
  }

  /** Without labels, the one series exists from the start. */
  protected override _init(): void {
    this._get([]);
  }
}
