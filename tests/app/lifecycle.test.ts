/**
 * main.ts's lifecycle (modules/app/app.ts) on the host platform, driven by a fake network monitor: link up, link down,
 * address change, link without address, listener failure (retried with backoff), network and sensor start-up
 * failures, stop. One suite runs the real wiring — Registry, MetricsServer over real TCP on 127.0.0.1, device
 * self-metrics — and scrapes it as the link comes and goes.
 */
import { App, type AppParts, type ServerLike } from "../../modules/app/app";
import { parseConfig, type AppConfig } from "../../modules/app/config";
import type { Advertiser, NetworkMonitor, NetworkMonitorOptions, NetworkStatus } from "../../modules/app/network";
import { Registry } from "../../modules/client/index";
import { MetricsServer } from "../../modules/promhttp/server";
import { DeviceMetrics } from "../../modules/device/metrics";
import * as net from "node:net";
import { httpGet as get } from "../support/net";
import { Signal, until } from "../support/wait";

class FakeMonitor implements NetworkMonitor {
  readonly interfaceName = "fake";
  status: NetworkStatus = { link: false, address: undefined };
  closed = false;
  constructor(readonly options: NetworkMonitorOptions) {}
  set(link: boolean, address?: string): void {
    this.status = { link, address };
    this.options.onChanged(this.status);
  }
  close(): void {
    this.closed = true;
  }
}

/** The app's events in order; `until(predicate)` resolves when it holds, checked after each recorded event */
class Events {
  readonly log: string[] = [];
  readonly #recorded = new Signal();
  add(event: string): void {
    this.log.push(event);
    this.#recorded.notify();
  }
  until(predicate: () => boolean): Promise<void> {
    return until(predicate, { on: this.#recorded, what: "an app event", detail: () => this.log.join("\n") });
  }
  count(event: string): number {
    return this.log.filter((e) => e === event).length;
  }
}

function setup(overrides: Partial<AppParts> = {}, config: Partial<Record<string, unknown>> = {}) {
  const events = new Events();
  let monitor: FakeMonitor | undefined;
  let serverFailures = 0;
  let onListenerError: ((error: unknown) => void) | undefined;
  // behaves like modules/promhttp/server.ts: start() listens or throws, leaving the server as it was (nothing to stop);
  // a listener that fails after start() is reported through the callback given to createServer
  const server: ServerLike & { failNext: number; listening: boolean; loseListener(): void } = {
    failNext: 0,
    listening: false,
    start() {
      if (this.listening) return;
      if (this.failNext > 0) {
        this.failNext--;
        serverFailures++;
        events.add("server.start failed");
        throw new Error("listener: address in use");
      }
      this.listening = true;
      events.add("server.start");
    },
    stop() {
      this.listening = false;
      events.add("server.stop");
    },
    loseListener() {
      this.listening = false;
      events.add("server.listener lost");
      onListenerError!(new Error("accept failed"));
    },
  };
  const advertiser: Advertiser = {
    start: (address) => events.add(`mdns.start ${address}`),
    stop: () => events.add("mdns.stop"),
  };
  const parts: AppParts = {
    config: parseConfig({ hostname: "dev", port: 9100, ...config }),
    log: (line) => events.add(`log ${line}`),
    createMonitor: (options) => (monitor = new FakeMonitor(options)),
    createServer: (report) => {
      events.add("server.create");
      onListenerError = report;
      return server;
    },
    startSensors: () => {
      events.add("sensors.start");
      return { stop: () => events.add("sensors.stop") };
    },
    createAdvertiser: () => advertiser,
    random: () => 0.5,
    retryInitial: 5,
    onNetwork: (prev, cur) => events.add(`network ${String(prev.address)} -> ${String(cur.address)}`),
    ...overrides,
  };
  const app = new App(parts);
  return { app, events, server, monitor: () => monitor!, failures: () => serverFailures };
}

const lifecycle = (log: string[]) => log.filter((e) => !e.startsWith("log "));

describe("App lifecycle with a fake network monitor", () => {
  test("start: monitor and sensors at once, no listener before an address", () => {
    const { app, events, monitor } = setup();
    app.start();
    expect(lifecycle(events.log)).toEqual(["sensors.start"]);
    expect(app.listener).toBe("stopped");
    monitor().set(true); // link without address (DHCP pending)
    expect(app.listener).toBe("stopped");
    expect(events.count("server.start")).toBe(0);
    app.stop();
  });

  test("link up with an address starts the listener and mDNS; link down closes both; link back restarts", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(lifecycle(events.log)).toEqual([
      "sensors.start",
      "network undefined -> 10.0.0.5",
      "server.create",
      "server.start",
      "mdns.start 10.0.0.5",
    ]);
    expect(app.listener).toBe("serving");
    expect(app.servingAddress).toBe("10.0.0.5");
    expect(app.advertising).toBe(true);

    events.log.length = 0;
    monitor().set(false);
    expect(lifecycle(events.log)).toEqual(["network 10.0.0.5 -> undefined", "mdns.stop", "server.stop"]);
    expect(app.listener).toBe("stopped");
    expect(app.status).toEqual({ link: false, address: undefined });
    expect(events.log).toContain("log listener closed: link down");

    events.log.length = 0;
    monitor().set(true, "10.0.0.5");
    expect(lifecycle(events.log)).toEqual(["network undefined -> 10.0.0.5", "server.start", "mdns.start 10.0.0.5"]);
    expect(events.count("server.create")).toBe(0); // the same server (its stats persist)
    expect(app.counts.listenerStarts).toBe(2);
    app.stop();
  });

  test("address lost while the link stays up closes the listener", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    monitor().set(true, undefined);
    expect(app.listener).toBe("stopped");
    expect(events.log).toContain("log listener closed: address lost");
    app.stop();
  });

  test("an address change restarts the listener and the mDNS advertisement on the new address", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    events.log.length = 0;
    monitor().set(true, "10.0.0.9");
    expect(lifecycle(events.log)).toEqual([
      "network 10.0.0.5 -> 10.0.0.9",
      "mdns.stop",
      "server.stop",
      "server.start",
      "mdns.start 10.0.0.9",
    ]);
    expect(app.servingAddress).toBe("10.0.0.9");
    app.stop();
  });

  test("repeated identical status changes nothing", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    const before = events.log.length;
    monitor().set(true, "10.0.0.5");
    expect(events.log.length).toBe(before);
    app.stop();
  });

  test("listener failure is retried with backoff until it starts", async () => {
    const { app, events, monitor, server } = setup();
    server.failNext = 3;
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(app.listener).toBe("starting");
    await events.until(() => events.count("server.start") === 1);
    expect(events.count("server.start failed")).toBe(3);
    expect(app.listener).toBe("serving");
    expect(app.counts.listenerFailures).toBe(3);
    const retries = events.log.filter((e) => e.startsWith("log listener failed"));
    expect(retries).toEqual([
      "log listener failed: listener: address in use; retrying in 5 ms",
      "log listener failed: listener: address in use; retrying in 10 ms",
      "log listener failed: listener: address in use; retrying in 20 ms",
    ]);
    // a failed start leaves nothing to clean up; nothing was logged as listening before it listened
    expect(events.count("server.stop")).toBe(0);
    expect(events.log.filter((e) => e.startsWith("log listening:"))).toEqual([
      "log listening: http://10.0.0.5:9100/metrics",
    ]);
    expect(events.log.indexOf("log listening: http://10.0.0.5:9100/metrics")).toBeGreaterThan(
      events.log.lastIndexOf("server.start failed"),
    );
    app.stop();
  });

  test("a listener that fails after start: 'starting', mDNS withdrawn, retried with backoff, then serving again", async () => {
    const { app, events, monitor, server } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(app.listener).toBe("serving");
    events.log.length = 0;
    server.failNext = 1;
    server.loseListener();
    expect(lifecycle(events.log).slice(0, 3)).toEqual(["server.listener lost", "mdns.stop", "server.start failed"]);
    expect(app.listener).toBe("starting");
    expect(app.advertising).toBe(false);
    expect(events.log).toContain("log listener lost: accept failed");
    await events.until(() => app.listener === "serving");
    expect(lifecycle(events.log).slice(3)).toEqual(["server.start", "mdns.start 10.0.0.5"]);
    expect(events.count("server.stop")).toBe(0); // its connections were kept
    expect(app.counts.listenerFailures).toBe(2);
    app.stop();
    expect(events.count("server.stop")).toBe(1);
  });

  test("link down while a listener retry is pending cancels the retry", () => {
    jest.useFakeTimers();
    try {
      const { app, events, monitor, server } = setup({ retryInitial: 20 });
      server.failNext = 1;
      app.start();
      monitor().set(true, "10.0.0.5");
      expect(app.listener).toBe("starting");
      monitor().set(false);
      expect(app.listener).toBe("stopped");
      jest.advanceTimersByTime(1000); // the cancelled retry never fires
      expect(events.count("server.start")).toBe(0);
      // link back: the listener starts at once, exactly once
      monitor().set(true, "10.0.0.6");
      expect(app.listener).toBe("serving");
      jest.advanceTimersByTime(1000);
      expect(events.count("server.start")).toBe(1);
      app.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  test("network interface failure at start-up is retried; sensors run meanwhile", async () => {
    let attempts = 0;
    const { app, events } = setup({
      createMonitor: (options) => {
        attempts++;
        if (attempts < 3) throw new Error("PHY not found");
        events.add("monitor.created");
        const m = new FakeMonitor(options);
        queueMicrotask(() => m.set(true, "10.1.1.1"));
        return m;
      },
    });
    app.start();
    expect(events.count("sensors.start")).toBe(1);
    await events.until(() => events.count("server.start") === 1);
    expect(attempts).toBe(3);
    expect(events.log.filter((e) => e.startsWith("log network failed"))).toHaveLength(2);
    app.stop();
  });

  test("sensor start failure is retried without touching the network", async () => {
    let attempts = 0;
    const { app, events, monitor } = setup({
      startSensors: () => {
        attempts++;
        if (attempts === 1) throw new Error("bus busy");
        events.add("sensors.start");
        return { stop: () => events.add("sensors.stop") };
      },
    });
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(app.listener).toBe("serving");
    await events.until(() => events.count("sensors.start") === 1);
    expect(attempts).toBe(2);
    app.stop();
  });

  test("sensors keep running while the link is down", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    monitor().set(false);
    monitor().set(true, "10.0.0.5");
    expect(events.count("sensors.start")).toBe(1);
    expect(events.count("sensors.stop")).toBe(0);
    app.stop();
    expect(events.count("sensors.stop")).toBe(1);
  });

  test("mDNS off: no advertiser", () => {
    const { app, events, monitor } = setup({ createAdvertiser: undefined });
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(events.log.some((e) => e.startsWith("mdns"))).toBe(false);
    app.stop();
  });

  test("mDNS failure is retried and never stops the listener", async () => {
    let attempts = 0;
    const { app, events, monitor } = setup({
      createAdvertiser: () => ({
        start: (address: string) => {
          attempts++;
          if (attempts < 2) throw new Error("multicast unavailable");
          events.add(`mdns.start ${address}`);
        },
        stop: () => events.add("mdns.stop"),
      }),
    });
    app.start();
    monitor().set(true, "10.0.0.5");
    expect(app.listener).toBe("serving");
    await events.until(() => events.count("mdns.start 10.0.0.5") === 1);
    expect(app.counts.advertiseFailures).toBe(1);
    app.stop();
  });

  test("stop closes listener, sensors and monitor; events after stop are ignored", () => {
    const { app, events, monitor } = setup();
    app.start();
    monitor().set(true, "10.0.0.5");
    const m = monitor();
    app.stop();
    expect(m.closed).toBe(true);
    expect(app.listener).toBe("stopped");
    expect(events.count("server.stop")).toBe(1);
    events.log.length = 0;
    m.set(true, "10.0.0.7");
    expect(lifecycle(events.log)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// the real wiring over TCP

function sample(body: string, series: string): number | undefined {
  for (const line of body.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe("App + Registry + MetricsServer + device metrics over real TCP (host platform)", () => {
  let app: App | undefined;
  afterEach(() => app?.stop());

  test("serves while the fake link is up, refuses connections while it is down, counts link changes", async () => {
    const events = new Events();
    const registry = new Registry();
    let server: MetricsServer | undefined;
    let monitor: FakeMonitor | undefined;
    const config: AppConfig = parseConfig({ hostname: "dev", port: 9100, version: "9.9.9", board: "test" });
    const device = new DeviceMetrics({
      registry,
      version: config.version,
      moddable: "8.2.3",
      board: config.board,
      interfaceName: "fake",
      info: {
        platform: "host",
        xsVersion: () => undefined,
        systemFree: () => 1234,
        systemMinFree: () => undefined,
        resetReason: () => "poweron",
      },
      stats: () => server?.stats,
      network: () => app!.status,
    });
    app = new App({
      config,
      log: (line) => events.add(line),
      createMonitor: (options) => (monitor = new FakeMonitor(options)),
      createServer: () =>
        (server = new MetricsServer({ port: 0, address: "127.0.0.1", registry, log: (line) => events.add(line) })),
      startSensors: () => ({ stop() {} }),
      onNetwork: (p, c) => device.networkChanged(p, c),
    });
    app.start();
    monitor!.set(true, "127.0.0.1");
    await events.until(() => server!.listening);
    const port1 = server!.boundPort;
    const first = await get(port1, "/metrics");
    expect(first.status).toBe(200);
    expect(first.body).toContain(
      'exporter_build_info{version="9.9.9",moddable="8.2.3",xs="unknown",board="test",platform="host"} 1',
    );
    expect(first.body).toContain('device_reset_reason{reason="poweron"} 1');
    expect(sample(first.body, "device_system_heap_free_bytes")).toBe(1234);
    expect(sample(first.body, 'device_network_up{interface="fake"}')).toBe(1);
    expect(first.body).toContain('device_network_address_info{interface="fake",address="127.0.0.1"} 1');
    expect(sample(first.body, 'device_network_link_changes_total{interface="fake"}')).toBe(1);
    expect(sample(first.body, "exporter_scrapes_total")).toBe(1); // the server counts a scrape when it starts it

    const second = await get(port1, "/metrics");
    expect(sample(second.body, "exporter_scrapes_total")).toBe(2);
    expect(sample(second.body, "exporter_http_requests_total")).toBe(2);
    expect(sample(second.body, "exporter_http_response_bytes_total")).toBeGreaterThan(first.body.length);
    expect(sample(second.body, "device_uptime_seconds")).toBeGreaterThanOrEqual(0);

    // link down: the listener is closed, connections are refused
    monitor!.set(false);
    expect(server!.listening).toBe(false);
    await expect(get(port1, "/metrics")).rejects.toMatchObject({ code: "ECONNREFUSED" });

    // link back: listening again (port 0: a new port), stats and counters carried over
    monitor!.set(true, "127.0.0.1");
    await events.until(() => server!.listening);
    const third = await get(server!.boundPort, "/metrics");
    expect(third.status).toBe(200);
    expect(sample(third.body, 'device_network_link_changes_total{interface="fake"}')).toBe(3);
    expect(sample(third.body, 'device_network_address_changes_total{interface="fake"}')).toBe(3);
    expect(sample(third.body, "exporter_scrapes_total")).toBe(3);
  });

  test("port already taken: 'starting' and retried, `listening` logged only once it listens, failures exported", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const events = new Events();
      const registry = new Registry();
      let server: MetricsServer | undefined;
      let monitor: FakeMonitor | undefined;
      const config: AppConfig = parseConfig({ hostname: "dev", port });
      new DeviceMetrics({
        registry,
        version: "1",
        moddable: "x",
        board: "test",
        interfaceName: "fake",
        info: {
          platform: "host",
          xsVersion: () => undefined,
          systemFree: () => undefined,
          systemMinFree: () => undefined,
          resetReason: () => undefined,
        },
        stats: () => server?.stats,
        network: () => app!.status,
      });
      app = new App({
        config,
        log: (line) => events.add(line),
        createMonitor: (options) => (monitor = new FakeMonitor(options)),
        createServer: (onListenerError) =>
          (server = new MetricsServer({
            port,
            address: "127.0.0.1",
            registry,
            log: (line) => events.add(line),
            onListenerError,
          })),
        startSensors: () => ({ stop() {} }),
        random: () => 0.5,
        retryInitial: 5,
      });
      app.start();
      monitor!.set(true, "127.0.0.1");
      expect(server!.listening).toBe(false);
      expect(app.listener).toBe("starting");
      await events.until(() => server!.stats.listenerFailures >= 3);
      expect(app.listener).toBe("starting");
      expect(events.log.filter((l) => l.startsWith("listener failed:")).length).toBeGreaterThanOrEqual(2);
      expect(events.log.some((l) => l.startsWith("listening:"))).toBe(false);
      const failures = server!.stats.listenerFailures;
      const text = await registry.metrics();
      expect(sample(text, "exporter_http_listener_failures_total")).toBe(failures);

      // the port is freed: the next retry listens, and only then the app says so
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await events.until(() => app!.listener === "serving");
      expect(server!.listening).toBe(true);
      expect(events.log.filter((l) => l.startsWith("listening:"))).toEqual([
        `listening: http://127.0.0.1:${port}/metrics`,
      ]);
      const r = await get(port, "/metrics");
      expect(r.status).toBe(200);
      expect(sample(r.body, "exporter_http_listener_failures_total")).toBeGreaterThanOrEqual(failures);
    } finally {
      if (blocker.listening) blocker.close();
    }
  });
});
