/**
 * Differential tests of modules/push/remote-write.ts: every body it writes is decoded by protobufjs with the
 * prompb schema written out here (from the remote-write 1.0 specification), alone and after snappy compression
 * (modules/push/snappy.ts, decoded by snappyjs), and must give back the series, labels, values and timestamps.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import * as snappyjs from "snappyjs";
import { encodeLabels, RequestEncoder, RemoteWriteError } from "../../modules/push/remote-write";
import { SnappyCompressor, maxCompressedLength } from "../../modules/push/snappy";

const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; reserved 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(SCHEMA).root.lookupType("prometheus.WriteRequest");

interface Decoded {
  labels: [string, string][];
  samples: { value: number; timestamp: string }[];
}

function decode(bytes: Uint8Array): Decoded[] {
  const msg = WriteRequest.decode(bytes);
  const obj = WriteRequest.toObject(msg, { longs: String, defaults: true, arrays: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: string }[] }[];
  };
  return obj.timeseries.map((ts) => ({
    labels: ts.labels.map((l) => [l.name, l.value] as [string, string]),
    samples: ts.samples.map((s) => ({ value: s.value, timestamp: s.timestamp })),
  }));
}

/** The UTF-8 byte order of two strings (what the receivers compare), not JavaScript's UTF-16 order. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function sameValue(got: number, want: number): boolean {
  return Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
}

/** The 8 bytes of the value of the only sample of a one-series, one-sample request, as a hex string. */
function valueBits(req: Uint8Array, labels: Uint8Array): string {
  // 0x0a len(1 byte here) labels 0x12 len 0x09 <8 bytes>
  const at = 2 + labels.length + 3;
  return Buffer.from(req.subarray(at, at + 8))
    .reverse()
    .toString("hex");
}

const NAME = "__name__";

describe("encodeLabels", () => {
  it("sorts names by their UTF-8 bytes, __name__ before lower-case names", () => {
    const labels = encodeLabels(["zone", NAME, "sensor", "a", "__b"], ["z", "temp", "bme680", "x", "y"]);
    const enc = new RequestEncoder(new Uint8Array(256));
    expect(enc.sample(labels, 1, 1)).toBe(true);
    expect(decode(enc.bytes())[0].labels).toEqual([
      ["__b", "y"],
      [NAME, "temp"],
      ["a", "x"],
      ["sensor", "bme680"],
      ["zone", "z"],
    ]);
  });

  it("an upper-case name sorts before __name__ (byte order, as Cortex and Mimir check it)", () => {
    const enc = new RequestEncoder(new Uint8Array(256));
    enc.sample(encodeLabels([NAME, "Zone", "b"], ["m", "1", "2"]), 1, 1);
    expect(decode(enc.bytes())[0].labels.map((l) => l[0])).toEqual(["Zone", NAME, "b"]);
  });

  it("UTF-8 byte order, not UTF-16 order: U+FFFD sorts before an astral character", () => {
    const enc = new RequestEncoder(new Uint8Array(256));
    enc.sample(encodeLabels(["\u{1F600}", "\uFFFD", NAME], ["a", "b", "m"]), 1, 1);
    const names = decode(enc.bytes())[0].labels.map((l) => l[0]);
    expect(names).toEqual([NAME, "\uFFFD", "\u{1F600}"]);
    expect(["\u{1F600}", "\uFFFD"].sort()).toEqual(["\u{1F600}", "\uFFFD"]); // JavaScript's order would differ
  });

  it("values with escapes, quotes, newlines, NUL and UTF-8 arrive unchanged (no escaping in protobuf)", () => {
    const values = [
      'say "hi"',
      "C:\\temp\\new",
      "line1\nline2",
      "a\u0000b",
      "caf\u00e9",
      "\u6e29\u5ea6",
      "\u{1F600} \u{1D11E}",
      "x".repeat(300),
      "a\u2028b",
    ];
    const names = values.map((_, i) => "l" + String(i).padStart(2, "0"));
    const enc = new RequestEncoder(new Uint8Array(4096));
    enc.sample(encodeLabels([NAME, ...names], ["m", ...values]), 1, 1);
    expect(decode(enc.bytes())[0].labels).toEqual([[NAME, "m"], ...names.map((n, i) => [n, values[i]])]);
  });

  it("a label with an empty value is left out; an empty or repeated name is an error", () => {
    const enc = new RequestEncoder(new Uint8Array(256));
    enc.sample(encodeLabels([NAME, "empty", "b"], ["m", "", "2"]), 1, 1);
    expect(decode(enc.bytes())[0].labels).toEqual([
      [NAME, "m"],
      ["b", "2"],
    ]);
    expect(() => encodeLabels([NAME, ""], ["m", "v"])).toThrow(RemoteWriteError);
    expect(() => encodeLabels([NAME, "a", "a"], ["m", "1", "2"])).toThrow(/repeated/);
    expect(() => encodeLabels([NAME], ["m", "x"])).toThrow(/differ in number/);
    expect(() => encodeLabels(["a"], [""])).toThrow(/at least one label/);
    expect(() => encodeLabels([], [])).toThrow(/at least one label/);
  });

  it("external labels are added unless the series has that name (the series' value wins); empty ones are left out", () => {
    const enc = new RequestEncoder(new Uint8Array(256));
    enc.sample(
      encodeLabels([NAME, "job"], ["m", "mine"], ["instance", "job", "zone"], ["esp32-poe", "esp32-poe", ""]),
      1,
      1,
    );
    expect(decode(enc.bytes())[0].labels).toEqual([
      [NAME, "m"],
      ["instance", "esp32-poe"],
      ["job", "mine"],
    ]);
  });

  it("fast-check: any label set decodes to its non-empty labels in UTF-8 byte order", () => {
    const name = fc.string({ minLength: 1, maxLength: 12, unit: "grapheme" });
    const set = fc.uniqueArray(fc.tuple(name, fc.string({ maxLength: 20, unit: "grapheme" })), {
      selector: (t) => t[0],
      maxLength: 8,
    });
    fc.assert(
      fc.property(set, fc.string({ minLength: 1, maxLength: 10 }), (pairs, metric) => {
        const all: [string, string][] = [[NAME, metric], ...pairs.filter((p) => p[0] !== NAME)];
        const labels = encodeLabels(
          all.map((p) => p[0]),
          all.map((p) => p[1]),
        );
        const enc = new RequestEncoder(new Uint8Array(labels.length + 64));
        expect(enc.sample(labels, 0, 0)).toBe(true);
        const want = all.filter((p) => p[1] !== "").sort((a, b) => byteOrder(a[0], b[0]));
        expect(decode(enc.bytes())[0].labels).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});

describe("RequestEncoder", () => {
  const labels = encodeLabels([NAME, "sensor"], ["temperature_celsius", "bme680"]);

  it("values: NaN as Prometheus's NaN 0x7ff8000000000001, ±Inf, -0, subnormals, extremes", () => {
    const cases: [number, string | null][] = [
      [NaN, "7ff8000000000001"],
      [Infinity, "7ff0000000000000"],
      [-Infinity, "fff0000000000000"],
      [0, "0000000000000000"],
      [-0, "8000000000000000"],
      [5e-324, "0000000000000001"],
      [Number.MAX_VALUE, "7fefffffffffffff"],
      [0.1 + 0.2, null],
      [-1e21, null],
    ];
    for (const [v, bits] of cases) {
      const enc = new RequestEncoder(new Uint8Array(128));
      expect(enc.sample(labels, v, 1700000000123)).toBe(true);
      if (bits !== null) expect(valueBits(enc.bytes(), labels)).toBe(bits);
      const got = decode(enc.bytes())[0].samples[0];
      expect(sameValue(got.value, v)).toBe(true);
      expect(got.timestamp).toBe("1700000000123");
    }
  });

  it("stale(): the stale marker 0x7ff0000000000002, and no NaN is ever written as it", () => {
    const enc = new RequestEncoder(new Uint8Array(128));
    expect(enc.stale(labels, 1700000000000)).toBe(true);
    expect(valueBits(enc.bytes(), labels)).toBe("7ff0000000000002");
    expect(Number.isNaN(decode(enc.bytes())[0].samples[0].value)).toBe(true);
  });

  it("timestamps: zero, negative (10-byte varints), every varint size, up to the int64 limits", () => {
    const ts = [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 21,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 31,
      2 ** 32,
      2 ** 35 - 1,
      2 ** 35,
      2 ** 42,
      2 ** 49,
      2 ** 53 - 1,
      2 ** 56,
      2 ** 63 - 1024,
      -1,
      -128,
      -(2 ** 31),
      -(2 ** 32),
      -(2 ** 53),
      -(2 ** 63),
      Date.UTC(2026, 11, 1),
    ];
    for (const t of ts) {
      const enc = new RequestEncoder(new Uint8Array(128));
      expect(enc.sample(labels, 1, t)).toBe(true);
      expect(decode(enc.bytes())[0].samples[0].timestamp).toBe(BigInt(t).toString());
    }
  });

  it("a bad timestamp is an error and writes nothing", () => {
    const enc = new RequestEncoder(new Uint8Array(256));
    enc.sample(labels, 1, 5);
    const before = Buffer.from(enc.bytes());
    for (const t of [1.5, NaN, Infinity, 2 ** 63, -(2 ** 64)])
      expect(() => enc.sample(labels, 1, t)).toThrow(RemoteWriteError);
    expect(() => enc.series(labels, [1, 2, 3], [10, 30, 20])).toThrow(/out of order/);
    expect(() => enc.series(labels, [1, 2], [10, 0.5])).toThrow(RemoteWriteError);
    expect(() => enc.series(labels, [1, 2], [10])).toThrow(/not all in the arrays/);
    expect(() => enc.series(labels, [1, 2], [10, 20], 1, 2)).toThrow(/not all in the arrays/);
    expect(() => enc.series(labels, [], [])).toThrow(/at least one/);
    expect(Buffer.from(enc.bytes()).equals(before)).toBe(true);
  });

  it("series(): many samples in time order, equal timestamps allowed, a slice of the arrays", () => {
    const enc = new RequestEncoder(new Uint8Array(1024));
    const values = new Float64Array([9, 1, 2, 3, 4, 9]);
    const times = new Float64Array([0, 1000, 2000, 2000, 3000, 0]);
    expect(enc.series(labels, values, times, 1, 4)).toBe(true);
    const d = decode(enc.bytes());
    expect(d.length).toBe(1);
    expect(d[0].samples).toEqual([
      { value: 1, timestamp: "1000" },
      { value: 2, timestamp: "2000" },
      { value: 3, timestamp: "2000" },
      { value: 4, timestamp: "3000" },
    ]);
  });

  it("a full buffer: the series that does not fit is refused whole, what was written stays valid", () => {
    const buffer = new Uint8Array(200);
    const enc = new RequestEncoder(buffer);
    let written = 0;
    while (enc.sample(labels, written, 1700000000000 + written)) written++;
    expect(written).toBeGreaterThan(1);
    const before = enc.length;
    expect(enc.series(labels, [1], [1])).toBe(false);
    expect(enc.length).toBe(before);
    expect(before).toBeLessThanOrEqual(200);
    const d = decode(enc.bytes());
    expect(d.map((s) => s.samples[0].value)).toEqual(Array.from({ length: written }, (_, i) => i));
    enc.reset();
    expect(enc.length).toBe(0);
    expect(enc.sample(labels, 42, 1)).toBe(true);
    expect(decode(enc.bytes())[0].samples[0].value).toBe(42);
    expect(new RequestEncoder(new Uint8Array(10)).sample(labels, 1, 1)).toBe(false);
  });

  it("a series exactly as long as the buffer fits (no byte reserved or lost)", () => {
    const probe = new RequestEncoder(new Uint8Array(1000));
    probe.sample(labels, 1, 1700000000000);
    const exact = new RequestEncoder(new Uint8Array(probe.length));
    expect(exact.sample(labels, 1, 1700000000000)).toBe(true);
    expect(new RequestEncoder(new Uint8Array(probe.length - 1)).sample(labels, 1, 1700000000000)).toBe(false);
  });

  it("a buffer that is a view into a larger one: only its own bytes are written", () => {
    const backing = new Uint8Array(300).fill(0xee);
    const enc = new RequestEncoder(backing.subarray(100, 200));
    while (enc.sample(labels, -0, -5));
    expect(backing.subarray(0, 100).every((b) => b === 0xee)).toBe(true);
    expect(backing.subarray(200).every((b) => b === 0xee)).toBe(true);
    expect(decode(enc.bytes()).every((s) => Object.is(s.samples[0].value, -0) && s.samples[0].timestamp === "-5")).toBe(
      true,
    );
  });

  it("fast-check: random requests decode to the series written, directly and through snappy", () => {
    const label = fc.tuple(
      fc.constantFrom("sensor", "kind", "address", "job", "Zone", "le"),
      fc.string({ maxLength: 30, unit: "grapheme" }),
    );
    const sample = fc.tuple(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 45 }));
    const series = fc.record({
      metric: fc.string({ minLength: 1, maxLength: 20 }),
      labels: fc.uniqueArray(label, { selector: (l) => l[0], maxLength: 5 }),
      samples: fc.array(sample, { minLength: 1, maxLength: 6 }).map((s) => s.sort((a, b) => a[1] - b[1])),
    });
    const compressor = new SnappyCompressor(10);
    fc.assert(
      fc.property(fc.array(series, { maxLength: 30 }), (list) => {
        const enc = new RequestEncoder(new Uint8Array(64 * 1024));
        for (const s of list) {
          const l = encodeLabels([NAME, ...s.labels.map((x) => x[0])], [s.metric, ...s.labels.map((x) => x[1])]);
          const values = s.samples.map((x) => x[0]);
          const times = s.samples.map((x) => x[1]);
          const ok = s.samples.length === 1 ? enc.sample(l, values[0], times[0]) : enc.series(l, values, times);
          expect(ok).toBe(true);
        }
        const body = enc.bytes();
        const dst = new Uint8Array(maxCompressedLength(body.length));
        const n = compressor.compress(body, dst);
        const inflated = snappyjs.uncompress(dst.subarray(0, n));
        expect(Buffer.from(inflated).equals(Buffer.from(body))).toBe(true);
        const got = decode(inflated);
        expect(got.length).toBe(list.length);
        list.forEach((s, i) => {
          const want = ([[NAME, s.metric], ...s.labels] as [string, string][])
            .filter((p) => p[1] !== "")
            .sort((a, b) => byteOrder(a[0], b[0]));
          expect(got[i].labels).toEqual(want);
          expect(got[i].samples.length).toBe(s.samples.length);
          s.samples.forEach(([v, t], k) => {
            expect(sameValue(got[i].samples[k].value, v)).toBe(true);
            expect(got[i].samples[k].timestamp).toBe(String(t));
          });
        });
      }),
      { numRuns: 200 },
    );
  });

  it("200 one-sample series of a sensor node compress to less than half through snappy", () => {
    const enc = new RequestEncoder(new Uint8Array(32 * 1024));
    const ext = [
      ["instance", "job"],
      ["esp32-poe", "esp32-poe"],
    ] as const;
    for (let i = 0; i < 200; i++) {
      const l = encodeLabels([NAME, "sensor"], ["sensor_temperature_celsius", "sensor-" + String(i)], ext[0], ext[1]);
      expect(enc.sample(l, 18.25 + i * 0.173, 1764547200000)).toBe(true);
    }
    const body = enc.bytes();
    const dst = new Uint8Array(maxCompressedLength(body.length));
    const n = new SnappyCompressor().compress(body, dst);
    expect(n / body.length).toBeLessThan(0.5);
    expect(decode(snappyjs.uncompress(dst.subarray(0, n))).length).toBe(200);
  });
});
