// A registry holding every metric type with hostile label values and HELP texts, and an independent model of what
// a correct exposition of it contains (computed from what the test sets, not from our renderer), per format.
import { Counter, Enum, Gauge, Histogram, Info, Registry, StateSet, Summary } from "../../../modules/client/index";

/** Label values that break naive exporters: quotes, backslashes, newlines, UTF-8, separators, look-alike escapes. */
export const HOSTILE: readonly string[] = [
  "plain",
  'quote " inside',
  "backslash \\ inside",
  "trailing backslash \\",
  "new\nline",
  "literal backslash-n \\n is not a newline",
  'escaped quote \\" lookalike',
  "UTF-8: température 温度 ☃ 😀",
  "tab\tand separators ,={}# ",
  "",
];

export const HOSTILE_HELP = 'Hostile help: backslash \\ newline \n quote " UTF-8 é ☃ 😀 and a literal \\n.';

/** Special and tricky numbers for gauges; each is set on its own series. */
export const NUMBERS: ReadonlyArray<[string, number]> = [
  ["nan", NaN],
  ["plus_inf", Infinity],
  ["minus_inf", -Infinity],
  ["minus_zero", -0],
  ["e21", 1e21],
  ["min_subnormal", 5e-324],
  ["point3", 0.1 + 0.2],
  ["two53_plus1", 2 ** 53 + 1],
  ["small_negative", -1.5e-7],
  ["binary_fraction", 123456789.125],
  ["max", Number.MAX_VALUE],
];

export type ExpectedValue = number | { approx: number; relative: number };
export interface ExpectedSample {
  name: string;
  labels: Record<string, string>;
  value: ExpectedValue;
}
export interface ExpectedFamily {
  name: string;
  type: string;
  help: string;
  unit: string;
  samples: ExpectedSample[];
}

export const DEFAULT_LABEL = { site: 'lab "A" \\ ünïcode' };
export const BUCKETS = [0.005, 0.1, 1, 2.5, 10];
const BUCKETS_TEXT = ["0.005", "0.1", "1", "2.5", "10"];
const BUCKETS_OM = ["0.005", "0.1", "1.0", "2.5", "10.0"];
export const OBSERVATIONS = [0.001, 0.005, 0.05, 0.1, 0.5, 3, 20, 0]; // 0.005 and 0.1 sit on bounds (le is inclusive)
const PERCENTILES = [0.5, 0.9, 0.99];
const STATES = ['a "quoted" state', "b \\ backslash", "c\nnewline", "d é ☃"];

export interface Hostile {
  registry: Registry;
  expected(format: "text" | "openmetrics"): ExpectedFamily[];
}

export function buildHostileRegistry(): Hostile {
  const registry = new Registry();
  registry.setDefaultLabels(DEFAULT_LABEL);

  const counter = new Counter({
    name: "interop_requests_total",
    help: HOSTILE_HELP,
    labelNames: ["path", "code"],
    registers: [registry],
  });
  const counterSeries: Array<[Record<string, string>, number]> = [];
  HOSTILE.forEach((v, i) => {
    const labels = { path: v, code: String(200 + i) };
    counter.inc(labels, i + 0.5);
    counter.inc(labels); // accumulate: i + 1.5
    counterSeries.push([labels, i + 1.5]);
  });

  const gauge = new Gauge({
    name: "interop_temperature_celsius",
    help: "Special numbers.",
    unit: "celsius",
    labelNames: ["sensor", "case"],
    registers: [registry],
  });
  const gaugeSeries: Array<[Record<string, string>, number]> = [];
  NUMBERS.forEach(([name, value], i) => {
    const labels = { sensor: HOSTILE[i % HOSTILE.length], case: name };
    gauge.set(labels, value);
    gaugeSeries.push([labels, value]);
  });

  const histogram = new Histogram({
    name: "interop_request_duration_seconds",
    help: "Durations.",
    unit: "seconds",
    labelNames: ["method"],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const o of OBSERVATIONS) histogram.observe({ method: HOSTILE[1] }, o);
  histogram.zero({ method: HOSTILE[4] }); // a known label set with no observation yet

  const summary = new Summary({
    name: "interop_payload_bytes",
    help: "Payload sizes.",
    unit: "bytes",
    labelNames: ["dir"],
    percentiles: PERCENTILES,
    registers: [registry],
  });
  for (let v = 1; v <= 100; v++) summary.observe({ dir: HOSTILE[7] }, v);

  const info = new Info({
    name: "interop_build",
    help: "Build information.",
    labelNames: ["version", "note"],
    registers: [registry],
  });
  info.set({ version: "1.2.3", note: HOSTILE[5] });

  const stateset = new StateSet({
    name: "interop_feature",
    help: "Feature flags.",
    states: STATES,
    labelNames: ["board"],
    registers: [registry],
  });
  stateset.setStates({ [STATES[0]]: true, [STATES[2]]: true, [STATES[3]]: false }, { board: HOSTILE[2] });

  const en = new Enum({
    name: "interop_link_state",
    help: "Link state.",
    states: ["up", "down", "unknown"],
    labelNames: ["iface"],
    registers: [registry],
  });
  en.state("down", { iface: HOSTILE[7] });

  function expected(format: "text" | "openmetrics"): ExpectedFamily[] {
    const om = format === "openmetrics";
    const L = (labels: Record<string, string>): Record<string, string> => ({ ...labels, ...DEFAULT_LABEL });
    const fams: ExpectedFamily[] = [];
    // exporter_series_refused_total: the library's self-metric, registered by default, no series yet
    fams.push({ name: "exporter_series_refused", type: "counter", help: "*", unit: "", samples: [] });
    fams.push({
      name: "interop_requests",
      type: "counter",
      help: HOSTILE_HELP,
      unit: "",
      samples: counterSeries.map(([l, v]) => ({ name: "interop_requests_total", labels: L(l), value: v })),
    });
    fams.push({
      name: "interop_temperature_celsius",
      type: "gauge",
      help: "Special numbers.",
      unit: om ? "celsius" : "",
      samples: gaugeSeries.map(([l, v]) => ({ name: "interop_temperature_celsius", labels: L(l), value: v })),
    });
    const hs: ExpectedSample[] = [];
    const le = om ? BUCKETS_OM : BUCKETS_TEXT;
    for (const [method, obs] of [
      [HOSTILE[1], OBSERVATIONS],
      [HOSTILE[4], []],
    ] as Array<[string, number[]]>) {
      BUCKETS.forEach((b, i) => {
        hs.push({
          name: "interop_request_duration_seconds_bucket",
          labels: L({ method, le: le[i] }),
          value: obs.filter((o) => o <= b).length,
        });
      });
      hs.push({
        name: "interop_request_duration_seconds_bucket",
        labels: L({ method, le: "+Inf" }),
        value: obs.length,
      });
      hs.push({
        name: "interop_request_duration_seconds_sum",
        labels: L({ method }),
        value: obs.reduce((a, b) => a + b, 0),
      });
      hs.push({ name: "interop_request_duration_seconds_count", labels: L({ method }), value: obs.length });
    }
    fams.push({
      name: "interop_request_duration_seconds",
      type: "histogram",
      help: "Durations.",
      unit: om ? "seconds" : "",
      samples: hs,
    });
    const ss: ExpectedSample[] = [];
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const q of PERCENTILES) {
      ss.push({
        name: "interop_payload_bytes",
        labels: L({ dir: HOSTILE[7], quantile: String(q) }),
        value: { approx: sorted[Math.floor(q * 99)], relative: 0.0101 },
      });
    }
    ss.push({ name: "interop_payload_bytes_sum", labels: L({ dir: HOSTILE[7] }), value: 5050 });
    ss.push({ name: "interop_payload_bytes_count", labels: L({ dir: HOSTILE[7] }), value: 100 });
    fams.push({
      name: "interop_payload_bytes",
      type: "summary",
      help: "Payload sizes.",
      unit: om ? "bytes" : "",
      samples: ss,
    });
    fams.push({
      name: om ? "interop_build" : "interop_build_info",
      type: om ? "info" : "gauge",
      help: "Build information.",
      unit: "",
      samples: [{ name: "interop_build_info", labels: L({ version: "1.2.3", note: HOSTILE[5] }), value: 1 }],
    });
    fams.push({
      name: "interop_feature",
      type: om ? "stateset" : "gauge",
      help: "Feature flags.",
      unit: "",
      samples: STATES.map((s, i) => ({
        name: "interop_feature",
        labels: L({ board: HOSTILE[2], interop_feature: s }),
        value: i === 0 || i === 2 ? 1 : 0,
      })),
    });
    fams.push({
      name: "interop_link_state",
      type: om ? "stateset" : "gauge",
      help: "Link state.",
      unit: "",
      samples: ["up", "down", "unknown"].map((s) => ({
        name: "interop_link_state",
        labels: L({ iface: HOSTILE[7], interop_link_state: s }),
        value: s === "down" ? 1 : 0,
      })),
    });
    return fams;
  }

  return { registry, expected };
}

/** Parses a value string printed by parse_exposition.py or by Prometheus's API ("NaN", "+Inf", "-Inf", decimal). */
export function parseValue(s: string): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf" || s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  const n = Number(s);
  if (Number.isNaN(n)) throw new Error(`not a number: ${s}`);
  return n;
}

/** True when `actual` matches: exact (NaN = NaN, -0 = 0) or within the relative tolerance. */
export function valueMatches(expected: ExpectedValue, actual: number): boolean {
  if (typeof expected === "number") return expected === actual || (Number.isNaN(expected) && Number.isNaN(actual));
  return Math.abs(actual - expected.approx) <= expected.relative * Math.abs(expected.approx);
}

/** Canonical key of a sample for sorting/matching: name plus sorted labels. */
export function sampleKey(name: string, labels: Record<string, string>): string {
  return JSON.stringify([
    name,
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  ]);
}
