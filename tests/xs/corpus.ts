// Byte-identity corpus for the XS lane. tests/xs/run.mjs bundles this file once (IIFE script) and runs the same bundle
// on Node and on the XS engine; the two outputs must be identical byte for byte.
//
// Deterministic by construction: fixed observation sequences from a seeded generator, an injected clock for every
// metric (timers, _created, summary windows), no Date.now, no Math.random, no iteration over unordered state.
// Output is pure ASCII: every character outside printable ASCII is written as \uXXXX (UTF-16 code units, lossless),
// so stdout transport cannot differ between engines. Lines starting with "CHECK-FAIL " are internal consistency
// failures (the chunk reader disagreeing with the string API, a chunk larger than its buffer...); the runner fails on
// them on either engine.
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
} from "../../modules/client/index";
import { negotiate, formatNumber, formatCanonical } from "../../modules/format/index";
import { utf8Encode } from "../support/utf8";
import { pushCorpus } from "./push-corpus";
import { rng } from "../support/random";

declare const print: ((line: string) => void) | undefined;

// ------------------------------------------------------------------------------------------------ output

const pending: string[] = [];
function emit(line: string): void {
  if (typeof print === "function") print(line);
  else {
    pending.push(line);
    if (pending.length >= 2000) flush();
  }
}
function flush(): void {
  if (typeof print === "function" || pending.length === 0) return;
  (globalThis as any).process.stdout.write(pending.join("\n") + "\n");
  pending.length = 0;
}

function hex4(n: number): string {
  const h = "0123456789ABCDEF";
  return h[(n >> 12) & 15] + h[(n >> 8) & 15] + h[(n >> 4) & 15] + h[n & 15];
}

/** Lossless ASCII rendering of a JS string: printable ASCII as is, backslash doubled, the rest as \uXXXX. */
function esc(s: string): string {
  let r = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) r += "\\\\";
    else if (c >= 32 && c < 127) r += s[i];
    else r += "\\u" + hex4(c);
  }
  return r;
}

function section(title: string): void {
  emit("== " + title);
}

function checkFail(message: string): void {
  emit("CHECK-FAIL " + message);
}

/** Prints a multi-line text, one escaped line per line (the last element is what follows the final newline). */
function emitText(text: string): void {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) emit("| " + esc(lines[i]));
}

// ------------------------------------------------------------------------------------------------ bytes

function fnv1a(bytes: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return hex4(h >>> 16) + hex4(h & 0xffff);
}

function hexLines(bytes: ArrayLike<number>): void {
  const h = "0123456789abcdef";
  for (let i = 0; i < bytes.length; i += 48) {
    let line = "";
    for (let j = i; j < i + 48 && j < bytes.length; j++) line += h[bytes[j] >> 4] + h[bytes[j] & 15];
    emit("x " + line);
  }
}

// ------------------------------------------------------------------------------------------------ determinism

/** A settable clock in milliseconds, injected into every metric. */
function clock(start: number) {
  let t = start;
  const now = () => t;
  return {
    now,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

// ------------------------------------------------------------------------------------------------ inputs

const SPECIAL: [string, number][] = [
  ["zero", 0],
  ["minus_zero", -0],
  ["one", 1],
  ["minus_one", -1],
  ["nan", NaN],
  ["pos_inf", Infinity],
  ["neg_inf", -Infinity],
  ["1e21", 1e21],
  ["1e21_minus", 999999999999999900000],
  ["1e23", 1e23],
  ["4.73e21", 4.73e21],
  ["5e-324", 5e-324],
  ["minus_5e-324", -5e-324],
  ["max_value", Number.MAX_VALUE],
  ["min_normal", 2.2250738585072014e-308],
  ["2^53", 9007199254740992],
  // biome-ignore lint/correctness/noPrecisionLoss: the literal is rounded on purpose (both engines must parse it alike)
  ["2^53+1", 9007199254740993],
  ["2^53+2", 9007199254740994],
  ["max_safe", Number.MAX_SAFE_INTEGER],
  ["0.1+0.2", 0.1 + 0.2],
  ["1/3", 1 / 3],
  ["2/3", 2 / 3],
  ["exact_binary_fraction", 1 + Math.pow(2, -52)],
  ["large_exact_fraction", 4503599627370495.5],
  ["tie_0.625", 79837709710068.625], // exactly halfway between two 16-digit decimals: ES says round to even (…68.62)
  // biome-ignore lint/correctness/noPrecisionLoss: the literal is rounded on purpose (both engines must parse it alike)
  ["tie_0.25", 1923023710000000.25],
  // exactly representable integer whose 16-digit rounding is a tie: XS printed "70095117003082340", which correct
  // parsers (V8, Go) read as 70095117003082336 (ties to even); built by arithmetic so that no literal is parsed
  ["int_tie", 8761889625385293 * 8],
  ["2^-30", 1 / 1073741824],
  ["123456789.123", 123456789.123],
  ["1e-7", 1e-7],
  ["1e-6", 0.000001],
  ["1.5e300", 1.5e300],
  ["-1e-300", -1e-300],
  ["1e16", 1e16],
  // biome-ignore lint/correctness/noPrecisionLoss: the literal is rounded on purpose (both engines must parse it alike)
  ["12345678901234567890", 12345678901234567890],
  ["0.000001234", 0.000001234],
  ["100", 100],
  ["1e+100", 1e100],
];

const HOSTILE_LABELS: [string, string][] = [
  ["plain", "plain"],
  ["empty", ""],
  ["quote", 'say "hi"'],
  ["backslash", "C:\\temp\\new"],
  ["newline", "line1\nline2"],
  ["cr_tab", "a\rb\tc"],
  ["all_three", '\\"\n'],
  ["braces", "}{=,"],
  ["latin1", "caf\u00e9 \u00fcber"],
  ["cjk", "\u6e29\u5ea6\u8a08"],
  ["astral", "\ud83d\ude00 \ud834\udd1e"],
  ["line_sep", "a\u2028b\u2029c"],
  ["nul", "a\u0000b"],
  ["del", "\u007f"],
  ["bom", "\ufeffx"],
  ["hash_space", "# HELP x y"],
  ["long", "x".repeat(300)],
];

// ------------------------------------------------------------------------------------------------ registries

interface Scenario {
  name: string;
  registry: Registry;
}

function buildScenarios(): Scenario[] {
  const scenarios: Scenario[] = [];
  const c = clock(1700000000123);
  const now = c.now;

  // 1. every metric type, unlabelled and labelled
  {
    const r = new Registry();
    const cnt = new Counter({
      name: "corpus_requests_total",
      help: "Requests handled.",
      labelNames: ["code", "method"],
      registers: [r],
      now,
    });
    cnt.inc({ code: "200", method: "GET" });
    cnt.inc({ code: "200", method: "GET" }, 41);
    cnt.labels("500", "POST").inc(0.5);
    cnt.labels({ code: "404", method: "GET" }).inc(0.1);
    cnt.labels({ code: "404", method: "GET" }).inc(0.2);
    const plain = new Counter({ name: "corpus_events", help: "Counter named without _total.", registers: [r], now });
    plain.inc(1e21);
    const g = new Gauge({
      name: "corpus_temperature_celsius",
      help: "Temperature.",
      labelNames: ["sensor"],
      unit: "celsius",
      registers: [r],
      now,
    });
    g.set({ sensor: "office" }, 21.5);
    g.set({ sensor: "lab" }, -3.25);
    g.inc({ sensor: "lab" }, 0.1);
    g.dec({ sensor: "lab" }, 0.2);
    const t = new Gauge({
      name: "corpus_last_seen_seconds",
      help: "setToCurrentTime and startTimer.",
      labelNames: ["what"],
      registers: [r],
      now,
    });
    t.setToCurrentTime({ what: "now" });
    const end = t.startTimer({ what: "timer" });
    c.advance(1234.5);
    end();
    const h = new Histogram({
      name: "corpus_latency_seconds",
      help: "Latency.",
      labelNames: ["path"],
      unit: "seconds",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [r],
      now,
    });
    const rand = rng(42);
    for (let i = 0; i < 500; i++) h.observe({ path: i % 3 === 0 ? "/metrics" : "/" }, rand() * rand() * 3);
    h.observe({ path: "/" }, 0.1); // exactly on a bound: counted in le="0.1"
    h.observe({ path: "/" }, 0);
    h.observe({ path: "/" }, 1e6); // above every bound: only in +Inf
    const lin = new Histogram({
      name: "corpus_linear",
      help: "linearBuckets.",
      buckets: linearBuckets(-1, 0.1, 25),
      registers: [r],
      now,
    });
    for (let i = 0; i < 100; i++) lin.observe(-1.2 + i * 0.037);
    const exp = new Histogram({
      name: "corpus_exponential_bytes",
      help: "exponentialBuckets.",
      buckets: exponentialBuckets(1, 3, 15),
      registers: [r],
      now,
    });
    for (let i = 0; i < 200; i++) exp.observe(Math.floor(rand() * 5000000));
    const empty = new Histogram({
      name: "corpus_empty_histogram",
      help: "No observation yet.",
      labelNames: ["k"],
      registers: [r],
      now,
    });
    empty.zero({ k: "v" });
    const s = new Summary({
      name: "corpus_size_bytes",
      help: "Sizes.",
      labelNames: ["kind"],
      percentiles: [0.01, 0.1, 0.5, 0.9, 0.99, 0.999],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers: [r],
      now,
    });
    for (let i = 0; i < 2000; i++) {
      s.observe({ kind: "a" }, Math.floor(rand() * 100000) / 7);
      if (i % 7 === 0) s.observe({ kind: "b" }, -rand() * 50 + 10);
      if (i % 100 === 0) c.advance(5000);
    }
    s.observe({ kind: "zeros" }, 0);
    s.observe({ kind: "zeros" }, 0);
    const info = new Info({
      name: "corpus_build",
      help: "Build information.",
      labelNames: ["version", "revision"],
      registers: [r],
      now,
    });
    info.set({ version: "1.2.3", revision: 'abc"def' });
    const ss = new StateSet({
      name: "corpus_feature",
      help: "Feature flags.",
      states: ["a", "b", "c"],
      registers: [r],
      now,
    });
    ss.setState("a", true);
    ss.setState("c", true);
    const en = new Enum({
      name: "corpus_mode",
      help: "Operating mode.",
      states: ["idle", "busy", "error"],
      registers: [r],
      now,
    });
    en.set("busy");
    scenarios.push({ name: "every metric type", registry: r });
  }

  // 2. special numbers as gauge values, and (finite ones) as counter increments, histogram and summary observations
  {
    const r = new Registry();
    const g = new Gauge({
      name: "corpus_special",
      help: "Special numbers.",
      labelNames: ["case"],
      registers: [r],
      now,
      maxSeries: 1000,
    });
    for (const [k, v] of SPECIAL) g.set({ case: k }, v);
    const cnt = new Counter({
      name: "corpus_increments_total",
      help: "Special increments.",
      labelNames: ["case"],
      registers: [r],
      now,
      maxSeries: 1000,
    });
    for (const [k, v] of SPECIAL) {
      try {
        cnt.inc({ case: k }, v);
      } catch (e) {
        emit("counter.inc(" + k + ") threw: " + esc(String((e as Error).message)));
      }
    }
    const h = new Histogram({
      name: "corpus_special_hist",
      help: "Special bounds.",
      buckets: [-1e21, -5e-324, 0, 5e-324, 0.1 + 0.2, 1 / 3, 123456789.123, 1e21],
      registers: [r],
      now,
    });
    for (const [, v] of SPECIAL) if (Number.isFinite(v)) h.observe(v);
    const s = new Summary({
      name: "corpus_special_summary",
      help: "Special observations.",
      percentiles: [0, 0.25, 0.5, 0.75, 1],
      registers: [r],
      now,
    });
    for (const [, v] of SPECIAL) if (Number.isFinite(v)) s.observe(v);
    scenarios.push({ name: "special numbers", registry: r });
  }

  // 3. hostile label values and help texts, default labels
  {
    const r = new Registry();
    r.setDefaultLabels({ instance: 'dev\u00e9 "1"\\', zone: "z\n1" });
    const g = new Gauge({
      name: "corpus_hostile_values",
      help: 'Help with \\ backslash, "quotes", new\nline and caf\u00e9 \ud83d\ude00.',
      labelNames: ["case", "value"],
      registers: [r],
      now,
      maxSeries: 1000,
    });
    for (const [k, v] of HOSTILE_LABELS) g.set({ case: k, value: v }, 1);
    const info = new Info({
      name: "corpus_hostile_info",
      help: "Info with hostile values.",
      labelNames: ["a"],
      registers: [r],
      now,
    });
    info.set({ a: '\\"\n\ud83d\ude00' });
    const ss = new StateSet({
      name: "corpus_hostile_states",
      help: "States with hostile names.",
      states: ['q"uote', "back\\slash", "new\nline", "\u00e9t\u00e9"],
      registers: [r],
      now,
    });
    ss.setState("new\nline", true);
    scenarios.push({ name: "hostile labels and default labels", registry: r });
  }

  // 4. UTF-8 metric and label names (quoted in text 1.0.0 allow-utf-8, escaped otherwise)
  {
    const r = new Registry();
    try {
      const g = new Gauge({
        name: "corpus.temp.\u00b0C",
        help: "UTF-8 metric name.",
        labelNames: ["s\u00e9nsor.name", "ok_name"],
        registers: [r],
        now,
      });
      g.set({ "s\u00e9nsor.name": "x", ok_name: "y" }, 1);
      const cnt = new Counter({
        name: "corpus.hits_total",
        help: "Dotted counter.",
        labelNames: ["le.vel"],
        registers: [r],
        now,
      });
      cnt.inc({ "le.vel": "1" }, 3);
      const h = new Histogram({
        name: "corpus.lat\u00e9ncy",
        help: "UTF-8 histogram.",
        buckets: [1, 2],
        registers: [r],
        now,
      });
      h.observe(1.5);
    } catch (e) {
      emit("utf-8 names threw: " + esc(String((e as Error).message)));
    }
    scenarios.push({ name: "UTF-8 names", registry: r });
  }

  // 5. series cap: refusals are counted, not stored
  {
    const r = new Registry();
    const g = new Gauge({
      name: "corpus_capped",
      help: "Capped at 3 series.",
      labelNames: ["i"],
      maxSeries: 3,
      registers: [r],
      now,
    });
    for (let i = 0; i < 10; i++) g.set({ i: String(i) }, i);
    scenarios.push({ name: "series cap", registry: r });
  }

  // 6. empty registry; 7. merged registries
  scenarios.push({ name: "empty registry", registry: new Registry() });
  {
    const a = new Registry();
    const b = new Registry();
    new Gauge({ name: "corpus_merge_a", help: "From a.", registers: [a], now }).set(1);
    new Counter({ name: "corpus_merge_b_total", help: "From b.", registers: [b], now }).inc(2);
    scenarios.push({ name: "merged registries", registry: Registry.merge([a, b]) });
  }

  // 8. summary windows over an injected clock: observations age out slot by slot
  {
    const r = new Registry();
    const wc = clock(1000000);
    const s = new Summary({
      name: "corpus_window_seconds",
      help: "Sliding window.",
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 3,
      registers: [r],
      now: wc.now,
    });
    const rand = rng(7);
    for (let i = 0; i < 300; i++) {
      s.observe(rand() * 10);
      wc.advance(250);
    }
    scenarios.push({ name: "summary window (t=75s)", registry: r });
    const later = new Registry();
    // same metric object rendered again later: registered in both registries is not allowed, so use a second one
    const s2 = new Summary({
      name: "corpus_window_seconds",
      help: "Sliding window.",
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 3,
      registers: [later],
      now: wc.now,
    });
    for (let i = 0; i < 300; i++) {
      s2.observe(i < 150 ? 100 + i : i / 100);
      wc.advance(400);
    }
    scenarios.push({ name: "summary window (t=195s)", registry: later });
  }
  // 10. OpenMetrics _created from the injected clock (fractional milliseconds), async collect callbacks
  {
    const r = new Registry({ created: true });
    const cc = clock(1700000000123.456);
    const cnt = new Counter({
      name: "corpus_created_total",
      help: "With _created.",
      labelNames: ["k"],
      registers: [r],
      now: cc.now,
    });
    cnt.inc({ k: "a" });
    cc.advance(1000.5);
    cnt.inc({ k: "b" }, 2);
    new Histogram({
      name: "corpus_created_seconds",
      help: "Histogram with _created.",
      buckets: [1],
      registers: [r],
      now: cc.now,
    }).observe(0.5);
    new Summary({
      name: "corpus_created_bytes",
      help: "Summary with _created.",
      percentiles: [0.5],
      registers: [r],
      now: cc.now,
    }).observe(3);
    let calls = 0;
    new Gauge({
      name: "corpus_collected",
      help: "Set by an async collect callback.",
      registers: [r],
      now: cc.now,
      async collect(this: Gauge) {
        calls++;
        await Promise.resolve();
        this.set(calls * 0.1);
      },
    });
    scenarios.push({ name: "_created and async collect", registry: r });
  }

  // 9. many quantiles over many sketch bins: each quantile value comes from a different bin
  {
    const r = new Registry();
    const qs: number[] = [];
    for (let i = 0; i <= 100; i++) qs.push(i / 100);
    const s = new Summary({
      name: "corpus_spread",
      help: "Observations over six decades.",
      labelNames: ["sign"],
      percentiles: qs,
      maxBins: 1024,
      registers: [r],
      now,
    });
    let v = 1;
    for (let i = 0; i < 700; i++) {
      s.observe({ sign: "pos" }, v);
      s.observe({ sign: "neg" }, -v / 1000);
      v *= 1.02;
    }
    scenarios.push({ name: "summary quantiles over many bins", registry: r });
  }
  return scenarios;
}

// ------------------------------------------------------------------------------------------------ rendering

/** Accept headers as scrapers send them; each picks a format (and its exact Content-Type) through negotiate(). */
const ACCEPTS: string[] = [
  "text/plain;version=0.0.4",
  "application/openmetrics-text;version=1.0.0",
  "text/plain;version=1.0.0;escaping=allow-utf-8",
  "text/plain;version=1.0.0;escaping=underscores",
  "text/plain;version=1.0.0;escaping=dots",
  "text/plain;version=1.0.0;escaping=values",
  "application/openmetrics-text;version=0.0.1",
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8",
];

const CHUNK_SIZES = [1, 7, 64, 512, 2048];

async function renderString(registry: Registry, format: unknown): Promise<string> {
  return (registry as any).metrics(format);
}

function readAll(registry: Registry, format: unknown, size: number): { bytes: number[]; chunks: number[] } | string {
  const reader = (registry as any).reader(format);
  const buf = new Uint8Array(size);
  const bytes: number[] = [];
  const chunks: number[] = [];
  for (let guard = 0; guard < 10000000; guard++) {
    const n = reader.read(buf);
    if (typeof n !== "number" || n < 0 || n > size || Math.floor(n) !== n)
      return "read() returned " + String(n) + " for a " + size + "-byte buffer";
    if (n === 0) return { bytes, chunks };
    chunks.push(n);
    for (let i = 0; i < n; i++) bytes.push(buf[i]);
  }
  return "read() never returned 0";
}

function runLengths(chunks: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < chunks.length; ) {
    let j = i;
    while (j < chunks.length && chunks[j] === chunks[i]) j++;
    parts.push(j - i > 1 ? chunks[i] + "x" + (j - i) : String(chunks[i]));
    i = j;
  }
  return parts.join(",");
}

async function renderScenarios(): Promise<void> {
  section("scenario set-up (refused operations are expected here)");
  const scenarios = buildScenarios();
  section("negotiation");
  const extra = [
    "",
    "*/*",
    "text/plain",
    "application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    "text/html",
  ];
  for (const a of ACCEPTS.concat(extra)) {
    const n = negotiate(a);
    emit(esc(a) + " -> " + esc(n.contentType));
  }
  emit("(undefined) -> " + esc(negotiate(undefined).contentType));
  emit("registry.contentType " + esc(new Registry().contentType));

  for (const sc of scenarios) {
    await sc.registry.collect();
    for (const accept of ACCEPTS) {
      const { format, contentType } = negotiate(accept);
      section(sc.name + " | " + contentType);
      let text: string;
      try {
        text = await renderString(sc.registry, format);
      } catch (e) {
        emit("string render threw: " + esc(String((e as Error).message)));
        continue;
      }
      emitText(text);
      const expected = utf8Encode(text);
      emit("utf8 " + expected.length + " bytes fnv1a " + fnv1a(expected));
      for (const size of CHUNK_SIZES) {
        let got: ReturnType<typeof readAll>;
        try {
          got = readAll(sc.registry, format, size);
        } catch (e) {
          checkFail(
            sc.name + " | " + contentType + " | reader(" + size + ") threw: " + esc(String((e as Error).message)),
          );
          continue;
        }
        if (typeof got === "string") {
          checkFail(sc.name + " | " + contentType + " | reader(" + size + "): " + got);
          continue;
        }
        const same = got.bytes.length === expected.length && got.bytes.every((b, i) => b === expected[i]);
        emit(
          "reader " +
            size +
            ": " +
            got.bytes.length +
            " bytes fnv1a " +
            fnv1a(got.bytes) +
            " chunks " +
            runLengths(got.chunks) +
            (same ? " == string" : " != string"),
        );
        if (!same) {
          checkFail(
            sc.name + " | " + contentType + " | reader(" + size + ") bytes differ from the UTF-8 of the string render",
          );
          hexLines(got.bytes);
        }
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------ String(n)

/** Numbers whose String(n) is compared between engines: special values, powers, short decimals, random bit patterns. */
function numberList(): number[] {
  const view = new DataView(new ArrayBuffer(8));
  const list: number[] = SPECIAL.map(([, v]) => v);
  for (let k = -1074; k <= 1023; k++) list.push(pow2(k)); // powers of two: the rounding interval is asymmetric
  for (let k = -325; k <= 309; k++) list.push(Number("1e" + k));
  for (let k = -30; k <= 30; k++)
    list.push(Number("1.5e" + k), Number("9.999999999999999e" + k), Number("123456789.123e" + k));
  // short decimals at and above 1e21, where String() switches to exponent notation
  for (let k = 20; k <= 26; k++) for (let m = 1; m <= 999; m += 3) list.push(Number(m + "e" + (k - 2)));
  for (let n = 1; n <= 100; n++) list.push(n / 3, n / 7, n * 0.1, -n / 9);
  // exact binary fractions halfway between two shortest decimals (the spec rounds such ties to even)
  for (let k = 0; k < 40; k++)
    list.push(79837709710068 + k + 0.625, 1000000000000000 + 8 * k + 0.25, -(281474976710656 + k + 0.0625));
  for (let k = 0; k < 40; k++) list.push((8761889625385293 + 2 * k) * 8, -(4503599627370497 + 2 * k) * 4);
  for (let d = -5; d <= 5; d++) list.push(9007199254740992 + d, 4503599627370496 + d + 0.5);
  const rand = rng(12345);
  for (let i = 0; i < 3000; i++) {
    view.setUint32(0, Math.floor(rand() * 4294967296));
    view.setUint32(4, Math.floor(rand() * 4294967296));
    const v = view.getFloat64(0);
    if (v === v) list.push(v); // NaN payloads are not preserved alike by the engines' DataView: skip them
  }
  for (let i = 0; i < 1000; i++) list.push(Math.floor(rand() * 1e6) / 1000, Math.floor(rand() * 1e9) / 1e6);
  return list;
}

function numbersSection(): void {
  const view = new DataView(new ArrayBuffer(8));
  const bits = (n: number) => {
    view.setFloat64(0, n);
    return hex4(view.getUint16(0)) + hex4(view.getUint16(2)) + hex4(view.getUint16(4)) + hex4(view.getUint16(6));
  };
  const list = numberList();
  // The engine's own Number-to-String. The runner accepts a difference here only if both strings denote the same
  // double (XS's dtoa is not always shortest); it lists such differences. What goes on the wire is the next section.
  section("String(n)");
  for (const n of list) emit((n === n ? bits(n) : "NaN") + " " + String(n));
  // formatNumber / formatCanonical: what the exposition writes; must be identical.
  section("formatNumber(n) formatCanonical(n)");
  for (const n of list) emit((n === n ? bits(n) : "NaN") + " " + formatNumber(n) + " " + formatCanonical(n));
}

/** 2^k by repeated halving/doubling (exact, no Math.pow, whose last bit differs between engines). */
function pow2(k: number): number {
  let v = 1;
  if (k >= 0) for (let i = 0; i < k; i++) v *= 2;
  else for (let i = 0; i < -k; i++) v /= 2;
  return v;
}

// ------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  numbersSection();
  pushCorpus({ section, emit, esc });
  await renderScenarios();
}

main().then(
  () => {
    emit("XS-CORPUS-END");
    flush();
  },
  (e) => {
    emit("CHECK-FAIL corpus threw: " + esc(String(e && (e as Error).message !== undefined ? (e as Error).message : e)));
    const stack = e && (e as Error).stack;
    if (typeof stack === "string") for (const l of stack.split("\n").slice(1, 6)) emit("  " + esc(l.trim()));
    flush();
  },
);
