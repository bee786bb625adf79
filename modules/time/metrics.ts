/**
 * Self-metrics of the wall clock (modules/time/clock.ts), read at scrape time:
 *   device_clock_synchronized                   1 once the clock is set (SNTP answered, or the system clock), else 0
 *   device_clock_last_sync_timestamp_seconds    Unix time of the last synchronization, 0 = never
 *   device_clock_sync_failures_total            synchronization rounds that failed (every server tried)
 * `device_` like the other board metrics (uptime, heap, network): the clock is the board's, not the exporter's.
 * While device_clock_synchronized is 0, remote write sends nothing (its samples would carry 1970 timestamps).
 */
import { Counter, Gauge } from "../metrics/index";
import type { Registry } from "../metrics/index";
import type { ClockStats } from "./clock";

export function registerClockMetrics(registry: Registry, stats: () => ClockStats | undefined): void {
  const registers = [registry];
  new Gauge({
    name: "device_clock_synchronized",
    help: "1 when the wall clock is set (by SNTP on the device, the system clock elsewhere), else 0; nothing is pushed before.",
    registers,
    collect(this: Gauge) {
      this.set(stats()?.synchronized ? 1 : 0);
    },
  });
  new Gauge({
    name: "device_clock_last_sync_timestamp_seconds",
    help: "Unix time of the last clock synchronization (0: never).",
    registers,
    collect(this: Gauge) {
      this.set((stats()?.lastSync ?? 0) / 1000);
    },
  });
  new Counter({
    name: "device_clock_sync_failures_total",
    help: "Clock synchronization rounds that failed (every SNTP server tried); retried with backoff.",
    registers,
    collect(this: Counter) {
      const delta = (stats()?.failures ?? 0) - this.get();
      if (delta > 0) this.inc(delta);
    },
  });
}
