/**
 * Device self-metrics: how the exporter and the board are doing. Every value that can change is read in a `collect`
 * callback, so it is fresh at scrape time and costs nothing between scrapes. Sources are injected (the HTTP server's
 * plain counters, the platform's `device-info` functions, `instrumentation`), so the module knows nothing of sockets.
 *
 * Series (all bounded: at most a handful each):
 *   exporter_build_info{version,moddable,xs,board,platform} 1
 *   device_uptime_seconds
 *   device_xs_heap_used_bytes{heap="slot"|"chunk"}, device_xs_heap_peak_bytes{heap}   (instrumented builds only)
 *   device_system_heap_free_bytes, device_system_heap_min_free_bytes                 (where the platform knows)
 *   device_reset_reason{reason} 1                                                     (where the platform knows)
 *   device_network_up{interface}, device_network_address_info{interface,address} 1,
 *   device_network_link_changes_total{interface}, device_network_address_changes_total{interface}
 *   exporter_http_requests_total, exporter_scrapes_total, exporter_scrape_errors_total,
 *   exporter_last_scrape_duration_seconds, exporter_scrape_duration_seconds_total,
 *   exporter_http_response_bytes_total, exporter_http_connections_accepted_total,
 *   exporter_http_connections_refused_total, exporter_http_connections_evicted_total,
 *   exporter_http_connections_active, exporter_http_bad_requests_total,
 *   exporter_http_listener_failures_total
 * (Label sets refused by series caps are counted by the metrics library itself: exporter_series_refused_total.)
 */
import { Counter, Gauge } from "../metrics/index";
import type { Registry } from "../metrics/index";
import type { NetworkStatus } from "../app/network";
import type { MetricsServerStats } from "../promhttp/server";

/** MetricsServer.stats, read at scrape time (a type only: no run-time dependency on the server) */
export type ServerStats = MetricsServerStats;

export interface InstrumentationLike {
  get(what: number | undefined): number | undefined;
  map(name: string): number | undefined;
}

export interface DeviceInfoLike {
  platform: string;
  xsVersion(): string | undefined;
  systemFree(): number | undefined;
  systemMinFree(): number | undefined;
  resetReason(): string | undefined;
}

export interface DeviceMetricsOptions {
  registry: Registry;
  version: string;
  moddable: string;
  board: string;
  interfaceName: string;
  info: DeviceInfoLike;
  instrumentation?: InstrumentationLike | undefined;
  /** current server stats, undefined before the server exists */
  stats: () => ServerStats | undefined;
  /** current network status */
  network: () => NetworkStatus;
  /** milliseconds since an arbitrary origin (Date.now on device: time since boot until SNTP sets it) */
  now?: () => number;
}

type Slot = number | undefined;

export class DeviceMetrics {
  #linkChanges: Counter;
  #addressChanges: Counter;
  readonly #interface: string;
  #heapPeak: { slot: number; chunk: number } = { slot: 0, chunk: 0 };
  readonly #instrumentation: InstrumentationLike | undefined;
  readonly #slots: { slot: Slot; chunk: Slot };
  /** Seconds since the firmware started (what device_uptime_seconds reports). */
  readonly uptime: () => number;

  constructor(o: DeviceMetricsOptions) {
    const registers = [o.registry];
    const now = o.now ?? Date.now;
    const started = now();
    const uptime = (this.uptime = () => (now() - started) / 1000);
    const iface = (this.#interface = o.interfaceName);
    const instr = (this.#instrumentation = o.instrumentation);
    this.#slots = {
      slot: instr?.map("XS Slot Heap Used"),
      chunk: instr?.map("XS Chunk Heap Used"),
    };

    const build = new Gauge({
      name: "exporter_build_info",
      help: "Build information: project version, Moddable SDK and XS engine versions, board and platform (always 1).",
      labelNames: ["version", "moddable", "xs", "board", "platform"],
      registers,
    });
    build.set(
      {
        version: o.version,
        moddable: o.moddable,
        xs: o.info.xsVersion() ?? "unknown",
        board: o.board,
        platform: o.info.platform,
      },
      1,
    );

    new Gauge({
      name: "device_uptime_seconds",
      help: "Seconds since the firmware started.",
      registers,
      collect(this: Gauge) {
        this.set(uptime());
      },
    });

    const reason = o.info.resetReason();
    if (reason !== undefined) {
      new Gauge({
        name: "device_reset_reason",
        help: "Why the chip last reset (poweron, software, panic, watchdog, brownout, external, deepsleep, unknown); always 1.",
        labelNames: ["reason"],
        registers,
      }).set({ reason }, 1);
    }

    const self = this;
    if (this.#slots.slot !== undefined || this.#slots.chunk !== undefined) {
      new Gauge({
        name: "device_xs_heap_used_bytes",
        help: "XS heap in use: slot heap (fixed-size values) and chunk heap (strings, buffers, byte code).",
        labelNames: ["heap"],
        registers,
        collect(this: Gauge) {
          const h = self.sampleHeap();
          if (h.slot !== undefined) this.set({ heap: "slot" }, h.slot);
          if (h.chunk !== undefined) this.set({ heap: "chunk" }, h.chunk);
        },
      });
      new Gauge({
        name: "device_xs_heap_peak_bytes",
        help: "Highest XS heap use observed since start (sampled at every scrape and heap sample).",
        labelNames: ["heap"],
        registers,
        collect(this: Gauge) {
          self.sampleHeap();
          if (self.#slots.slot !== undefined) this.set({ heap: "slot" }, self.#heapPeak.slot);
          if (self.#slots.chunk !== undefined) this.set({ heap: "chunk" }, self.#heapPeak.chunk);
        },
      });
    }

    // system heap: from device-info only (the simulator's instrumentation reports 0 for "System Free Memory")
    if (o.info.systemFree() !== undefined) {
      new Gauge({
        name: "device_system_heap_free_bytes",
        help: "Free bytes of the system (C) heap.",
        registers,
        collect(this: Gauge) {
          const v = o.info.systemFree();
          if (v !== undefined) this.set(v);
        },
      });
    }
    if (o.info.systemMinFree() !== undefined) {
      new Gauge({
        name: "device_system_heap_min_free_bytes",
        help: "Lowest free bytes of the system heap since boot (low-water mark).",
        registers,
        collect(this: Gauge) {
          const v = o.info.systemMinFree();
          if (v !== undefined) this.set(v);
        },
      });
    }

    new Gauge({
      name: "device_network_up",
      help: "1 when the network link is up and the device has an address, else 0.",
      labelNames: ["interface"],
      registers,
      collect(this: Gauge) {
        const s = o.network();
        this.set({ interface: iface }, s.link && s.address !== undefined ? 1 : 0);
      },
    });
    new Gauge({
      name: "device_network_address_info",
      help: "The device's current IPv4 address (always 1; no series while there is no address).",
      labelNames: ["interface", "address"],
      registers,
      maxSeries: 2,
      collect(this: Gauge) {
        const s = o.network();
        this.reset();
        if (s.address !== undefined) this.set({ interface: iface, address: s.address }, 1);
      },
    });
    this.#linkChanges = new Counter({
      name: "device_network_link_changes_total",
      help: "Times the network link went up or down.",
      labelNames: ["interface"],
      registers,
    });
    this.#linkChanges.zero({ interface: iface });
    this.#addressChanges = new Counter({
      name: "device_network_address_changes_total",
      help: "Times the device's address was assigned, changed or lost.",
      labelNames: ["interface"],
      registers,
    });
    this.#addressChanges.zero({ interface: iface });

    // HTTP server counters, mirrored at scrape time (the server keeps plain numbers, the registry the series)
    const mirror = (name: string, help: string, pick: (s: ServerStats) => number, scale = 1): void => {
      new Counter({
        name,
        help,
        registers,
        collect(this: Counter) {
          const s = o.stats();
          if (!s) return;
          const delta = pick(s) * scale - this.get();
          if (delta > 0) this.inc(delta);
        },
      });
    };
    const gauge = (name: string, help: string, pick: (s: ServerStats) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge) {
          const s = o.stats();
          this.set(s ? pick(s) : 0);
        },
      });
    };
    mirror("exporter_http_requests_total", "HTTP requests received (all paths and methods).", (s) => s.requests);
    mirror("exporter_scrapes_total", "Scrapes of the metrics path served.", (s) => s.scrapes);
    mirror("exporter_scrape_errors_total", "Scrapes that failed while collecting or rendering.", (s) => s.scrapeErrors);
    gauge(
      "exporter_last_scrape_duration_seconds",
      "Duration of the previous completed scrape (collect and stream).",
      (s) => s.lastScrapeMs / 1000,
    );
    mirror(
      "exporter_scrape_duration_seconds_total",
      "Total time spent serving scrapes.",
      (s) => s.scrapeMsTotal,
      1 / 1000,
    );
    mirror(
      "exporter_http_response_bytes_total",
      "Bytes written to HTTP clients (headers and bodies).",
      (s) => s.bytesSent,
    );
    mirror("exporter_http_connections_accepted_total", "TCP connections accepted.", (s) => s.connectionsAccepted);
    mirror(
      "exporter_http_connections_refused_total",
      "TCP connections refused because no connection slot came free in time (503 and close).",
      (s) => s.connectionsRefused,
    );
    mirror(
      "exporter_http_connections_evicted_total",
      "HTTP connections closed to admit a new one (slow or silent clients, stalled responses, idle keep-alive).",
      (s) => s.connectionsEvicted,
    );
    gauge("exporter_http_connections_active", "Open HTTP connections.", (s) => s.activeConnections);
    mirror(
      "exporter_http_bad_requests_total",
      "Requests rejected as malformed or too large (4xx other than 401/404/405).",
      (s) => s.badRequests,
    );
    mirror(
      "exporter_http_listener_failures_total",
      "Times the HTTP listener could not be created or failed (the app retries with backoff).",
      (s) => s.listenerFailures,
    );
  }

  /** Sample the XS heap now (also updates the peaks); call it from a periodic timer for a better peak. */
  sampleHeap(): { slot: number | undefined; chunk: number | undefined } {
    const instr = this.#instrumentation;
    const slot = instr && this.#slots.slot !== undefined ? instr.get(this.#slots.slot) : undefined;
    const chunk = instr && this.#slots.chunk !== undefined ? instr.get(this.#slots.chunk) : undefined;
    if (slot !== undefined && slot > this.#heapPeak.slot) this.#heapPeak.slot = slot;
    if (chunk !== undefined && chunk > this.#heapPeak.chunk) this.#heapPeak.chunk = chunk;
    return { slot, chunk };
  }

  /** App's network observer: counts link and address changes */
  networkChanged(previous: NetworkStatus, current: NetworkStatus): void {
    if (previous.link !== current.link) this.#linkChanges.inc({ interface: this.#interface });
    if (previous.address !== current.address) this.#addressChanges.inc({ interface: this.#interface });
  }
}
