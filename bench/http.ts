/**
 * Benchmark: our HTTP server (device code on the host ECMA-419 sockets) against prom-client behind node:http,
 * serving the same registry, loaded in the same run by wrk (Debian) on 127.0.0.1.
 *
 *   node --import tsx/esm --import ./host/register.mjs bench/http.ts [--duration 5] [--connections 1,16]
 *
 * Prints a Markdown table: requests/s, p50/p99 latency and server CPU time per request for each server, and the
 * ratios. CPU per request (process.cpuUsage over the run / requests served) is the steadier figure on a shared
 * machine: requests/s also depends on what else the CPUs are doing.
 * Options: --duration s (5), --connections list (1,16), --rounds n (3), --chunk bytes (our buffer, 1024).
 * `--profile` loads only ours (run under `node --cpu-prof` to find hot spots).
 * Both servers run in this process, one loaded at a time (so each has the event loop to itself); wrk uses one
 * thread. Runs alternate (ours, prom-client, ...) per connection count. Bounded: 2 x connection counts x duration.
 */
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as os from "node:os";
import client from "prom-client";
import { MetricsServer } from "../modules/promhttp/server";
import { Registry, Gauge, Counter, Histogram } from "../modules/client/index";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf("--" + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const duration = Math.max(1, Math.min(60, Number(arg("duration", "5"))));
const rounds = Math.max(1, Math.min(9, Number(arg("rounds", "3"))));
const connectionCounts = arg("connections", "1,16")
  .split(",")
  .map(Number)
  .filter((n) => n >= 1 && n <= 256);

const SENSORS = ["office", "lab", "garage", "attic"];
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** The same metric set on either library (their APIs are the same shape). */
function populate(lib: { Gauge: any; Counter: any; Histogram: any }, registers: unknown[]): void {
  const temp = new lib.Gauge({
    name: "sensor_temperature_celsius",
    help: "Temperature in degrees Celsius.",
    labelNames: ["sensor"],
    registers,
  });
  const hum = new lib.Gauge({
    name: "sensor_humidity_ratio",
    help: "Relative humidity (0..1).",
    labelNames: ["sensor"],
    registers,
  });
  const pres = new lib.Gauge({
    name: "sensor_pressure_pascals",
    help: "Air pressure in pascals.",
    labelNames: ["sensor"],
    registers,
  });
  const reads = new lib.Counter({
    name: "sensor_reads_total",
    help: "Sensor reads by result.",
    labelNames: ["sensor", "result"],
    registers,
  });
  const lat = new lib.Histogram({
    name: "sensor_read_duration_seconds",
    help: "Duration of one sensor read.",
    labelNames: ["sensor"],
    buckets: BUCKETS,
    registers,
  });
  const heap = new lib.Gauge({ name: "device_heap_free_bytes", help: "Free JS heap.", registers });
  const info = new lib.Gauge({
    name: "device_info",
    help: "Build information.",
    labelNames: ["version", "board"],
    registers,
  });
  SENSORS.forEach((s, i) => {
    temp.labels({ sensor: s }).set(21.25 + i * 0.5);
    hum.labels({ sensor: s }).set(0.41 + i / 100);
    pres.labels({ sensor: s }).set(101325 - i * 12.5);
    reads.labels({ sensor: s, result: "ok" }).inc(1000 + i);
    reads.labels({ sensor: s, result: "error" }).inc(i);
  });
  for (const s of SENSORS.slice(0, 2))
    for (let k = 0; k < 50; k++) lat.labels({ sensor: s }).observe(0.0007 * (k % 17));
  heap.set(48213);
  info.labels({ version: "0.1.0", board: "esp32-poe" }).set(1);
}

interface Result {
  rps: number;
  requests: number;
  cpuUs: number; // server process CPU time per request (user + system), microseconds
  p50: number;
  p99: number;
  errors: string;
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

function wrk(port: number, connections: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const args = [
      "-t1",
      "-c" + connections,
      "-d" + duration + "s",
      "--latency",
      "--timeout",
      "5s",
      `http://127.0.0.1:${port}/metrics`,
    ];
    const cpu0 = process.cpuUsage();
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), (duration + 20) * 1000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(killer);
      const cpu = process.cpuUsage(cpu0);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const requests = /(\d+) requests in/.exec(out);
      const p50 = /\s50%\s+(\S+)/.exec(out);
      const p99 = /\s99%\s+(\S+)/.exec(out);
      const errs = /Socket errors:.*|Non-2xx or 3xx responses: \d+/g;
      if (!rps || !p50 || !p99 || !requests) return reject(new Error("cannot parse wrk output:\n" + out));
      const n = Number(requests[1]);
      resolve({
        rps: Number(rps[1]),
        requests: n,
        cpuUs: n > 0 ? (cpu.user + cpu.system) / n : NaN,
        p50: toMs(p50[1]),
        p99: toMs(p99[1]),
        errors: (out.match(errs) || []).join("; "),
      });
    });
  });
}

async function main(): Promise<void> {
  // ours
  const ours = new Registry();
  populate({ Gauge, Counter, Histogram }, [ours]);
  const chunkSize = Number(arg("chunk", "1024"));
  const server = new MetricsServer({
    port: 0,
    registry: ours,
    maxConnections: 32,
    chunkSize,
    info: { name: "bench", version: "0" },
  });
  server.start();
  const ourPort = server.boundPort;

  // prom-client
  const theirs = new client.Registry();
  populate(client, [theirs]);
  const promServer = http.createServer(async (req, res) => {
    if (req.url && req.url.split("?")[0] === "/metrics") {
      try {
        const body = await theirs.metrics();
        res.setHeader("Content-Type", theirs.contentType);
        res.end(body);
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  promServer.keepAliveTimeout = 65000;
  await new Promise<void>((resolve) => promServer.listen(0, "127.0.0.1", () => resolve()));
  const promPort = (promServer.address() as { port: number }).port;

  // sanity: same exposition from both, and its size
  const a = await fetchText(ourPort);
  const b = await fetchText(promPort);
  const lines = a.split("\n").filter((l) => l && !l.startsWith("#")).length;
  if (process.argv.includes("--profile")) {
    // load ours only (for node --cpu-prof)
    const r = await wrk(ourPort, connectionCounts[connectionCounts.length - 1]);
    console.log(JSON.stringify(r));
    server.stop();
    promServer.close();
    return;
  }

  const rows: string[] = [];
  const details: string[] = [];
  const load0 = os.loadavg()[0];
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const pick = (rs: Result[]): Result => {
    // the run with the median requests/s (its latencies and CPU belong to the same run)
    const m = median(rs.map((r) => r.rps));
    return rs.find((r) => r.rps === m) as Result;
  };
  for (const c of connectionCounts) {
    const a: Result[] = [];
    const b: Result[] = [];
    for (let round = 0; round < rounds; round++) {
      // alternate the order so neither server always runs first
      if (round % 2 === 0) {
        a.push(await wrk(ourPort, c));
        b.push(await wrk(promPort, c));
      } else {
        b.push(await wrk(promPort, c));
        a.push(await wrk(ourPort, c));
      }
    }
    const r1 = pick(a);
    const r2 = pick(b);
    rows.push(
      `| ${c} | ${r1.rps.toFixed(0)} | ${r1.p50.toFixed(2)} / ${r1.p99.toFixed(2)} | ${r1.cpuUs.toFixed(0)} | ${r2.rps.toFixed(0)} | ${r2.p50.toFixed(2)} / ${r2.p99.toFixed(2)} | ${r2.cpuUs.toFixed(0)} | **${(r1.rps / r2.rps).toFixed(2)}×** | ${(r2.cpuUs / r1.cpuUs).toFixed(2)}× |`,
    );
    details.push(
      `${c} connection(s), req/s per round (ours / prom-client): ` +
        a.map((r, i) => `${r.rps.toFixed(0)} / ${b[i].rps.toFixed(0)}`).join(", "),
    );
    for (const [who, rs] of [
      ["ours", a],
      ["prom-client", b],
    ] as const)
      for (const r of rs) if (r.errors) console.error(`${who} at ${c} connections: ${r.errors}`);
  }
  console.log(
    `Exposition: ${lines} samples, ${Buffer.byteLength(a)} bytes (prom-client: ${Buffer.byteLength(b)}); wrk -t1 -d${duration}s on 127.0.0.1, median of ${rounds} alternating runs; node ${process.version}; ${os.cpus().length} CPUs; load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end`,
  );
  console.log(
    "Host socket profile: " +
      (process.env.HOST_SOCKET_PROFILE || "esp32") +
      "; our chunk buffer: " +
      server.http.chunkSize +
      " B per connection",
  );
  console.log("");
  console.log(
    "| connections | ours req/s | ours p50 / p99 ms | ours CPU µs/req | prom-client req/s | prom-client p50 / p99 ms | prom-client CPU µs/req | req/s ours / prom-client | CPU per req prom-client / ours |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log("");
  for (const d of details) console.log(d);
  server.stop();
  await new Promise<void>((resolve) => promServer.close(() => resolve()));
  promServer.closeAllConnections?.();
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
        let s = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (s += d));
        res.on("end", () => resolve(s));
      })
      .on("error", reject);
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
