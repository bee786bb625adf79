/**
 * The pushes as the app runs them (issue 11): the remote-write client and the Pushgateway client, each created only
 * when its setting has a url (both off by default), their self-metrics (modules/push/metrics.ts) and the wall
 * clock's (modules/time/metrics.ts). The HTTP client is injected (`createTransport`, one per receiver), as is the
 * clock: main.ts wires the platform's; tests pass fakes.
 *   start()      starts the clients (remote write takes samples once the clock is set)
 *   kick()       sends what waits: call it when the clock is set and when the network comes up
 *   stop()       stops both (requests in flight abandoned)
 *   deletePushgatewayGroup(done)   stops pushing to the Pushgateway and deletes the group there
 */
import type { AppConfig } from "./config";
import type { Registry } from "../client/index";
import type { PushTransport } from "../push/request";
import type { PushUrl } from "../push/url";
import type { SendResult } from "../push/forwarder";
import { RemoteWriteClient, type PushClock } from "../push/remote-write-client";
import { PushgatewayClient } from "../push/pushgateway-client";
import { registerPushMetrics, type PushTarget } from "../push/metrics";
import { registerClockMetrics } from "../time/metrics";
import type { ClockStats } from "../time/clock";

export interface PushesOptions {
  config: AppConfig;
  registry: Registry;
  clock: PushClock & { readonly stats: ClockStats };
  createTransport: (url: PushUrl) => PushTransport;
  /** true while the network has an address */
  online: () => boolean;
  log: (line: string) => void;
}

/** Whether any push is configured (then main.ts makes a wall clock). */
export function pushesConfigured(config: AppConfig): boolean {
  return config.remoteWrite !== undefined || config.pushgateway !== undefined;
}

export class Pushes {
  readonly remoteWrite: RemoteWriteClient | undefined;
  readonly pushgateway: PushgatewayClient | undefined;

  constructor(o: PushesOptions) {
    const rw = o.config.remoteWrite;
    const pg = o.config.pushgateway;
    const targets: PushTarget[] = [];
    if (rw) {
      const client = new RemoteWriteClient({
        url: rw.url,
        interval: rw.interval,
        auth: rw.auth,
        labels: rw.labels,
        bufferBytes: rw.bufferBytes,
        registry: o.registry,
        transport: o.createTransport(rw.url),
        clock: o.clock,
        online: o.online,
        log: o.log,
      });
      this.remoteWrite = client;
      targets.push({ target: "remote_write", stats: () => client.stats });
    }
    if (pg) {
      const client = new PushgatewayClient({
        url: pg.url,
        job: pg.job,
        grouping: pg.grouping,
        interval: pg.interval,
        auth: pg.auth,
        registry: o.registry,
        transport: o.createTransport(pg.url),
        now: () => o.clock.now(),
        online: o.online,
        log: o.log,
      });
      this.pushgateway = client;
      targets.push({ target: "pushgateway", stats: () => client.stats });
    }
    if (targets.length > 0) {
      registerPushMetrics(o.registry, targets);
      registerClockMetrics(o.registry, () => o.clock.stats);
    }
  }

  start(): void {
    this.remoteWrite?.start();
    this.pushgateway?.start();
  }

  kick(): void {
    this.remoteWrite?.kick();
    this.pushgateway?.kick();
  }

  stop(): void {
    this.remoteWrite?.stop();
    this.pushgateway?.stop();
  }

  /** Stops pushing to the Pushgateway and deletes the group there; false when no Pushgateway is configured. */
  deletePushgatewayGroup(done?: (result: SendResult) => void): boolean {
    if (!this.pushgateway) return false;
    this.pushgateway.delete(done);
    return true;
  }
}
