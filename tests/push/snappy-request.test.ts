/**
 * modules/push/snappy-request.ts writes a WriteRequest directly as a snappy block (shared label entries become
 * copies). Its blocks are decoded by snappyjs and by snappy (Rust) and must give exactly the bytes RequestEncoder
 * writes for the same label sets (whose output tests/push/remote-write.test.ts decodes with protobufjs), and
 * protobufjs must read the series back.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import * as snappyjs from "snappyjs";
import { uncompressSync } from "snappy";
import { encodeLabels, RequestEncoder, RemoteWriteError } from "../../modules/push/remote-write";
import { LabelEntry, SnappyRequestWriter, labelSet } from "../../modules/push/snappy-request";

const WriteRequest = protobuf
  .parse(`syntax = "proto3"; package p;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }`)
  .root.lookupType("p.WriteRequest");

function inflate(block: Uint8Array): Buffer {
  const a = Buffer.from(snappyjs.uncompress(block));
  const b = uncompressSync(Buffer.from(block)) as Buffer;
  expect(a.equals(b)).toBe(true);
  return a;
}

interface Series {
  names: string[];
  values: string[];
  value: number;
  t: number;
  stale?: boolean;
}

/** entries shared by name and value, as a push client shares a family's __name__ and the external labels */
function entryCache() {
  const m = new Map<string, LabelEntry>();
  return (name: string, value: string) => {
    const k = name + "\u0000" + value;
    let e = m.get(k);
    if (!e) m.set(k, (e = new LabelEntry(name, value)));
    return e;
  };
}

const EXT_N = ["instance", "job"];
const EXT_V = ["esp32-poe", "esp32-poe"];

/** Writes `list` with both writers; checks the block against RequestEncoder's bytes; returns [block, request]. */
function both(
  list: Series[],
  writer = new SnappyRequestWriter(new Uint8Array(200000)),
  entry = entryCache(),
): [Uint8Array, Uint8Array] {
  const ext = EXT_N.map((n, i) => entry(n, EXT_V[i]));
  const plain = new RequestEncoder(new Uint8Array(200000));
  writer.reset();
  for (const s of list) {
    const set = labelSet(
      s.names.map((n, i) => entry(n, s.values[i])),
      ext,
    );
    const bytes = encodeLabels(s.names, s.values, EXT_N, EXT_V);
    if (s.stale) {
      expect(writer.stale(set, s.t)).toBe(true);
      expect(plain.stale(bytes, s.t)).toBe(true);
    } else {
      expect(writer.sample(set, s.value, s.t)).toBe(true);
      expect(plain.sample(bytes, s.value, s.t)).toBe(true);
    }
  }
  const block = writer.finish();
  expect(writer.length).toBe(plain.length);
  const request = inflate(block);
  expect(request.equals(Buffer.from(plain.bytes()))).toBe(true);
  return [block, plain.bytes()];
}

function ancestor(t = 1764547200000): Series[] {
  return [
    { names: ["__name__"], values: ["prom_express_gas"], value: 1060948, t },
    { names: ["__name__", "sensor"], values: ["prom_express_humidity", "bme680"], value: 49.4062, t },
    { names: ["__name__", "sensor"], values: ["prom_express_humidity", "si7021"], value: 49.7976, t },
    { names: ["__name__"], values: ["prom_express_pressure"], value: 983.25, t },
    { names: ["__name__", "sensor"], values: ["prom_express_temperature", "bme680"], value: 24.7359, t },
    { names: ["__name__", "sensor"], values: ["prom_express_temperature", "si7021"], value: 24.3325, t },
  ];
}

describe("SnappyRequestWriter: a WriteRequest written as a snappy block", () => {
  it("the ancestor's 6 series: same request as RequestEncoder once decompressed, compressed below 70 %", () => {
    const [block, request] = both(ancestor());
    expect(block.length / request.length).toBeLessThan(0.7);
    const decoded = WriteRequest.toObject(WriteRequest.decode(request), { longs: String }) as any;
    expect(decoded.timeseries.length).toBe(6);
    expect(decoded.timeseries[1].labels.map((l: any) => l.name + "=" + l.value)).toEqual([
      "__name__=prom_express_humidity",
      "instance=esp32-poe",
      "job=esp32-poe",
      "sensor=bme680",
    ]);
  });

  it("an empty request is a valid block of an empty WriteRequest", () => {
    const w = new SnappyRequestWriter(new Uint8Array(16));
    const block = w.finish();
    expect(inflate(block).length).toBe(0);
  });

  it("after reset, entries of the previous request are written again (no copy reaches into the old request)", () => {
    const writer = new SnappyRequestWriter(new Uint8Array(4096));
    const entry = entryCache();
    both(ancestor(), writer, entry);
    both(ancestor(1764547215000).slice(3), writer, entry);
    both(ancestor(1764547230000).reverse(), writer, entry);
  });

  it("two writers sharing entries, interleaved, each give a valid block", () => {
    const entry = entryCache();
    const a = new SnappyRequestWriter(new Uint8Array(4096));
    const b = new SnappyRequestWriter(new Uint8Array(4096));
    const ext = EXT_N.map((n, i) => entry(n, EXT_V[i]));
    const sets = ancestor().map((s) =>
      labelSet(
        s.names.map((n, i) => entry(n, s.values[i])),
        ext,
      ),
    );
    const plainA = new RequestEncoder(new Uint8Array(4096));
    const plainB = new RequestEncoder(new Uint8Array(4096));
    ancestor().forEach((s, i) => {
      const bytes = encodeLabels(s.names, s.values, EXT_N, EXT_V);
      a.sample(sets[i], s.value, s.t);
      plainA.sample(bytes, s.value, s.t);
      if (i % 2 === 0) {
        b.sample(sets[i], -s.value, s.t + 1);
        plainB.sample(bytes, -s.value, s.t + 1);
      }
    });
    expect(inflate(a.finish()).equals(Buffer.from(plainA.bytes()))).toBe(true);
    expect(inflate(b.finish()).equals(Buffer.from(plainB.bytes()))).toBe(true);
  });

  it("long values (standalone literals), special values, stale markers, extreme timestamps", () => {
    const list: Series[] = [
      { names: ["__name__", "long"], values: ["m", "x".repeat(300)], value: NaN, t: -(2 ** 63) },
      { names: ["__name__", "long"], values: ["m", "x".repeat(300)], value: -0, t: 0 },
      { names: ["__name__", "utf8"], values: ["m", 'caf\u00e9 \u{1F600} "q" \\ \n'], value: Infinity, t: 2 ** 53 - 1 },
      { names: ["__name__", "Zone"], values: ["m", "z"], value: -Infinity, t: 2 ** 63 - 1024, stale: true },
      { names: ["__name__", "empty"], values: ["m", ""], value: 5e-324, t: 1 },
    ];
    both(list);
  });

  it("an entry last written more than 64 KiB back is written again as a literal", () => {
    const list: Series[] = [{ names: ["__name__", "a"], values: ["m", "shared"], value: 1, t: 1 }];
    for (let i = 0; i < 300; i++)
      list.push({ names: ["__name__", "filler"], values: ["f", String(i).padStart(250, "y")], value: i, t: 1 });
    list.push({ names: ["__name__", "a"], values: ["m", "shared"], value: 2, t: 2 });
    const [, request] = both(list);
    expect(request.length).toBeGreaterThan(70000);
  });

  it("a full buffer: the series that does not fit is refused whole; the block so far stays valid", () => {
    const entry = entryCache();
    const ext = EXT_N.map((n, i) => entry(n, EXT_V[i]));
    const w = new SnappyRequestWriter(new Uint8Array(600));
    const plain = new RequestEncoder(new Uint8Array(4096));
    let n = 0;
    for (;;) {
      const s = ancestor()[n % 6];
      const set = labelSet(
        s.names.map((x, i) => entry(x, s.values[i])),
        ext,
      );
      const before = w.length;
      if (!w.sample(set, n, 1000 + n)) {
        expect(w.length).toBe(before);
        break;
      }
      plain.sample(encodeLabels(s.names, s.values, EXT_N, EXT_V), n, 1000 + n);
      n++;
    }
    expect(n).toBeGreaterThan(2);
    expect(inflate(w.finish()).equals(Buffer.from(plain.bytes()))).toBe(true);
  });

  it("labelSet: byte order, external labels unless present, empty values out, repeated names refused", () => {
    const e = (n: string, v: string) => new LabelEntry(n, v);
    expect(
      labelSet(
        [e("zone", "z"), e("__name__", "m"), e("Zone", "Z"), e("e", "")],
        [e("job", "j"), e("zone", "other")],
      ).map((x) => x.name),
    ).toEqual(["Zone", "__name__", "job", "zone"]);
    expect(() => labelSet([e("a", "1"), e("a", "2")])).toThrow(/repeated/);
    expect(() => labelSet([e("a", "")])).toThrow(RemoteWriteError);
    expect(() => new LabelEntry("", "v")).toThrow(RemoteWriteError);
    expect(() => new SnappyRequestWriter(new Uint8Array(4)).sample([e("a", "1")], 1, 1.5)).toThrow(RangeError);
  });

  it("fast-check: random batches with shared and unshared entries equal RequestEncoder's request", () => {
    const series = fc.record({
      metric: fc.constantFrom("up", "temp_celsius", "reads_total", "m\u00e9trique"),
      labels: fc.uniqueArray(
        fc.tuple(
          fc.constantFrom("sensor", "kind", "le", "Zone"),
          fc.oneof(fc.constantFrom("a", "bme680", ""), fc.string({ maxLength: 80, unit: "grapheme" })),
        ),
        { selector: (l) => l[0], maxLength: 4 },
      ),
      value: fc.double(),
      t: fc.integer({ min: -(2 ** 40), max: 2 ** 45 }),
      stale: fc.boolean(),
    });
    const writer = new SnappyRequestWriter(new Uint8Array(100000));
    const entry = entryCache();
    fc.assert(
      fc.property(fc.array(series, { maxLength: 60 }), (list) => {
        both(
          list.map((s) => ({
            names: ["__name__", ...s.labels.map((l) => l[0])],
            values: [s.metric, ...s.labels.map((l) => l[1])],
            value: s.value,
            t: s.t,
            stale: s.stale,
          })),
          writer,
          entry,
        );
      }),
      { numRuns: 300 },
    );
  });
});
