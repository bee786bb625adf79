import {
  Registry,
  Counter,
  Gauge,
  Histogram,
  Summary,
  Info,
  StateSet,
  Enum,
  linearBuckets,
  exponentialBuckets,
  SERIES_REFUSED,
} from "../../modules/client/index";
import { OPENMETRICS_1_0_0, PROMETHEUS_TEXT_0_0_4 } from "../../modules/format/index";
import { renderAll, renderChecked, family } from "../support/check";
import { ManualClock } from "../support/clock";

let r: Registry;
let clock: ManualClock;
beforeEach(() => {
  r = new Registry({ selfMetrics: false });
  clock = new ManualClock();
});

describe("Counter", () => {
  it("starts unlabelled counters at 0 and increments", () => {
    const c = new Counter({ name: "c_total", help: "C.", registers: [r] });
    expect(renderAll(r)).toBe("# HELP c_total C.\n# TYPE c_total counter\nc_total 0\n");
    c.inc();
    c.inc(2.5);
    expect(c.get()).toBe(3.5);
    expect(renderAll(r)).toContain("\nc_total 3.5\n");
  });
  it("labels by object, by position and through labels()", () => {
    const c = new Counter({ name: "req_total", help: "R.", labelNames: ["method", "code"], registers: [r] });
    c.inc({ method: "GET", code: "200" });
    c.inc({ code: 200, method: "GET" }, 2);
    c.labels("POST", "500").inc();
    c.labels({ method: "POST", code: "500" }).inc(4);
    expect(renderAll(r)).toBe(
      '# HELP req_total R.\n# TYPE req_total counter\nreq_total{method="GET",code="200"} 3\nreq_total{method="POST",code="500"} 5\n',
    );
  });
  it("has no series before use when labelled, zero() creates one, remove() and reset() drop them", () => {
    const c = new Counter({ name: "z_total", help: "Z.", labelNames: ["k"], registers: [r] });
    expect(renderAll(r)).toBe("# HELP z_total Z.\n# TYPE z_total counter\n");
    c.zero({ k: "a" });
    c.inc({ k: "b" });
    expect(renderAll(r)).toContain('z_total{k="a"} 0\nz_total{k="b"} 1\n');
    c.remove({ k: "a" });
    c.remove("b");
    expect(c.seriesCount).toBe(0);
    c.inc({ k: "c" });
    c.reset();
    expect(c.seriesCount).toBe(0);
  });
  it("rejects negative, NaN and infinite increments and wrong types", () => {
    const c = new Counter({ name: "n_total", help: "N.", registers: [r] });
    expect(() => c.inc(-1)).toThrow("cannot decrease");
    expect(() => c.inc(NaN)).toThrow("NaN");
    expect(() => c.inc(Infinity)).toThrow(RangeError);
    expect(() => c.inc("1" as unknown as number)).toThrow("must be a number");
    expect(c.get()).toBe(0);
  });
  it("renders OpenMetrics family without _total, _total samples, _created when enabled, # UNIT", () => {
    const ro = new Registry({ selfMetrics: false, created: true });
    const c = new Counter({ name: "up_seconds_total", help: "U.", unit: "seconds", registers: [ro], now: clock.now });
    c.inc(1.5);
    const { text } = renderChecked(ro, OPENMETRICS_1_0_0);
    expect(text).toBe(
      "# HELP up_seconds U.\n# TYPE up_seconds counter\n# UNIT up_seconds seconds\nup_seconds_total 1.5\nup_seconds_created 1700000000\n# EOF\n",
    );
    expect(renderChecked(ro, PROMETHEUS_TEXT_0_0_4).text).toBe(
      "# HELP up_seconds_total U.\n# TYPE up_seconds_total counter\nup_seconds_total 1.5\n",
    );
  });
  it("counts asynchronously collected values", async () => {
    let calls = 0;
    new Counter({
      name: "async_total",
      help: "A.",
      registers: [r],
      async collect() {
        await Promise.resolve();
        calls++;
        this.inc(calls);
      },
    });
    expect(await r.metrics()).toContain("async_total 1\n");
    expect(await r.metrics()).toContain("async_total 3\n");
  });
});

describe("Gauge", () => {
  it("set, inc, dec, labels and special values", () => {
    const g = new Gauge({ name: "g", help: "G.", labelNames: ["s"], registers: [r] });
    g.set({ s: "a" }, 21.5);
    g.inc({ s: "a" });
    g.dec({ s: "a" }, 0.5);
    g.labels("b").set(-3);
    g.labels("b").inc(2);
    g.labels("b").dec();
    g.set({ s: "nan" }, NaN);
    g.set({ s: "inf" }, Infinity);
    g.set({ s: "ninf" }, -Infinity);
    expect(g.get({ s: "a" })).toBe(22);
    const t = renderAll(r);
    expect(t).toContain('g{s="a"} 22\ng{s="b"} -2\ng{s="nan"} NaN\ng{s="inf"} +Inf\ng{s="ninf"} -Inf\n');
    expect(() => g.set({ s: "x" }, "1" as unknown as number)).toThrow(TypeError);
  });
  it("setToCurrentTime and startTimer use the injected clock", () => {
    const g = new Gauge({ name: "t", help: "T.", registers: [r], now: clock.now });
    g.setToCurrentTime();
    expect(g.get()).toBe(1700000000);
    const end = g.startTimer();
    clock.advance(1250);
    expect(end()).toBe(1.25);
    expect(g.get()).toBe(1.25);
    const lg = new Gauge({ name: "lt", help: "T.", labelNames: ["op"], registers: [r], now: clock.now });
    const end2 = lg.startTimer({ op: "a" });
    clock.advance(500);
    end2();
    const end3 = lg.labels("b").startTimer();
    clock.advance(100);
    end3();
    expect(lg.get({ op: "a" })).toBe(0.5);
    expect(lg.get({ op: "b" })).toBe(0.1);
    const end4 = lg.startTimer();
    clock.advance(100);
    end4({ op: "c" });
    expect(lg.get({ op: "c" })).toBe(0.1);
  });
});

describe("Histogram", () => {
  it("cumulative buckets, +Inf, sum, count", () => {
    const h = new Histogram({ name: "h_seconds", help: "H.", buckets: [0.1, 0.5, 1], registers: [r] });
    for (const v of [0.05, 0.1, 0.3, 0.7, 2, -1]) h.observe(v);
    expect(renderAll(r)).toBe(
      "# HELP h_seconds H.\n# TYPE h_seconds histogram\n" +
        'h_seconds_bucket{le="0.1"} 3\nh_seconds_bucket{le="0.5"} 4\nh_seconds_bucket{le="1"} 5\nh_seconds_bucket{le="+Inf"} 6\n' +
        "h_seconds_sum " +
        String(0.05 + 0.1 + 0.3 + 0.7 + 2 + -1) +
        "\nh_seconds_count 6\n",
    );
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toContain('h_seconds_bucket{le="1.0"} 5\n');
  });
  it("labels, zero, startTimer, remove, le last", () => {
    const h = new Histogram({
      name: "lat",
      help: "L.",
      labelNames: ["op"],
      buckets: [1],
      registers: [r],
      now: clock.now,
    });
    h.zero({ op: "idle" });
    h.labels("read").observe(0.5);
    const end = h.startTimer({ op: "write" });
    clock.advance(2000);
    expect(end()).toBe(2);
    const t = renderAll(r);
    expect(t).toContain('lat_bucket{op="idle",le="1"} 0\n');
    expect(t).toContain('lat_bucket{op="write",le="+Inf"} 1\nlat_sum{op="write"} 2\n');
    expect(h.get({ op: "read" })).toEqual({ buckets: [1], sum: 0.5, count: 1 });
    h.remove("idle");
    expect(renderAll(r)).not.toContain("idle");
  });
  it("validates buckets and observations", () => {
    expect(() => new Histogram({ name: "b1", help: "B.", buckets: [1, 1], registers: [r] })).toThrow(
      "strictly increasing",
    );
    expect(() => new Histogram({ name: "b2", help: "B.", buckets: [2, 1], registers: [r] })).toThrow(
      "strictly increasing",
    );
    expect(() => new Histogram({ name: "b3", help: "B.", buckets: [1, NaN], registers: [r] })).toThrow("not a number");
    expect(() => new Histogram({ name: "b4", help: "B.", buckets: [Infinity, 2], registers: [r] })).toThrow("finite");
    expect(() => new Histogram({ name: "b5", help: "B.", labelNames: ["le"], registers: [r] })).toThrow("reserved");
    const h = new Histogram({ name: "b6", help: "B.", buckets: [1, 2, Infinity], registers: [r] });
    expect(h.upperBounds).toEqual([1, 2]);
    expect(() => h.observe(NaN)).toThrow("finite");
    expect(() => h.observe(Infinity)).toThrow(RangeError);
  });
  it("default buckets, linearBuckets, exponentialBuckets", () => {
    expect(new Histogram({ name: "d", help: "D.", registers: [r] }).upperBounds).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]);
    expect(linearBuckets(0, 0.5, 4)).toEqual([0, 0.5, 1, 1.5]);
    expect(exponentialBuckets(1, 2, 4)).toEqual([1, 2, 4, 8]);
    expect(() => linearBuckets(0, 0, 3)).toThrow("width");
    expect(() => exponentialBuckets(0, 2, 3)).toThrow("start");
    expect(() => exponentialBuckets(1, 1, 3)).toThrow("factor");
    expect(() => exponentialBuckets(1, 2, 0)).toThrow("count");
  });
});

describe("Info, StateSet, Enum", () => {
  it("info renders as <family>_info gauge in text and info in OpenMetrics", () => {
    const i = new Info({ name: "build_info", help: "Build.", labelNames: ["version"], registers: [r] });
    i.set({ version: "1.2.3" });
    i.set({ version: "1.2.4" });
    expect(renderAll(r)).toBe('# HELP build_info Build.\n# TYPE build_info gauge\nbuild_info{version="1.2.4"} 1\n');
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toBe(
      '# HELP build Build.\n# TYPE build info\nbuild_info{version="1.2.4"} 1\n# EOF\n',
    );
    const j = new Info({ name: "fw", help: "F.", registers: [r] });
    expect(j.family).toBe("fw");
    expect(renderAll(r)).toContain("# TYPE fw_info gauge\nfw_info 1\n");
  });
  it("stateset and enum", () => {
    const s = new StateSet({ name: "feature", help: "F.", states: ["a", "b"], labelNames: ["dev"], registers: [r] });
    s.setState("a", true, { dev: "x" });
    s.setStates({ b: true, a: false }, { dev: "y" });
    expect(s.get({ dev: "y" })).toEqual(["b"]);
    const e = new Enum({ name: "mode", help: "M.", states: ["idle", "busy"], registers: [r] });
    e.state("busy");
    e.set("idle");
    expect(e.get()).toEqual(["idle"]);
    const t = renderAll(r);
    expect(t).toContain(
      '# TYPE feature gauge\nfeature{dev="x",feature="a"} 1\nfeature{dev="x",feature="b"} 0\nfeature{dev="y",feature="a"} 0\nfeature{dev="y",feature="b"} 1\n',
    );
    expect(t).toContain('mode{mode="idle"} 1\nmode{mode="busy"} 0\n');
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toContain("# TYPE mode stateset\n");
    expect(() => e.state("nope")).toThrow("unknown state");
    expect(() => new StateSet({ name: "s2", help: "S.", states: [], registers: [r] })).toThrow("non-empty");
    expect(() => new StateSet({ name: "s3", help: "S.", states: ["a", "a"], registers: [r] })).toThrow(
      "duplicate state",
    );
    expect(() => new StateSet({ name: "s4", help: "S.", states: ["a"], labelNames: ["s4"], registers: [r] })).toThrow(
      "reserved",
    );
  });
});

describe("series cap", () => {
  it("refuses new label sets beyond maxSeries without throwing and counts them in the self-metric", () => {
    const reg = new Registry({ maxSeries: 3 });
    const c = new Counter({ name: "capped_total", help: "C.", labelNames: ["k"], registers: [reg] });
    for (let i = 0; i < 5; i++) c.inc({ k: String(i) });
    c.inc({ k: "0" });
    c.labels("9").inc();
    const g = new Gauge({ name: "g2", help: "G.", labelNames: ["k"], maxSeries: 1, registers: [reg] });
    g.set({ k: "a" }, 1);
    g.set({ k: "b" }, 1);
    expect(c.seriesCount).toBe(3);
    expect(c.refusedSeries).toBe(3);
    expect(c.get({ k: "0" })).toBe(2);
    const { families } = renderChecked(reg);
    const self = family(families, SERIES_REFUSED);
    expect(self.samples.map((s) => [s.labels.metric, s.value])).toEqual([
      ["capped_total", 3],
      ["g2", 1],
    ]);
    expect((reg.getSingleMetric(SERIES_REFUSED) as Counter).get({ metric: "capped_total" })).toBe(3);
  });
  it("defaults to 64 and validates maxSeries", () => {
    const c = new Counter({ name: "d_total", help: "D.", labelNames: ["k"], registers: [r] });
    expect(c.maxSeries).toBe(64);
    for (let i = 0; i < 100; i++) c.inc({ k: String(i) });
    expect(c.seriesCount).toBe(64);
    expect(() => new Counter({ name: "e_total", help: "E.", maxSeries: 0, registers: [r] })).toThrow("maxSeries");
    expect(() => new Registry({ maxSeries: 1.5 })).toThrow("maxSeries");
  });
});

describe("options shared by every type", () => {
  it("a metric registered in two registries renders in both and counts refusals in both", () => {
    const a = new Registry({ maxSeries: 2 });
    const b = new Registry();
    const g = new Gauge({ name: "shared", help: "S.", labelNames: ["k"], registers: [a, b] });
    expect(g.maxSeries).toBe(2); // from the first registry
    g.set({ k: "1" }, 1);
    g.set({ k: "2" }, 2);
    g.set({ k: "3" }, 3);
    for (const reg of [a, b]) {
      const t = renderAll(reg);
      expect(t).toContain('shared{k="1"} 1\nshared{k="2"} 2\n');
      expect(t).toContain('exporter_series_refused_total{metric="shared"} 1\n');
    }
  });
  it("registers: [] registers nowhere", () => {
    const g = new Gauge({ name: "nowhere", help: "N.", registers: [] });
    g.set(1);
    expect(g.get()).toBe(1);
    expect(r.getSingleMetric("nowhere")).toBeUndefined();
  });
  it("_created for counters, histograms and summaries in OpenMetrics when enabled; never for gauges; never in text", () => {
    const reg = new Registry({ selfMetrics: false, created: true });
    const now = () => 1500;
    new Counter({ name: "c_total", help: "C.", registers: [reg], now });
    new Gauge({ name: "g", help: "G.", registers: [reg], now });
    new Histogram({ name: "h", help: "H.", buckets: [1], registers: [reg], now });
    new Summary({ name: "s", help: "S.", percentiles: [0.5], registers: [reg], now });
    const om = renderChecked(reg, OPENMETRICS_1_0_0).text;
    expect(om).toContain("c_total 0\nc_created 1.5\n");
    expect(om).toContain("h_count 0\nh_created 1.5\n");
    expect(om).toContain("s_count 0\ns_created 1.5\n");
    expect(om).not.toContain("g_created");
    expect(renderAll(reg)).not.toContain("_created");
  });
  it("unit on every type that has one", () => {
    const reg = new Registry({ selfMetrics: false });
    new Histogram({ name: "d_seconds", help: "D.", unit: "seconds", buckets: [1], registers: [reg] });
    new Summary({ name: "s_bytes", help: "S.", unit: "bytes", percentiles: [0.5], registers: [reg] });
    new Gauge({ name: "t_celsius", help: "T.", unit: "celsius", registers: [reg] });
    const om = renderChecked(reg, OPENMETRICS_1_0_0).text;
    expect(om).toContain("# UNIT d_seconds seconds\n");
    expect(om).toContain("# UNIT s_bytes bytes\n");
    expect(om).toContain("# UNIT t_celsius celsius\n");
    expect(renderAll(reg)).not.toContain("# UNIT");
  });
});

describe("series cap on every type", () => {
  it("histogram, summary, info, stateset and children of labels() refuse silently beyond maxSeries", () => {
    const reg = new Registry({ maxSeries: 1 });
    const h = new Histogram({ name: "h", help: "H.", labelNames: ["k"], buckets: [1], registers: [reg] });
    const s = new Summary({ name: "s", help: "S.", labelNames: ["k"], percentiles: [0.5], registers: [reg] });
    const i = new Info({ name: "i", help: "I.", labelNames: ["k"], registers: [reg] });
    const st = new StateSet({ name: "st", help: "S.", labelNames: ["k"], states: ["a"], registers: [reg] });
    const g = new Gauge({ name: "g", help: "G.", labelNames: ["k"], registers: [reg] });
    for (const k of ["a", "b"]) {
      h.observe({ k }, 0.5);
      h.labels(k).observe(0.5);
      s.observe({ k }, 1);
      i.add({ k });
      st.setState("a", true, { k });
      g.labels(k).inc();
      g.labels({ k }).setToCurrentTime();
    }
    for (const m of [h, s, i, st, g]) expect(m.seriesCount).toBe(1);
    expect(h.refusedSeries).toBe(2);
    expect(g.refusedSeries).toBe(2);
    const t = renderAll(reg);
    expect(t).toContain(
      'exporter_series_refused_total{metric="h"} 2\nexporter_series_refused_total{metric="s"} 1\nexporter_series_refused_total{metric="i"} 1\nexporter_series_refused_total{metric="st"} 1\nexporter_series_refused_total{metric="g"} 2\n',
    );
    expect(t).not.toContain('k="b"');
  });
});
