/**
 * Host (Node) implementation of the ECMA-419 TCP socket, `embedded:io/socket/tcp`, on node:net.
 *
 * Semantics follow ECMA-419 and Moddable's own implementations (lwip on ESP32, select() on Linux):
 *  - Callbacks (`onReadable(bytes)`, `onWritable(bytes)`, `onError()`) are always delivered asynchronously, from a
 *    later turn of the event loop, never from inside `read`/`write`/the constructor; `this` is the socket.
 *    Events that happen before a delivery are coalesced into it, in the order readable, writable, error.
 *  - `onReadable(bytes)` gives the number of bytes readable now (not the number just received). It fires when new
 *    bytes arrive — only then: bytes announced and left unread are not announced again (as on the device), so read
 *    what you are told about or remember the count. Bytes waiting beyond the receive window (see `readBuffer`)
 *    count as new when a read makes room for them.
 *  - `read()` returns an ArrayBuffer with everything readable, `read(n)` exactly `n` bytes, `read(buffer)` fills the
 *    whole buffer (ArrayBuffer or view) and returns its length; asking for more than is readable, or for <= 0
 *    bytes, throws (as on the device). With nothing readable every form returns `undefined`.
 *    With format "number", `read()` returns one byte (or `undefined`) and `write(n)` writes one byte.
 *  - `write(buffer)` copies the bytes and returns the remaining writable budget. The writes made in one callback turn
 *    are copied into one send buffer and handed to the operating system together once the turn ends (one write),
 *    as lwip copies each tcp_write into its send buffer and sends what one turn queued with one tcp_output.
 *    The budget is `writeBuffer` bytes minus what is queued but not yet handed to the operating system; writing
 *    more than the budget throws "would block" (as the device does). `onWritable(budget)` announces the budget when the connection is
 *    established (or adopted) and each time queued bytes drain. Writing before the connection is established
 *    throws "not ready"; writing after an error (peer reset or close) is silently ignored (as lwip does).
 *  - The peer closing its side (FIN) or resetting the connection is an error: `onError()` is delivered once, after
 *    every byte received before it has been read.
 *  - `close()` is idempotent; no callback is delivered after it; later `read`/`write` throw. Queued bytes are still
 *    sent, then the connection is closed — unless unread received bytes remain, in which case the connection is
 *    reset, as a real TCP stack (Linux, lwip) does when a socket is closed with unread data.
 *  - `remoteAddress` / `remotePort` of the peer (IPv4-mapped IPv6 addresses are given in IPv4 form).
 *  - `new TCP({from: pending})` adopts a connection returned by `Listener.prototype.read()` (or another TCP socket);
 *    the `from` instance is closed by the adoption, without closing the connection.
 *
 * Host settings (see `configureSockets` below, or the environment at start-up):
 *   HOST_SOCKET_PROFILE=esp32 (default) | lin — "lin" mimics the Moddable Linux port: 1536-byte write budget and
 *     receive window, callbacks delivered on a 20 ms poll grid, and its error model (`linErrors`): the peer closing
 *     its side (FIN) is not reported (the port ignores a read of 0 bytes), and once the peer is gone a write returns
 *     undefined and the socket goes quiet, with no callback after it, not even onError (the port marks the socket
 *     errored and stops polling it). A reset (RST) is still reported by onError, as the port's read reports it.
 *     Simplification: the host treats a peer that sent FIN as gone (the first write after it fails; on Linux the
 *     write that follows the peer's reset does), so a client that half-closes and still reads is not modelled;
 *   HOST_TCP_WRITE_BUFFER=<bytes>, HOST_TCP_READ_BUFFER=<bytes>, HOST_TCP_POLL_MS=<ms> override single settings.
 * The default (esp32) profile uses ESP-IDF's default lwip TCP send buffer and window (5744 bytes each) and delivers
 * callbacks on the next event-loop turn.
 */
import * as net from "node:net";
import { hostCounters } from "../instrumentation";

export type Buffer = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

export type Options = ((({ address: string } | { host: string }) & { port: number }) | { from: TCP }) & {
  nodelay?: boolean;
  onReadable?: (this: TCP, bytes: number) => void;
  onWritable?: (this: TCP, bytes: number) => void;
  onError?: (this: TCP) => void;
  format?: "number" | "buffer";
  target?: any;
};

/* ------------------------------------------------------------------------------------------------------------ */
/* Host settings                                                                                                */

export interface SocketSettings {
  /** Writable budget per socket, in bytes (lwip TCP_SND_BUF on the device). */
  writeBuffer: number;
  /** Receive window per socket: at most this many bytes are announced/readable at once; reading from the OS pauses
   *  while this many are buffered. */
  readBuffer: number;
  /** 0: deliver callbacks on the next event-loop turn; > 0: deliver them on a grid of this many ms (Linux port: 20). */
  pollInterval: number;
  /** the Linux port's error model (see above); false: FIN and reset are errors reported by onError (lwip) */
  linErrors: boolean;
}

export const PROFILES: { readonly [name: string]: Readonly<SocketSettings> } = Object.freeze({
  esp32: Object.freeze({ writeBuffer: 5744, readBuffer: 5744, pollInterval: 0, linErrors: false }),
  lin: Object.freeze({ writeBuffer: 1536, readBuffer: 1536, pollInterval: 20, linErrors: true }),
});

function settingFromEnv(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name}=${raw}: an integer >= ${min} expected`);
  return value;
}

function settingsFromEnv(): SocketSettings {
  const profileName = process.env.HOST_SOCKET_PROFILE || "esp32";
  const profile = PROFILES[profileName];
  if (!profile)
    throw new RangeError(`HOST_SOCKET_PROFILE=${profileName}: expected one of ${Object.keys(PROFILES).join(", ")}`);
  return {
    writeBuffer: settingFromEnv("HOST_TCP_WRITE_BUFFER", 1) ?? profile.writeBuffer,
    readBuffer: settingFromEnv("HOST_TCP_READ_BUFFER", 1) ?? profile.readBuffer,
    pollInterval: settingFromEnv("HOST_TCP_POLL_MS", 0) ?? profile.pollInterval,
    linErrors: profile.linErrors,
  };
}

let settings: SocketSettings = settingsFromEnv();

/** Current host socket settings (a copy). */
export function socketSettings(): SocketSettings {
  return { ...settings };
}

/**
 * Change host socket settings for sockets and listeners created afterwards. Pass a profile name ("esp32", "lin")
 * and/or individual settings; returns the previous settings so a test can restore them.
 */
export function configureSockets(change: Partial<SocketSettings> & { profile?: string }): SocketSettings {
  const previous = socketSettings();
  let next = { ...settings };
  if (change.profile !== undefined) {
    const profile = PROFILES[change.profile];
    if (!profile) throw new RangeError(`unknown socket profile "${change.profile}"`);
    next = { ...profile };
  }
  for (const key of ["writeBuffer", "readBuffer", "pollInterval"] as const) {
    const value = change[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < (key === "pollInterval" ? 0 : 1))
      throw new RangeError(`${key}: bad value ${value}`);
    next[key] = value;
  }
  if (change.linErrors !== undefined) next.linErrors = Boolean(change.linErrors);
  settings = next;
  return previous;
}

/** Callbacks scheduled and not delivered yet, on every socket and listener (see pendingDeliveries). */
let scheduledDeliveries = 0;

/**
 * Host only (tests): the number of socket and listener callbacks scheduled and not delivered yet. With the client
 * side's writes handed to the operating system (loopback delivers them at once), a few event-loop turns in a row
 * with nothing pending mean the device code has seen everything sent so far.
 */
export function pendingDeliveries(): number {
  return scheduledDeliveries;
}

/** Run `deliver` later: on the next turn, or on the next point of the poll grid. */
export function later(pollInterval: number, deliver: () => void): void {
  scheduledDeliveries++;
  const counted = () => {
    scheduledDeliveries--;
    deliver();
  };
  if (pollInterval > 0) {
    const timer = setTimeout(counted, pollInterval - (Date.now() % pollInterval));
    void timer;
  } else {
    setImmediate(counted);
  }
}

/* ------------------------------------------------------------------------------------------------------------ */

const READABLE = 1;
const WRITABLE = 2;
const ERROR = 4;

function bytesOf(value: unknown, what: string): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer))
    return new Uint8Array(value);
  throw new TypeError(`${what}: ArrayBuffer or view expected`);
}

function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** One connection's state; moves from TCP instance to TCP instance on adoption (`from`). */
class Connection {
  owner: TCP | undefined;
  readonly socket: net.Socket;
  readonly settings: SocketSettings;
  rx: Uint8Array[] = [];
  rxOffset = 0; // consumed bytes of rx[0]
  rxBytes = 0; // unread bytes in rx
  queued = 0; // written bytes not yet handed to the OS
  connected: boolean;
  flowing = false;
  paused = false;
  failed = false; // peer closed or reset, or connect failed
  peerEnded = false; // linErrors: the peer sent FIN (not reported)
  quiet = false; // linErrors: a write failed; no callback is delivered any more
  errorDelivered = false;
  triggered = 0;
  scheduled = false;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  onReadable: ((this: TCP, bytes: number) => void) | undefined;
  onWritable: ((this: TCP, bytes: number) => void) | undefined;
  onError: ((this: TCP) => void) | undefined;
  released = false;
  turn: Uint8Array | null = null; // bytes written in the current turn, sent when it ends (see TCP.prototype.write)
  turnLength = 0;
  sendBuffer: Uint8Array | null = null; // writeBuffer bytes, reused for each turn while no send is in flight
  sendBusy = false;

  inflight: number[] = []; // sizes of the sends handed to the OS and not yet completed (see sendTurn)
  readonly onSent: (error?: Error | null) => void;

  constructor(socket: net.Socket, connected: boolean) {
    this.socket = socket;
    this.onSent = (error) => {
      const sent = this.inflight.shift() as number;
      if (sent < 0) {
        this.queued += sent;
        this.sendBusy = false;
      } else this.queued -= sent;
      if (!error) this.trigger(WRITABLE);
    };
    this.settings = { ...settings };
    this.connected = connected;
    hostCounters.sockets++;
    socket.on("error", () => {
      this.failed = true;
      this.trigger(ERROR);
    });
    socket.on("close", () => {
      this.failed = true;
      this.release();
      this.trigger(ERROR);
    });
    if (connected) this.noteRemote();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    hostCounters.sockets--;
  }

  noteRemote(): void {
    this.remoteAddress = plainAddress(this.socket.remoteAddress);
    this.remotePort = this.socket.remotePort;
  }

  /** Start moving received data into `rx` (once callbacks exist: a pending connection waits in the OS). */
  startFlowing(): void {
    if (this.flowing) return;
    this.flowing = true;
    this.socket.on("data", (chunk: Uint8Array) => {
      if (!this.owner) return;
      this.rx.push(chunk);
      this.rxBytes += chunk.byteLength;
      hostCounters.noteRead(chunk.byteLength);
      if (this.rxBytes >= this.settings.readBuffer && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      this.trigger(READABLE);
    });
    this.socket.on("end", () => {
      if (this.settings.linErrors) this.peerEnded = true;
      else {
        this.failed = true;
        this.trigger(ERROR);
      }
    });
    this.socket.resume();
  }

  get readable(): number {
    return Math.min(this.rxBytes, this.settings.readBuffer);
  }

  get writable(): number {
    return this.connected && !this.failed ? Math.max(0, this.settings.writeBuffer - this.queued) : 0;
  }

  trigger(what: number): void {
    this.triggered |= what;
    if (this.scheduled || !this.owner || this.quiet) return;
    this.scheduled = true;
    scheduledDeliveries++;
    const poll = this.settings.pollInterval;
    if (poll > 0) setTimeout(deliverConnection, poll - (Date.now() % poll), this);
    else setImmediate(deliverConnection, this); // no closure per delivery
  }

  deliver(): void {
    this.scheduled = false;
    const triggered = this.triggered;
    this.triggered = 0;
    const owner = this.owner;
    if (!owner || this.quiet) return;
    if (triggered & READABLE && this.onReadable) {
      const bytes = this.readable;
      if (bytes > 0) this.onReadable.call(owner, bytes);
    }
    if (this.owner !== owner) return;
    if (triggered & WRITABLE && this.onWritable && !this.failed) {
      const bytes = this.writable;
      if (bytes > 0) this.onWritable.call(owner, bytes);
    }
    if (this.owner !== owner) return;
    if (this.failed && !this.errorDelivered && this.rxBytes === 0 && this.onError) {
      this.errorDelivered = true;
      this.onError.call(owner);
    }
  }

  /** Copy `count` unread bytes into `out` (count <= readable). */
  take(out: Uint8Array, count: number): void {
    const hidden = this.rxBytes > this.settings.readBuffer; // bytes beyond the announced window
    let done = 0;
    while (done < count) {
      const head = this.rx[0];
      const use = Math.min(count - done, head.byteLength - this.rxOffset);
      out.set(head.subarray(this.rxOffset, this.rxOffset + use), done);
      done += use;
      this.rxOffset += use;
      if (this.rxOffset === head.byteLength) {
        this.rx.shift();
        this.rxOffset = 0;
      }
    }
    this.rxBytes -= count;
    if (this.paused && this.rxBytes < this.settings.readBuffer) {
      this.paused = false;
      if (!this.failed) this.socket.resume();
    }
    // Like the device, bytes already announced are not announced again: onReadable follows only new bytes,
    // here bytes that were waiting beyond the window and have now come into it.
    if (hidden && this.rxBytes > 0) this.trigger(READABLE);
    else if (this.rxBytes === 0 && this.failed) this.trigger(ERROR); // error is delivered once the received bytes are read
  }

  close(): void {
    this.owner = undefined;
    this.triggered = 0;
    const socket = this.socket;
    if (socket.destroyed) return;
    if (this.rxBytes > 0 || socket.readableLength > 0) {
      // closing with unread data: a TCP stack answers with a reset
      socket.resetAndDestroy();
      return;
    }
    sendTurn(this); // bytes written in this turn go out before the FIN
    socket.removeAllListeners("data");
    socket.on("data", () => {}); // discard anything still arriving while our queued bytes drain
    socket.resume();
    const linger = setTimeout(() => socket.destroy(), 10000);
    linger.unref();
    socket.end(() => {
      clearTimeout(linger);
      socket.destroy();
    });
  }
}

function deliverConnection(connection: Connection): void {
  scheduledDeliveries--;
  connection.deliver();
}

/** End of a turn: hand the bytes written during it to the OS in one write. */
function sendTurn(connection: Connection): void {
  const turn = connection.turn;
  if (turn === null) return;
  const count = connection.turnLength;
  connection.turn = null;
  connection.turnLength = 0;
  const socket = connection.socket;
  hostCounters.noteWritten(count); // counted once per turn, as handed to the OS
  const reused = turn === connection.sendBuffer;
  if (socket.destroyed) {
    connection.queued -= count;
    if (reused) connection.sendBusy = false;
    return;
  }
  // completions arrive in write order: the sizes in flight are queued (negative: the reused send buffer)
  connection.inflight.push(reused ? -count : count);
  socket.write(turn.subarray(0, count), connection.onSent);
}

const adopting = Symbol("adopting");

/** Internal (host/io/tls.ts): makes the outgoing socket (a node:tls one, connected once "secureConnect" fires). */
export const connector = Symbol("connector");
export type Connector = (host: string, port: number) => net.Socket;

/** Internal: a TCP instance for a connection accepted by a Listener and not yet adopted. */
export function pendingConnection(socket: net.Socket): TCP {
  return new TCP({ [adopting]: socket } as unknown as Options);
}

export default class TCP {
  #connection: Connection | undefined;
  #format: "number" | "buffer" = "buffer";
  #closed = false;
  target: any;

  constructor(options: Options) {
    if (options === null || typeof options !== "object") throw new TypeError("TCP: options object required");
    const raw = options as Options & { [adopting]?: net.Socket; [connector]?: Connector };
    const accepted = raw[adopting];
    if (accepted) {
      const connection = new Connection(accepted, true);
      connection.owner = this;
      this.#connection = connection;
      return;
    }

    const format = options.format ?? "buffer";
    if (format !== "buffer" && format !== "number") throw new RangeError(`TCP: unsupported format "${String(format)}"`);
    for (const name of ["onReadable", "onWritable", "onError"] as const) {
      const callback = options[name];
      if (callback !== undefined && typeof callback !== "function")
        throw new TypeError(`TCP: ${name} must be a function`);
    }

    let connection: Connection;
    if ("from" in options && options.from !== undefined) {
      const from = options.from;
      if (!(from instanceof TCP)) throw new TypeError("TCP: invalid from");
      const taken = from.#connection;
      if (!taken) throw new Error("TCP: invalid from (closed)");
      from.#connection = undefined;
      from.#closed = true;
      connection = taken;
    } else {
      const o = options as { address?: unknown; host?: unknown; port?: unknown };
      const host = o.address ?? o.host;
      if (typeof host !== "string" || host === "") throw new TypeError("TCP: address or host required");
      const port = o.port;
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
        throw new RangeError(`TCP: invalid port ${String(port)}`);
      const connect = raw[connector];
      // linErrors: a FIN does not end our side
      const socket = connect ? connect(host, port) : new net.Socket({ allowHalfOpen: settings.linErrors });
      connection = new Connection(socket, false);
      socket.once(connect ? "secureConnect" : "connect", () => {
        connection.connected = true;
        connection.noteRemote();
        connection.trigger(WRITABLE);
      });
      if (!connect) socket.connect({ host, port });
    }

    connection.owner = this;
    connection.onReadable = options.onReadable;
    connection.onWritable = options.onWritable;
    connection.onError = options.onError;
    if (options.nodelay !== undefined) connection.socket.setNoDelay(Boolean(options.nodelay));
    this.#format = format;
    this.target = options.target;
    this.#connection = connection;
    connection.startFlowing();
    let pending = 0;
    if (connection.rxBytes > 0) pending |= READABLE;
    if (connection.writable > 0) pending |= WRITABLE;
    if (connection.failed) pending |= ERROR;
    connection.triggered = 0;
    connection.scheduled = false;
    if (pending) connection.trigger(pending);
  }

  #live(what: string): Connection {
    const connection = this.#connection;
    if (!connection) throw new Error(`TCP ${what}: socket is closed`);
    return connection;
  }

  read(byteLength?: number): number | ArrayBuffer;
  read(buffer: Buffer): void;
  read(arg?: number | Buffer): any {
    const connection = this.#live("read");
    const available = connection.readable;
    if (available === 0) return undefined;
    if (this.#format === "number") {
      const out = new Uint8Array(1);
      connection.take(out, 1);
      return out[0];
    }
    if (arg === undefined) {
      const out = new ArrayBuffer(available);
      connection.take(new Uint8Array(out), available);
      return out;
    }
    if (typeof arg === "number") {
      if (!Number.isInteger(arg) || arg <= 0 || arg > available)
        throw new RangeError(`TCP read: invalid byteLength ${arg} (${available} readable)`);
      const out = new ArrayBuffer(arg);
      connection.take(new Uint8Array(out), arg);
      return out;
    }
    const out = bytesOf(arg, "TCP read");
    if (out.byteLength === 0 || out.byteLength > available)
      throw new RangeError(`TCP read: invalid buffer of ${out.byteLength} bytes (${available} readable)`);
    connection.take(out, out.byteLength);
    return out.byteLength;
  }

  write(value: number | Buffer): void {
    const connection = this.#live("write");
    let bytes: Uint8Array;
    if (this.#format === "number") {
      if (typeof value !== "number") throw new TypeError('TCP write: number expected (format is "number")');
      bytes = Uint8Array.of(value & 0xff);
    } else {
      bytes = bytesOf(value, "TCP write");
    }
    if (connection.failed || connection.peerEnded) {
      // lwip drops writes after an error; the Linux port's write fails, marks the socket errored and goes quiet
      if (connection.settings.linErrors) connection.quiet = true;
      return undefined;
    }
    if (!connection.connected) throw new Error("TCP write: not ready (not connected yet)");
    const count = bytes.byteLength;
    const budget = connection.writable;
    if (count > budget) throw new Error(`TCP write: would block (${count} bytes, writable budget ${budget})`);
    // biome-ignore lint/suspicious/noConfusingVoidType: Moddable's write() returns the budget left, its typings say void
    if (count === 0) return budget as unknown as void;
    // Like lwip (tcp_write copies into the send buffer, tcp_output sends once per turn): the bytes of every write
    // made in this turn are copied into one buffer, sent when the turn ends. It never outgrows the budget at the
    // first write of the turn, since each write is checked against the budget.
    let turn = connection.turn;
    if (turn === null) {
      if (!connection.sendBusy) {
        // the connection's send buffer (TCP_SND_BUF on the device), free again once its last send completed
        turn = connection.sendBuffer;
        if (turn === null)
          turn = connection.sendBuffer = globalThis.Buffer.allocUnsafeSlow(connection.settings.writeBuffer);
        connection.sendBusy = true;
      } else turn = globalThis.Buffer.allocUnsafe(budget);
      connection.turn = turn;
      process.nextTick(sendTurn, connection);
    }
    turn.set(bytes, connection.turnLength);
    connection.turnLength += count;
    connection.queued += count;
    // biome-ignore lint/suspicious/noConfusingVoidType: as above
    return connection.writable as unknown as void;
  }

  close(): void {
    const connection = this.#connection;
    this.#closed = true;
    if (!connection) return;
    this.#connection = undefined;
    connection.close();
  }

  get remoteAddress(): string | undefined {
    return this.#connection?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#connection?.remotePort;
  }

  get format(): "number" | "buffer" {
    return this.#format;
  }

  set format(value: "number" | "buffer") {
    if (value !== "number" && value !== "buffer") throw new RangeError(`TCP: unsupported format "${String(value)}"`);
    this.#format = value;
  }

  /** Host only (not on the device): true once closed or adopted by another instance. */
  get closed(): boolean {
    return this.#closed;
  }
}
