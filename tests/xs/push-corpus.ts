// biome-ignore-all lint/correctness/noPrecisionLoss: int64 timestamps at and past the double range are the vectors (the encoder must round them as Node does)
// Remote-write vectors of the byte-identity corpus (tests/xs/corpus.ts calls pushCorpus): WriteRequest bodies
// (modules/push/remote-write.ts) and snappy blocks (modules/push/snappy.ts) written from fixed inputs, printed as
// hex (small ones whole, large ones as length and FNV-1a). The runner compares the Node and XS outputs byte for
// byte; tests/push/*.test.ts decode the same encoders' output with independent npm decoders on Node.
import { encodeLabels, RequestEncoder } from "../../modules/push/remote-write";
import { SnappyCompressor, maxCompressedLength, snappyUncompressed } from "../../modules/push/snappy";
import { LabelEntry, SnappyRequestWriter, labelSet } from "../../modules/push/snappy-request";
import { randomBytes, wordy } from "../support/random";

export interface CorpusOut {
  section(title: string): void;
  emit(line: string): void;
  esc(s: string): string;
}

const HEX = "0123456789abcdef";

function hex(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let s = "";
  for (let i = from; i < to; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return hex(new Uint8Array([h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]));
}

/** whole hex for up to 512 bytes (in lines of 64), else length, FNV-1a and the first 64 bytes */
function dump(out: CorpusOut, what: string, bytes: Uint8Array): void {
  out.emit(what + ": " + bytes.length + " bytes fnv1a " + fnv1a(bytes));
  const to = bytes.length <= 512 ? bytes.length : 64;
  for (let i = 0; i < to; i += 64) out.emit("x " + hex(bytes, i, i + 64 < to ? i + 64 : to));
}

function compressed(src: Uint8Array, bits = 12): Uint8Array {
  const dst = new Uint8Array(maxCompressedLength(src.length));
  const n = new SnappyCompressor(bits).compress(src, dst);
  return dst.subarray(0, n < 0 ? 0 : n);
}

const NAME = "__name__";
const T0 = 1764547200000; // 2025-12-01T00:00:00Z

/** The ancestor's registry (bench/xs/scenarios/ancestor.ts) as remote-write series, with external labels. */
function ancestorRequest(): Uint8Array {
  const ext: [string[], string[]] = [
    ["instance", "job"],
    ["esp32-poe", "esp32-poe"],
  ];
  const series: [string, string[], string[], number][] = [
    ["prom_express_gas", [], [], 1060948],
    ["prom_express_humidity", ["sensor"], ["bme680"], 49.4062],
    ["prom_express_humidity", ["sensor"], ["si7021"], 49.7976],
    ["prom_express_pressure", [], [], 983.25],
    ["prom_express_temperature", ["sensor"], ["bme680"], 24.7359],
    ["prom_express_temperature", ["sensor"], ["si7021"], 24.3325],
  ];
  const enc = new RequestEncoder(new Uint8Array(2048));
  for (const [name, ln, lv, v] of series) enc.sample(encodeLabels([NAME, ...ln], [name, ...lv], ext[0], ext[1]), v, T0);
  return enc.bytes();
}

export function pushCorpus(out: CorpusOut): void {
  out.section("push: remote-write label sets");
  const sets: [string[], string[]][] = [
    [[NAME], ["up"]],
    [
      ["zone", NAME, "a", "__b", "Zone", "_a"],
      ["z", "m", "x", "y", "Z", "u"],
    ],
    [
      [NAME, "\u{1F600}", "\uFFFD", "\u00e9"],
      ["m", "astral", "replacement", "e-acute"],
    ],
    [
      [NAME, "quote", "backslash", "newline", "nul", "cjk", "astral", "empty", "long"],
      [
        "m",
        'say "hi"',
        "C:\\temp\\new",
        "line1\nline2",
        "a\u0000b",
        "\u6e29\u5ea6\u8a08",
        "\ud83d\ude00 \ud834\udd1e",
        "",
        "x".repeat(300),
      ],
    ],
  ];
  for (const [names, values] of sets)
    dump(out, "labels " + out.esc(names.join(",")), encodeLabels(names, values, ["instance", "job"], ["dev", "job1"]));
  const bad: [string[], string[]][] = [
    [
      [NAME, ""],
      ["m", "v"],
    ],
    [
      [NAME, "a", "a"],
      ["m", "1", "2"],
    ],
    [["a"], [""]],
    [[NAME], ["m", "x"]],
  ];
  for (const [names, values] of bad) {
    try {
      encodeLabels(names, values);
      out.emit("labels " + out.esc(names.join(",")) + ": accepted");
    } catch (e) {
      out.emit("labels " + out.esc(names.join(",")) + ": " + (e as Error).name + ": " + out.esc((e as Error).message));
    }
  }

  out.section("push: remote-write values and timestamps");
  const labels = encodeLabels([NAME, "case"], ["corpus_push", "values"]);
  const values = [
    0,
    -0,
    1,
    -1,
    NaN,
    Infinity,
    -Infinity,
    5e-324,
    -5e-324,
    Number.MAX_VALUE,
    2.2250738585072014e-308,
    0.1 + 0.2,
    1 / 3,
    1e21,
    9007199254740993,
    123456789.123,
  ];
  const enc = new RequestEncoder(new Uint8Array(4096));
  for (let i = 0; i < values.length; i++) enc.sample(labels, values[i], T0 + i);
  enc.stale(labels, T0 + 100);
  dump(out, "values", enc.bytes());
  const times = [
    0,
    1,
    127,
    128,
    16383,
    16384,
    268435455,
    268435456,
    2147483648,
    4294967296,
    34359738367,
    34359738368,
    T0,
    9007199254740991,
    72057594037927936,
    9223372036854774784,
    -1,
    -128,
    -2147483648,
    -4294967296,
    -9007199254740992,
    -9223372036854775808,
  ];
  enc.reset();
  for (const t of times) enc.sample(labels, 1, t);
  dump(out, "timestamps", enc.bytes());
  enc.reset();
  enc.series(labels, [1, 2, 3, 4], [T0, T0 + 15000, T0 + 15000, T0 + 30000]);
  dump(out, "series of 4 samples", enc.bytes());
  for (const t of [1.5, NaN, 9223372036854775808]) {
    try {
      enc.sample(labels, 1, t);
      out.emit("timestamp " + String(t) + ": accepted");
    } catch (e) {
      out.emit("timestamp " + String(t) + ": " + (e as Error).name + ": " + out.esc((e as Error).message));
    }
  }
  const small = new RequestEncoder(new Uint8Array(150));
  let fitted = 0;
  while (small.sample(labels, fitted, T0 + fitted)) fitted++;
  out.emit("150-byte buffer: " + fitted + " samples, " + small.length + " bytes");

  out.section("push: remote-write requests and their snappy blocks");
  const ancestor = ancestorRequest();
  dump(out, "ancestor request", ancestor);
  dump(out, "ancestor snappy", compressed(ancestor));
  const big = new RequestEncoder(new Uint8Array(32768));
  for (let i = 0; i < 200; i++) {
    const l = encodeLabels(
      [NAME, "sensor", "address"],
      ["sensor_temperature_celsius", "sensor-" + String(i), "0x" + (0x40 + i).toString(16)],
      ["instance", "job"],
      ["esp32-poe", "esp32-poe"],
    );
    big.sample(l, 18.25 + i * 0.173, T0);
  }
  dump(out, "200-series request", big.bytes());
  for (const bits of [10, 12, 14]) dump(out, "200-series snappy (table 2^" + bits + ")", compressed(big.bytes(), bits));

  out.section("push: requests written as snappy blocks (SnappyRequestWriter)");
  {
    // entries shared by name and value, as a push client shares a family's __name__ and the external labels
    const cache = new Map<string, LabelEntry>();
    const entry = (n: string, v: string): LabelEntry => {
      const key = n + "\u0000" + v;
      let e = cache.get(key);
      if (e === undefined) cache.set(key, (e = new LabelEntry(n, v)));
      return e;
    };
    const ext = [entry("instance", "esp32-poe"), entry("job", "esp32-poe")];
    const writer = new SnappyRequestWriter(new Uint8Array(40000));
    const families: [string, string, number][] = [
      ["prom_express_gas", "", 1060948],
      ["prom_express_humidity", "bme680", 49.4062],
      ["prom_express_humidity", "si7021", 49.7976],
      ["prom_express_pressure", "", 983.25],
      ["prom_express_temperature", "bme680", 24.7359],
      ["prom_express_temperature", "si7021", 24.3325],
    ];
    for (let round = 0; round < 3; round++) {
      writer.reset();
      for (const [name, sensor, v] of round === 1 ? families.slice().reverse() : families) {
        const own = sensor === "" ? [entry("__name__", name)] : [entry("__name__", name), entry("sensor", sensor)];
        writer.sample(labelSet(own, ext), v + round, T0 + 15000 * round);
      }
      dump(out, "ancestor batch, round " + round, writer.finish());
    }
    writer.reset();
    const long = [entry("__name__", "m"), entry("long", "x".repeat(300))];
    writer.sample(labelSet(long, ext), NaN, -1);
    writer.sample(labelSet(long, ext), -0, 9223372036854774784);
    writer.stale(labelSet(long, ext), 0);
    writer.sample(labelSet([entry("__name__", "m"), entry("utf8", 'caf\u00e9 \ud83d\ude00 "q"\n')], ext), Infinity, 1);
    dump(out, "long values, special values, stale marker", writer.finish());
    writer.reset();
    for (let i = 0; i < 200; i++)
      writer.sample(
        labelSet([entry("__name__", "sensor_temperature_celsius"), entry("sensor", "sensor-" + String(i))], ext),
        18.25 + i * 0.173,
        T0,
      );
    dump(out, "200-series batch", writer.finish());
    const small = new SnappyRequestWriter(new Uint8Array(300));
    let fitted = 0;
    while (small.sample(labelSet([entry("__name__", "m"), entry("i", String(fitted % 3))], ext), fitted, T0)) fitted++;
    dump(out, "300-byte buffer: " + fitted + " series", small.finish());
  }

  out.section("push: snappy blocks");
  const inputs: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["1 byte", new Uint8Array([0x41])],
    ["14 bytes", wordy(14, 1)],
    ["15 bytes", wordy(15, 2)],
    ["16 bytes run", new Uint8Array(16).fill(0x61)],
    ["100 bytes text", wordy(100, 3)],
    ["5000 bytes text", wordy(5000, 4)],
    ["70000 bytes text (2 fragments)", wordy(70000, 5)],
    ["65536 bytes run", new Uint8Array(65536).fill(7)],
    ["300000 bytes run", new Uint8Array(300000).fill(0)],
    ["20000 random bytes", randomBytes(20000, 6)],
  ];
  for (const [what, src] of inputs) dump(out, what, compressed(src));
  const bytes = wordy(3000, 7);
  for (const size of [0, 4, 5, 100, 1500])
    out.emit("into " + size + " bytes: " + new SnappyCompressor().compress(bytes, new Uint8Array(size)));
  for (const n of [0, 1, 60, 61, 256, 257, 65537]) {
    const src = randomBytes(n, n);
    const dst = new Uint8Array(n + 10);
    const m = snappyUncompressed(src, dst);
    dump(out, "uncompressed literal of " + n, dst.subarray(0, m < 0 ? 0 : m));
  }
}
