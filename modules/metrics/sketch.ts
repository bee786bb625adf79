/**
 * Bounded-memory quantile sketch (DDSketch-style logarithmic bins, Masson et al. 2019).
 *
 * A value v > 0 goes into bin i = ceil(log(v) / log(γ)), γ = (1 + α) / (1 − α); the bin's estimate 2γ^i / (γ + 1)
 * is within relative error α of every value in it. Negative values use a second store by magnitude; zero has a
 * count of its own. Each store is a dense window of at most `maxBins` bins (Uint32Array, 4 bytes per bin): when
 * values span more than `maxBins` bins the LOWEST bins are collapsed into the lowest kept bin, so accuracy is
 * guaranteed for quantiles whose magnitude is at least max / γ^(maxBins − 1) (max = the largest magnitude of the
 * same sign), and degrades only below that (values near zero in mixed-sign data are the usual victims).
 * A store starts at 16 bins and doubles up to `maxBins` as the data's span requires.
 * Memory bound per sketch: 4·maxBins bytes per store that has values (≤ 2 stores) + ~10 numbers.
 *
 * Guarantee tested: for the q-quantile x = sorted[floor(q·(n − 1))] (no collapse in play),
 * |estimate − x| ≤ α·|x|. Estimates are clamped into the exact [min, max] of the merged sketches, and ranks 0 and
 * n − 1 return the exact min and max (so a single observation, q = 0 and q = 1 are exact).
 */
export class BinStore {
  counts: Uint32Array | undefined = undefined;
  lo = 0;
  minI = 0;
  maxI = 0;
  total = 0;
  constructor(readonly maxBins: number) {}

  clear(): void {
    this.total = 0;
    if (this.counts !== undefined) this.counts.fill(0);
  }

  /** Current capacity (grows by doubling from 16 up to maxBins as the data's span requires). */
  get capacity(): number {
    return this.counts === undefined ? 0 : this.counts.length;
  }

  add(i: number): void {
    if (this.counts === undefined) this.counts = new Uint32Array(this.maxBins < 16 ? this.maxBins : 16);
    if (this.total === 0) {
      this.lo = i - (this.counts.length >> 1);
      this.minI = this.maxI = i;
    } else if (i < this.lo || i >= this.lo + this.counts.length) {
      const lowest = i < this.minI ? i : this.minI;
      const highest = i > this.maxI ? i : this.maxI;
      const span = highest - lowest + 1;
      if (span > this.counts.length && this.counts.length < this.maxBins) {
        let cap = this.counts.length;
        while (cap < span && cap < this.maxBins) cap *= 2;
        if (cap > this.maxBins) cap = this.maxBins;
        const grown = new Uint32Array(cap);
        grown.set(this.counts);
        this.counts = grown;
      }
      const m = this.counts.length;
      if (span <= m) {
        if (i < this.lo) this.rebase(lowest - ((m - span) >> 1));
        else if (i >= this.lo + m) this.rebase(highest - m + 1 + ((m - span) >> 1));
      } else if (i < this.lo) {
        // below a full window: counted in the lowest kept bin (collapsing lowest)
        this.rebase(this.maxI - m + 1);
        this.counts[0]++;
        this.total++;
        return;
      } else {
        this.rebase(i - m + 1);
      }
    }
    if (i < this.minI) this.minI = i;
    if (i > this.maxI) this.maxI = i;
    this.counts[i - this.lo]++;
    this.total++;
  }

  /** Moves the window to start at newLo; bins below it collapse into bin newLo. */
  private rebase(newLo: number): void {
    const c = this.counts as Uint32Array;
    const m = c.length;
    if (newLo > this.lo) {
      const d = newLo - this.lo;
      let collapsed = 0;
      for (let j = 0; j < d && j < m; j++) collapsed += c[j];
      for (let j = 0; j < m; j++) c[j] = j + d < m ? c[j + d] : 0;
      c[0] += collapsed;
      if (this.minI < newLo) this.minI = newLo;
    } else if (newLo < this.lo) {
      const d = this.lo - newLo;
      for (let j = m - 1; j >= 0; j--) c[j] = j - d >= 0 ? c[j - d] : 0;
    }
    this.lo = newLo;
  }

  /** Count in bin i (0 outside the window). */
  at(i: number): number {
    if (this.total === 0 || this.counts === undefined) return 0;
    const j = i - this.lo;
    return j >= 0 && j < this.counts.length ? this.counts[j] : 0;
  }
}

export class Sketch {
  readonly pos: BinStore;
  readonly neg: BinStore;
  zero = 0;
  /** Exact extremes of the sketch's values: estimates are clamped into [min, max] (never further from the truth). */
  min = Infinity;
  max = -Infinity;
  /** Time slot this sketch holds (see Summary). */
  slot = -1;
  constructor(maxBins: number) {
    this.pos = new BinStore(maxBins);
    this.neg = new BinStore(maxBins);
  }
  get count(): number {
    return this.pos.total + this.neg.total + this.zero;
  }
  clear(): void {
    this.pos.clear();
    this.neg.clear();
    this.zero = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}

export class SketchMapping {
  readonly gamma: number;
  readonly lnGamma: number;
  readonly factor: number;
  private readonly inv: number;
  constructor(readonly relativeAccuracy: number) {
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.inv = 1 / this.gamma;
    this.lnGamma = Math.log(this.gamma);
    this.factor = 2 / (1 + this.gamma);
  }

  /**
   * γ^i by exponentiation by squaring: only IEEE multiplications, so every engine gets the same bits
   * (Math.exp/log/pow are implementation-approximated and differ between V8 and XS).
   */
  pow(i: number): number {
    let b = i < 0 ? this.inv : this.gamma;
    let n = i < 0 ? -i : i;
    let r = 1;
    while (n > 0) {
      if (n & 1) r *= b;
      b *= b;
      n = Math.floor(n / 2);
    }
    return r;
  }

  /** Bin of a magnitude: the i with γ^(i−1) < magnitude ≤ γ^i (Math.log guesses, pow() decides). */
  index(magnitude: number): number {
    let i = Math.ceil(Math.log(magnitude) / this.lnGamma);
    while (this.pow(i - 1) >= magnitude) i--;
    while (this.pow(i) < magnitude) i++;
    return i;
  }

  /** Estimate of the values in bin i: 2γ^i/(γ+1), within relative error α of each of them. */
  value(i: number): number {
    const v = this.pow(i) * this.factor;
    return v === Infinity ? Number.MAX_VALUE : v;
  }
  add(s: Sketch, v: number): void {
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    if (v > 0) s.pos.add(this.index(v));
    else if (v < 0) s.neg.add(this.index(-v));
    else s.zero++;
  }

  /**
   * Quantiles over the union of `sketches` (qs ascending), written to out[offset..]. NaN when empty.
   * One pass over the bins: negatives from the largest magnitude down, zeros, positives up.
   */
  quantiles(sketches: Sketch[], qs: readonly number[], out: number[], offset: number): void {
    let n = 0;
    let negMin = Infinity,
      negMax = -Infinity,
      posMin = Infinity,
      posMax = -Infinity,
      zeros = 0;
    for (let k = 0; k < sketches.length; k++) {
      const s = sketches[k];
      n += s.count;
      zeros += s.zero;
      if (s.neg.total > 0) {
        if (s.neg.minI < negMin) negMin = s.neg.minI;
        if (s.neg.maxI > negMax) negMax = s.neg.maxI;
      }
      if (s.pos.total > 0) {
        if (s.pos.minI < posMin) posMin = s.pos.minI;
        if (s.pos.maxI > posMax) posMax = s.pos.maxI;
      }
    }
    if (n === 0) {
      for (let j = 0; j < qs.length; j++) out[offset + j] = NaN;
      return;
    }
    let j = 0;
    let cum = 0;
    let rank = Math.floor(qs[0] * (n - 1));
    for (let i = negMax; i >= negMin && j < qs.length; i--) {
      let c = 0;
      for (let k = 0; k < sketches.length; k++) c += sketches[k].neg.at(i);
      cum += c;
      while (j < qs.length && cum > rank) {
        out[offset + j++] = -this.value(i);
        if (j < qs.length) rank = Math.floor(qs[j] * (n - 1));
      }
    }
    cum += zeros;
    while (j < qs.length && cum > rank) {
      out[offset + j++] = 0;
      if (j < qs.length) rank = Math.floor(qs[j] * (n - 1));
    }
    for (let i = posMin; i <= posMax && j < qs.length; i++) {
      let c = 0;
      for (let k = 0; k < sketches.length; k++) c += sketches[k].pos.at(i);
      cum += c;
      while (j < qs.length && cum > rank) {
        out[offset + j++] = this.value(i);
        if (j < qs.length) rank = Math.floor(qs[j] * (n - 1));
      }
    }
    while (j < qs.length) out[offset + j++] = posMax > -Infinity ? this.value(posMax) : 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < sketches.length; k++) {
      if (sketches[k].min < min) min = sketches[k].min;
      if (sketches[k].max > max) max = sketches[k].max;
    }
    for (let i = 0; i < qs.length; i++) {
      const rk = Math.floor(qs[i] * (n - 1));
      const x = out[offset + i];
      if (rk === 0 || x < min)
        out[offset + i] = min; // rank 0 is the minimum itself
      else if (rk === n - 1 || x > max) out[offset + i] = max;
    }
  }
}
