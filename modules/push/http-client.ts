/**
 * The HTTP/1.1 client of the push clients (remote write, Pushgateway): implements `PushTransport` (./request) over
 * an ECMA-419 TCP socket (`embedded:io/socket/tcp`), or a TLS socket of the same shape for https:// when one is
 * given (`tls` option; see docs/push.md for what each platform has).
 *
 * One request at a time, one connection per request ("Connection: close"): a push goes out every 15 s or so, a
 * kept-alive connection would hold a socket and its buffers (and a TLS session's tens of KB) between pushes, and a
 * NAT or load balancer in between drops idle connections silently, so the next push would have to detect a dead
 * connection and retry anyway. A fresh connection per push costs one handshake and is never stale.
 *
 * Life of a request:
 *   resolve   an IPv4 address in the URL is used as is; a name goes through the platform's ECMA-419 DNS resolver
 *             (`embedded:network/dns/resolver`: `resolve({host, onResolved(host, address), onError(host)})`)
 *   connect   new TCP({address, port}) (or the TLS socket, with `host` for SNI and the certificate check)
 *   send      the head ("METHOD path HTTP/1.1", Host, the caller's headers, Content-Type, Content-Length or
 *             Transfer-Encoding: chunked, Connection: close), then the body: a Uint8Array is written from itself
 *             (no copy); a BodySource is pulled into a fixed buffer (`bufferSize`) and sent as chunks. Writes follow
 *             the socket's budget (onWritable) and never exceed 1536 bytes (Moddable's Linux sockets); a write that
 *             returns no number or throws (a failed write on Moddable Linux, which calls no onError) ends the
 *             request with a network error.
 *   receive   the response is parsed by the project's parser in response mode (../http/parser): status,
 *             Retry-After (./retry-after: seconds, or a date against `now()`), and for a status other than 2xx the
 *             first MESSAGE_MAX bytes of the body as the receiver's message (decoded as UTF-8); the rest of the body
 *             is not read: the connection is closed once the outcome is known.
 * `done` is called exactly once per request, from a later callback (never from inside `request`), with
 * `{status, retryAfter?, message?}` or `{networkError}`; `timeout` ms (default 10 000) after `request`, whatever the
 * step, it is a network error. `abort()` closes the socket and `done` is never called for that request.
 * Memory per client, fixed at construction: the body buffer, the parser's buffers (about 300 bytes) and the message
 * buffer; per request, the head's bytes and each read's ArrayBuffer (at most 512 bytes).
 */
import Resolver from "embedded:network/dns/resolver";
import TCP from "embedded:io/socket/tcp";
import Timer from "timer";
import { HttpParser, PHASE_BODY, PHASE_COMPLETE, PHASE_ERROR, PHASE_HEAD } from "../http/parser";
import type { BodySource } from "../http/handler";
import { decode, encode } from "../text/utf8";
import { MESSAGE_MAX, type SendResult } from "./forwarder";
import type { PushRequest, PushTransport } from "./request";
import { parseRetryAfter } from "./retry-after";

/** The socket as the client uses it: ECMA-419 TCP, or a TLS socket of the same shape. */
export interface ClientSocket {
  read(byteLength: number): unknown;
  write(buffer: Uint8Array): unknown;
  close(): void;
}
/** a socket class: ECMA-419 TCP, or a TLS socket of the same shape (typed loosely: platforms declare their own) */
export type ClientSocketClass = new (options: Record<string, unknown>) => unknown;

export interface HttpClientOptions {
  /** ms from request() to the outcome (resolving, connecting, sending, the response); default 10 000 */
  timeout?: number;
  /** bytes of the buffer a BodySource is pulled into (one chunk each), 64 to 16384; default 1024 */
  bufferSize?: number;
  /** the TLS socket for https:// (ECMA-419 shape, e.g. `embedded:io/socket/tcp/tls`); `secure` is passed to it as
   *  is (certificate authorities, ...). Without it, an https:// request is refused with a network error. */
  tls?: { io: ClientSocketClass; secure?: Record<string, unknown> };
  /** wall clock, ms since 1970 (a Retry-After date is relative to it); default Date.now */
  now?: () => number;
}

export const DEFAULT_TIMEOUT = 10000;
export const DEFAULT_BUFFER = 1024;
/** Largest write: Moddable's Linux sockets take at most 1536 bytes per write. */
export const WRITE_MAX = 1536;
const READ_MAX = 512;
const CHUNK_HEAD = 10; // "ffffffff\r\n" at most; sizes are below 16384 here: 6 bytes used
const CRLF = 2;

// steps, for the timeout's message
const IDLE = 0;
const RESOLVING = 1;
const CONNECTING = 2;
const SENDING = 3;
const RECEIVING = 4;
const STEP_NAMES = ["", "resolving the host name", "connecting", "sending the request", "waiting for the response"];

// what is being written
const W_HEAD = 0;
const W_BODY = 1;
const W_SOURCE = 2;
const W_DONE = 3;

function isIPv4(host: string): boolean {
  // the URL parser accepted it: digits and dots with four numbers, or a DNS name (which has a letter or '-')
  const n = host.length;
  for (let i = 0; i < n; i++) {
    const c = host.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return false;
  }
  return true;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class HttpClient implements PushTransport {
  readonly timeout: number;
  readonly #tls: { io: ClientSocketClass; secure?: Record<string, unknown> } | undefined;
  readonly #now: () => number;
  readonly #buffer: Uint8Array;
  readonly #parser: HttpParser;
  readonly #message = new Uint8Array(MESSAGE_MAX);
  #messageLength = 0;
  #resolver: Resolver | undefined;

  #done: ((result: SendResult) => void) | undefined;
  #serial = 0;
  #step = IDLE;
  #timer: Timer | undefined;
  #socket: ClientSocket | undefined;
  #writable = 0;
  #writing = W_DONE;
  #pending: Uint8Array | undefined;
  #pendingOffset = 0;
  #body: Uint8Array | null = null;
  #source: BodySource | null = null;
  #head: Uint8Array | undefined;
  #connected = false;
  #secure = false;
  #inside = false;

  constructor(options: HttpClientOptions = {}) {
    const timeout = options.timeout ?? DEFAULT_TIMEOUT;
    if (!(timeout >= 1 && timeout <= 600000)) throw new RangeError("HttpClient: timeout of 1 to 600000 ms expected");
    const size = options.bufferSize ?? DEFAULT_BUFFER;
    if (!(Number.isInteger(size) && size >= 64 && size <= 16384))
      throw new RangeError("HttpClient: bufferSize of 64 to 16384 bytes expected");
    this.timeout = timeout;
    this.#tls = options.tls;
    this.#now = options.now ?? Date.now;
    this.#buffer = new Uint8Array(size);
    // only the status, the framing headers and Retry-After are kept; the body is handed out, never held
    this.#parser = new HttpParser(
      {
        maxTarget: 256,
        maxPath: 0,
        maxAccept: 0,
        maxAuthorization: 0,
        maxHeaders: 64,
        maxHeaderBytes: 8192,
        maxBody: 0x3fffffff,
      },
      true,
    );
  }

  /** a request is in flight */
  get busy(): boolean {
    return this.#done !== undefined;
  }

  request(req: PushRequest, done: (result: SendResult) => void): void {
    if (this.#done !== undefined) {
      // one at a time (the forwarder never overlaps requests): the second one fails, the first goes on
      Timer.set(() => done({ networkError: "a request is already in flight" }));
      return;
    }
    this.#done = done;
    const serial = ++this.#serial;
    const parser = this.#parser;
    parser.reset(); // before anything reads it (the timeout looks at its phase)
    parser.headRequest = false;
    this.#messageLength = 0;
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      if (serial !== this.#serial) return;
      // a body that ends with the connection, whose end the Moddable Linux port does not report (it ignores a FIN):
      // the status and the message are in
      if (this.#parser.phase === PHASE_BODY && this.#parser.closeDelimited) this.#outcome();
      else this.#finish({ networkError: `timeout after ${String(this.timeout)} ms ${STEP_NAMES[this.#step]}` });
    }, this.timeout);
    const url = req.url;
    if (url.scheme === "https" && this.#tls === undefined) {
      this.#fail(serial, "https is not available on this platform (no TLS socket configured)");
      return;
    }
    const body = req.body;
    let head = `${req.method} ${url.path} HTTP/1.1\r\nHost: ${url.host}`;
    if (url.port !== (url.scheme === "https" ? 443 : 80)) head += ":" + String(url.port);
    head += "\r\n" + req.headers;
    if (req.contentType !== undefined) head += "Content-Type: " + req.contentType + "\r\n";
    if (body instanceof Uint8Array) head += "Content-Length: " + String(body.byteLength) + "\r\n";
    else if (body !== null) head += "Transfer-Encoding: chunked\r\n";
    else if (req.method !== "DELETE") head += "Content-Length: 0\r\n";
    head += "Connection: close\r\n\r\n";
    this.#head = encode(head);
    this.#body = body instanceof Uint8Array ? body : null;
    this.#source = body !== null && !(body instanceof Uint8Array) ? body : null;

    if (isIPv4(url.host)) {
      // connect from a callback: done is never called from inside request()
      this.#step = RESOLVING;
      Timer.set(() => {
        if (serial === this.#serial) this.#connect(url.host, url.port, url.host, url.scheme === "https");
      });
      return;
    }
    this.#step = RESOLVING;
    try {
      let resolver = this.#resolver;
      if (resolver === undefined) resolver = this.#resolver = new Resolver({});
      resolver.resolve({
        host: url.host,
        onResolved: (_host: string, address: unknown) => {
          if (serial !== this.#serial || this.#step !== RESOLVING) return;
          const a = Array.isArray(address) ? address[0] : address;
          if (typeof a !== "string" || !isIPv4(a) || a === "") this.#fail(serial, `no IPv4 address for ${url.host}`);
          else this.#connect(a, url.port, url.host, url.scheme === "https");
        },
        onError: () => {
          if (serial === this.#serial && this.#step === RESOLVING) this.#fail(serial, `cannot resolve ${url.host}`);
        },
      });
    } catch (e) {
      this.#fail(serial, `cannot resolve ${url.host}: ${errorText(e)}`);
    }
  }

  abort(): void {
    if (this.#done === undefined) return;
    this.#done = undefined;
    this.#cleanup();
  }

  /** fails the current request from a later callback (never from inside request()) */
  #fail(serial: number, networkError: string): void {
    Timer.set(() => {
      if (serial === this.#serial) this.#finish({ networkError });
    });
  }

  #connect(address: string, port: number, host: string, secure: boolean): void {
    const serial = this.#serial;
    this.#step = CONNECTING;
    this.#connected = false;
    this.#secure = secure;
    this.#writable = 0;
    this.#writing = W_HEAD;
    this.#pending = this.#head;
    this.#pendingOffset = 0;
    try {
      const options: Record<string, unknown> = {
        address,
        port,
        nodelay: true,
        // closures (not the socket's `target`): a TLS socket need not support it, and a late callback of an
        // abandoned socket is recognised by its serial
        onReadable: (bytes: number) => {
          if (serial === this.#serial) this.#readable(bytes);
        },
        onWritable: (bytes: number) => {
          if (serial === this.#serial) this.#writableNow(bytes);
        },
        onError: () => {
          if (serial === this.#serial) this.#socketError();
        },
      };
      const tls = this.#tls;
      if (secure && tls !== undefined) {
        options.host = host;
        options.TCP = { io: TCP };
        options.secure = tls.secure ?? {};
        this.#socket = new tls.io(options) as ClientSocket;
      } else this.#socket = new TCP(options as unknown as ConstructorParameters<typeof TCP>[0]);
    } catch (e) {
      this.#fail(serial, `cannot connect to ${host}:${String(port)}: ${errorText(e)}`);
    }
  }

  /** socket callback: bytes can be written */
  #writableNow(bytes: number): void {
    if (this.#socket === undefined) return;
    this.#connected = true;
    this.#writable = bytes;
    if (this.#step === CONNECTING) this.#step = SENDING;
    this.#send();
  }

  #send(): void {
    if (this.#inside) return;
    this.#inside = true;
    const serial = this.#serial;
    try {
      while (this.#writable > 0 && serial === this.#serial && this.#socket !== undefined) {
        let pending = this.#pending;
        if (pending === undefined) {
          pending = this.#next();
          if (pending === undefined) break;
        }
        let n = pending.byteLength - this.#pendingOffset;
        if (n > this.#writable) n = this.#writable;
        if (n > WRITE_MAX) n = WRITE_MAX;
        const from = this.#pendingOffset;
        const left = this.#socket.write(
          from === 0 && n === pending.byteLength ? pending : pending.subarray(from, from + n),
        );
        if (typeof left !== "number") {
          this.#finish({ networkError: "connection lost while sending the request" });
          break;
        }
        this.#writable = left;
        this.#pendingOffset = from + n;
        if (this.#pendingOffset >= pending.byteLength) {
          this.#pending = undefined;
          this.#pendingOffset = 0;
        }
      }
    } catch (e) {
      if (serial === this.#serial) this.#finish({ networkError: "sending the request: " + errorText(e) });
    }
    this.#inside = false;
  }

  /** the next bytes to write after the head, or undefined when the request is sent */
  #next(): Uint8Array | undefined {
    const writing = this.#writing;
    if (writing === W_HEAD) {
      this.#head = undefined;
      if (this.#body !== null && this.#body.byteLength > 0) {
        this.#writing = W_BODY;
        this.#pending = this.#body;
        return this.#body;
      }
      if (this.#source !== null) {
        this.#writing = W_SOURCE;
        return this.#chunk();
      }
    } else if (writing === W_SOURCE) return this.#chunk();
    this.#writing = W_DONE;
    this.#body = null;
    this.#source = null;
    if (this.#step === SENDING) this.#step = RECEIVING;
    return undefined;
  }

  /** one chunk pulled from the source: size line, data, CRLF; the last one "0\r\n\r\n" */
  #chunk(): Uint8Array | undefined {
    const b = this.#buffer;
    const source = this.#source as BodySource;
    let n = source.read(b.subarray(CHUNK_HEAD, b.length - CRLF));
    if (!(n > 0)) {
      this.#writing = W_DONE;
      this.#source = null;
      // "0\r\n\r\n"
      b[0] = 48;
      b[1] = b[3] = 13;
      b[2] = b[4] = 10;
      this.#pending = b.subarray(0, 5);
      return this.#pending;
    }
    if (n > b.length - CHUNK_HEAD - CRLF) n = b.length - CHUNK_HEAD - CRLF;
    let start = CHUNK_HEAD - CRLF;
    b[start] = 13;
    b[start + 1] = 10;
    for (let v = n; v > 0 || start === CHUNK_HEAD - CRLF; v = v >>> 4) {
      const d = v & 15;
      b[--start] = d < 10 ? 48 + d : 87 + d;
    }
    const end = CHUNK_HEAD + n;
    b[end] = 13;
    b[end + 1] = 10;
    this.#pending = b.subarray(start, end + CRLF);
    return this.#pending;
  }

  /** socket callback: bytes can be read */
  #readable(bytes: number): void {
    const serial = this.#serial;
    const parser = this.#parser;
    try {
      while (bytes > 0 && serial === this.#serial && this.#socket !== undefined) {
        const n = bytes < READ_MAX ? bytes : READ_MAX;
        const got = this.#socket.read(n);
        bytes -= n;
        if (!(got instanceof ArrayBuffer)) break;
        const input = new Uint8Array(got);
        let o = 0;
        while (o < input.length && serial === this.#serial) {
          o = parser.execute(input, o, input.length);
          if (parser.dataEnd > parser.dataStart) this.#keep(input, parser.dataStart, parser.dataEnd);
          let phase = parser.phase;
          if (phase === PHASE_HEAD) {
            if (parser.status < 300) {
              this.#outcome(); // delivered: the body says nothing more
              return;
            }
            parser.startBody();
            phase = parser.phase;
          }
          if (phase === PHASE_ERROR) {
            this.#finish({ networkError: `malformed response (${parser.reason})` });
            return;
          }
          if (phase === PHASE_COMPLETE || this.#messageLength >= MESSAGE_MAX) {
            this.#outcome();
            return;
          }
        }
      }
    } catch (e) {
      if (serial === this.#serial) this.#finish({ networkError: "reading the response: " + errorText(e) });
    }
  }

  #keep(input: Uint8Array, from: number, to: number): void {
    let n = to - from;
    const room = MESSAGE_MAX - this.#messageLength;
    if (n > room) n = room;
    if (n <= 0) return;
    this.#message.set(input.subarray(from, from + n), this.#messageLength);
    this.#messageLength += n;
  }

  /** the response's status is known (and the message, for a status other than 2xx) */
  #outcome(): void {
    const p = this.#parser;
    const result: { status: number; retryAfter?: number; message?: string } = { status: p.status };
    const retryAfter = parseRetryAfter(p.retryAfter, this.#now());
    if (retryAfter !== undefined) result.retryAfter = retryAfter;
    if (p.status >= 300 && this.#messageLength > 0) result.message = decode(this.#message, 0, this.#messageLength);
    this.#finish(result);
  }

  /** socket callback: the connection failed, or the peer closed or reset it */
  #socketError(): void {
    if (this.#socket === undefined || this.#done === undefined) return;
    const p = this.#parser;
    const phase = p.phase;
    if (phase === PHASE_BODY) {
      p.eof(); // a body that ends with the connection is complete; a cut one still came with a status
      this.#outcome();
      return;
    }
    this.#finish({
      networkError: !this.#connected
        ? this.#secure
          ? "cannot connect, or the TLS handshake failed (refused, unreachable, or a certificate not trusted)"
          : "cannot connect (refused or unreachable)"
        : "connection closed before the response" + (this.#writing === W_DONE ? "" : " (while sending the request)"),
    });
  }

  #cleanup(): void {
    this.#serial++;
    this.#step = IDLE;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    try {
      socket?.close();
    } catch {
      // already closed by an error
    }
    this.#pending = this.#head = undefined;
    this.#body = null;
    this.#source = null;
    this.#writing = W_DONE;
  }

  #finish(result: SendResult): void {
    const done = this.#done;
    if (done === undefined) return;
    this.#done = undefined;
    this.#cleanup();
    done(result);
  }

  /** closes the resolver (the client is not used any more) */
  close(): void {
    this.abort();
    this.#resolver?.close();
    this.#resolver = undefined;
  }
}
