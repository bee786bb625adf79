/**
 * The remote-write client (modules/push/remote-write-client.ts) with a fake transport, in virtual time (jest's fake
 * timers drive the host `timer` module and Date.now, which the fake wall clock reads). Every body sent is decoded by
 * independent decoders (snappyjs, then protobufjs with the prompb schema) and compared with the registry's own text
 * exposition (registry.render), which names every sample and its labels the way a scrape would.
 */
import protobuf from "protobufjs";
import * as snappyjs from "snappyjs";
import { Counter, Gauge, Histogram, Registry, Summary } from "../../modules/client/index";
import { RemoteWriteClient, type RemoteWriteClientOptions } from "../../modules/push/remote-write-client";
import type { SendResult } from "../../modules/push/forwarder";
import type { PushRequest, PushTransport } from "../../modules/push/request";
import { parseUrl, type PushUrl } from "../../modules/push/url";

const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const INTERVAL = 15000;

const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(SCHEMA).root.lookupType("prometheus.WriteRequest");

interface Series {
  labels: [string, string][];
  samples: { value: number; timestamp: number }[];
}

function decode(block: Uint8Array): Series[] {
  const raw = snappyjs.uncompress(block);
  const obj = WriteRequest.toObject(WriteRequest.decode(raw), { longs: Number, defaults: true, arrays: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
  };
  return obj.timeseries.map((ts) => ({
    labels: ts.labels.map((l) => [l.name, l.value] as [string, string]),
    samples: ts.samples.map((s) => ({ value: s.value, timestamp: Number(s.timestamp) })),
  }));
}

/** The samples of a text 0.0.4 exposition: `name{a="x",...} value` lines (test values need no escapes). */
function parseText(text: string): { name: string; labels: [string, string][]; value: number }[] {
  const out: { name: string; labels: [string, string][]; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error("unexpected line " + line);
    const labels: [string, string][] = [];
    if (m[2]) for (const p of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels.push([p[1], p[2]]);
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Labels as remote write must give them: __name__ with the rest, external labels where absent, sorted by bytes. */
function expectedLabels(name: string, labels: [string, string][], external: Record<string, string>): string {
  const all = new Map<string, string>([["__name__", name], ...labels]);
  for (const [k, v] of Object.entries(external)) if (!all.has(k)) all.set(k, v);
  return JSON.stringify(
    [...all.entries()].filter(([, v]) => v !== "").sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))),
  );
}

class FakeTransport implements PushTransport {
  readonly requests: PushRequest[] = [];
  /** what the receiver answers; undefined leaves the request pending */
  reply: (req: PushRequest) => SendResult | undefined = () => ({ status: 204 });
  aborts = 0;
  /** bodies answered with a 2xx, in order */
  readonly delivered: Uint8Array[] = [];
  request(req: PushRequest, done: (result: SendResult) => void): void {
    this.requests.push(req);
    const r = this.reply(req);
    if (r && "status" in r && r.status >= 200 && r.status < 300) this.delivered.push(req.body as Uint8Array);
    if (r) done(r);
  }
  abort(): void {
    this.aborts++;
  }
  bodies(): Uint8Array[] {
    return this.requests.map((r) => r.body as Uint8Array);
  }
}

function url(text: string): PushUrl {
  const u = parseUrl(text);
  if (typeof u === "string") throw new Error(u);
  return u;
}

function setup(options: Partial<RemoteWriteClientOptions> = {}) {
  const registry = new Registry({ selfMetrics: false });
  const transport = new FakeTransport();
  const clock = { synchronized: true, now: () => Date.now() };
  const logs: string[] = [];
  const client = new RemoteWriteClient({
    url: url("http://prometheus:9090/api/v1/write"),
    interval: INTERVAL,
    labels: { instance: "board-1", job: "board-1" },
    bufferBytes: 16384,
    registry,
    transport,
    clock,
    log: (line) => logs.push(line),
    backoff: { random: () => 0.5 }, // no jitter: 1 s, 2 s, 4 s ...
    ...options,
  });
  return { registry, transport, clock, client, logs };
}

/** Advances virtual time by ms, and 1 ms more: what became due at the end runs (the forwarder sends from a 0 ms
 *  timer, which Node's setTimeout, and so jest's, fires after 1 ms). */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await jest.advanceTimersByTimeAsync(1);
}

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

test("a round is one POST whose WriteRequest holds every sample of the registry, labelled as a scrape names it", async () => {
  const { registry, transport, client, logs } = setup({ auth: { bearer: "s3cret" } });
  const g = new Gauge({ name: "room_temperature_celsius", help: "t", labelNames: ["room"], registers: [registry] });
  g.set({ room: "kitchen" }, 21.5);
  g.set({ room: "attic" }, -3.25);
  g.set({ room: "" }, 7); // an empty label value is the label's absence
  const c = new Counter({ name: "door_opened_total", help: "c", registers: [registry] });
  c.inc(3);
  const h = new Histogram({
    name: "read_seconds",
    help: "h",
    labelNames: ["sensor"],
    buckets: [0.005, 0.1, 1],
    registers: [registry],
  });
  h.observe({ sensor: "bme680" }, 0.05);
  h.observe({ sensor: "bme680" }, 2);
  const s = new Summary({ name: "rtt_seconds", help: "s", percentiles: [0.5, 0.9], registers: [registry] });
  s.observe(0.25);
  s.observe(0.5);
  registry.setDefaultLabels({ site: "lab", instance: "from-default" });
  client.start();
  await advance(INTERVAL);

  expect(logs).toEqual([]);
  expect(transport.requests).toHaveLength(1);
  const req = transport.requests[0];
  expect(req.method).toBe("POST");
  expect(req.url).toEqual({ scheme: "http", host: "prometheus", port: 9090, path: "/api/v1/write" });
  expect(req.contentType).toBe("application/x-protobuf");
  expect(req.headers).toContain("Content-Encoding: snappy\r\n");
  expect(req.headers).toContain("X-Prometheus-Remote-Write-Version: 0.1.0\r\n");
  expect(req.headers).toMatch(/User-Agent: [^\r\n]+\r\n/);
  expect(req.headers).toContain("Authorization: Bearer s3cret\r\n");

  const got = decode(req.body as Uint8Array);
  const want = parseText(registry.render());
  expect(got).toHaveLength(want.length);
  // the default label `instance` wins over the external one, as it does in the scraped text
  const external = { instance: "board-1", job: "board-1" };
  expect(got.map((s) => JSON.stringify(s.labels))).toEqual(want.map((w) => expectedLabels(w.name, w.labels, external)));
  for (const s of got) expect(s.labels[0][0]).toBe("__name__");
  expect(got.map((s) => s.samples)).toEqual(want.map((w) => [{ value: w.value, timestamp: START + INTERVAL }]));
  // histogram and summary samples are among them, named and labelled as in the text
  const names = got.map((s) => JSON.stringify(s.labels));
  expect(names).toContain(
    JSON.stringify([
      ["__name__", "read_seconds_bucket"],
      ["instance", "from-default"],
      ["job", "board-1"],
      ["le", "+Inf"],
      ["sensor", "bme680"],
      ["site", "lab"],
    ]),
  );
  expect(names).toContain(
    JSON.stringify([
      ["__name__", "rtt_seconds"],
      ["instance", "from-default"],
      ["job", "board-1"],
      ["quantile", "0.9"],
      ["site", "lab"],
    ]),
  );
  expect(client.stats.samplesSent).toBe(want.length);
});

test("basic auth: Authorization: Basic base64(user:password)", async () => {
  const { registry, transport, client } = setup({ auth: { username: "123456", password: "glc_päss" } });
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  client.start();
  await advance(INTERVAL);
  expect(transport.requests[0].headers).toContain(
    "Authorization: Basic " + Buffer.from("123456:glc_päss", "utf8").toString("base64") + "\r\n",
  );
});

test("nothing is taken or sent before the clock is set; the first round after it is", async () => {
  const { registry, transport, client, clock } = setup();
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  clock.synchronized = false;
  client.start();
  await advance(10 * INTERVAL);
  expect(transport.requests).toHaveLength(0);
  expect(client.counts.rounds).toBe(0);
  expect(client.stats.queueEntries).toBe(0);
  clock.synchronized = true;
  await advance(INTERVAL);
  expect(transport.requests).toHaveLength(1);
  expect(decode(transport.bodies()[0])[0].samples[0].timestamp).toBe(START + 11 * INTERVAL);
});

test("an outage (network errors): every sample taken during it arrives afterwards, in time order", async () => {
  const { registry, transport, client } = setup();
  const g = new Gauge({ name: "g", help: "g", labelNames: ["k"], registers: [registry] });
  let n = 0;
  g.set({ k: "a" }, 0);
  g.set({ k: "b" }, 0);
  const tick = setInterval(() => {
    n++;
    g.set({ k: "a" }, n);
    g.set({ k: "b" }, -n);
  }, INTERVAL);
  let down = true;
  transport.reply = () => (down ? { networkError: "connect: host unreachable" } : { status: 200 });
  client.start();
  await advance(8 * INTERVAL); // 8 rounds while down
  expect(client.stats.samplesSent).toBe(0);
  expect(client.stats.samplesRetried).toBeGreaterThan(0);
  down = false;
  await advance(2 * 60000); // the backoff's next attempt, then the rest of the queue
  clearInterval(tick);
  client.stop();
  const delivered = transport.delivered.flatMap(decode);
  const bySeries = new Map<string, { value: number; timestamp: number }[]>();
  for (const s of delivered) {
    const key = JSON.stringify(s.labels);
    bySeries.set(key, [...(bySeries.get(key) ?? []), ...s.samples]);
  }
  expect(bySeries.size).toBe(2);
  const rounds = client.counts.rounds;
  expect(rounds).toBeGreaterThanOrEqual(8 + 8);
  for (const samples of bySeries.values()) {
    expect(samples).toHaveLength(rounds);
    const ts = samples.map((s) => s.timestamp);
    expect(ts).toEqual(Array.from({ length: rounds }, (_, i) => START + (i + 1) * INTERVAL));
  }
  expect(client.stats.samplesSent).toBe(2 * rounds);
  expect(client.stats.samplesDropped).toBe(0);
  expect(client.stats.samplesFailed).toBe(0);
});

test("a 400 is dropped and counted, never retried; 500 and 429 are retried with the same body", async () => {
  const { registry, transport, client, logs } = setup();
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  transport.reply = () => ({ status: 400, message: "out of order sample" });
  client.start();
  await advance(INTERVAL);
  await advance(5000);
  expect(transport.requests).toHaveLength(1);
  expect(client.stats.samplesFailed).toBe(1);
  expect(client.stats.queueEntries).toBe(0);
  expect(logs.join("\n")).toContain("out of order sample");

  for (const status of [500, 429]) {
    const before = transport.requests.length;
    let answers = 0;
    transport.reply = () => (answers++ === 0 ? { status } : { status: 200 });
    await advance(INTERVAL - 5000);
    await advance(5000);
    const sent = transport.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(Buffer.from(sent[1].body as Uint8Array)).toEqual(Buffer.from(sent[0].body as Uint8Array));
  }
  expect(client.stats.samplesFailed).toBe(1);
  expect(client.stats.samplesRetried).toBe(2);
  expect(client.stats.samplesSent).toBe(2);
});

test("a full buffer drops the oldest rounds and counts them; the newest arrive after the outage", async () => {
  const { registry, transport, client } = setup({ bufferBytes: 1024 });
  const g = new Gauge({ name: "g", help: "g", labelNames: ["k"], registers: [registry] });
  for (let i = 0; i < 8; i++) g.set({ k: "series-" + String(i) }, i);
  let down = true;
  transport.reply = () => (down ? { status: 503 } : { status: 200 });
  client.start();
  await advance(20 * INTERVAL);
  const stats = client.stats;
  expect(stats.queueBytes).toBeLessThanOrEqual(1024);
  expect(stats.samplesDropped).toBeGreaterThan(0);
  expect(stats.samplesDropped % 8).toBe(0); // whole rounds
  down = false;
  await advance(60000);
  client.stop();
  const rounds = client.counts.rounds;
  const ok = transport.delivered.flatMap(decode);
  const ts = [...new Set(ok.map((s) => s.samples[0].timestamp))];
  // the rounds delivered are the newest ones, consecutive, in order
  expect(ts).toEqual(Array.from({ length: ts.length }, (_, i) => START + (rounds - ts.length + i + 1) * INTERVAL));
  expect(stats.samplesSent + stats.samplesDropped).toBe(8 * rounds);
});

test("a round larger than one request is split into several blocks, each a valid WriteRequest", async () => {
  const { registry, transport, client } = setup({ requestBytes: 256 });
  const g = new Gauge({ name: "a_rather_long_metric_name", help: "g", labelNames: ["k"], registers: [registry] });
  for (let i = 0; i < 20; i++) g.set({ k: "value-" + String(i) }, i);
  client.start();
  await advance(INTERVAL);
  await advance(1000);
  expect(transport.requests.length).toBeGreaterThan(1);
  const all = transport.bodies().flatMap(decode);
  expect(all.map((s) => s.samples[0].value)).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test("stop() stops rounds and sending", async () => {
  const { registry, transport, client } = setup();
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  client.start();
  await advance(INTERVAL);
  client.stop();
  await advance(10 * INTERVAL);
  expect(transport.requests).toHaveLength(1);
  expect(jest.getTimerCount()).toBe(0);
});

test("a clock stepped back skips rounds until it passes the last timestamp (samples stay in time order)", async () => {
  const { registry, transport, client, clock, logs } = setup();
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  let offset = 0;
  clock.now = () => Date.now() + offset;
  client.start();
  await advance(INTERVAL);
  offset = -2 * INTERVAL; // SNTP stepped the clock back 30 s
  await advance(2 * INTERVAL);
  expect(client.counts.rounds).toBe(1);
  expect(logs.join("\n")).toContain("the clock went back");
  await advance(INTERVAL);
  const ts = transport.delivered.flatMap(decode).map((s) => s.samples[0].timestamp);
  expect(ts).toEqual([START + INTERVAL, START + 2 * INTERVAL]); // the round at 4 intervals, 30 s behind
});

test("a small buffer: blocks are cut to fit it, so a round larger than the buffer keeps its newest part", async () => {
  const { registry, transport, client } = setup({ bufferBytes: 1024 });
  const g = new Gauge({ name: "a_rather_long_metric_name", help: "g", labelNames: ["k"], registers: [registry] });
  for (let i = 0; i < 60; i++) g.set({ k: "value-number-" + String(i) }, i);
  client.start();
  await advance(INTERVAL);
  await advance(1000);
  expect(client.stats.samplesSent).toBeGreaterThan(0);
  for (const body of transport.bodies()) expect(body.length).toBeLessThanOrEqual(1024 - 168);
  expect(client.stats.samplesSent + client.stats.samplesDropped).toBe(60);
});
