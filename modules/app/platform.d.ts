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
