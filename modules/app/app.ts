/**
 * The device's lifecycle, independent of the platform:
 *   - the network monitor is created first (retried with backoff if the interface cannot be brought up);
 *   - sensors start at once and keep sampling whatever the network does (readings are fresh when it returns);
 *   - the HTTP listener runs only while there is a link AND an address: it is closed when either goes away and
 *     started again when the address returns; an address change restarts it (and the mDNS advertisement);
 *   - every start that throws is retried with exponential backoff; nothing blocks, everything runs from callbacks.
 *     The listener has exactly one retry layer, this one: the server's start() throws when it cannot listen, and a
 *     listener that fails later is reported through the callback given to createServer. The state is "serving" and
 *     `listening: http://…` is logged only once the server really listens.
 * main.ts wires the real parts in; tests pass fakes.
 */
import { Retry, errorText } from "./backoff";
import type { AppConfig } from "./config";
import type { Advertiser, NetworkMonitor, NetworkMonitorOptions, NetworkStatus } from "./network";

/**
 * The HTTP server as the app sees it (modules/promhttp/server.ts). start() either listens or throws, leaving the server
 * as it was (the app retries it); a listener that fails after start() is reported through `onListenerError` (given
 * to createServer), after which start() creates a new one.
 */
export interface ServerLike {
  start(): void;
  stop(): void;
  /** the port it listens on, when known (a server given port 0 picks one) */
  readonly boundPort?: number;
}

export interface SensorsLike {
  stop(): void;
}

export interface AppParts {
  config: AppConfig;
  createMonitor: (options: NetworkMonitorOptions) => NetworkMonitor;
  /** called once; the same server is started and stopped as the address comes and goes (its stats persist);
   *  the server calls `onListenerError` when its listener fails after start() */
  createServer: (onListenerError: (error: unknown) => void) => ServerLike;
  startSensors: () => SensorsLike;
  /** undefined when mDNS is off */
  createAdvertiser?: (() => Advertiser) | undefined;
  log: (line: string) => void;
  /** told about every status change (device self-metrics count link and address changes) */
  onNetwork?: (previous: NetworkStatus, current: NetworkStatus) => void;
  /** jitter source for backoff (tests pass a constant) */
  random?: () => number;
  /** first backoff delay in ms (default 1000) */
  retryInitial?: number;
}

export type ListenerState = "stopped" | "starting" | "serving";

const DOWN: NetworkStatus = Object.freeze({ link: false, address: undefined });

export class App {
  readonly #parts: AppParts;
  #monitor: NetworkMonitor | undefined;
  #server: ServerLike | undefined;
  #sensors: SensorsLike | undefined;
  #advertiser: Advertiser | undefined;
  #advertising = false;
  #status: NetworkStatus = DOWN;
  #servingAddress: string | undefined;
  #listener: ListenerState = "stopped";
  #running = false;
  readonly #monitorRetry: Retry;
  readonly #sensorsRetry: Retry;
  readonly #listenerRetry: Retry;
  readonly #advertiseRetry: Retry;
  /** start/stop counts, for tests and logs */
  readonly counts = { listenerStarts: 0, listenerStops: 0, listenerFailures: 0, advertiseFailures: 0 };

  constructor(parts: AppParts) {
    this.#parts = parts;
    const common = { log: parts.log, random: parts.random, initial: parts.retryInitial };
    this.#monitorRetry = new Retry({ ...common, name: "network", task: () => this.#startMonitor() });
    this.#sensorsRetry = new Retry({ ...common, name: "sensors", task: () => this.#startSensors() });
    this.#listenerRetry = new Retry({
      ...common,
      name: "listener",
      task: () => this.#startListener(),
      onFailure: () => {
        this.counts.listenerFailures++;
        this.#listener = "starting";
      },
    });
    this.#advertiseRetry = new Retry({
      ...common,
      name: "mdns",
      max: 300000,
      task: () => this.#advertise(),
      onFailure: () => this.counts.advertiseFailures++,
    });
  }

  get status(): NetworkStatus {
    return this.#status;
  }

  get listener(): ListenerState {
    return this.#listener;
  }

  get servingAddress(): string | undefined {
    return this.#servingAddress;
  }

  get advertising(): boolean {
    return this.#advertising;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const c = this.#parts.config;
    this.#parts.log(
      `starting ${c.board} exporter ${c.version}: port ${String(c.port)}, path ${c.path}, hostname ${c.hostname}`,
    );
    this.#monitorRetry.run();
    this.#sensorsRetry.run();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#monitorRetry.cancel();
    this.#sensorsRetry.cancel();
    this.#stopListener("stopping");
    try {
      this.#sensors?.stop();
    } catch (error) {
      this.#parts.log(`sensors stop failed: ${errorText(error)}`);
    }
    this.#sensors = undefined;
    try {
      this.#monitor?.close();
    } catch (error) {
      this.#parts.log(`network close failed: ${errorText(error)}`);
    }
    this.#monitor = undefined;
    this.#status = DOWN;
  }

  #startMonitor(): void {
    const p = this.#parts;
    this.#monitor = p.createMonitor({
      hostname: p.config.hostname,
      staticAddress: p.config.staticAddress,
      onChanged: (status) => this.#changed(status),
      log: p.log,
    });
    p.log(
      `network ${this.#monitor.interfaceName}: ${p.config.staticAddress ? "static " + p.config.staticAddress.address : "DHCP"}, waiting for link and address`,
    );
    this.#changed(this.#monitor.status);
  }

  #startSensors(): void {
    const p = this.#parts;
    this.#sensors = p.startSensors();
    p.log(
      `sensors: ${p.config.sensors.length ? p.config.sensors.map((s) => `${s.model}@0x${s.address.toString(16)} "${s.name}"`).join(", ") : "none configured"}, every ${String(p.config.sampleInterval)} ms`,
    );
  }

  #changed(next: NetworkStatus): void {
    if (!this.#running) return;
    const previous = this.#status;
    const current: NetworkStatus = Object.freeze({
      link: !!next.link,
      address: next.link ? next.address || undefined : undefined,
    });
    const changed = previous.link !== current.link || previous.address !== current.address;
    this.#status = current;
    if (changed) {
      this.#parts.log(`network: link ${current.link ? "up" : "down"}, address ${current.address ?? "none"}`);
      try {
        this.#parts.onNetwork?.(previous, current);
      } catch (error) {
        this.#parts.log(`network observer failed: ${errorText(error)}`);
      }
    }
    if (current.address !== undefined) {
      if (this.#listener === "stopped") this.#listenerRetry.run();
      else if (this.#listener === "serving" && this.#servingAddress !== current.address) {
        this.#stopListener(`address changed to ${current.address}`);
        this.#listenerRetry.run();
      }
      // "starting": a retry is already scheduled and will use the current address
    } else if (this.#listener !== "stopped") this.#stopListener(current.link ? "address lost" : "link down");
  }

  #startListener(): void {
    const p = this.#parts;
    const address = this.#status.address;
    if (address === undefined) {
      this.#listener = "stopped";
      return;
    }
    this.#listener = "starting";
    this.#server ??= p.createServer((error) => this.#listenerFailed(error));
    this.#server.start(); // throws when it cannot listen: the retry logs it and tries again later
    this.#listener = "serving";
    this.#servingAddress = address;
    this.counts.listenerStarts++;
    p.log(`listening: http://${address}:${String(this.#server.boundPort ?? p.config.port)}${p.config.path}`);
    if (p.createAdvertiser) this.#advertiseRetry.run();
  }

  /** the server's listener failed after it was started: not serving any more; retried like a failed start */
  #listenerFailed(error: unknown): void {
    if (!this.#running || this.#listener !== "serving") return;
    this.#withdrawAdvertisement();
    this.#listener = "starting";
    this.#servingAddress = undefined;
    this.counts.listenerFailures++;
    this.#parts.log(`listener lost: ${errorText(error)}`);
    this.#listenerRetry.run();
  }

  #withdrawAdvertisement(): void {
    this.#advertiseRetry.cancel();
    if (this.#advertising) {
      try {
        this.#advertiser?.stop();
      } catch (error) {
        this.#parts.log(`mdns stop failed: ${errorText(error)}`);
      }
      this.#advertising = false;
    }
  }

  #stopListener(reason: string): void {
    this.#listenerRetry.cancel();
    this.#withdrawAdvertisement();
    const was = this.#listener;
    this.#listener = "stopped";
    this.#servingAddress = undefined;
    if (was === "stopped") return;
    // "starting" after a listener failure: the server still holds its connections and timers
    try {
      this.#server?.stop();
    } catch (error) {
      this.#parts.log(`listener stop failed: ${errorText(error)}`);
    }
    if (was === "serving") {
      this.counts.listenerStops++;
      this.#parts.log(`listener closed: ${reason}`);
    }
  }

  #advertise(): void {
    const address = this.#servingAddress;
    if (address === undefined || !this.#parts.createAdvertiser) return;
    this.#advertiser ??= this.#parts.createAdvertiser();
    this.#advertiser.start(address);
    this.#advertising = true;
  }
}
