// Peak extra LIVE JS heap of a render: streaming pull reader (1 KB chunks) vs building the whole exposition string.
// Live = heapUsed after a full GC, sampled after every chunk for the reader, and with the finished string held for
// the string API (garbage is excluded in both: XS collects before it fails an allocation, so live memory is what
// decides whether a render fits in an ESP32's heap). The registry itself is built before the baseline.
// Run: node --expose-gc --import tsx/esm --import ./host/register.mjs bench/render-memory.ts
// V8's JIT allocates code and feedback objects at random moments, which swamps a few-KB measurement; XS is an
// interpreter anyway. So the script re-runs itself under --jitless (pass --jit to measure with the JIT on).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Registry, Counter, Gauge, Histogram } from "../modules/client/index";

if (!process.execArgv.includes("--jitless") && !process.argv.includes("--jit")) {
  const r = spawnSync(
    process.execPath,
    [
      "--jitless",
      "--expose-gc",
      "--no-warnings",
      "--import",
      "tsx/esm",
      "--import",
      "./host/register.mjs",
      fileURLToPath(import.meta.url),
    ],
    { stdio: "inherit" },
  );
  process.exit(r.status === null ? 1 : r.status);
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("run with: node --expose-gc --import tsx/esm --import ./host/register.mjs bench/render-memory.ts");
  process.exit(2);
}

function build(series: number): Registry {
  const r = new Registry({ maxSeries: Infinity });
  const g = new Gauge({
    name: "sensor_temperature_celsius",
    help: "Temperature.",
    labelNames: ["sensor", "address"],
    registers: [r],
  });
  const c = new Counter({
    name: "sensor_read_errors_total",
    help: "Read errors.",
    labelNames: ["sensor", "kind"],
    registers: [r],
  });
  const h = new Histogram({
    name: "sensor_read_duration_seconds",
    help: "Read duration.",
    labelNames: ["sensor"],
    registers: [r],
  });
  for (let i = 0; i < series; i++) {
    const k = i % 4;
    if (k < 2) g.set({ sensor: "sensor-" + i, address: "0x" + (i & 0x7f).toString(16) }, 20 + i / 7);
    else if (k === 2) c.inc({ sensor: "sensor-" + i, kind: "crc" }, i);
    else h.observe({ sensor: "sensor-" + i }, (i % 100) / 1000);
  }
  return r;
}

function heap(): number {
  return process.memoryUsage().heapUsed;
}

function measureString(r: Registry): { peak: number; bytes: number } {
  gc!();
  gc!();
  const base = heap();
  const s = r.render();
  const flat = s.charCodeAt(s.length - 1); // force the rope to flatten, as sending it would
  gc!();
  const peak = heap() - base; // the string is still alive here
  return { peak: peak + (flat & 0), bytes: Buffer.byteLength(s) };
}

function measureStream(r: Registry, chunk: number, every: number): { peak: number; bytes: number } {
  const buf = new Uint8Array(chunk);
  gc!();
  gc!();
  const base = heap();
  let peak = 0;
  let bytes = 0;
  const rd = r.reader();
  let i = 0;
  for (let n: number; (n = rd.read(buf)) > 0; i++) {
    bytes += n;
    if (i % every !== 0) continue;
    gc!(); // live memory only: what a constrained heap (XS on an ESP32) must hold at this point
    const h = heap() - base;
    if (h > peak) peak = h;
  }
  return { peak, bytes };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

const kb = (n: number) => (n / 1024).toFixed(1);
const rows: string[] = [];
const medians: string[] = [];
rows.push(
  "| series | exposition bytes | string render: peak extra heap | streaming 1 KB chunks: peak extra heap | ratio |",
);
rows.push("|---:|---:|---:|---:|---:|");
for (const n of [10, 100, 1000, 5000]) {
  const r = build(n);
  const every = Math.max(1, Math.ceil(r.render().length / 1024 / 150)); // ≤ ~150 GC'd samples per render
  for (let w = 0; w < 3; w++) {
    // warm-up: let V8 compile and optimise both paths (code and feedback allocations would otherwise count)
    measureString(r);
    measureStream(r, 1024, every);
  }
  const str: number[] = [];
  const stream: number[] = [];
  let bytes = 0;
  for (let rep = 0; rep < 7; rep++) {
    const a = measureString(r);
    const b = measureStream(r, 1024, every);
    if (a.bytes !== b.bytes) throw new Error("string and stream sizes differ");
    bytes = a.bytes;
    str.push(a.peak);
    stream.push(b.peak);
  }
  // lowest of the runs: V8's own one-off allocations (optimised code, feedback vectors) land in random runs and
  // stay alive; the minimum is the render's own live memory. Medians are printed too.
  const s = Math.min(...str);
  const t = Math.min(...stream);
  medians.push(`${n}: string ${kb(median(str))} KB, streaming ${kb(median(stream))} KB`);
  rows.push(`| ${n} | ${bytes} | ${kb(s)} KB | ${kb(t)} KB | ${(s / Math.max(t, 1)).toFixed(1)}× |`);
}
console.log(
  `node ${process.version}${process.execArgv.includes("--jitless") ? " --jitless" : " (JIT on)"}, live V8 heapUsed delta after gc() (lowest of 7 runs after 3 warm-up renders; reader sampled at ≤150 evenly spaced chunks); chunk buffer (1024 B) allocated before the baseline`,
);
console.log(rows.join("\n"));
console.log("medians: " + medians.join("; "));
