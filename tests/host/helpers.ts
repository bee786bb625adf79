/** Test helpers for the host platform: node:net peers and promises for ECMA-419 callbacks. Waiting: tests/support/wait.ts. */
import * as net from "node:net";
import Listener from "../../host/io/listener";
import type TCP from "../../host/io/tcp";
import { Signal, until } from "../support/wait";

/** A promise with its resolve function. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
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
  readonly #arrived = new Signal();

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
      this.#arrived.notify();
    });
  }

  /** Resolves once at least `bytes` bytes have arrived in total. */
  receivedAtLeast(bytes: number): Promise<void> {
    return until(() => this.received >= bytes, { on: this.#arrived, what: `${String(bytes)} bytes` });
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
