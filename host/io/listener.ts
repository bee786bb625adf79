/**
 * Host (Node) implementation of the ECMA-419 TCP listener, `embedded:io/socket/listener`, on node:net.
 *
 *  - `new Listener({port, address?, onReadable?, format?: "socket/tcp", target?})` binds and listens synchronously:
 *    a bind failure (port in use, bad address, no permission) throws from the constructor, as on the device.
 *    `port: 0` (or no port) picks a free port; the `port` property gives the bound port.
 *  - Host difference: when `address` is omitted the listener binds 127.0.0.1 (the device binds every interface),
 *    unless the environment variable HOST_LISTEN_ADDRESS names another address (e.g. 0.0.0.0).
 *  - Accepted connections wait, unread, in a queue. `onReadable(count)` (asynchronous, coalesced) gives the number
 *    of connections waiting. `read()` returns the oldest one as a TCP instance without callbacks (or `undefined`);
 *    adopt it with `new TCP({from: connection, onReadable, onWritable, onError})`, or `close()` it. Until it is
 *    adopted, the bytes the peer sends wait in the operating system and its `read()` returns undefined.
 *  - At most MAX_PENDING (128) connections wait; further connections are reset at once (like a device that has run
 *    out of TCP control blocks), so an application that never reads cannot make the host grow without bound.
 *  - `close()` is idempotent: stops listening and closes the connections still waiting; no callback follows it.
 *  - Host extension (not in the ECMA-419 listener): an optional `onError()` is called, asynchronously, if the
 *    operating system reports an error on the listening socket after it was created (e.g. EMFILE on accept).
 */
import * as net from "node:net";
import { getSystemErrorName } from "node:util";
import type TCP from "./tcp";
import { later, pendingConnection, socketSettings } from "./tcp";
import { hostCounters } from "../instrumentation";

export const MAX_PENDING = 128;

export interface ListenerOptions {
  port?: number;
  address?: string;
  onReadable?: (this: Listener, requests: number) => void;
  onError?: (this: Listener) => void;
  format?: "socket/tcp";
  target?: any;
}

interface TcpWrapHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  close(): void;
}

/** Bind and listen synchronously (node's net.Server binds asynchronously when given an address). */
function bindNow(address: string, port: number): TcpWrapHandle | undefined {
  let binding: { TCP: new (type: number) => TcpWrapHandle; constants: { SERVER: number } };
  try {
    binding = (process as unknown as { binding(name: string): any }).binding("tcp_wrap");
  } catch {
    return undefined; // fall back to an asynchronous listen
  }
  const handle = new binding.TCP(binding.constants.SERVER);
  const v6 = net.isIPv6(address);
  let err = v6 ? handle.bind6(address, port, 0) : handle.bind(address, port);
  if (!err) err = handle.listen(511);
  if (err) {
    handle.close();
    const code = getSystemErrorName(err);
    const error = new Error(`Listener: cannot listen on ${v6 ? `[${address}]` : address}:${port}: ${code}`) as Error & {
      code: string;
    };
    error.code = code;
    throw error;
  }
  return handle;
}

export default class Listener {
  #server: net.Server | undefined;
  #pending: TCP[] = [];
  #onReadable: ((this: Listener, requests: number) => void) | undefined;
  #port: number;
  #scheduled = false;
  #pollInterval: number;
  target: any;

  constructor(options: ListenerOptions) {
    if (options === null || typeof options !== "object") throw new TypeError("Listener: options object required");
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`Listener: invalid port ${String(port)}`);
    const format = options.format ?? "socket/tcp";
    if (format !== "socket/tcp") throw new RangeError(`Listener: unsupported format "${String(format)}"`);
    if (options.onReadable !== undefined && typeof options.onReadable !== "function")
      throw new TypeError("Listener: onReadable must be a function");
    const address = options.address || process.env.HOST_LISTEN_ADDRESS || "127.0.0.1";
    if (!net.isIP(address)) throw new TypeError(`Listener: invalid address "${address}"`);

    this.#onReadable = options.onReadable;
    this.target = options.target;
    this.#pollInterval = socketSettings().pollInterval;

    // with the Linux port's error model a peer's FIN is not reported, so node must not end our side on it either
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: socketSettings().linErrors });
    server.on("connection", (socket) => this.#accept(socket));
    const onError = options.onError;
    server.on("error", () => {
      // bind/listen errors are thrown by the constructor; this is a later failure of the listening socket
      if (this.#server && typeof onError === "function")
        later(this.#pollInterval, () => this.#server && onError.call(this));
    });
    const handle = bindNow(address, port);
    if (handle) {
      const name: { port?: number } = {};
      handle.getsockname(name);
      this.#port = name.port ?? port;
      server.listen(handle as unknown as net.ListenOptions);
    } else {
      this.#port = port;
      server.listen({ host: address, port }, () => {
        const bound = server.address();
        if (bound && typeof bound === "object") this.#port = bound.port;
      });
    }
    this.#server = server;
    hostCounters.sockets++;
  }

  #accept(socket: net.Socket): void {
    socket.on("error", () => {}); // reported to the adopting TCP instance (see tcp.ts)
    if (!this.#server || this.#pending.length >= MAX_PENDING) {
      socket.resetAndDestroy();
      return;
    }
    this.#pending.push(pendingConnection(socket));
    if (this.#onReadable && !this.#scheduled) {
      this.#scheduled = true;
      later(this.#pollInterval, () => this.#deliver());
    }
  }

  #deliver(): void {
    this.#scheduled = false;
    if (!this.#server || !this.#onReadable) return;
    const count = this.#pending.length;
    if (count > 0) this.#onReadable.call(this, count);
  }

  /** The oldest waiting connection, or undefined when none waits. */
  read(): TCP | undefined {
    if (!this.#server) throw new Error("Listener read: listener is closed");
    return this.#pending.shift();
  }

  close(): void {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.close();
    for (const connection of this.#pending.splice(0)) connection.close();
    hostCounters.sockets--;
  }

  get port(): number {
    return this.#port;
  }

  get format(): "socket/tcp" {
    return "socket/tcp";
  }

  set format(value: "socket/tcp") {
    if (value !== "socket/tcp") throw new RangeError(`Listener: unsupported format "${String(value)}"`);
  }
}
