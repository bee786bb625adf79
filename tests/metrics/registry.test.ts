import { Registry, register, Counter, Gauge, Histogram, StateSet, SERIES_REFUSED } from "../../modules/client/index";
import { OPENMETRICS_1_0_0 } from "../../modules/format/index";
import { renderAll, renderChecked } from "../support/check";

describe("Registry", () => {
  it("has a default registry used when registers is omitted", () => {
    const g = new Gauge({ name: "default_registry_test", help: "D." });
    expect(register.getSingleMetric("default_registry_test")).toBe(g);
    register.removeSingleMetric("default_registry_test");
    expect(register.getSingleMetric("default_registry_test")).toBeUndefined();
    expect(register.getSingleMetric(SERIES_REFUSED)).toBeDefined();
  });
  it("renders in registration order, series in creation order", () => {
    const r = new Registry({ selfMetrics: false });
    const b = new Gauge({ name: "b", help: "B.", labelNames: ["k"], registers: [r] });
    new Gauge({ name: "a", help: "A.", registers: [r] });
    b.set({ k: "z" }, 1);
    b.set({ k: "y" }, 2);
    expect(renderAll(r)).toBe(
      '# HELP b B.\n# TYPE b gauge\nb{k="z"} 1\nb{k="y"} 2\n# HELP a A.\n# TYPE a gauge\na 0\n',
    );
  });
  it("getSingleMetric, removeSingleMetric, getMetricsAsArray, clear, resetMetrics", async () => {
    const r = new Registry();
    const c = new Counter({ name: "c_total", help: "C.", registers: [r] });
    const g = new Gauge({ name: "g", help: "G.", registers: [r] });
    c.inc(5);
    g.set(3);
    expect(r.getMetricsAsArray().map((m) => m.name)).toEqual([SERIES_REFUSED, "c_total", "g"]);
    r.resetMetrics();
    expect(c.get()).toBe(0);
    expect(g.get()).toBe(0);
    r.removeSingleMetric("g");
    expect(r.getSingleMetric("g")).toBeUndefined();
    new Gauge({ name: "g", help: "G again.", registers: [r] }); // the name is free again
    r.clear();
    expect(r.getMetricsAsArray().map((m) => m.name)).toEqual([SERIES_REFUSED]);
    expect(await r.metrics()).toBe(
      "# HELP " +
        SERIES_REFUSED +
        " Label sets refused because their metric reached its series cap (maxSeries); the operation was dropped.\n# TYPE " +
        SERIES_REFUSED +
        " counter\n",
    );
  });
  it("default labels: added after the series' labels, overridden by a series label of the same name", () => {
    const r = new Registry({ selfMetrics: false });
    r.setDefaultLabels({ instance: "esp32", env: "lab" });
    const g = new Gauge({ name: "g", help: "G.", labelNames: ["env"], registers: [r] });
    g.set({ env: "prod" }, 1);
    const h = new Histogram({ name: "h", help: "H.", buckets: [1], registers: [r] });
    h.observe(0.5);
    const t = renderAll(r);
    expect(t).toContain('g{env="prod",instance="esp32"} 1\n');
    expect(t).toContain('h_bucket{instance="esp32",env="lab",le="1"} 1\n');
    expect(() => r.setDefaultLabels({ __bad: "x" })).toThrow("reserved");
    // a default label that the legacy escaping writes like a series label is overridden there too
    const r2 = new Registry({ selfMetrics: false });
    r2.setDefaultLabels({ "a.b": "default", mode: "d" });
    new Gauge({ name: "x", help: "X.", labelNames: ["a_b"], registers: [r2] }).set({ a_b: "series" }, 1);
    const s = new StateSet({ name: "mode", help: "M.", states: ["on"], registers: [r2] });
    s.setState("on", true);
    const t2 = renderAll(r2);
    expect(t2).toContain('x{a_b="series",mode="d"} 1\n');
    expect(t2).toContain('mode{a_b="default",mode="on"} 1\n');
    expect(
      () => new StateSet({ name: "st.x", help: "S.", states: ["a"], labelNames: ["st_x"], registers: [r2] }),
    ).toThrow("collide");
  });
  it("contentType, setContentType, OpenMetrics registries", async () => {
    const r = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(r.contentType).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    new Counter({ name: "x_total", help: "X.", registers: [r] }).inc();
    const t = await r.metrics();
    expect(t).toContain("# TYPE x counter\nx_total 1\n");
    expect(t.slice(t.length - 6)).toBe("# EOF\n");
    r.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(r.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(() => r.setContentType("application/json")).toThrow("unsupported");
    expect(() => new Registry("text/html")).toThrow("unsupported");
  });
  it("merge: all metrics, same content type required, clashes throw", () => {
    const a = new Registry();
    const b = new Registry();
    new Gauge({ name: "ga", help: "A.", registers: [a] });
    new Gauge({ name: "gb", help: "B.", registers: [b] });
    const m = Registry.merge([a, b]);
    expect(m.getMetricsAsArray().map((x) => x.name)).toEqual([SERIES_REFUSED, "ga", "gb"]);
    renderAll(m);
    new Gauge({ name: "ga", help: "A2.", registers: [b] });
    expect(() => Registry.merge([a, b])).toThrow("already been registered");
    expect(() => Registry.merge([a, new Registry(Registry.OPENMETRICS_CONTENT_TYPE)])).toThrow("same content type");
  });
  it("collect() runs every collect callback concurrently; metrics() awaits them", async () => {
    const r = new Registry({ selfMetrics: false });
    let resolveA: () => void = () => undefined;
    const order: string[] = [];
    new Gauge({
      name: "a",
      help: "A.",
      registers: [r],
      collect() {
        return new Promise<void>((res) => {
          resolveA = () => {
            order.push("a");
            this.set(1);
            res();
          };
        });
      },
    });
    new Gauge({
      name: "b",
      help: "B.",
      registers: [r],
      collect() {
        order.push("b");
        this.set(2);
      },
    });
    const p = r.metrics();
    await Promise.resolve();
    expect(order).toEqual(["b"]);
    resolveA();
    const t = await p;
    expect(t).toContain("a 1\n");
    expect(t).toContain("b 2\n");
  });
  it("a failing collect callback rejects metrics()", async () => {
    const r = new Registry({ selfMetrics: false });
    new Gauge({
      name: "f",
      help: "F.",
      registers: [r],
      collect() {
        throw new Error("sensor gone");
      },
    });
    await expect(r.metrics()).rejects.toThrow("sensor gone");
  });
  it("getSingleMetricAsString and created timestamps", async () => {
    const r = new Registry({ selfMetrics: false, created: true });
    new Counter({ name: "one_total", help: "O.", registers: [r], now: () => 1234500 }).inc();
    new Gauge({ name: "two", help: "T.", registers: [r] });
    expect(await r.getSingleMetricAsString("one_total")).toBe(
      "# HELP one_total O.\n# TYPE one_total counter\none_total 1",
    );
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toContain("one_created 1234.5\n");
    await expect(r.getSingleMetricAsString("nope")).rejects.toThrow("No metric");
  });
});

describe("default registry", () => {
  test("register forwards to one Registry created on first use (nothing mutable exists at load time)", () => {
    expect(register instanceof Registry).toBe(true);
    const c = new Counter({ name: "default_registry_forward_total", help: "h" });
    c.inc(2);
    expect(register.getSingleMetric("default_registry_forward_total")).toBe(c);
    expect(register.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    const merged = Registry.merge([register, new Registry({ selfMetrics: false })]);
    expect(merged.getSingleMetric("default_registry_forward_total")).toBe(c);
    register.removeSingleMetric("default_registry_forward_total");
    expect(register.getSingleMetric("default_registry_forward_total")).toBeUndefined();
  });
});
