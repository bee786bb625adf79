/**
 * What the app needs from a network interface, whatever the platform: link and address, and a callback when either
 * changes. The module specifier `network-monitor` resolves per platform to a class implementing `NetworkMonitor`:
 *   esp32 (Olimex ESP32-POE)  modules/board/esp32-poe/network-monitor.ts   (LAN8720 over RMII, Ethernet events)
 *   lin (Moddable simulator)  modules/board/lin/network-monitor.ts         (always up, the host's address)
 *   host (Node, npm start)    host/network.ts                              (always up, 127.0.0.1)
 *   tests                     a fake passed to `App` directly
 * The same module also exports `Advertiser` (mDNS service advertisement, or a no-op where there is none).
 */
import type { StaticAddress } from "./config";

export interface NetworkStatus {
  /** physical link (or its equivalent) is up */
  readonly link: boolean;
  /** current IPv4 address, undefined while there is none */
  readonly address: string | undefined;
}

export interface NetworkMonitorOptions {
  hostname: string;
  /** undefined = DHCP */
  staticAddress?: StaticAddress | undefined;
  /** called after the status changed (link, address, or both); may also be called with an unchanged status */
  onChanged: (status: NetworkStatus) => void;
  log?: (line: string) => void;
}

export interface NetworkMonitor {
  readonly status: NetworkStatus;
  /** short name of the interface for metrics and logs, e.g. "eth0", "sim", "host" */
  readonly interfaceName: string;
  close(): void;
}

export interface AdvertiserOptions {
  hostname: string;
  port: number;
  path: string;
  log?: (line: string) => void;
}

/** mDNS/DNS-SD advertisement of `_prometheus-http._tcp` with TXT `path=<metrics path>` */
export interface Advertiser {
  /** start (or restart, after an address change) advertising; may throw, the app retries with backoff */
  start(address: string): void;
  stop(): void;
}
