import { Registry, Summary } from "../../modules/client/index";
import { OPENMETRICS_1_0_0 } from "../../modules/format/index";
import { renderAll, renderChecked, family } from "../support/check";
import { ManualClock } from "../support/clock";

// Deterministic pseudo-random numbers (xorshift32), identical on every engine.
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

let r: Registry;
let clock: ManualClock;
beforeEach(() => {
  r = new Registry({ selfMetrics: false });
  clock = new ManualClock();
});

describe("Summary", () => {
  const qs = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999];
  const cases: Array<[string, (rand: () => number) => number]> = [
    ["uniform 1..100", (rand) => 1 + rand() * 99],
    ["log-uniform 0.1..1", (rand) => Math.pow(10, -1 + rand())],
    ["mixed signs, magnitudes 1..5", (rand) => (rand() < 0.5 ? -1 : 1) * (1 + rand() * 4)],
    ["spread over two decades 0.01..1", (rand) => 0.01 + rand() * 0.99],
    ["integers 1..10 with zeros", (rand) => Math.floor(rand() * 11)],
  ];
  for (const [name, gen] of cases) {
    it(`quantiles within the documented relative error (α = 1 %) of the exact ranks: ${name}`, () => {
      const s = new Summary({ name: "s", help: "S.", percentiles: qs, registers: [r], now: clock.now });
      const rand = rng(12345);
      const values: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const v = gen(rand);
        values.push(v);
        s.observe(v);
      }
      values.sort((a, b) => a - b);
      const got = s.get() as { quantiles: number[]; sum: number; count: number };
      expect(got.count).toBe(5000);
      for (let i = 0; i < qs.length; i++) {
        const x = exact(values, qs[i]);
        expect(Math.abs(got.quantiles[i] - x)).toBeLessThanOrEqual(0.01 * Math.abs(x) * (1 + 1e-9));
      }
    });
  }
  it("estimates are clamped to the window's exact min and max (a single observation is exact)", () => {
    const s = new Summary({ name: "one", help: "O.", percentiles: [0, 0.5, 1], registers: [r], now: clock.now });
    s.observe(0.012);
    expect((s.get() as { quantiles: number[] }).quantiles).toEqual([0.012, 0.012, 0.012]);
    s.observe(-3);
    s.observe(7);
    const q = (s.get() as { quantiles: number[] }).quantiles;
    expect(q[0]).toBe(-3);
    expect(q[2]).toBe(7);
  });
  it("honours a coarser relativeAccuracy", () => {
    const s = new Summary({
      name: "s",
      help: "S.",
      percentiles: [0.5],
      relativeAccuracy: 0.05,
      registers: [r],
      now: clock.now,
    });
    for (let i = 1; i <= 1000; i++) s.observe(i);
    const q = (s.get() as { quantiles: number[] }).quantiles[0];
    expect(Math.abs(q - 500)).toBeLessThanOrEqual(0.05 * 500);
    expect(q).not.toBe(500);
  });
  it("renders quantile lines, _sum and _count; NaN quantiles when empty", () => {
    const s = new Summary({
      name: "rt_seconds",
      help: "RT.",
      percentiles: [0.9, 0.5],
      labelNames: ["op"],
      registers: [r],
      now: clock.now,
    });
    s.zero({ op: "idle" });
    s.labels("x").observe(2);
    s.observe({ op: "x" }, 2);
    const t = renderAll(r);
    expect(t).toContain(
      'rt_seconds{op="idle",quantile="0.5"} NaN\nrt_seconds{op="idle",quantile="0.9"} NaN\nrt_seconds_sum{op="idle"} 0\nrt_seconds_count{op="idle"} 0\n',
    );
    const f = family(renderChecked(r, OPENMETRICS_1_0_0).families, "rt_seconds");
    const q = f.samples.filter((x) => x.labels.op === "x" && x.labels.quantile === "0.5")[0];
    expect(Math.abs(q.value - 2)).toBeLessThanOrEqual(0.02);
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toContain('quantile="0.5"');
  });
  it("forgets observations older than maxAgeSeconds but keeps _sum and _count cumulative", () => {
    const s = new Summary({
      name: "w",
      help: "W.",
      percentiles: [0.5],
      maxAgeSeconds: 60,
      ageBuckets: 3,
      registers: [r],
      now: clock.now,
    });
    for (let i = 0; i < 10; i++) s.observe(100);
    clock.advance(30000);
    for (let i = 0; i < 10; i++) s.observe(1);
    let g = s.get() as { quantiles: number[]; sum: number; count: number };
    // window holds 10×100 and 10×1: the lower median (rank floor(0.5·19) = 9) is 1
    expect(Math.abs(g.quantiles[0] - 1)).toBeLessThanOrEqual(0.01);
    clock.advance(40000); // the slot holding the 100s is now older than the window
    g = s.get() as { quantiles: number[]; sum: number; count: number };
    expect(Math.abs(g.quantiles[0] - 1)).toBeLessThanOrEqual(0.01);
    clock.advance(60000);
    g = s.get() as { quantiles: number[]; sum: number; count: number };
    expect(g.quantiles[0]).toBeNaN();
    expect(g.count).toBe(20);
    expect(g.sum).toBe(1010);
  });
  it("keeps memory bounded: at most maxBins bins per store whatever the spread", () => {
    const s = new Summary({ name: "b", help: "B.", percentiles: [0.999], maxBins: 16, registers: [r], now: clock.now });
    for (let e = -300; e <= 300; e++) s.observe(Math.pow(10, e / 10));
    const series = s._series.values().next().value as { sketches: Array<{ pos: { counts: Uint32Array } } | undefined> };
    let used = 0;
    for (const sk of series.sketches) if (sk !== undefined) used++;
    expect(used).toBe(1);
    for (const sk of series.sketches) if (sk !== undefined) expect(sk.pos.counts).toHaveLength(16);
    const q = (s.get() as { quantiles: number[] }).quantiles[0];
    // the top values are still estimated within α
    const top = Math.pow(10, 29.9);
    expect(Math.abs(q - top)).toBeLessThanOrEqual(0.01 * top * (1 + 1e-9));
  });
  it("validates its options", () => {
    expect(() => new Summary({ name: "v1", help: "V.", percentiles: [1.5], registers: [r] })).toThrow("percentile");
    expect(() => new Summary({ name: "v2", help: "V.", percentiles: [0.5, 0.5], registers: [r] })).toThrow("duplicate");
    expect(() => new Summary({ name: "v3", help: "V.", labelNames: ["quantile"], registers: [r] })).toThrow("reserved");
    expect(() => new Summary({ name: "v4", help: "V.", maxAgeSeconds: 0, registers: [r] })).toThrow("maxAgeSeconds");
    expect(() => new Summary({ name: "v5", help: "V.", ageBuckets: 2.5, registers: [r] })).toThrow("ageBuckets");
    expect(() => new Summary({ name: "v6", help: "V.", relativeAccuracy: 1, registers: [r] })).toThrow(
      "relativeAccuracy",
    );
    const s = new Summary({ name: "v7", help: "V.", registers: [r] });
    expect(() => s.observe(NaN)).toThrow("finite");
    expect(s.percentiles).toEqual([0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999]);
  });
  it("startTimer observes elapsed seconds", () => {
    const s = new Summary({ name: "t", help: "T.", percentiles: [0.5], registers: [r], now: clock.now });
    const end = s.startTimer();
    clock.advance(1500);
    expect(end()).toBe(1.5);
    const g = s.get() as { quantiles: number[]; sum: number; count: number };
    expect(g.sum).toBe(1.5);
    expect(Math.abs(g.quantiles[0] - 1.5)).toBeLessThanOrEqual(0.015);
  });
});
