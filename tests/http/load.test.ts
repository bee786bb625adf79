/**
 * Sensor sampling keeps its schedule under full HTTP load: the server bounds its work per callback (about 4 KB
 * rendered, whatever the number of connections it resumes or the sockets' budget; a few reads parsed per connection)
 * and continues from a 0 ms timer, so that every other due timer (a sensor's conversion wait, the sampling interval)
 * runs in between.
 * Real TCP on 127.0.0.1 (host sockets), the connection cap full of clients that scrape back to back.
 */
import { MetricsServer, type MetricsServerOptions } from "../../modules/promhttp/server";
import type { ScrapeRegistry } from "../../modules/promhttp/handler";
import { Registry, Gauge } from "../../modules/client/index";
import { configureSockets } from "../../host/io/tcp";
import Timer from "../../host/timer";
import { SimBus } from "../../simulators/bus";
import { simulatedI2C } from "../../simulators/i2c";
import { Si7021Sim } from "../../simulators/si7021";
import { Signal, until } from "../support/wait";
import { startSensors, type Sensors } from "../../sensors/index";
import { RawClient, parseResponses } from "./client";

const servers: MetricsServer[] = [];
const clients: RawClient[] = [];
const cleanups: Array<() => void> = [];
let restoreSockets: ReturnType<typeof configureSockets>;

beforeEach(() => {
  restoreSockets = configureSockets({ profile: "esp32" });
});
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) s.stop();
  configureSockets(restoreSockets);
});

function fill(registry: Registry, series: number): void {
  const g = new Gauge({
    name: "load_value",
    help: "A value.",
    labelNames: ["i"],
    maxSeries: series,
    registers: [registry],
  });
  for (let i = 0; i < series; i++) g.labels({ i: "series-" + i }).set(i / 7);
}

function start(options: Partial<MetricsServerOptions>): { server: MetricsServer; port: number } {
  const server = new MetricsServer({ port: 0, ...options } as MetricsServerOptions);
  server.start();
  servers.push(server);
  return { server, port: server.boundPort };
}

const GET = "GET /metrics HTTP/1.1\r\nHost: exporter\r\n\r\n";

/**
 * Bytes rendered per synchronous run of the server: one socket or timer callback, or one promise continuation such
 * as the end of a collect shared by several connections.
 */
class RunMeter {
  maxRun = 0;
  reads = 0;
  #run = 0;
  #marked = false;
  wrap(registry: Registry): ScrapeRegistry {
    return {
      collect: () => registry.collect(),
      reader: (format) => {
        const inner = registry.reader(format);
        return {
          read: (buffer: Uint8Array) => {
            const n = inner.read(buffer);
            this.reads++;
            if (!this.#marked) {
              this.#marked = true;
              queueMicrotask(() => this.#endRun());
            }
            this.#run += n;
            return n;
          },
        };
      },
    };
  }
  #endRun(): void {
    this.maxRun = Math.max(this.maxRun, this.#run);
    this.#run = 0;
    this.#marked = false;
  }
}

describe("bounded work per callback under load at the connection cap", () => {
  test("about 4 KB rendered per callback at most, however much the sockets would take and however many connections one collect resumes", async () => {
    configureSockets({ writeBuffer: 65536 }); // sockets that would take a whole exposition at once
    const registry = new Registry();
    fill(registry, 600); // ~25 KB per scrape
    const meter = new RunMeter();
    const chunkSize = 1024;
    const { server, port } = start({ registry: meter.wrap(registry), maxConnections: 8, chunkSize });
    const expected = await registry.metrics();
    const cs: RawClient[] = [];
    for (let i = 0; i < 8; i++) {
      const c = new RawClient(port);
      clients.push(c);
      cs.push(c);
    }
    // each connection asks for 10 scrapes at once (pipelined)
    await Promise.all(cs.map((c) => c.write(GET.repeat(10))));
    for (const c of cs) {
      const rs = await c.responses(10);
      for (const r of rs) expect(r.body).toBe(expected);
    }
    expect(server.stats.scrapes).toBe(80);
    expect(meter.reads).toBeGreaterThan(80 * 20);
    // the server's share per callback (4096 bytes) plus the buffer that crosses it
    expect(meter.maxRun).toBeLessThanOrEqual(4096 + chunkSize);
  });
});

describe("sensor sampling under sustained load at the connection cap", () => {
  let sensors: Sensors | undefined;
  afterEach(() => {
    sensors?.stop();
    sensors = undefined;
  });

  test("every scheduled read of a simulated Si7021 completes while 8 connections scrape back to back", async () => {
    const registry = new Registry();
    fill(registry, 400);
    const bus = new SimBus();
    const sim = new Si7021Sim({ seed: 3 });
    sim.setEnvironment({ temperature: 21.5, humidity: 40 });
    bus.attach(sim);
    const outcomes: Array<string | undefined> = [];
    const read = new Signal();
    sensors = startSensors({
      registry,
      interval: 100,
      i2c: { data: 13, clock: 16, hz: 100000 },
      io: simulatedI2C(() => bus),
      sensors: [{ model: "si7021", address: 0x40, name: "office" }],
      onRead: (_s, kind) => {
        outcomes.push(kind);
        read.notify();
      },
    });
    // a timer probe: how late does a 20 ms timer fire while the server is loaded?
    let latest = 0;
    let expectedAt = Date.now() + 20;
    const probe = Timer.repeat(() => {
      const now = Date.now();
      latest = Math.max(latest, now - expectedAt);
      expectedAt = now + 20;
    }, 20);
    cleanups.push(() => Timer.clear(probe));

    const { server, port } = start({ registry, maxConnections: 8 });
    let answered = 0;
    let stopping = false;
    const loaders: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      const c = new RawClient(port);
      clients.push(c);
      loaders.push(
        (async () => {
          // two scrapes in flight on each connection, a new one as soon as one is answered
          await c.write(GET + GET);
          let seen = 0;
          while (!stopping) {
            await c.until(() => stopping || parseResponses(c.data).length > seen, "a response");
            const n = parseResponses(c.data).length;
            answered += n - seen;
            for (; seen < n && !stopping; seen++) await c.write(GET);
            seen = n;
          }
        })(),
      );
    }
    // run until 20 reads have completed under load
    const before = outcomes.length;
    await until(() => outcomes.length - before >= 20, { on: read, what: "20 reads" });
    stopping = true;
    const scrapeErrors = server.stats.scrapeErrors; // before the clients go away mid-response
    for (const c of clients) c.destroy();
    await Promise.allSettled(loaders);
    expect(outcomes.slice(before)).toEqual(new Array(20).fill(undefined)); // every read succeeded: no timeout
    expect(answered).toBeGreaterThan(8 * 5); // the load was real
    expect(scrapeErrors).toBe(0);
    expect(latest).toBeLessThan(1000); // the event loop never stalled for a second
  }, 60000);
});
