/**
 * Host (Node) implementation of the platform's ECMA-419 DNS resolver, `embedded:network/dns/resolver`
 * (declared in modules/app/platform.d.ts), on node:dns `lookup` (the system's resolver: /etc/hosts, then DNS), IPv4
 * only as on the device. `onResolved(host, address)` or `onError(host)` is called once per `resolve`, from a later
 * event-loop turn (never from inside `resolve`), `this` the resolver; nothing is called after `close()`.
 */
import * as dns from "node:dns";

export interface ResolveOptions {
  host: string;
  onResolved?: (host: string, address: string) => void;
  onError?: (host: string) => void;
}

export default class Resolver {
  #closed = false;

  constructor(options: Record<string, unknown> = {}) {
    if (options === null || typeof options !== "object") throw new TypeError("Resolver: options object expected");
  }

  resolve(options: ResolveOptions): void {
    if (this.#closed) throw new Error("Resolver: closed");
    const host = options?.host;
    if (typeof host !== "string" || host === "") throw new TypeError("Resolver: host expected");
    const { onResolved, onError } = options;
    dns.lookup(host, { family: 4 }, (error, address) => {
      if (this.#closed) return;
      if (error || typeof address !== "string") onError?.call(this, host);
      else onResolved?.call(this, host, address);
    });
  }

  close(): void {
    this.#closed = true;
  }
}
