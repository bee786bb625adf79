/** Test helpers for the host platform: node:net peers and promises for ECMA-419 callbacks. */
import * as net from "node:net";
import Listener from "../../host/io/listener";
import type TCP from "../../host/io/tcp";

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolve on the next event-loop turn (after I/O of this turn). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolve once `condition()` holds, checking once per event-loop turn (no wall-clock waiting). */
export async function until(condition: () => boolean, turns = 1_000_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error("condition not reached");
}

/** A node:net client connected to 127.0.0.1:port, collecting what it receives. */
export class Peer {
  readonly socket: net.Socket;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  readonly chunks: Buffer[] = [];
  received = 0;
  error: (Error & { code?: string }) | undefined;
  ended = false;
  #waiters: Array<{ bytes: number; resolve: () => void }> = [];

  constructor(port: number) {
    this.socket = net.connect({ host: "127.0.0.1", port });
    this.connected = new Promise((resolve) => this.socket.once("connect", () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.socket.on("error", (error) => {
      this.error = error;
    });
    this.socket.on("end", () => {
      this.ended = true;
    });
    this.socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.#waiters = this.#waiters.filter((w) => (this.received >= w.bytes ? (w.resolve(), false) : true));
    });
  }

  /** Resolves once at least `bytes` bytes have arrived in total. */
  receivedAtLeast(bytes: number): Promise<void> {
    if (this.received >= bytes) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("latin1");
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A host Listener on an ephemeral port whose connections are handed to `onConnection` (not adopted). */
export function listen(onConnection: (pending: TCP, listener: Listener) => void): Listener {
  return new Listener({
    port: 0,
    onReadable(count) {
      for (let i = 0; i < count; i++) {
        const pending = this.read();
        if (pending) onConnection(pending, this);
      }
    },
  });
}

export function text(value: unknown): string {
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("latin1");
  throw new Error(`ArrayBuffer expected, got ${String(value)}`);
}

export function bytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, "latin1"));
}
