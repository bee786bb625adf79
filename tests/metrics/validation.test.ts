import { Registry, Counter, Gauge, Histogram, Summary, Info, StateSet } from "../../modules/client/index";

let r: Registry;
beforeEach(() => {
  r = new Registry({ selfMetrics: false });
});

describe("validation at the call that is wrong", () => {
  it("configuration object, name and help", () => {
    expect(() => new Counter(null as unknown as { name: string; help: string })).toThrow("configuration object");
    expect(() => new Counter({ name: "", help: "H.", registers: [r] })).toThrow("non-empty");
    expect(() => new Counter({ name: 5 as unknown as string, help: "H.", registers: [r] })).toThrow(
      "Invalid metric name",
    );
    expect(() => new Counter({ name: "bad\ud800name", help: "H.", registers: [r] })).toThrow("surrogate");
    expect(() => new Counter({ name: "x_total", help: "", registers: [r] })).toThrow("help");
  });
  it("accepts UTF-8 metric and label names (quoted in text 1.0.0, escaped elsewhere)", () => {
    const g = new Gauge({ name: "temp.celsius", help: "T.", labelNames: ["sensor.name"], registers: [r] });
    g.set({ "sensor.name": "a" }, 1);
    expect(g.get({ "sensor.name": "a" })).toBe(1);
  });
  it("label names: reserved __ prefix, duplicates, non-strings, reserved le/quantile", () => {
    expect(() => new Gauge({ name: "g1", help: "G.", labelNames: ["__x"], registers: [r] })).toThrow("reserved");
    expect(() => new Gauge({ name: "g2", help: "G.", labelNames: ["a", "a"], registers: [r] })).toThrow(
      "duplicate label name",
    );
    expect(() => new Gauge({ name: "g3", help: "G.", labelNames: [""], registers: [r] })).toThrow("Invalid label name");
    expect(() => new Gauge({ name: "g4", help: "G.", labelNames: "a" as unknown as string[], registers: [r] })).toThrow(
      "labelNames",
    );
    expect(() => new Histogram({ name: "h", help: "H.", labelNames: ["le"], registers: [r] })).toThrow(
      '"le" is reserved',
    );
    expect(() => new Summary({ name: "s", help: "S.", labelNames: ["quantile"], registers: [r] })).toThrow(
      '"quantile" is reserved',
    );
    expect(() => new Gauge({ name: "g6", help: "G.", labelNames: ["ключ"], registers: [r] })).toThrow(
      'becomes the reserved "____"',
    );
    expect(() => new Gauge({ name: "g7", help: "G.", labelNames: ["a.b", "a_b"], registers: [r] })).toThrow(
      'both become "a_b"',
    );
    expect(() => new Gauge({ name: "g8", help: "G.", labelNames: ["k.ключ"], registers: [r] })).not.toThrow();
    // le is fine on a gauge
    expect(() => new Gauge({ name: "g5", help: "G.", labelNames: ["le"], registers: [r] })).not.toThrow();
  });
  it("label count and names at use", () => {
    const c = new Counter({ name: "c_total", help: "C.", labelNames: ["a", "b"], registers: [r] });
    expect(() => c.labels("x")).toThrow("expected 2 label value(s)");
    expect(() => c.inc({ a: "x" })).toThrow("missing label(s) [b]");
    expect(() => c.inc({ a: "x", b: "y", z: "w" })).toThrow('label "z" is not one of');
    expect(() => c.inc()).toThrow("missing labels");
    expect(() => c.inc({ a: "x", b: {} as unknown as string })).toThrow("must be a string or number");
    expect(() => c.remove("x")).toThrow("expected 2");
    expect(c.seriesCount).toBe(0);
  });
  it("labels named like Object.prototype members work (toString, constructor, valueOf; __proto__ is reserved anyway)", () => {
    const g = new Gauge({
      name: "proto",
      help: "P.",
      labelNames: ["toString", "constructor", "hasOwnProperty"],
      registers: [r],
    });
    g.set({ toString: "a", constructor: "b", hasOwnProperty: "c" }, 1);
    g.labels("x", "y", "z").set(2);
    expect(g.get({ toString: "a", constructor: "b", hasOwnProperty: "c" })).toBe(1);
    const h = new Gauge({ name: "proto2", help: "P.", labelNames: ["isPrototypeOf", "valueOf"], registers: [r] });
    const end = h.startTimer({ valueOf: "v" });
    end({ isPrototypeOf: "p" });
    expect(h.seriesCount).toBe(1);
    expect(() => g.set({ toString: "a" } as Record<string, string>, 1)).toThrow("missing label");
    expect(() => new Gauge({ name: "proto3", help: "P.", labelNames: ["__proto__"], registers: [r] })).toThrow(
      "reserved",
    );
  });
  it("unit must be a suffix of the name", () => {
    expect(() => new Gauge({ name: "temp", help: "T.", unit: "celsius", registers: [r] })).toThrow(
      'must end with "_celsius"',
    );
    expect(() => new Gauge({ name: "x_celsius", help: "T.", unit: "bad unit", registers: [r] })).toThrow(
      "invalid unit",
    );
    expect(() => new Counter({ name: "run_seconds_total", help: "T.", unit: "seconds", registers: [r] })).not.toThrow();
    expect(() => new Counter({ name: "run_total", help: "T.", unit: "total", registers: [r] })).toThrow(
      'must end with "_total"',
    );
    expect(() => new Gauge({ name: "_celsius", help: "T.", unit: "celsius", registers: [r] })).toThrow("must end with");
  });
  it("duplicate registration and name clashes between families", () => {
    const a = new Gauge({ name: "dup", help: "D.", registers: [r] });
    r.registerMetric(a); // same object again: no-op, as prom-client
    expect(() => new Gauge({ name: "dup", help: "D.", registers: [r] })).toThrow("already been registered");
    new Histogram({ name: "lat", help: "L.", registers: [r] });
    expect(() => new Gauge({ name: "lat_count", help: "L.", registers: [r] })).toThrow('both produce "lat_count"');
    new Counter({ name: "events_total", help: "E.", registers: [r] });
    expect(() => new Gauge({ name: "events", help: "E.", registers: [r] })).toThrow("clashes");
    new Gauge({ name: "a.b", help: "A.", registers: [r] });
    expect(() => new Gauge({ name: "a_b", help: "A.", registers: [r] })).toThrow("clashes");
    new Info({ name: "build_info", help: "B.", registers: [r] });
    expect(() => new Info({ name: "build", help: "B.", registers: [r] })).toThrow("clashes");
  });
  it("types of values and states", () => {
    const s = new StateSet({ name: "st", help: "S.", states: ["on"], registers: [r] });
    expect(() => s.setState("off", true)).toThrow("unknown state");
    expect(() => new StateSet({ name: "st2", help: "S.", states: [1 as unknown as string], registers: [r] })).toThrow(
      "must be a string",
    );
    const g = new Gauge({ name: "gv", help: "G.", registers: [r] });
    expect(() => g.inc(undefined as unknown as number)).not.toThrow();
    expect(() => g.dec("2" as unknown as number)).toThrow("must be a number");
    expect(() => new Gauge({ name: "gc", help: "G.", collect: 5 as unknown as () => void, registers: [r] })).toThrow(
      "collect must be a function",
    );
  });
});
