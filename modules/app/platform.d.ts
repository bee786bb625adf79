/**
 * Per-platform module specifiers of this project (manifest.json and host/modules.json say what they resolve to).
 * Device code type-checks against these declarations; each implementation matches them (structurally the same as
 * the interfaces in modules/app/network.ts).
 */
declare module "network-monitor" {
  interface Status {
    readonly link: boolean;
    readonly address: string | undefined;
  }
  export default class NetworkMonitor {
    constructor(options: {
      hostname: string;
      staticAddress?: { address: string; mask: string; gateway: string; dns: string | undefined } | undefined;
      onChanged: (status: Status) => void;
      log?: (line: string) => void;
    });
    readonly status: Status;
    readonly interfaceName: string;
    close(): void;
  }
  export class Advertiser {
    constructor(options: { hostname: string; port: number; path: string; log?: (line: string) => void });
    start(address: string): void;
    stop(): void;
  }
}

declare module "device-info" {
  /** platform name: "esp32", "lin" (Moddable simulator) or "host" (Node) */
  export const platform: string;
  /** "major.minor.patch" of the XS engine, undefined where unknown */
  export function xsVersion(): string | undefined;
  /** free bytes of the system (C) heap now, undefined where unknown */
  export function systemFree(): number | undefined;
  /** lowest free bytes of the system heap since boot, undefined where unknown */
  export function systemMinFree(): number | undefined;
  /** why the chip last reset: "poweron", "software", "panic", "watchdog", "brownout", "external", "deepsleep",
   *  "unknown"; undefined where the platform has no such notion */
  export function resetReason(): string | undefined;
}

declare module "mdns-advertiser" {
  /** modules/board/common/mdns-advertiser.ts (esp32 and lin) */
  export class Advertiser {
    constructor(options: { hostname: string; port: number; path: string; log?: (line: string) => void });
    start(address: string): void;
    stop(): void;
  }
}

declare module "wall-clock" {
  /** modules/time/clock.ts: SNTP on esp32 (modules/board/esp32-poe/wall-clock.ts), the system clock elsewhere */
  export default class WallClock {
    constructor(options?: {
      servers?: readonly string[];
      onSynchronized?: () => void;
      log?: (line: string) => void;
      now?: () => number;
    });
    now(): number;
    readonly synchronized: boolean;
    readonly stats: { synchronized: boolean; lastSync: number; failures: number };
    start(): void;
    sync(): void;
    stop(): void;
  }
}

/**
 * The platform's DNS resolver, in ECMA-419's shape (the Moddable typings declare only the UDP one,
 * `embedded:network/dns/resolver/udp`, which asks servers given to it; this one asks the system's): the ESP32 and
 * the simulator map it to modules/board/common/dns-resolver (Moddable's `net` module: lwip's DNS client with the
 * DHCP-given servers on the ESP32, the system's resolver on Linux), Node to host/io/dns-resolver.ts (node:dns).
 * IPv4 only. `onResolved` or `onError` is called once per `resolve`, from a later callback; none after `close()`.
 */
declare module "embedded:network/dns/resolver" {
  export interface ResolveOptions {
    host: string;
    onResolved?: (host: string, address: string) => void;
    onError?: (host: string) => void;
  }
  export default class Resolver {
    constructor(options: Record<string, unknown>);
    resolve(options: ResolveOptions): void;
    close(): void;
  }
}

/**
 * The TLS socket the push client uses for https:// receivers (modules/push/http-client, option `tls`), or undefined
 * where the platform has none: host/push-tls.ts on Node (node:tls), modules/board/common/push-tls.ts on the ESP32
 * and the simulator (none; see docs/push.md).
 */
declare module "push-tls" {
  const tls: { io: new (options: Record<string, unknown>) => unknown; secure?: Record<string, unknown> } | undefined;
  export default tls;
}
