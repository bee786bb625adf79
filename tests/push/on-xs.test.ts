/**
 * The push and time modules on the XS engine: a portable test (no Node API, no fast-check, no jest-only feature) that
 * jest runs on Node and `npm run test:xs -- tests/push/on-xs.test.ts` runs on xsnap, where time is the virtual timer
 * of tests/xs/platform/timer.ts. The full suites are tests/push/*.test.ts, tests/time and tests/app/config-push.
 */
import { parseUrl, redactUrl } from "../../modules/push/url";
import { parseRetryAfter } from "../../modules/push/retry-after";
import { ENTRY_OVERHEAD, Forwarder, cleanMessage, type SendResult } from "../../modules/push/forwarder";
import { registerPushMetrics } from "../../modules/push/metrics";
import { SntpClock, SNTP_ERROR, SNTP_TIME } from "../../modules/time/sntp-clock";
import { registerClockMetrics } from "../../modules/time/metrics";
import { ConfigError, parseConfig } from "../../modules/app/config";
import { Gauge, Histogram, Registry } from "../../modules/client/index";
import { RemoteWriteClient } from "../../modules/push/remote-write-client";
import { groupPath } from "../../modules/push/pushgateway-client";
import type { PushUrl } from "../../modules/push/url";

/* eslint-disable @typescript-eslint/no-explicit-any */
const g = globalThis as any;
const onJest = typeof jest !== "undefined"; // jest's injected binding; undeclared (typeof is safe) in the XS bundle
const advance = (ms: number): void => {
  if (onJest) jest.advanceTimersByTime(ms);
  else g.__xsTimers.advance(ms);
};
beforeEach(() => {
  if (onJest) jest.useFakeTimers();
  else g.__xsTimers.clearAll();
});
afterEach(() => {
  if (onJest) {
    jest.clearAllTimers();
    jest.useRealTimers();
  }
});

function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
function text(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

test("receiver URLs, Retry-After and receiver messages", () => {
  expect(parseUrl("HTTPS://Mimir.Example.com/api/v1/push?x=1")).toEqual({
    scheme: "https",
    host: "mimir.example.com",
    port: 443,
    path: "/api/v1/push?x=1",
  });
  expect(parseUrl("http://u:p@h/")).toContain("without user information");
  expect(parseUrl("http://999.1.1.1/")).toContain("IPv4");
  expect(redactUrl("https://u:p@h/w?key=k")).toBe("https://<redacted>@h/w?<redacted>");
  const now = Date.UTC(2026, 11, 1, 22, 0, 0);
  expect(parseRetryAfter("Tue, 01 Dec 2026 22:01:30 GMT", now)).toBe(90);
  expect(parseRetryAfter("30", now)).toBe(30);
  expect(parseRetryAfter("Tue, 31 Feb 2026 22:01:30 GMT", now)).toBeUndefined();
  expect(cleanMessage("bad\nrequest tok-123456", ["tok-123456"])).toBe("bad request <redacted>");
});

test("configuration: push settings parsed, secrets redacted", () => {
  const c = parseConfig({
    hostname: "dev",
    remoteWrite: '{"url": "http://p:9090/api/v1/write", "bearer": "tok-123456"}',
    sntp: "a.lan,b.lan",
  });
  expect(c.remoteWrite?.labels).toEqual({ instance: "dev", job: "dev" });
  expect(c.remoteWrite?.auth).toEqual({ bearer: "tok-123456" });
  expect(c.sntp).toEqual(["a.lan", "b.lan"]);
  let message = "";
  try {
    parseConfig({ remoteWrite: { url: "ftp://h", bearer: "tok-123456", username: "u", password: "pw-987654" } });
  } catch (e) {
    expect(e instanceof ConfigError).toBe(true);
    message = (e as Error).message;
  }
  expect(message).toContain("remoteWrite.url");
  expect(message.includes("tok-123456") || message.includes("pw-987654")).toBe(false);
});

test("store-and-forward: order, backoff, refusal, overflow, self-metrics", async () => {
  const bodies: string[] = [];
  let pending: ((r: SendResult) => void) | undefined;
  const logs: string[] = [];
  let t = 1764626400000;
  const f = new Forwarder({
    target: "remote_write",
    budget: 3 * (4 + ENTRY_OVERHEAD),
    now: () => t,
    log: (l) => logs.push(l),
    backoff: { random: () => 0.5 },
    sender: {
      send: (body, done) => {
        bodies.push(text(body));
        pending = done;
      },
    },
  });
  const answer = (r: SendResult): void => {
    const d = pending;
    pending = undefined;
    d?.(r);
  };
  f.offer({ bytes: ascii("aaaa"), samples: 1 });
  advance(0);
  f.offer({ bytes: ascii("bbbb"), samples: 1 });
  f.offer({ bytes: ascii("cccc"), samples: 1 });
  f.offer({ bytes: ascii("dddd"), samples: 1 }); // full: bbbb dropped (aaaa is in flight)
  answer({ networkError: "refused" });
  advance(999);
  expect(bodies).toEqual(["aaaa"]);
  advance(1);
  expect(bodies).toEqual(["aaaa", "aaaaccccdddd"]);
  t += 1000;
  answer({ status: 204 });
  f.offer({ bytes: ascii("eeee"), samples: 2 });
  advance(0);
  answer({ status: 400, message: "out of order" });
  expect(f.stats).toEqual({
    samplesSent: 3,
    samplesRetried: 1,
    samplesFailed: 2,
    samplesDropped: 1,
    queueBytes: 0,
    queueEntries: 0,
    budget: 3 * (4 + ENTRY_OVERHEAD),
    lastSuccess: 1764626401000,
  });
  expect(logs).toEqual([
    `remote_write: refused; retrying in 1000 ms (${String(3 * (4 + ENTRY_OVERHEAD))} bytes queued)`,
    "remote_write: delivering again after 1 failed attempts",
    "remote_write: 2 samples refused, not retried: HTTP 400: out of order",
  ]);
  const registry = new Registry();
  registerPushMetrics(registry, [{ target: "remote_write", stats: () => f.stats }]);
  const out = await registry.metrics();
  expect(out).toContain('exporter_push_samples_sent_total{target="remote_write"} 3');
  expect(out).toContain('exporter_push_last_success_timestamp_seconds{target="remote_write"} 1764626401');
});

test("SNTP clock: fail-over, backoff, set, self-metrics", async () => {
  const made: { host: string; cb: (m: number, v?: unknown) => string | undefined }[] = [];
  const set: number[] = [];
  const clock = new SntpClock({
    servers: ["a.lan", "b.lan"],
    createSntp: (o, cb) => {
      made.push({ host: o.host, cb });
      return { close() {} };
    },
    setTime: (s) => set.push(s),
    now: () => 1764626400000,
    backoff: { random: () => 0.5 },
  });
  clock.start();
  expect(made[0]?.cb(SNTP_ERROR, "timeout")).toBe("b.lan");
  made[0]?.cb(SNTP_ERROR, "timeout");
  expect(clock.stats.failures).toBe(1);
  advance(4999);
  expect(made.length).toBe(1);
  advance(1);
  expect(made.length).toBe(2);
  made[1]?.cb(SNTP_TIME, 1764626400);
  expect(set).toEqual([1764626400]);
  expect(clock.synchronized).toBe(true);
  const registry = new Registry();
  registerClockMetrics(registry, () => clock.stats);
  const out = await registry.metrics();
  expect(out).toContain("device_clock_synchronized 1\n");
  expect(out).toContain("device_clock_last_sync_timestamp_seconds 1764626400\n");
  clock.stop();
});

test("remote-write client: one round's snappy block is the same bytes on every engine; the Pushgateway's path", async () => {
  const registry = new Registry({ selfMetrics: false });
  const gauge = new Gauge({ name: "room_temperature_celsius", help: "t", labelNames: ["room"], registers: [registry] });
  gauge.set({ room: "kitchen" }, 21.5);
  gauge.set({ room: "attic" }, -3.25);
  const h = new Histogram({ name: "read_seconds", help: "h", buckets: [0.1, 1], registers: [registry] });
  h.observe(0.5);
  const bodies: Uint8Array[] = [];
  const client = new RemoteWriteClient({
    url: parseUrl("http://prometheus:9090/api/v1/write") as PushUrl,
    interval: 15000,
    labels: { instance: "board-1", job: "board-1" },
    bufferBytes: 16384,
    registry,
    transport: {
      request(req, done) {
        bodies.push(req.body as Uint8Array);
        done({ status: 204 });
      },
      abort() {},
    },
    clock: { synchronized: true, now: () => 1764626400000 },
  });
  client.start();
  client.round();
  for (let i = 0; i < 20; i++) await Promise.resolve(); // the registry's collect
  advance(1);
  client.stop();
  expect(bodies.length).toBe(1);
  let hex = "";
  for (const b of bodies[0] as Uint8Array) hex += (b < 16 ? "0" : "") + b.toString(16);
  expect(hex).toBe(EXPECTED_BLOCK);
  expect(client.stats.samplesSent).toBe(7);
  expect(groupPath("/pgw/", "sensors", { instance: "b", path: "/var/tmp", e: "", room: "living room" })).toBe(
    "/pgw/metrics/job/sensors/instance/b/path@base64/L3Zhci90bXA=/e@base64/=/room/living%20room",
  );
});

/** the block as V8 writes it (it decodes, with snappyjs and protobufjs, to the 7 samples at 1764626400000) */
const EXPECTED_BLOCK =
  "bc059c0a6e0a240a085f5f6e616d655f5f1218726f6f6d5f74656d70657261747572655f63656c73697573d40a130a08" +
  "696e7374616e63651207626f6172642d310a0e0a036a6f621207626f6172642d310a0f0a04726f6f6d12076b69746368" +
  "656e4c1210090000000000803540108086b8dfad330a6c9670005270003e7000880a0d0a04726f6f6d12056174746963" +
  "1210090000000000000ac0108086b8dfad330a63800a1f0a085f5f6e616d655f5f1213726561645f7365636f6e64735f" +
  "6275636b65745269003e6900780a090a026c651203302e311210090000000000000000108086b8dfad330a6182650052" +
  "65003e6500700a070a026c65120131121009000000000000f03f108086b8dfad330a648263005263003e63007c0a0a0a" +
  "026c6512042b496e66121009000000000000f03f108086b8dfad330a55740a1c0a085f5f6e616d655f5f121072656164" +
  "5f7365636f6e64735f73756d5263003e6300cc121009000000000000e03f108086b8dfad330a570a1e0a085f5f6e616d" +
  "655f5f1212726561645f7365636f6e64735f636f756e745259003e590044121009000000000000f03f108086b8dfad33";
