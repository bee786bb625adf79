/*
 * moddable-prometheus — the device's wiring. The same file runs on the board (esp32), in the Moddable simulator (lin)
 * and on Node (`npm start`); what differs per platform is behind module specifiers (`network-monitor`,
 * `device-info`, `embedded:io/*`), chosen by manifest.json or host/modules.json.
 *
 *   settings → network monitor → sensors → registry (+ device self-metrics) → HTTP listener (+ mDNS)
 *   and, when configured, wall clock → remote write / Pushgateway (modules/app/push.ts)
 *
 * The listener lives only while the network has an address (see modules/app/app.ts); nothing here blocks.
 */
import config from "mc/config";
import Instrumentation from "instrumentation";
import Timer from "timer";
import Time from "time";
import NetworkMonitor, { Advertiser } from "network-monitor";
import * as deviceInfo from "device-info";
import { Registry } from "./modules/client/index";
import { MetricsServer } from "./modules/promhttp/server";
import { startSensors } from "./sensors/index";
import { ConfigError, parseConfig, type AppConfig } from "./modules/app/config";
import { App } from "./modules/app/app";
import { DeviceMetrics } from "./modules/device/metrics";
import WallClock from "wall-clock";
import { Pushes, pushesConfigured } from "./modules/app/push";
import { HttpClient } from "./modules/push/http-client";
import pushTls from "push-tls";
import type { SendResult } from "./modules/push/forwarder";

declare const trace: ((text: string) => void) | undefined;
function log(line: string): void {
  if (typeof trace === "function") trace(line + "\n");
  else (globalThis as { console?: { log(s: string): void } }).console?.log(line);
}

// 1. settings: an invalid configuration starts nothing; the problems are logged now and every 30 s (a serial console
//    attached later still sees them), instead of an exception that would reset the board in a loop. The text never
//    holds a secret (ConfigError shows auth redacted). On Node, host/start.ts exits non-zero instead of repeating.
let settings: AppConfig | undefined;
let configTimer: ReturnType<typeof Timer.set> | undefined;
let problems: readonly string[] | undefined;
try {
  settings = parseConfig(config as Record<string, unknown>);
} catch (error) {
  const text = error instanceof Error ? error.message : String(error);
  problems = error instanceof ConfigError ? error.problems : [text];
  log(text);
  configTimer = Timer.repeat(() => log(text), 30000);
}

/** The configuration's problems (already logged), undefined when it is valid and the exporter started. */
export const configProblems: readonly string[] | undefined = problems;

function run(settings: AppConfig): () => void {
  // 2. registry: sensor series, device self-metrics and the library's own exporter_series_refused_total
  const registry = new Registry();
  let server: MetricsServer | undefined;
  let app: App | undefined;
  const device = new DeviceMetrics({
    registry,
    version: settings.version,
    moddable: settings.moddable,
    board: settings.board,
    interfaceName: deviceInfo.platform === "esp32" ? "eth0" : deviceInfo.platform,
    info: deviceInfo,
    instrumentation: Instrumentation,
    stats: () => server?.stats,
    network: () => app?.status ?? { link: false, address: undefined },
  });
  const heapSampler = Timer.repeat(() => device.sampleHeap(), 1000); // heap peaks between scrapes

  // pushes (remote write, Pushgateway): only when configured; the wall clock (SNTP on the board) comes with them
  let pushes: Pushes | undefined;
  const clock = pushesConfigured(settings)
    ? new WallClock({ servers: settings.sntp, log, onSynchronized: () => pushes?.kick() })
    : undefined;
  if (clock)
    pushes = new Pushes({
      config: settings,
      registry,
      clock,
      log,
      online: () => app?.status.address !== undefined,
      createTransport: () => new HttpClient({ tls: pushTls }), // https where the platform has a TLS socket (push-tls)
    });

  // 3. the lifecycle: network up → sensors → listener (closed while there is no address, retried with backoff)
  app = new App({
    config: settings,
    log,
    createMonitor: (options) => new NetworkMonitor(options),
    startSensors: () =>
      startSensors({
        registry,
        namespace: settings.namespace,
        interval: settings.sampleInterval,
        i2c: { data: settings.i2c.data, clock: settings.i2c.clock, hz: settings.i2c.hz },
        sensors: settings.sensors,
        log,
      }),
    createServer: (onListenerError) =>
      (server = new MetricsServer({
        port: settings.port,
        path: settings.path,
        registry,
        maxConnections: settings.maxConnections,
        auth: settings.auth,
        info: { name: settings.hostname, version: settings.version, uptime: device.uptime }, // the device's, not the listener's
        log,
        onListenerError,
        now: () => Time.ticks, // one monotonic clock for its timeouts and the scrape durations (no RTC needed)
      })),
    createAdvertiser: settings.mdns
      ? () => new Advertiser({ hostname: settings.hostname, port: settings.port, path: settings.path, log })
      : undefined,
    onNetwork: (previous, current) => {
      device.networkChanged(previous, current);
      if (current.address !== undefined) {
        clock?.sync();
        pushes?.kick();
      }
    },
  });
  app.start();
  clock?.start();
  pushes?.start();
  deleteGroup = (done) => pushes?.deletePushgatewayGroup(done) ?? false;
  return () => {
    pushes?.stop();
    clock?.stop();
    app?.stop();
    Timer.clear(heapSampler);
  };
}

let deleteGroup: ((done?: (result: SendResult) => void) => boolean) | undefined;

/** Stops pushing to the Pushgateway and deletes the device's group there (e.g. before the board is taken out of
 *  service); false when no Pushgateway is configured. */
export function deletePushgatewayGroup(done?: (result: SendResult) => void): boolean {
  return deleteGroup?.(done) ?? false;
}

const stopAll = settings ? run(settings) : undefined;

/** Stops everything main.ts started (used by the host tests; a device simply keeps running). */
export function stop(): void {
  stopAll?.();
  if (configTimer !== undefined) Timer.clear(configTimer);
}
