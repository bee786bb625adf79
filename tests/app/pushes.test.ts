/**
 * The pushes as the app wires them (modules/app/push.ts): made only when configured, with the transport the factory
 * gives for each receiver's URL, the self-metrics of the pushes and of the clock registered, nothing sent before the
 * clock is set, and nothing left running after stop().
 */
import { Gauge, Registry } from "../../modules/client/index";
import { parseConfig } from "../../modules/app/config";
import { Pushes, pushesConfigured } from "../../modules/app/push";
import type { SendResult } from "../../modules/push/forwarder";
import type { PushRequest, PushTransport } from "../../modules/push/request";
import type { PushUrl } from "../../modules/push/url";

const START = Date.UTC(2026, 11, 1, 12, 0, 0);

class FakeTransport implements PushTransport {
  constructor(readonly url: PushUrl) {}
  readonly requests: PushRequest[] = [];
  request(req: PushRequest, done: (result: SendResult) => void): void {
    this.requests.push(req);
    done({ status: 204 });
  }
  abort(): void {}
}

function make(raw: Record<string, unknown>) {
  const config = parseConfig({ hostname: "board-1", ...raw });
  const registry = new Registry();
  new Gauge({ name: "g", help: "g", registers: [registry] }).set(1);
  const transports: FakeTransport[] = [];
  const clock = {
    synchronized: false,
    now: () => Date.now(),
    stats: { synchronized: false, lastSync: 0, failures: 0 },
  };
  const pushes = new Pushes({
    config,
    registry,
    clock,
    log: () => undefined,
    online: () => true,
    createTransport: (url) => {
      const t = new FakeTransport(url);
      transports.push(t);
      return t;
    },
  });
  return { config, registry, transports, clock, pushes };
}

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

test("off by default: no client, no transport, no push or clock metrics", async () => {
  const { config, registry, transports, pushes } = make({});
  expect(pushesConfigured(config)).toBe(false);
  expect(pushes.remoteWrite).toBeUndefined();
  expect(pushes.pushgateway).toBeUndefined();
  expect(transports).toHaveLength(0);
  const text = await registry.metrics();
  expect(text).not.toContain("exporter_push_");
  expect(text).not.toContain("device_clock_");
  expect(pushes.deletePushgatewayGroup()).toBe(false);
});

test("both configured: one transport per receiver; remote write waits for the clock, the Pushgateway does not", async () => {
  const { config, registry, transports, clock, pushes } = make({
    remoteWrite: { url: "http://prometheus:9090/api/v1/write", interval: 1000 },
    pushgateway: { url: "http://pushgateway:9091", interval: 1000 },
  });
  expect(pushesConfigured(config)).toBe(true);
  expect(transports.map((t) => t.url.host)).toEqual(["prometheus", "pushgateway"]);
  pushes.start();
  await jest.advanceTimersByTimeAsync(3001);
  const [rw, pg] = transports;
  expect(rw.requests).toHaveLength(0);
  expect(pg.requests.length).toBeGreaterThan(0);
  expect(pg.requests[0].url.path).toBe("/metrics/job/board-1/instance/board-1");
  clock.synchronized = true;
  clock.stats.synchronized = true;
  pushes.kick();
  await jest.advanceTimersByTimeAsync(1001);
  expect(rw.requests).toHaveLength(1);
  const text = await registry.metrics();
  expect(text).toContain('exporter_push_samples_sent_total{target="remote_write"}');
  expect(text).toContain('exporter_push_samples_sent_total{target="pushgateway"}');
  expect(text).toContain("device_clock_synchronized 1");
  pushes.stop();
  const counts = [rw.requests.length, pg.requests.length];
  await jest.advanceTimersByTimeAsync(10000);
  expect([rw.requests.length, pg.requests.length]).toEqual(counts);
  expect(jest.getTimerCount()).toBe(0);
});

test("deletePushgatewayGroup: DELETE of the group", () => {
  const { transports, pushes } = make({ pushgateway: { url: "http://pushgateway:9091", job: "lab" } });
  pushes.start();
  const results: SendResult[] = [];
  expect(pushes.deletePushgatewayGroup((r) => results.push(r))).toBe(true);
  expect(transports[0].requests.map((r) => [r.method, r.url.path])).toEqual([
    ["DELETE", "/metrics/job/lab/instance/board-1"],
  ]);
  expect(results).toEqual([{ status: 204 }]);
});
