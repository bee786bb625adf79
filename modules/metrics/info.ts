import { Metric } from "./metric";
import type { Labels, MetricConfiguration, Series } from "./metric";
import { VALUE } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";

/**
 * OpenMetrics info: constant 1 with the information in its labels (build versions, serial numbers).
 * Family name = name without a trailing `_info`; the sample is always `<family>_info`. In the Prometheus text
 * formats it is a gauge named `<family>_info` (as client_python does).
 * `set(labels)` replaces the info (one series); without labelNames the series is `<family>_info 1`.
 */
export class Info extends Metric {
  readonly type = "info" as const;
  /** Family name (without `_info`). */
  readonly family: string;

  constructor(config: MetricConfiguration) {
    super(config);
    const n = this.name;
    this.family = n.length > 5 && n.slice(n.length - 5) === "_info" ? n.slice(0, n.length - 5) : n;
    this._start();
  }

  protected override _init(): void {
    this._get([]);
  }

  protected _newSeries(key: string, created: number): Series {
    return { key, created };
  }

  /** @internal */
  _emit(s: Series, w: SampleWriter): void {
    w.sample(s, VALUE, -1, 1);
  }

  /** Replaces the info with this label set. */
  set(labels?: Labels): void {
    const values = this._fromObject(labels);
    this._clear();
    this._get(values);
  }

  /** Adds a label set beside the existing ones (subject to the series cap). */
  add(labels?: Labels): void {
    this._get(this._fromObject(labels));
  }
}
