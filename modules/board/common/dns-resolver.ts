/**
 * The platform's DNS resolver in ECMA-419's shape, `embedded:network/dns/resolver` (declared in
 * modules/app/platform.d.ts), for the ESP32 and the simulator, on Moddable's `net` module: `Net.resolve` asks lwip's
 * DNS client on the ESP32 (the servers DHCP gave, or the configured `dns`) and the system's resolver (GLib) on Linux.
 * Moddable ships no platform resolver under this name: its ECMA-419 one, `embedded:network/dns/resolver/udp`, is an
 * example module that asks servers given to it over UDP (examples/io/udp/dns), not the network's own.
 * `onResolved(host, address)` or `onError(host)` is called once per `resolve`, from a later callback (Net.resolve
 * answers from a message to the machine); nothing after `close()`. A full lwip look-up queue makes `resolve` throw.
 */
// biome-ignore lint/correctness/noNodejsModules: Moddable's `net` module (modules/network/net), not Node's
import Net from "net";

export interface ResolveOptions {
  host: string;
  onResolved?: (host: string, address: string) => void;
  onError?: (host: string) => void;
}

export default class Resolver {
  #closed = false;

  /** ECMA-419's constructor takes options; this resolver has none (the system's servers). */
  // biome-ignore lint/complexity/noUselessConstructor: the ECMA-419 signature, which callers type-check against
  constructor(_options?: Record<string, unknown>) {}

  resolve(options: ResolveOptions): void {
    if (this.#closed) throw new Error("Resolver: closed");
    const { host, onResolved, onError } = options;
    Net.resolve(host, (_name: string, address?: string) => {
      if (this.#closed) return;
      if (typeof address === "string" && address !== "" && address.indexOf(":") < 0)
        onResolved?.call(this, host, address);
      else onError?.call(this, host);
    });
  }

  close(): void {
    this.#closed = true;
  }
}
