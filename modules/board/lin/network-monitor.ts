/**
 * `network-monitor` for the Moddable simulator (`mcconfig -p lin`): the host computer's network is always up.
 * The address is the host's first non-loopback IPv4 address (`Net.get("IP")`, else 127.0.0.1). Note that the
 * simulator's listener binds 0.0.0.0 whatever address it is given. mDNS uses Moddable's `mdns` module as on the
 * board (off by default on lin: config `mdns`).
 */
import Timer from "timer";
// biome-ignore lint/correctness/noNodejsModules: Moddable's net module (Net.get), not Node's
import Net from "net";
import { Advertiser } from "mdns-advertiser";
import type { NetworkMonitor as Monitor, NetworkMonitorOptions, NetworkStatus } from "../../app/network";

export { Advertiser };

export default class NetworkMonitor implements Monitor {
  readonly interfaceName = "sim";
  #status: NetworkStatus;
  #timer: ReturnType<typeof Timer.set> | undefined;

  constructor(options: NetworkMonitorOptions) {
    let address: string | undefined;
    try {
      address = Net.get("IP") || "127.0.0.1";
    } catch {
      address = "127.0.0.1";
    }
    this.#status = Object.freeze({ link: true, address });
    if (options.staticAddress)
      options.log?.(`network (simulator): static address ${options.staticAddress.address} ignored, using ${address}`);
    // report asynchronously too, as a real interface would
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      options.onChanged(this.#status);
    }, 0);
  }

  get status(): NetworkStatus {
    return this.#status;
  }

  close(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
  }
}
