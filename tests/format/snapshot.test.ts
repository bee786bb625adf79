// A scrape is a snapshot: a response paused mid-family (the reader waiting for the socket) while the registry
// changes must still be one well-formed exposition with no series twice and none half-written. Runs on Node and,
// in the XS lane, on the XS engine.
import { Registry, Counter, Gauge, Histogram } from "../../modules/client/index";
import { OPENMETRICS_1_0_0, PROMETHEUS_TEXT_0_0_4 } from "../../modules/format/index";
import type { Format } from "../../modules/format/index";
import { utf8Decode } from "../support/utf8";
import { parseExposition } from "../support/parser";
import type { ParsedFamily } from "../support/parser";

interface Fixture {
  r: Registry;
  g: Gauge;
  c: Counter;
  h: Histogram;
}

function fixture(): Fixture {
  const r = new Registry({ selfMetrics: false });
  const g = new Gauge({ name: "room_temp", help: "T.", labelNames: ["room"], registers: [r] });
  for (let i = 0; i < 30; i++) g.set({ room: "r" + i }, i);
  const c = new Counter({ name: "events_total", help: "E.", labelNames: ["kind"], registers: [r] });
  for (let i = 0; i < 10; i++) c.inc({ kind: "k" + i }, i + 1);
  const h = new Histogram({
    name: "lat_seconds",
    help: "L.",
    labelNames: ["op"],
    buckets: [0.1, 1, 10],
    registers: [r],
  });
  for (let i = 0; i < 5; i++) h.observe({ op: "op" + i }, i);
  return { r, g, c, h };
}

/** Reads `first` bytes, runs `mutate` (the response is paused), reads the rest; parses and returns the body. */
function pausedRead(
  x: Fixture,
  f: Format,
  first: number,
  mutate: (x: Fixture) => void,
): { fams: ParsedFamily[]; text: string } {
  const rd = x.r.reader(f);
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(first);
  const n = rd.read(head);
  expect(n).toBeGreaterThan(0);
  parts.push(head.subarray(0, n));
  mutate(x);
  for (;;) {
    const buf = new Uint8Array(256);
    const k = rd.read(buf);
    if (k === 0) break;
    parts.push(buf.subarray(0, k));
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const text = utf8Decode(all);
  return { fams: parseExposition(text, { openMetrics: f.kind === "openmetrics" }), text };
}

/** Every sample name + label set appears once. */
function expectNoDuplicates(fams: ParsedFamily[]): void {
  const seen: Record<string, boolean> = {};
  for (const fam of fams) {
    for (const s of fam.samples) {
      const keys = Object.keys(s.labels).sort();
      let k = s.name + "{";
      for (const l of keys) k += l + "=" + JSON.stringify(s.labels[l]) + ",";
      expect(seen[k]).toBe(undefined);
      seen[k] = true;
    }
  }
}

function family(fams: ParsedFamily[], name: string): ParsedFamily | undefined {
  for (const f of fams) if (f.name === name) return f;
  return undefined;
}

describe("a paused scrape is a snapshot", () => {
  for (const f of [PROMETHEUS_TEXT_0_0_4, OPENMETRICS_1_0_0]) {
    const om = f.kind === "openmetrics";
    // 200 bytes: the reader stops inside room_temp's series
    it(`a series removed and re-added while paused is written once (${f.contentType})`, () => {
      const { fams, text } = pausedRead(fixture(), f, 200, (x) => {
        x.g.remove({ room: "r20" });
        x.g.set({ room: "r20" }, 99);
        x.g.remove({ room: "r1" });
        x.g.set({ room: "r1" }, 98);
      });
      expect(text.length).toBeGreaterThan(200);
      expectNoDuplicates(fams);
      const g = family(fams, "room_temp") as ParsedFamily;
      expect(g.samples).toHaveLength(30);
    });

    it(`a reset, new series and changed values while paused: every series once, whole (${f.contentType})`, () => {
      const { fams } = pausedRead(fixture(), f, 200, (x) => {
        x.g.reset();
        for (let i = 0; i < 30; i++) x.g.set({ room: "r" + i }, 100 + i);
        x.g.set({ room: "new" }, 1);
        x.c.reset();
        x.c.inc({ kind: "k0" }, 5);
        for (let i = 0; i < 5; i++) x.h.observe({ op: "op" + i }, 0.05);
      });
      expectNoDuplicates(fams);
      const g = family(fams, "room_temp") as ParsedFamily;
      expect(g.samples).toHaveLength(30); // the membership the scrape started with
      // the counter family had not been reached: it is written as it is when the scrape reaches it
      const c = family(fams, om ? "events" : "events_total") as ParsedFamily;
      expect(c.samples.filter((s) => !s.name.endsWith("_created"))).toHaveLength(1);
      // each histogram series is consistent: +Inf bucket = count, buckets cumulative
      const h = family(fams, "lat_seconds") as ParsedFamily;
      for (let i = 0; i < 5; i++) {
        const mine = h.samples.filter((s) => s.labels.op === "op" + i);
        const inf = mine.filter((s) => s.name === "lat_seconds_bucket" && s.labels.le === "+Inf")[0];
        const count = mine.filter((s) => s.name === "lat_seconds_count")[0];
        expect(inf.value).toBe(count.value);
        const buckets = mine.filter((s) => s.name === "lat_seconds_bucket").map((s) => s.value);
        for (let j = 1; j < buckets.length; j++) expect(buckets[j]).toBeGreaterThanOrEqual(buckets[j - 1]);
      }
    });

    it(`metrics registered or removed while paused: no family twice or half-written (${f.contentType})`, () => {
      const { fams } = pausedRead(fixture(), f, 200, (x) => {
        x.r.removeSingleMetric("events_total");
        x.r.removeSingleMetric("room_temp");
        new Gauge({ name: "late_gauge", help: "L.", registers: [x.r] }).set(1);
        x.r.registerMetric(x.g);
      });
      expectNoDuplicates(fams);
      expect(family(fams, "late_gauge")).toBe(undefined);
      expect((family(fams, "room_temp") as ParsedFamily).samples).toHaveLength(30);
      expect(family(fams, om ? "events" : "events_total")).not.toBe(undefined);
    });
  }
});
