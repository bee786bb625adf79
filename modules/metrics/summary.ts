import { checkNumber } from "./metric";
import { VALUE, SUM, COUNT, CREATED } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";
import { ObservingMetric } from "./observing";
import type { ObservationChild } from "./observing";
import type { Labels, MetricConfiguration, Series } from "./metric";
import { Sketch, SketchMapping } from "./sketch";
import { describe } from "./validation";

export const DEFAULT_PERCENTILES: readonly number[] = [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999];

export interface SummaryConfiguration extends MetricConfiguration {
  /** Quantiles to export, each in [0, 1]; rendered in ascending order. */
  percentiles?: readonly number[];
  /** Sliding window length in seconds (default 600, as client_golang). */
  maxAgeSeconds?: number;
  /** Number of time slots the window is divided into (default 5). */
  ageBuckets?: number;
  /** Relative error α of every quantile estimate (default 0.01 = 1 %). */
  relativeAccuracy?: number;
  /** Max bins per sketch store (default 256): values within a factor γ^(maxBins−1) (≈ 160 at the defaults) of the
   *  window's largest magnitude are estimated within α. */
  maxBins?: number;
}

export interface SummarySeries extends Series {
  sum: number;
  count: number;
  /** One sketch per age bucket, allocated on first use. */
  sketches: (Sketch | undefined)[];
}

export type SummaryChild = ObservationChild;

/**
 * Quantiles over a sliding time window, in bounded memory.
 *
 * The window (maxAgeSeconds) is cut into `ageBuckets` slots of maxAgeSeconds/ageBuckets; an observation goes into
 * the sketch of the current slot only; a render merges the sketches of the last `ageBuckets` slots, so the window
 * covers between (ageBuckets−1)/ageBuckets·maxAge and maxAge. `_sum` and `_count` are cumulative (never windowed).
 *
 * Memory bound per series: ageBuckets × (4·maxBins bytes for positive values [+ 4·maxBins if negatives are
 * observed]) + a few numbers. Stores grow from 16 bins only as far as the data's spread needs (one decade at α = 1 %
 * ≈ 116 bins). Defaults (5 slots, 256 bins): ≤ 5 KB for non-negative data, ≤ 10 KB with negatives; typically
 * 5 × 0.5–1 KB. On an ESP32 lower maxBins/ageBuckets or raise relativeAccuracy for many summary series.
 * Accuracy: |estimate − x_q| ≤ relativeAccuracy·|x_q| for x_q = sorted[floor(q·(n−1))], as long as |x_q| is within a
 * factor γ^(maxBins−1) (≈ 160 at the defaults) of the window's largest magnitude of the same sign (smaller
 * magnitudes collapse into the lowest kept bin).
 * An empty window renders NaN quantiles (as client_golang and client_python).
 */
export class Summary extends ObservingMetric<SummarySeries> {
  readonly type = "summary" as const;
  readonly percentiles: readonly number[];
  readonly maxAgeSeconds: number;
  readonly ageBuckets: number;
  readonly maxBins: number;
  /** @internal */ readonly _mapping: SketchMapping;
  private readonly _slotMs: number;
  private readonly _live: Sketch[] = [];
  /** quantiles of the series being written (_emit) */
  private readonly _snap: number[] = [];

  constructor(config: SummaryConfiguration) {
    super(config, ["quantile"]);
    const p = config.percentiles === undefined ? DEFAULT_PERCENTILES : config.percentiles;
    if (!Array.isArray(p))
      throw new TypeError(`Summary "${this.name}": percentiles must be an array of numbers in [0, 1]`);
    const ps = p.slice();
    for (let i = 0; i < ps.length; i++) {
      if (typeof ps[i] !== "number" || !(ps[i] >= 0 && ps[i] <= 1))
        throw new TypeError(`Summary "${this.name}": percentile ${describe(ps[i])} is not a number in [0, 1]`);
    }
    ps.sort((a, b) => a - b);
    for (let i = 1; i < ps.length; i++)
      if (ps[i] === ps[i - 1]) throw new TypeError(`Summary "${this.name}": duplicate percentile ${describe(ps[i])}`);
    this.percentiles = ps;
    this.extraName = "quantile";
    this.extraValues = ps;
    this.maxAgeSeconds = positive(config.maxAgeSeconds, 600, this.name, "maxAgeSeconds", false);
    this.ageBuckets = positive(config.ageBuckets, 5, this.name, "ageBuckets", true);
    this.maxBins = positive(config.maxBins, 256, this.name, "maxBins", true);
    if (this.ageBuckets > 60) throw new TypeError(`Summary "${this.name}": ageBuckets must be at most 60`);
    if (this.maxBins < 8 || this.maxBins > 4096)
      throw new TypeError(`Summary "${this.name}": maxBins must be in 8..4096`);
    const a = config.relativeAccuracy === undefined ? 0.01 : config.relativeAccuracy;
    if (typeof a !== "number" || !(a > 0 && a < 1))
      throw new TypeError(`Summary "${this.name}": relativeAccuracy must be in (0, 1), got ${describe(a)}`);
    this._mapping = new SketchMapping(a);
    this._slotMs = (this.maxAgeSeconds * 1000) / this.ageBuckets;
    this._start();
  }

  protected override _reservedWhat(): string {
    return "summary quantiles";
  }

  protected _newSeries(key: string, created: number): SummarySeries {
    return { key, created, sum: 0, count: 0, sketches: new Array(this.ageBuckets) };
  }

  /** @internal Quantiles, sum, count, all read before the first write. */
  _emit(s: SummarySeries, w: SampleWriter): void {
    const q = this._snap;
    const n = this.percentiles.length;
    this._quantiles(s, q, 0);
    const sum = s.sum;
    const count = s.count;
    for (let i = 0; i < n; i++) w.sample(s, VALUE, i, q[i]);
    w.sample(s, SUM, -1, sum);
    w.sample(s, COUNT, -1, count);
    w.sample(s, CREATED, -1, s.created);
  }

  /** @internal */
  _observe(values: string[], v: number): void {
    checkNumber(v, this.name, "observed value");
    if (v !== v || v === Infinity || v === -Infinity)
      throw new RangeError(`Summary "${this.name}": observed value must be finite, got ${describe(v)}`);
    const s = this._get(values);
    if (s === undefined) return;
    const slot = Math.floor(this.now() / this._slotMs);
    const k = ((slot % this.ageBuckets) + this.ageBuckets) % this.ageBuckets;
    let sk = s.sketches[k];
    if (sk === undefined) sk = s.sketches[k] = new Sketch(this.maxBins);
    if (sk.slot !== slot) {
      sk.clear();
      sk.slot = slot;
    }
    this._mapping.add(sk, v);
    s.sum += v;
    s.count++;
  }

  /** @internal Writes the quantiles of series `s` (percentiles order) into out[offset..]. */
  _quantiles(s: SummarySeries, out: number[], offset: number): void {
    const slot = Math.floor(this.now() / this._slotMs);
    const live = this._live;
    live.length = 0;
    for (let k = 0; k < s.sketches.length; k++) {
      const sk = s.sketches[k];
      if (sk !== undefined && sk.slot <= slot && slot - sk.slot < this.ageBuckets) live.push(sk);
    }
    this._mapping.quantiles(live, this.percentiles, out, offset);
    live.length = 0;
  }

  /** Snapshot of one series: quantile estimates (percentiles order), sum, count; undefined when absent. */
  get(labels?: Labels): { quantiles: number[]; sum: number; count: number } | undefined {
    const s = this._series.get(this._key(this._fromObject(labels)));
    if (s === undefined) return undefined;
    const q: number[] = new Array(this.percentiles.length);
    this._quantiles(s, q, 0);
    return { quantiles: q, sum: s.sum, count: s.count };
  }
}

function positive(v: unknown, dflt: number, name: string, what: string, integer: boolean): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !(v > 0) || v === Infinity || (integer && Math.floor(v) !== v)) {
    throw new TypeError(
      `Summary "${name}": ${what} must be a positive ${integer ? "integer" : "finite number"}, got ${describe(v)}`,
    );
  }
  return v;
}
