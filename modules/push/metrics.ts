/**
 * Self-metrics of the pushes, one series per target (`target="remote_write"` or `target="pushgateway"`), mirrored at
 * scrape time from the forwarders' plain counters (modules/push/forwarder.ts), as the device metrics mirror the HTTP
 * server's:
 *   exporter_push_samples_sent_total{target}       samples the receiver accepted (2xx)
 *   exporter_push_samples_retried_total{target}    samples of attempts that failed and are retried (network, 5xx, 429)
 *   exporter_push_samples_failed_total{target}     samples the receiver refused (other 4xx): never retried
 *   exporter_push_samples_dropped_total{target}    samples never sent: the buffer was full, or superseded
 *   exporter_push_queue_bytes{target}              bytes queued, as counted against the buffer
 *   exporter_push_queue_capacity_bytes{target}     the buffer (remoteWrite.bufferBytes)
 *   exporter_push_last_success_timestamp_seconds{target}   last delivery, Unix time; 0 = never (so that
 *                                                  `time() - ...` alerts when nothing ever arrived)
 * One name per quantity with a `target` label rather than separate names per receiver: the same measurement of two
 * pipelines, so a sum over targets means something (all samples pushed) and one alert rule covers both (Prometheus
 * naming guidance); the names and meanings of sent/retried/failed/dropped follow Prometheus's own
 * `prometheus_remote_storage_samples_*_total`.
 */
import { Counter, Gauge } from "../metrics/index";
import type { Registry } from "../metrics/index";
import type { ForwarderStats } from "./forwarder";

export interface PushTarget {
  /** label value: "remote_write" or "pushgateway" */
  target: string;
  stats: () => ForwarderStats | undefined;
}

export function registerPushMetrics(registry: Registry, targets: readonly PushTarget[]): void {
  const registers = [registry];
  const counter = (name: string, help: string, pick: (s: ForwarderStats) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ["target"],
      registers,
      maxSeries: targets.length,
      collect(this: Counter) {
        for (const t of targets) {
          const s = t.stats();
          const labels = { target: t.target };
          const delta = s ? pick(s) - this.get(labels) : 0;
          if (delta > 0) this.inc(labels, delta);
          else this.zero(labels);
        }
      },
    });
  };
  const gauge = (name: string, help: string, pick: (s: ForwarderStats) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ["target"],
      registers,
      maxSeries: targets.length,
      collect(this: Gauge) {
        for (const t of targets) {
          const s = t.stats();
          this.set({ target: t.target }, s ? pick(s) : 0);
        }
      },
    });
  };
  counter(
    "exporter_push_samples_sent_total",
    "Samples pushed and accepted by the receiver (2xx).",
    (s) => s.samplesSent,
  );
  counter(
    "exporter_push_samples_retried_total",
    "Samples in pushes that failed (network error, timeout, 5xx, 429) and are retried with backoff.",
    (s) => s.samplesRetried,
  );
  counter(
    "exporter_push_samples_failed_total",
    "Samples the receiver refused (4xx other than 429): not retried.",
    (s) => s.samplesFailed,
  );
  counter(
    "exporter_push_samples_dropped_total",
    "Samples never sent: dropped from a full buffer (oldest first) or superseded by a newer snapshot.",
    (s) => s.samplesDropped,
  );
  gauge(
    "exporter_push_queue_bytes",
    "Bytes waiting in the store-and-forward buffer (entries plus bookkeeping).",
    (s) => s.queueBytes,
  );
  gauge("exporter_push_queue_capacity_bytes", "Size of the store-and-forward buffer.", (s) => s.budget);
  gauge(
    "exporter_push_last_success_timestamp_seconds",
    "Unix time of the last push the receiver accepted (0: none yet).",
    (s) => s.lastSuccess / 1000,
  );
}
