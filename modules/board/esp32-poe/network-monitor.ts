/**
 * `network-monitor` for the Olimex ESP32-POE: the LAN8720A Ethernet (poe-ethernet.c) behind the app's
 * NetworkMonitor interface, and mDNS advertisement with Moddable's `mdns` module.
 *
 * Bring-up without blocking: the PHY supply (GPIO12) is switched on in the constructor, the EMAC/PHY driver is
 * installed 50 ms later from a timer; a failure there (no PHY answering, no clock) is reported through `onChanged`'s
 * status staying down and retried with backoff (100 ms doubling to 30 s), so the app sees "no network" instead of
 * crashing. Link and address events come from ESP-IDF's event loop via the native module.
 */
import Timer from "timer";
import PoeEthernet from "./poe-ethernet";
import type { NetworkMonitor as Monitor, NetworkMonitorOptions, NetworkStatus } from "../../app/network";
import { Advertiser } from "mdns-advertiser";

export { Advertiser };

const DOWN: NetworkStatus = Object.freeze({ link: false, address: undefined });

export default class NetworkMonitor implements Monitor {
  readonly interfaceName = "eth0";
  readonly #options: NetworkMonitorOptions;
  #eth: PoeEthernet | undefined;
  #timer: ReturnType<typeof Timer.set> | undefined;
  #delay = 100;
  #status: NetworkStatus = DOWN;

  constructor(options: NetworkMonitorOptions) {
    this.#options = options;
    PoeEthernet.powerOn();
    this.#timer = Timer.set(() => this.#open(), 50);
  }

  get status(): NetworkStatus {
    return this.#status;
  }

  #open(): void {
    this.#timer = undefined;
    const o = this.#options;
    try {
      this.#eth = new PoeEthernet({
        hostname: o.hostname,
        static: o.staticAddress,
        onChanged: () => this.#update(),
      });
      this.#delay = 100;
      o.log?.(`ethernet: driver started (LAN8720A, RMII clock out on GPIO17), MAC ${this.#eth.MAC ?? "?"}`);
      this.#update();
    } catch (error) {
      o.log?.(
        `ethernet: ${error instanceof Error ? error.message : String(error)}; retrying in ${String(this.#delay)} ms`,
      );
      this.#timer = Timer.set(() => this.#open(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, 30000);
    }
  }

  #update(): void {
    const eth = this.#eth;
    if (!eth) return;
    const link = eth.link;
    const next: NetworkStatus = Object.freeze({ link, address: link ? eth.address : undefined });
    if (next.link === this.#status.link && next.address === this.#status.address) return;
    this.#status = next;
    this.#options.onChanged(next);
  }

  close(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#eth?.close();
    this.#eth = undefined;
    this.#status = DOWN;
  }
}
