/**
 * mDNS/DNS-SD advertisement of the exporter with Moddable's `mdns` module (UDP multicast 224.0.0.251:5353):
 * service `_prometheus-http._tcp` on the configured port, TXT `path=<metrics path>`, host `<hostname>.local`.
 * The host name is claimed first (probing); if it is taken, `<hostname>-2`, `-3` ... are tried.
 * Used by the esp32 and lin `network-monitor` modules.
 */
import MDNS from "mdns";

export interface AdvertiserOptions {
  hostname: string;
  port: number;
  path: string;
  log?: (line: string) => void;
}

export class Advertiser {
  readonly #options: AdvertiserOptions;
  #mdns: MDNS | undefined;
  readonly #service: { name: string; protocol: string; port: number; txt: Record<string, string> };

  constructor(options: AdvertiserOptions) {
    this.#options = options;
    this.#service = { name: "prometheus-http", protocol: "tcp", port: options.port, txt: { path: options.path } };
  }

  start(address: string): void {
    this.stop(); // a new address: probe and announce again
    const o = this.#options;
    let suffix = 1;
    const mdns = new MDNS({ hostName: o.hostname }, (message: number, value?: string): any => {
      if (message === 1 && value) {
        o.log?.(
          `mdns: ${value}.local (${address}) advertises _prometheus-http._tcp port ${String(o.port)} path=${o.path}`,
        );
        mdns.add(this.#service);
      } else if (message === 2) {
        suffix++;
        return `${o.hostname}-${String(suffix)}`; // name taken: try the next one
      } else if (message < 0) o.log?.("mdns: probing failed");
    });
    this.#mdns = mdns;
  }

  stop(): void {
    const mdns = this.#mdns;
    this.#mdns = undefined;
    if (!mdns) return;
    try {
      (mdns as unknown as { close(): void }).close();
    } catch {
      // the socket is gone with the interface; nothing to release
    }
  }
}
