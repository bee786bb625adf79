import { Registry } from "../../modules/client/index";
import { DeviceMetrics, type ServerStats, type DeviceInfoLike } from "../../modules/device/metrics";
import type { NetworkStatus } from "../../modules/app/network";

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const bare: DeviceInfoLike = {
  platform: "test",
  xsVersion: () => undefined,
  systemFree: () => undefined,
  systemMinFree: () => undefined,
  resetReason: () => undefined,
};

function stats(over: Partial<ServerStats> = {}): ServerStats {
  return {
    requests: 0,
    scrapes: 0,
    scrapeErrors: 0,
    lastScrapeMs: 0,
    scrapeMsTotal: 0,
    bytesSent: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    activeConnections: 0,
    badRequests: 0,
    connectionsEvicted: 0,
    listenerFailures: 0,
    ...over,
  };
}

describe("device self-metrics", () => {
  test("values are read at scrape time: uptime, server counters, network", async () => {
    const registry = new Registry();
    let t = 1000;
    let s: ServerStats | undefined;
    let net: NetworkStatus = { link: false, address: undefined };
    const device = new DeviceMetrics({
      registry,
      version: "1",
      moddable: "8.2.3",
      board: "b",
      interfaceName: "eth0",
      info: bare,
      stats: () => s,
      network: () => net,
      now: () => t,
    });
    let text = await registry.metrics();
    expect(value(text, "device_uptime_seconds")).toBe(0);
    expect(value(text, "exporter_scrapes_total")).toBe(0); // no server yet
    expect(value(text, 'device_network_up{interface="eth0"}')).toBe(0);
    expect(text).not.toContain("device_network_address_info{");

    t = 3500;
    s = stats({
      scrapes: 7,
      bytesSent: 1234,
      connectionsRefused: 2,
      scrapeMsTotal: 1500,
      lastScrapeMs: 250,
      activeConnections: 3,
    });
    net = { link: true, address: "10.0.0.5" };
    text = await registry.metrics();
    expect(value(text, "device_uptime_seconds")).toBe(2.5);
    expect(device.uptime()).toBe(2.5); // what main.ts gives the landing page
    expect(value(text, "exporter_scrapes_total")).toBe(7);
    expect(value(text, "exporter_http_response_bytes_total")).toBe(1234);
    expect(value(text, "exporter_http_connections_refused_total")).toBe(2);
    expect(value(text, "exporter_scrape_duration_seconds_total")).toBe(1.5);
    expect(value(text, "exporter_last_scrape_duration_seconds")).toBe(0.25);
    expect(value(text, "exporter_http_connections_active")).toBe(3);
    expect(value(text, 'device_network_up{interface="eth0"}')).toBe(1);
    expect(value(text, 'device_network_address_info{interface="eth0",address="10.0.0.5"}')).toBe(1);

    // counters never go backwards, even if the source does
    s = stats({ scrapes: 3 });
    net = { link: true, address: "10.0.0.9" };
    text = await registry.metrics();
    expect(value(text, "exporter_scrapes_total")).toBe(7);
    expect(text).not.toContain('address="10.0.0.5"'); // only the current address
    expect(value(text, 'device_network_address_info{interface="eth0",address="10.0.0.9"}')).toBe(1);
  });

  test("heap used and peak from instrumentation; no heap series without it", async () => {
    const names: Record<string, number> = { "XS Slot Heap Used": 1, "XS Chunk Heap Used": 2 };
    const values: Record<number, number> = { 1: 5000, 2: 300 };
    const registry = new Registry();
    const d = new DeviceMetrics({
      registry,
      version: "1",
      moddable: "x",
      board: "b",
      interfaceName: "i",
      info: bare,
      stats: () => undefined,
      network: () => ({ link: false, address: undefined }),
      instrumentation: { map: (n) => names[n], get: (i) => (i === undefined ? undefined : values[i]) },
    });
    values[1] = 9000; // a peak between scrapes, caught by the periodic sample
    d.sampleHeap();
    values[1] = 6000;
    const text = await registry.metrics();
    expect(value(text, 'device_xs_heap_used_bytes{heap="slot"}')).toBe(6000);
    expect(value(text, 'device_xs_heap_used_bytes{heap="chunk"}')).toBe(300);
    expect(value(text, 'device_xs_heap_peak_bytes{heap="slot"}')).toBe(9000);

    const plain = new Registry();
    new DeviceMetrics({
      registry: plain,
      version: "1",
      moddable: "x",
      board: "b",
      interfaceName: "i",
      info: bare,
      stats: () => undefined,
      network: () => ({ link: false, address: undefined }),
    });
    const t2 = await plain.metrics();
    expect(t2).not.toContain("device_xs_heap");
    expect(t2).not.toContain("device_system_heap"); // platform without system heap figures
    expect(t2).not.toContain("device_reset_reason"); // nor a reset reason
    expect(t2).toContain('exporter_build_info{version="1",moddable="x",xs="unknown",board="b",platform="test"} 1');
  });

  test("platform facts: reset reason, system heap, XS version", async () => {
    const registry = new Registry();
    let free = 100000;
    new DeviceMetrics({
      registry,
      version: "1",
      moddable: "x",
      board: "b",
      interfaceName: "i",
      stats: () => undefined,
      network: () => ({ link: false, address: undefined }),
      info: {
        platform: "esp32",
        xsVersion: () => "17.7.0",
        systemFree: () => free,
        systemMinFree: () => 80000,
        resetReason: () => "brownout",
      },
    });
    free = 90000;
    const text = await registry.metrics();
    expect(value(text, "device_system_heap_free_bytes")).toBe(90000);
    expect(value(text, "device_system_heap_min_free_bytes")).toBe(80000);
    expect(value(text, 'device_reset_reason{reason="brownout"}')).toBe(1);
    expect(text).toContain('xs="17.7.0"');
  });

  test("link and address changes are counted", async () => {
    const registry = new Registry();
    const d = new DeviceMetrics({
      registry,
      version: "1",
      moddable: "x",
      board: "b",
      interfaceName: "eth0",
      info: bare,
      stats: () => undefined,
      network: () => ({ link: false, address: undefined }),
    });
    const down = { link: false, address: undefined };
    const up = { link: true, address: "10.0.0.5" };
    d.networkChanged(down, { link: true, address: undefined });
    d.networkChanged({ link: true, address: undefined }, up);
    d.networkChanged(up, { link: true, address: "10.0.0.6" });
    d.networkChanged({ link: true, address: "10.0.0.6" }, down);
    const text = await registry.metrics();
    expect(value(text, 'device_network_link_changes_total{interface="eth0"}')).toBe(2);
    expect(value(text, 'device_network_address_changes_total{interface="eth0"}')).toBe(3);
  });
});
