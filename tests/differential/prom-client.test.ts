/**
 * Differential suite: the same operations on prom-client (the reference JavaScript client) and on our library; the
 * 0.0.4 and OpenMetrics texts must match line for line after the normalisation below, which removes exactly the
 * intended divergences. Every render of both libraries is also re-parsed by the independent parser.
 *
 * Intended divergences (each one is normalised or asserted explicitly below):
 * | # | prom-client 15                                        | ours                                                      |
 * |---|-------------------------------------------------------|-----------------------------------------------------------|
 * | 1 | NaN written `Nan`                                     | `NaN` (the spelling the format defines)                   |
 * | 2 | blank line between families in 0.0.4                  | none (as client_golang / client_python)                   |
 * | 3 | `le`/`quantile` first in the label set, default labels before series labels in histograms | series labels, default labels, then `le`/`quantile` (as client_golang) |
 * | 4 | summary quantiles from t-digest, all-time by default  | DDSketch-style sketch, ≤1 % relative error vs exact ranks, 600 s window by default (quantile values not compared) |
 * | 5 | empty registry renders "\n"                           | "" (0.0.4) / "# EOF\n" (OpenMetrics)                      |
 * | 6 | `counter.inc(NaN)` silently makes the counter NaN     | throws RangeError                                         |
 * | 7 | partial label sets accepted (missing labels omitted)  | throws: every label name must be given                    |
 * | 8 | OpenMetrics `le="1"`                                  | canonical `le="1.0"` (OpenMetrics requires it)            |
 * | 9 | OpenMetrics HELP does not escape `"`                  | escaped `\"` (OpenMetrics ABNF)                            |
 * |10 | no series cap                                         | maxSeries (default 64), refusals counted in `exporter_series_refused_total` (disabled here: selfMetrics false) |
 * |11 | names limited to the legacy charset                   | UTF-8 names accepted (quoted in text 1.0.0, escaped in 0.0.4/OpenMetrics) |
 * |12 | no Info/StateSet/Enum, no `# UNIT`, no `_created`     | present (not exercised against prom-client)               |
 * |13 | Summary has no zero()                                 | zero() on every type                                      |
 * |14 | `a` duplicate label name accepted, `__x` label accepted | both throw at construction                              |
 * |15 | `metric.get()` → Promise of a MetricObject            | `metric.get(labels?)` → the current value, synchronously (the object shape is `registry.getMetricsAsJSON()`) |
 * |16 | `getSingleMetricAsString` / `metrics()` rendering order: registration order | same; our self-metric comes first when enabled |
 */
import * as pc from "prom-client";
import fc from "fast-check";
import * as ours from "../../modules/client/index";
import { OPENMETRICS_1_0_0 } from "../../modules/format/index";
import { parseExposition } from "../support/parser";

type Lib = {
  Registry: new (
    ct?: string,
  ) => {
    metrics(): Promise<string>;
    setDefaultLabels(l: object): void;
    removeSingleMetric(n: string): void;
    clear(): void;
    resetMetrics(): void;
    getSingleMetricAsString(n: string): Promise<string>;
  };
  Counter: any;
  Gauge: any;
  Histogram: any;
  Summary: any;
  linearBuckets: (a: number, b: number, c: number) => number[];
  exponentialBuckets: (a: number, b: number, c: number) => number[];
  om: string;
};

class OurRegistry extends ours.Registry {
  constructor(ct?: string) {
    super({ contentType: ct, selfMetrics: false, maxSeries: Infinity });
  }
}

const PC: Lib = {
  Registry: pc.Registry as any,
  Counter: pc.Counter,
  Gauge: pc.Gauge,
  Histogram: pc.Histogram,
  Summary: pc.Summary,
  linearBuckets: pc.linearBuckets,
  exponentialBuckets: pc.exponentialBuckets,
  om: pc.Registry.OPENMETRICS_CONTENT_TYPE,
};
const OURS: Lib = {
  Registry: OurRegistry as any,
  Counter: ours.Counter,
  Gauge: ours.Gauge,
  Histogram: ours.Histogram,
  Summary: ours.Summary,
  linearBuckets: ours.linearBuckets,
  exponentialBuckets: ours.exponentialBuckets,
  om: OPENMETRICS_1_0_0.contentType,
};

/** Splits `{...}` label pairs respecting quotes. */
function splitLabels(inner: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (q && ch === "\\") {
      cur += ch + inner[++i];
      continue;
    }
    if (ch === '"') q = !q;
    if (ch === "," && !q) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Normalisation of divergences 1, 2, 3, 4 and 8 (see the table). */
function normalise(text: string, summaries: string[]): string[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  return lines.map((l) => {
    if (l[0] === "#") return l;
    let name = l;
    let labels: string[] = [];
    let value = "";
    const brace = l.indexOf("{");
    if (brace >= 0) {
      const close = l.lastIndexOf("}");
      name = l.slice(0, brace);
      labels = splitLabels(l.slice(brace + 1, close));
      value = l.slice(close + 2);
    } else {
      const sp = l.indexOf(" ");
      name = l.slice(0, sp);
      value = l.slice(sp + 1);
    }
    if (value === "Nan") value = "NaN";
    labels = labels.map((p) => {
      const eq = p.indexOf("=");
      const k = p.slice(0, eq);
      if (k === "le" || k === "quantile") {
        const v = p.slice(eq + 2, p.length - 1);
        return k + '="' + (v === "+Inf" ? v : String(Number(v))) + '"';
      }
      return p;
    });
    labels.sort();
    if (summaries.indexOf(name) >= 0 && labels.some((p) => p.slice(0, 9) === "quantile=")) value = "<quantile>";
    return name + (labels.length > 0 ? "{" + labels.join(",") + "}" : "") + " " + value;
  });
}

async function both(
  scenario: (lib: Lib) => any,
  summaries: string[] = [],
): Promise<{ a: string[]; b: string[]; raw: [string, string] }> {
  const rp = scenario(PC);
  const ro = scenario(OURS);
  const tp: string = await rp.metrics();
  const to: string = await ro.metrics();
  const om = to.slice(-6) === "# EOF\n";
  parseExposition(tp.replace(/ Nan\n/g, " NaN\n"), {
    openMetrics: om && !/le="\d+"/.test(tp) && !/^# HELP .*[^\\]"/m.test(tp),
  });
  parseExposition(to, { openMetrics: om });
  return { a: normalise(tp, summaries), b: normalise(to, summaries), raw: [tp, to] };
}

async function expectSame(scenario: (lib: Lib) => any, summaries: string[] = []): Promise<void> {
  const { a, b } = await both(scenario, summaries);
  expect(b).toEqual(a);
}

const HOSTILE = ['quo"te', "back\\slash", "new\nline", "ütf-8 ✓ 😀", "", "{}=,", "\\n", 'end\\"'];

describe("differential: prom-client vs ours (0.0.4)", () => {
  it("counters", () =>
    expectSame((L) => {
      const r = new L.Registry();
      const a = new L.Counter({ name: "a_total", help: "A counter.", registers: [r] });
      a.inc();
      a.inc(2.5);
      a.inc(0);
      const b = new L.Counter({ name: "b_total", help: "Labelled.", labelNames: ["method", "code"], registers: [r] });
      b.inc({ method: "GET", code: 200 });
      b.inc({ code: "200", method: "GET" }, 4);
      b.labels("POST", "500").inc();
      b.labels({ method: "PUT", code: "201" }).inc(7);
      b.remove("POST", "500");
      new L.Counter({ name: "c_total", help: "Untouched labelled.", labelNames: ["x"], registers: [r] });
      const d = new L.Counter({ name: "d_total", help: "Reset.", registers: [r] });
      d.inc(3);
      d.reset();
      return r;
    }));
  it("gauges with special values", () =>
    expectSame((L) => {
      const r = new L.Registry();
      const g = new L.Gauge({ name: "g", help: "Gauge.", labelNames: ["v"], registers: [r] });
      const vals = [
        0,
        -0,
        1,
        -1.5,
        0.1 + 0.2,
        1e21,
        5e-324,
        Math.pow(2, 53) + 1,
        4503599627370495.5,
        NaN,
        Infinity,
        -Infinity,
        Number.MAX_VALUE,
      ];
      for (const [i, v] of vals.entries()) g.set({ v: String(i) }, v);
      g.inc({ v: "0" }, 5);
      g.dec({ v: "1" }, 2);
      g.labels("x").set(3);
      g.labels("x").inc();
      g.labels("x").dec(0.5);
      const u = new L.Gauge({ name: "u", help: "Unlabelled.", registers: [r] });
      u.set(-7);
      u.inc();
      return r;
    }));
  it("histograms", () =>
    expectSame((L) => {
      const r = new L.Registry();
      const h = new L.Histogram({ name: "h_seconds", help: "Default buckets.", registers: [r] });
      for (const v of [0.001, 0.005, 0.0051, 0.3, 1, 9.99, 10, 11, -2]) h.observe(v);
      const l = new L.Histogram({
        name: "l",
        help: "Linear.",
        buckets: L.linearBuckets(0, 0.25, 5),
        labelNames: ["op"],
        registers: [r],
      });
      l.observe({ op: "a" }, 0.3);
      l.labels("b").observe(2);
      l.zero({ op: "z" });
      l.remove({ op: "a" });
      const e = new L.Histogram({
        name: "e",
        help: "Exponential.",
        buckets: L.exponentialBuckets(0.001, 10, 4),
        registers: [r],
      });
      e.observe(0.5);
      return r;
    }));
  it("summaries (sum, count, labels; quantile values excluded)", () =>
    expectSame(
      (L) => {
        const r = new L.Registry();
        const s = new L.Summary({
          name: "s",
          help: "Summary.",
          percentiles: [0.5, 0.9, 0.99],
          labelNames: ["k"],
          registers: [r],
        });
        for (let i = 1; i <= 100; i++) s.observe({ k: "a" }, i);
        s.labels("b").observe(3);
        const u = new L.Summary({ name: "u", help: "Default percentiles.", registers: [r] });
        u.observe(1.5);
        return r;
      },
      ["s", "u"],
    ));
  it("escaping of help and label values", () =>
    expectSame((L) => {
      const r = new L.Registry();
      HOSTILE.forEach((s, i) => {
        const g = new L.Gauge({
          name: "e" + i,
          help: s.length > 0 ? "h " + s : "empty",
          labelNames: ["v"],
          registers: [r],
        });
        g.set({ v: s }, i);
      });
      return r;
    }));
  it("default labels", () =>
    expectSame(
      (L) => {
        const r = new L.Registry();
        r.setDefaultLabels({ instance: "esp32-poe", env: "lab" });
        new L.Counter({ name: "c_total", help: "C.", registers: [r] }).inc();
        const g = new L.Gauge({ name: "g", help: "G.", labelNames: ["env"], registers: [r] });
        g.set({ env: "prod" }, 1);
        const h = new L.Histogram({ name: "h", help: "H.", buckets: [1], labelNames: ["op"], registers: [r] });
        h.observe({ op: "x" }, 0.5);
        const s = new L.Summary({ name: "s", help: "S.", percentiles: [0.5], registers: [r] });
        s.observe(2);
        return r;
      },
      ["s"],
    ));
  it("registry operations: removeSingleMetric, resetMetrics, clear", () =>
    expectSame((L) => {
      const r = new L.Registry();
      new L.Gauge({ name: "gone", help: "G.", registers: [r] });
      const c = new L.Counter({ name: "kept_total", help: "K.", labelNames: ["a"], registers: [r] });
      c.inc({ a: "x" }, 2);
      const u = new L.Counter({ name: "u_total", help: "U.", registers: [r] });
      u.inc(9);
      r.removeSingleMetric("gone");
      r.resetMetrics();
      c.inc({ a: "y" });
      const r2 = new L.Registry();
      new L.Gauge({ name: "x", help: "X.", registers: [r2] });
      r2.clear();
      new L.Gauge({ name: "y", help: "Y.", registers: [r] });
      return r;
    }));
  it("async collect callbacks", () =>
    expectSame((L) => {
      const r = new L.Registry();
      new L.Gauge({
        name: "collected",
        help: "C.",
        registers: [r],
        async collect(this: { set(v: number): void }) {
          await new Promise((res) => setImmediate(res));
          this.set(42);
        },
      });
      return r;
    }));
  it("getSingleMetricAsString", async () => {
    for (const L of [PC, OURS]) {
      const r = new L.Registry();
      new L.Gauge({ name: "one", help: "O.", registers: [r] });
      new L.Gauge({ name: "two", help: "T.", registers: [r] });
      expect(await r.getSingleMetricAsString("two")).toBe("# HELP two T.\n# TYPE two gauge\ntwo 0");
    }
  });
});

describe("differential: getMetricsAsJSON", () => {
  it("same values for counters, gauges and histograms", async () => {
    const json: unknown[] = [];
    for (const L of [PC, OURS]) {
      const r: any = new L.Registry();
      r.setDefaultLabels({ inst: "a" });
      new L.Counter({ name: "c_total", help: "C.", labelNames: ["k"], registers: [r] }).inc({ k: "x" }, 2);
      new L.Gauge({ name: "g", help: "G.", registers: [r] }).set(1.5);
      new L.Histogram({ name: "h", help: "H.", buckets: [1, 2], registers: [r] }).observe(1.5);
      const j = await r.getMetricsAsJSON();
      // normalise: order of label keys and of values is not part of the contract
      json.push(
        j.map((m: any) => ({
          name: m.name,
          help: m.help,
          type: m.type,
          values: m.values
            .map((v: any) =>
              JSON.stringify([
                v.metricName || m.name,
                Object.keys(v.labels)
                  .sort()
                  .map((k) => [k, String(v.labels[k])]),
                v.value,
              ]),
            )
            .sort(),
        })),
      );
    }
    expect(json[1]).toEqual(json[0]);
  });
});

describe("differential: OpenMetrics", () => {
  it("counters, gauges, histograms, summaries", () =>
    expectSame(
      (L) => {
        const r = new L.Registry(L.om);
        const c = new L.Counter({ name: "req_total", help: "Requests.", labelNames: ["code"], registers: [r] });
        c.inc({ code: "200" }, 3);
        const n = new L.Counter({ name: "plain", help: "No _total suffix.", registers: [r] });
        n.inc();
        new L.Gauge({ name: "g", help: "G.", registers: [r] }).set(NaN);
        const h = new L.Histogram({ name: "h", help: "H.", buckets: [0.5, 1, 2], registers: [r] });
        h.observe(1);
        const s = new L.Summary({ name: "s", help: "S.", percentiles: [0.5], registers: [r] });
        s.observe(1);
        return r;
      },
      ["s"],
    ));
});

describe("differential: errors at the same calls", () => {
  const cases: Array<[string, (L: Lib, r: any) => void]> = [
    ["empty metric name", (L, r) => new L.Counter({ name: "", help: "x", registers: [r] })],
    ["missing help", (L, r) => new L.Counter({ name: "x_total", registers: [r] })],
    [
      "duplicate registration",
      (L, r) => {
        new L.Gauge({ name: "d", help: "x", registers: [r] });
        new L.Gauge({ name: "d", help: "x", registers: [r] });
      },
    ],
    ["le on a histogram", (L, r) => new L.Histogram({ name: "h", help: "x", labelNames: ["le"], registers: [r] })],
    [
      "quantile on a summary",
      (L, r) => new L.Summary({ name: "s", help: "x", labelNames: ["quantile"], registers: [r] }),
    ],
    ["negative counter increment", (L, r) => new L.Counter({ name: "c_total", help: "x", registers: [r] }).inc(-1)],
    [
      "infinite counter increment",
      (L, r) => new L.Counter({ name: "c_total", help: "x", registers: [r] }).inc(Infinity),
    ],
    [
      "non-finite histogram observation",
      (L, r) => new L.Histogram({ name: "h", help: "x", registers: [r] }).observe(NaN),
    ],
    [
      "unknown label",
      (L, r) => new L.Counter({ name: "c_total", help: "x", labelNames: ["a"], registers: [r] }).inc({ b: "1" }),
    ],
    [
      "wrong positional label count",
      (L, r) => new L.Counter({ name: "c_total", help: "x", labelNames: ["a", "b"], registers: [r] }).labels("1"),
    ],
    ["gauge set to a string", (L, r) => new L.Gauge({ name: "g", help: "x", registers: [r] }).set("1")],
    ["exponential buckets with factor 1", (L) => L.exponentialBuckets(1, 1, 3)],
  ];
  for (const [why, f] of cases) {
    it(why, () => {
      expect(() => f(PC, new PC.Registry())).toThrow();
      expect(() => f(OURS, new OURS.Registry())).toThrow();
    });
  }
  it("divergence 6: counter.inc(NaN)", async () => {
    const r = new PC.Registry();
    new PC.Counter({ name: "n_total", help: "x", registers: [r] }).inc(NaN);
    expect(await r.metrics()).toContain("n_total Nan");
    expect(() => new OURS.Counter({ name: "n_total", help: "x", registers: [new OURS.Registry()] }).inc(NaN)).toThrow(
      RangeError,
    );
  });
  it("divergence 7: partial label sets", () => {
    expect(() =>
      new PC.Counter({ name: "p_total", help: "x", labelNames: ["a", "b"], registers: [new PC.Registry()] }).inc({
        a: "1",
      }),
    ).not.toThrow();
    expect(() =>
      new OURS.Counter({ name: "p_total", help: "x", labelNames: ["a", "b"], registers: [new OURS.Registry()] }).inc({
        a: "1",
      }),
    ).toThrow("missing label");
  });
  it("divergence 11: UTF-8 names", () => {
    expect(() => new PC.Counter({ name: "bad name", help: "x", registers: [new PC.Registry()] })).toThrow();
    expect(
      () => new PC.Counter({ name: "x_total", help: "x", labelNames: ["bad-label"], registers: [new PC.Registry()] }),
    ).toThrow();
    expect(() => new OURS.Counter({ name: "bad name", help: "x", registers: [new OURS.Registry()] })).not.toThrow();
    expect(
      () =>
        new OURS.Counter({ name: "x_total", help: "x", labelNames: ["bad-label"], registers: [new OURS.Registry()] }),
    ).not.toThrow();
  });
  it("divergence 14: duplicate and __ label names", () => {
    expect(
      () => new PC.Gauge({ name: "g", help: "x", labelNames: ["a", "a"], registers: [new PC.Registry()] }),
    ).not.toThrow();
    expect(
      () => new PC.Gauge({ name: "g", help: "x", labelNames: ["__x"], registers: [new PC.Registry()] }),
    ).not.toThrow();
    expect(
      () => new OURS.Gauge({ name: "g", help: "x", labelNames: ["a", "a"], registers: [new OURS.Registry()] }),
    ).toThrow("duplicate");
    expect(
      () => new OURS.Gauge({ name: "g", help: "x", labelNames: ["__x"], registers: [new OURS.Registry()] }),
    ).toThrow("reserved");
  });
  it("divergence 15: get()", async () => {
    const pcCounter = new PC.Counter({ name: "v_total", help: "x", registers: [new PC.Registry()] });
    pcCounter.inc(2);
    expect((await pcCounter.get()).values[0].value).toBe(2);
    const ourCounter = new OURS.Counter({ name: "v_total", help: "x", registers: [new OURS.Registry()] });
    ourCounter.inc(2);
    expect(ourCounter.get()).toBe(2);
  });
  it("divergence 5: empty registry", async () => {
    expect(await new PC.Registry().metrics()).toBe("\n");
    expect(await new OURS.Registry().metrics()).toBe("");
  });
});

describe("differential: random operation sequences (fast-check)", () => {
  const labelValue = fc.oneof(
    fc.constantFrom(...HOSTILE),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -5, max: 5 }).map(String),
  );
  const num = fc.oneof(
    fc.double({ noNaN: false }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom(0, -0, 0.1, 1e21, 5e-324),
  );
  const op = fc.oneof(
    fc.record({
      t: fc.constant("cinc"),
      l: labelValue,
      v: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(1)),
    }),
    fc.record({ t: fc.constant("gset"), l: labelValue, v: num }),
    fc.record({ t: fc.constant("ginc"), l: labelValue, v: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
    fc.record({ t: fc.constant("hobs"), l: labelValue, v: fc.double({ min: -10, max: 20, noNaN: true }) }),
    fc.record({ t: fc.constant("rm"), l: labelValue, v: fc.constant(0) }),
  );
  it("same 0.0.4 text after normalisation", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const { a, b } = await both((L) => {
          const r = new L.Registry();
          const c = new L.Counter({ name: "c_total", help: "C.", labelNames: ["l"], registers: [r] });
          const g = new L.Gauge({ name: "g", help: "G.", labelNames: ["l"], registers: [r] });
          const h = new L.Histogram({ name: "h", help: "H.", labelNames: ["l"], buckets: [0, 1, 5], registers: [r] });
          for (const o of ops) {
            if (o.t === "cinc") c.inc({ l: o.l }, o.v);
            else if (o.t === "gset") g.set({ l: o.l }, o.v);
            else if (o.t === "ginc") g.inc({ l: o.l }, o.v);
            else if (o.t === "hobs") h.observe({ l: o.l }, o.v);
            else {
              c.remove({ l: o.l });
              g.remove({ l: o.l });
              h.remove({ l: o.l });
            }
          }
          return r;
        });
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});
