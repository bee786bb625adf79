import { Metric, isLabels } from "./metric";
import type { Labels, Series } from "./metric";
import { mergeLabels } from "./gauge";

/** What Histogram and Summary share: observations, timers, and zero-initialised label sets. */
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
}
