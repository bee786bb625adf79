/**
 * The Pushgateway client (modules/push/pushgateway-client.ts) with a fake transport, in virtual time: the group's
 * path (grouping key, `@base64` where the Pushgateway's README asks for it), the streamed body (read back in small
 * pieces, it equals registry.render() in text 0.0.4), keep-latest through an outage, and DELETE.
 */
import { Gauge, Histogram, Registry } from "../../modules/client/index";
import { PROMETHEUS_TEXT_0_0_4 } from "../../modules/format/index";
import {
  PushgatewayClient,
  groupPath,
  groupingSegment,
  type PushgatewayClientOptions,
} from "../../modules/push/pushgateway-client";
import type { SendResult } from "../../modules/push/forwarder";
import type { BodySource } from "../../modules/http/handler";
import type { PushRequest, PushTransport } from "../../modules/push/request";
import { parseUrl, type PushUrl } from "../../modules/push/url";

const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const INTERVAL = 15000;

/** A request as the receiver got it: the body pulled from its source in 7-byte pieces, as a client would. */
interface Received {
  method: string;
  path: string;
  headers: string;
  contentType: string | undefined;
  body: string | null;
}

function drain(source: BodySource): string {
  const piece = new Uint8Array(7);
  const chunks: Buffer[] = [];
  for (;;) {
    const n = source.read(piece);
    if (n === 0) break;
    chunks.push(Buffer.from(piece.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

class FakeTransport implements PushTransport {
  readonly received: Received[] = [];
  reply: (req: PushRequest) => SendResult = () => ({ status: 200 });
  aborts = 0;
  request(req: PushRequest, done: (result: SendResult) => void): void {
    let body: string | null = null;
    if (req.body instanceof Uint8Array) body = Buffer.from(req.body).toString("utf8");
    else if (req.body !== null) body = drain(req.body);
    this.received.push({
      method: req.method,
      path: req.url.path,
      headers: req.headers,
      contentType: req.contentType,
      body,
    });
    done(this.reply(req));
  }
  abort(): void {
    this.aborts++;
  }
}

function url(text: string): PushUrl {
  const u = parseUrl(text);
  if (typeof u === "string") throw new Error(u);
  return u;
}

function setup(options: Partial<PushgatewayClientOptions> = {}) {
  const registry = new Registry({ selfMetrics: false });
  const transport = new FakeTransport();
  const logs: string[] = [];
  const client = new PushgatewayClient({
    url: url("http://pushgateway:9091"),
    job: "sensors",
    grouping: { instance: "board-1" },
    interval: INTERVAL,
    registry,
    transport,
    now: () => Date.now(),
    log: (line) => logs.push(line),
    backoff: { random: () => 0.5 },
    ...options,
  });
  return { registry, transport, client, logs };
}

/** Advances virtual time by ms, and 1 ms more (the forwarder sends from a 0 ms timer: 1 ms in Node and jest). */
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

describe("the group's path", () => {
  it("job and grouping labels as path segments, percent-encoded", () => {
    expect(groupPath("/", "sensors", { instance: "board-1", room: "living room" })).toBe(
      "/metrics/job/sensors/instance/board-1/room/living%20room",
    );
  });

  it("a value with '/' or an empty value is written with @base64 (URL-safe alphabet; '=' for empty)", () => {
    expect(groupingSegment("path", "/var/tmp")).toBe("path@base64/L3Zhci90bXA=");
    expect(groupingSegment("x", "a/b?>")).toBe("x@base64/" + Buffer.from("a/b?>").toString("base64url") + "=");
    expect(groupingSegment("empty", "")).toBe("empty@base64/=");
    expect(groupingSegment("job", "a/b")).toBe("job@base64/YS9i");
  });

  it("keeps the URL's path prefix (without a trailing '/') and its query", () => {
    expect(groupPath("/pgw/?tenant=a", "j", {})).toBe("/pgw/metrics/job/j?tenant=a");
    expect(groupPath("/pgw", "j", { e: "" })).toBe("/pgw/metrics/job/j/e@base64/=");
  });
});

test("every interval: PUT of the text 0.0.4 exposition, streamed, equal to registry.render()", async () => {
  const { registry, transport, client } = setup({
    url: url("http://pushgateway:9091/prefix/"),
    grouping: { instance: "board-1", path: "/var/tmp", empty: "" },
    auth: { username: "u", password: "p" },
  });
  const g = new Gauge({ name: "room_temperature_celsius", help: "t", labelNames: ["room"], registers: [registry] });
  g.set({ room: "kitchen" }, 21.5);
  const h = new Histogram({ name: "read_seconds", help: "h", buckets: [0.1, 1], registers: [registry] });
  h.observe(0.5);
  client.start();
  await advance(INTERVAL);
  expect(transport.received).toHaveLength(1);
  const r = transport.received[0];
  expect(r.method).toBe("PUT");
  expect(r.path).toBe("/prefix/metrics/job/sensors/instance/board-1/path@base64/L3Zhci90bXA=/empty@base64/=");
  expect(r.contentType).toBe(PROMETHEUS_TEXT_0_0_4.contentType);
  expect(r.headers).toContain("Authorization: Basic " + Buffer.from("u:p").toString("base64") + "\r\n");
  expect(r.body).toBe(registry.render(PROMETHEUS_TEXT_0_0_4));
  expect(client.stats.samplesSent).toBe(1 + 3 + 2); // gauge; 3 buckets; sum, count

  g.set({ room: "kitchen" }, 22);
  await advance(INTERVAL);
  expect(transport.received).toHaveLength(2);
  expect(transport.received[1].body).toContain('room_temperature_celsius{room="kitchen"} 22\n');
});

test("an outage keeps only the latest push (older ones counted dropped); afterwards the current state is sent", async () => {
  const { registry, transport, client } = setup();
  const g = new Gauge({ name: "g", help: "g", registers: [registry] });
  g.set(1);
  let down = true;
  transport.reply = () => (down ? { networkError: "connect: refused" } : { status: 202 });
  client.start();
  await advance(5 * INTERVAL);
  expect(client.stats.queueEntries).toBe(1);
  expect(client.stats.samplesDropped).toBeGreaterThan(0);
  g.set(7);
  down = false;
  await advance(60000);
  const last = transport.received[transport.received.length - 1];
  expect(last.body).toBe("# HELP g g\n# TYPE g gauge\ng 7\n");
  expect(client.stats.samplesSent).toBeGreaterThan(0);
  expect(client.stats.queueEntries).toBe(0);
});

test("delete(): stops pushing and sends DELETE of the group, without a body", async () => {
  const { registry, transport, client, logs } = setup({ grouping: { instance: "board-1" } });
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  client.start();
  await advance(INTERVAL);
  const results: SendResult[] = [];
  client.delete((r) => results.push(r));
  expect(results).toEqual([{ status: 200 }]);
  const del = transport.received[transport.received.length - 1];
  expect(del.method).toBe("DELETE");
  expect(del.path).toBe("/metrics/job/sensors/instance/board-1");
  expect(del.body).toBeNull();
  expect(logs).toContain("pushgateway: group deleted");
  await advance(5 * INTERVAL);
  expect(transport.received.filter((r) => r.method === "PUT")).toHaveLength(1);
  expect(jest.getTimerCount()).toBe(0);
});
