import { Registry, Counter, Gauge, Histogram, Summary, Info, Enum } from "../../modules/client/index";
import { OPENMETRICS_1_0_0, PROMETHEUS_TEXT_1_0_0, PROMETHEUS_TEXT_0_0_4 } from "../../modules/format/index";
import { readAll, utf8Encode, utf8Decode } from "../support/utf8";
import { parseExposition } from "../support/parser";
import { ManualClock } from "../support/clock";

function fullRegistry(): Registry {
  const clock = new ManualClock();
  const r = new Registry({ created: true });
  const c = new Counter({
    name: "req_total",
    help: 'Requests ✓ "quoted" \\ back',
    labelNames: ["path"],
    registers: [r],
    now: clock.now,
  });
  c.inc({ path: "/é😀" }, 3);
  c.inc({ path: 'a"b\\c\nd' });
  const g = new Gauge({
    name: "temp_celsius",
    help: "T.",
    unit: "celsius",
    labelNames: ["s"],
    registers: [r],
    now: clock.now,
  });
  g.set({ s: "日本語センサー" }, -12.5);
  g.set({ s: "nan" }, NaN);
  const h = new Histogram({
    name: "lat_seconds",
    help: "L.",
    buckets: [0.01, 0.1, 1],
    labelNames: ["op"],
    registers: [r],
    now: clock.now,
  });
  for (let i = 0; i < 50; i++) h.observe({ op: "rd" }, i / 40);
  const s = new Summary({ name: "dur_seconds", help: "D.", percentiles: [0.5, 0.99], registers: [r], now: clock.now });
  for (let i = 1; i <= 20; i++) s.observe(i / 10);
  new Info({ name: "build_info", help: "B.", labelNames: ["version"], registers: [r], now: clock.now }).set({
    version: "0.1.0-ü",
  });
  new Enum({ name: "mode", help: "M.", states: ["idle", "búsy"], registers: [r], now: clock.now }).state("búsy");
  new Gauge({ name: "utf.8", help: "U.", labelNames: ["k.ключ"], registers: [r], now: clock.now }).set(
    { "k.ключ": "значение" },
    1,
  );
  for (let i = 0; i < 40; i++) c.inc({ path: "/p" + i + "/ü" });
  return r;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("streaming reader", () => {
  for (const f of [PROMETHEUS_TEXT_0_0_4, OPENMETRICS_1_0_0, PROMETHEUS_TEXT_1_0_0]) {
    const all = f === PROMETHEUS_TEXT_0_0_4; // every size for 0.0.4; 1..64 and every 7th size beyond for the others (XS time)
    it(`chunk sizes 1..2048${all ? "" : " (1..64, then every 7th)"} give identical bytes (${f.contentType})`, () => {
      const r = fullRegistry();
      const text = r.render(f);
      const expected = utf8Encode(text);
      expect(expected.length).toBeGreaterThan(2048);
      parseExposition(text, { openMetrics: f.kind === "openmetrics" });
      let bad = -1;
      for (let size = 1; size <= 2048; size += all || size < 64 ? 1 : 7) {
        const got = readAll(r.reader(f), size);
        if (!same(got, expected)) {
          bad = size;
          break;
        }
      }
      expect(bad).toBe(-1);
      expect(utf8Decode(expected)).toBe(text);
    });
  }
  it("encodes 1-, 2-, 3- and 4-byte characters split across every boundary; lone surrogates become U+FFFD", () => {
    const r = new Registry({ selfMetrics: false });
    new Gauge({ name: "g", help: "x\u00e9\u20ac\ud83d\ude00\ud800y\udc00z", registers: [r] });
    const text = r.render();
    const bytes = readAll(r.reader(), 1);
    expect(utf8Decode(bytes)).toBe(text.replace("\ud800", "\ufffd").replace("\udc00", "\ufffd"));
    for (let size = 1; size <= 12; size++) expect(same(readAll(r.reader(), size), bytes)).toBe(true);
    expect(bytes.length).toBe(utf8Encode(text).length);
  });
  it("returns 0 when done, also on further calls, and never writes past the buffer", () => {
    const r = new Registry({ selfMetrics: false });
    new Gauge({ name: "g", help: "G.", registers: [r] });
    const rd = r.reader();
    const big = new Uint8Array(4096);
    big.fill(0xaa);
    const n = rd.read(big.subarray(0, 10));
    expect(n).toBe(10);
    expect(big[10]).toBe(0xaa);
    const rest = rd.read(big);
    expect(rest).toBe(r.render().length - 10);
    expect(rd.read(big)).toBe(0);
    expect(rd.read(big)).toBe(0);
    expect(rd.done).toBe(true);
    expect(n + rest).toBe(r.render().length);
  });
  it("snapshots a histogram series atomically: observations between chunks never tear it", () => {
    const r = new Registry({ selfMetrics: false });
    const h = new Histogram({ name: "h", help: "H.", buckets: [1, 2, 3, 4], labelNames: ["k"], registers: [r] });
    h.observe({ k: "a" }, 0.5);
    h.observe({ k: "b" }, 0.5);
    const rd = r.reader();
    const buf = new Uint8Array(8);
    const out: number[] = [];
    let i = 0;
    for (let n: number; (n = rd.read(buf)) > 0; i++) {
      for (let j = 0; j < n; j++) out.push(buf[j]);
      h.observe({ k: "a" }, 0.5 + (i % 5)); // mutate between every chunk
      h.observe({ k: "b" }, 3.5);
    }
    const fams = parseExposition(utf8Decode(new Uint8Array(out))); // checks cumulative buckets and +Inf == _count
    const samples = fams[0].samples;
    const inf = samples.filter((s) => s.labels.le === "+Inf");
    const counts = samples.filter((s) => s.name === "h_count");
    expect(inf.map((s) => s.value)).toEqual(counts.map((s) => s.value));
  });
  it("summary quantiles are computed once per series (consistent with _count at that moment)", () => {
    const r = new Registry({ selfMetrics: false });
    const s = new Summary({ name: "s", help: "S.", percentiles: [0.5], registers: [r] });
    s.observe(1);
    const rd = r.reader();
    const buf = new Uint8Array(4);
    const out: number[] = [];
    for (let n: number; (n = rd.read(buf)) > 0; ) {
      for (let j = 0; j < n; j++) out.push(buf[j]);
      s.observe(1000);
    }
    const fam = parseExposition(utf8Decode(new Uint8Array(out)))[0];
    const q = fam.samples[0].value;
    const sum = fam.samples[1].value;
    const count = fam.samples[2].value;
    expect(count).toBeGreaterThan(1); // the reader paused inside the HELP/TYPE lines while observations arrived
    expect(sum).toBe(1 + 1000 * (count - 1)); // _sum and _count from the same instant
    const median = count - 1 > Math.floor(0.5 * (count - 1)) ? 1000 : 1; // lower median of {1, 1000 × (count-1)}
    expect(Math.abs(q - median)).toBeLessThanOrEqual(0.01 * median);
  });
  it("series added or removed mid-render: no crash, output still parses", () => {
    const r = new Registry({ selfMetrics: false });
    const g = new Gauge({ name: "g", help: "G.", labelNames: ["k"], registers: [r] });
    for (let i = 0; i < 10; i++) g.set({ k: String(i) }, i);
    const rd = r.reader();
    const buf = new Uint8Array(16);
    const out: number[] = [];
    let i = 0;
    for (let n: number; (n = rd.read(buf)) > 0; i++) {
      for (let j = 0; j < n; j++) out.push(buf[j]);
      g.remove({ k: String(9 - (i % 10)) });
      g.set({ k: "new" + i }, i);
    }
    parseExposition(utf8Decode(new Uint8Array(out)));
  });
  it("metrics() equals the reader's bytes decoded", async () => {
    const r = fullRegistry();
    const t = await r.metrics();
    expect(utf8Decode(readAll(r.reader(), 512))).toBe(t);
  });
});
