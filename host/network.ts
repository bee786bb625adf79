/**
 * Host (Node) implementation of the project's `network-monitor` module (see modules/app/network.ts): on a PC the
 * network is always up and the exporter listens on 127.0.0.1. `Advertiser` does not multicast on the host (the
 * project's servers stay on loopback): it logs what the device would advertise.
 */
import type { NetworkMonitorOptions, NetworkStatus, AdvertiserOptions } from "../modules/app/network";

export default class NetworkMonitor {
  readonly interfaceName = "host";
  readonly #status: NetworkStatus = Object.freeze({ link: true, address: "127.0.0.1" });
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: NetworkMonitorOptions) {
    // the status is already up; report it asynchronously too, as an interface would
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      options.onChanged(this.#status);
    }, 0);
  }

  get status(): NetworkStatus {
    return this.#status;
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export class Advertiser {
  readonly #options: AdvertiserOptions;
  #logged = false;
  constructor(options: AdvertiserOptions) {
    this.#options = options;
  }
  start(address: string): void {
    if (this.#logged) return;
    this.#logged = true;
    const o = this.#options;
    o.log?.(
      `mdns: not on the host (the device advertises ${o.hostname}.local ${address} _prometheus-http._tcp port ${String(o.port)} path=${o.path})`,
    );
  }
  stop(): void {}
}
