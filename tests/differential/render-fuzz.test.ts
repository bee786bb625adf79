// Property test: random registries with arbitrary Unicode (including lone surrogates) in help, label names and
// values, and arbitrary numbers, rendered in every format; the independent parser must accept each render and give
// back exactly what was set; the pull reader's bytes must be Node's own UTF-8 encoding of the string render.
import fc from "fast-check";
import { Registry, Gauge, Counter, Histogram } from "../../modules/client/index";
import {
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
  makeFormat,
} from "../../modules/format/index";
import { parseExposition } from "../support/parser";
import { readAll } from "../support/utf8";

const FORMATS = [
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
  makeFormat("text", "1.0.0", "dots"),
  makeFormat("openmetrics", "1.0.0", "values"),
  makeFormat("openmetrics", "1.0.0", "allow-utf-8"),
];
const wellFormed = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s;

describe("render fuzz", () => {
  it("every render parses back to the values that were set", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.string({ unit: "binary", maxLength: 12 }), fc.oneof(fc.double(), fc.integer())), {
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 300 }),
        (help, entries, chunk) => {
          const r = new Registry({ selfMetrics: false });
          const g = new Gauge({ name: "fuzz_gauge", help, labelNames: ["v"], registers: [r] });
          const c = new Counter({ name: "fuzz_total", help: "C.", labelNames: ["v"], registers: [r] });
          const h = new Histogram({ name: "fuzz_h", help: "H.", labelNames: ["v"], buckets: [0, 1], registers: [r] });
          const expected = new Map<string, number>();
          for (const [v, x] of entries) {
            g.set({ v }, x);
            expected.set(v, x);
            if (Number.isFinite(x)) {
              c.inc({ v }, Math.abs(x));
              h.observe({ v }, x);
            }
          }
          for (const f of FORMATS) {
            const text = r.render(f);
            const bytes = readAll(r.reader(f), chunk);
            expect(Buffer.from(bytes).equals(Buffer.from(text, "utf8"))).toBe(true);
            const fams = parseExposition(Buffer.from(bytes).toString("utf8"), {
              openMetrics: f.kind === "openmetrics",
              dotsEscaping: f.escaping === "dots",
              quotedNames: f.escaping === "allow-utf-8",
            });
            const gauge = fams[0];
            const decodedHelp = Buffer.from(help, "utf8").toString("utf8");
            expect(gauge.help).toBe(decodedHelp);
            expect(gauge.samples).toHaveLength(expected.size);
            let i = 0;
            for (const [v, x] of expected) {
              const s = gauge.samples[i++];
              expect(s.labels.v).toBe(wellFormed(v) ? v : Buffer.from(v, "utf8").toString("utf8"));
              if (x !== x) expect(s.value).toBeNaN();
              else expect(s.value).toBe(x === 0 ? 0 : x);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("UTF-8 metric and label names render in every escaping scheme and parse", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
        (name, label) => {
          const r = new Registry({ selfMetrics: false });
          let g: Gauge;
          try {
            g = new Gauge({ name, help: "N.", labelNames: [label], registers: [r] });
          } catch (e) {
            // refused at construction: only the documented reasons
            expect(String(e)).toMatch(/reserved|surrogate/);
            return;
          }
          g.set({ [label]: "x" }, 1);
          for (const f of FORMATS) {
            const fams = parseExposition(r.render(f), {
              openMetrics: f.kind === "openmetrics",
              dotsEscaping: f.escaping === "dots",
              quotedNames: f.escaping === "allow-utf-8",
            });
            expect(fams).toHaveLength(1);
            expect(fams[0].samples).toHaveLength(1);
            if (f.escaping === "allow-utf-8") {
              expect(fams[0].name).toBe(name);
              expect(Object.keys(fams[0].samples[0].labels)).toEqual([label]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
