/*
 * One HTTP/1.1 connection of the server (./server): socket state, request parsing, response framing and writing,
 * timeouts. What is answered is the handler's business (./handler); the connection is the handler's response object.
 *
 * - Requests are parsed incrementally (./parser). Pipelined requests are answered in order: while a response is
 *   being sent nothing more is read from the socket, so unread requests stay in the TCP receive window (backpressure
 *   on the client).
 * - Responses are streamed from one fixed output buffer (`chunkSize` bytes), written only as far as the socket's
 *   writable budget allows (onWritable); a streamed body is pulled from its source chunk by chunk, never held whole.
 *   HTTP/1.1: `Transfer-Encoding: chunked`; HTTP/1.0: close-delimited.
 * - Deadlines on the server's clock, checked at its ticks: idle keep-alive (close silently), head, whole request and
 *   minimum rate (408), a deferred answer (the handler's timeout), send stall (abort), lingering close after an
 *   error. A write that fails (returns no number, or throws) closes the connection at once.
 */
import TCP from "embedded:io/socket/tcp";
import { encode, encodeInto } from "../text/utf8";
import {
  HttpParser,
  type ParserLimits,
  PHASE_IDLE,
  PHASE_START,
  PHASE_HEAD,
  PHASE_BODY,
  PHASE_COMPLETE,
  PHASE_ERROR,
  METHOD_UNKNOWN,
  METHOD_HEAD,
} from "./parser";
import type { BodySource, HttpClock, HttpHandler, HttpResponse } from "./handler";

/** What a connection needs of its server (./server implements it). */
export interface ConnectionHost extends HttpClock {
  readonly handler: HttpHandler;
  readonly limits: ParserLimits;
  readonly chunkSize: number;
  readonly idleTimeout: number;
  readonly headTimeout: number;
  readonly requestTimeout: number;
  readonly minRate: number;
  readonly sendTimeout: number;
  readonly lingerTimeout: number;
  readonly stats: { requests: number; badRequests: number; bytesSent: number };
  /** connections waiting in the listener's queue */
  readonly waiting: number;
  /** bytes rendered in the current callback (see RENDER_PER_TURN) */
  rendered: number;
  resumeLater(c: Connection): void;
  note(line: string): void;
  remove(c: Connection): void;
  admit(): void;
}

const READ_SIZE = 512; // bytes taken from the socket per read
// Bounded work per callback, so that timers (sensor sampling) get their turn under full HTTP load: the server renders
// at most about RENDER_PER_TURN bytes per callback, whatever the number of connections it resumes (a collect shared
// by every connection, a large socket budget), and a connection parses at most READS_PER_TURN reads per callback;
// the rest continues from the server's resume timer (a 0 ms timer: every other due timer runs first). A typical
// exposition of a few KB still goes out in one callback, one write.
const RENDER_PER_TURN = 4096;
const READS_PER_TURN = 2;
// admission (server clock, ms)
// a connection, or a request in progress, cannot be evicted this young: time for its request to arrive (at least
// EVICT_GRACE - tickInterval of real time, as the server's clock moves at ticks: 150 ms with the default tick)
const EVICT_GRACE = 250;
const STALL_EVICT = 500; // a response that made no progress for this long can be evicted for a new connection
// (shorter than the server's QUEUE_WAIT: a newcomer blocked by stalled responses gets a slot before it is refused)
const RATE_GRACE = 1000; // the minimum request data rate applies after the request's first second

// what an eviction would cost (Connection.evictable)
export const EVICT_NEVER = 0; // answering a request (deferred, or a send that progresses)
export const EVICT_SOON = 1; // a new connection or a request in progress, still within EVICT_GRACE
export const EVICT_NOW = 2; // held a slot EVICT_GRACE without completing a request (or idle after a single one), a
// stalled send, or lingering
export const EVICT_IDLE = 3; // idle keep-alive after two requests or more: evicted only when no other is evictable,
// now or soon

const REASONS: { [status: number]: string } = {
  100: "Continue",
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const TEXT = "text/plain; charset=utf-8";

// connection states
const C_READ = 0;
const C_WAIT = 1; // the handler deferred its answer
const C_SEND = 2;
const C_LINGER = 3;
const C_CLOSED = 4;

// response segments
const SEG_HEAD = 0;
const SEG_TEXT = 1;
const SEG_SOURCE = 2;
const SEG_TRAILER = 3;
const SEG_DONE = 4;

const CONTINUE_100 = "HTTP/1.1 100 Continue\r\n\r\n";

/** socket callbacks shared by every connection (`this` is the socket, its target the Connection) */
function connectionReadable(this: TCP, bytes: number): void {
  const c = (this as unknown as { target: Connection }).target;
  c.readable = bytes;
  c.server.rendered = 0; // a new callback: a new share of work
  c.drive();
}
function connectionWritable(this: TCP, bytes: number): void {
  const c = (this as unknown as { target: Connection }).target;
  c.writable = bytes;
  c.server.rendered = 0;
  c.drive();
}
function connectionError(this: TCP): void {
  (this as unknown as { target: Connection }).target.close();
}

export class Connection implements HttpResponse {
  // the fields read most come first (on XS a property read walks the fields declared before it)
  state = C_READ;
  driving = false;
  segment = SEG_DONE;
  readonly server: ConnectionHost;
  socket: TCP;
  readonly parser: HttpParser;
  readonly out: Uint8Array;
  outStart = 0;
  outEnd = 0;
  readable = 0;
  writable = 0;
  input: Uint8Array | null = null;
  inputOffset = 0;
  deadline = 0;
  /** server time since which this connection has held its slot without completing a request */
  since = 0;
  /** server time of the current request's first byte (-1: none yet), and its bytes so far */
  started = -1;
  received = 0;
  /** the client sent its current request before reading the last response (see evictable) */
  pipelined = false;
  /** requests answered on this connection */
  answered = 0;
  /** socket reads in the current callback (READS_PER_TURN), and more work is waiting for the resume timer */
  turnReads = 0;
  resume = false;
  /** the handler's own object for this connection */
  context: unknown = null;

  // request being answered
  status = 0;
  keepAlive = false;
  http10 = false;
  headOnly = false;
  // response
  closeAfter = false;
  /** the response body ends with the connection (HTTP/1.0 stream): close at once, no lingering */
  closeDelimited = false;
  head = "";
  headOffset = 0;
  body = "";
  bodyOffset = 0;
  source: BodySource | null = null;
  chunked = false;
  /** head of the last streamed response, and what it was made for (consecutive responses usually repeat it) */
  streamHead = "";
  streamHeadType = "";
  streamHeadHeaders = "";
  streamHeadChunked = false;
  streamHeadConnection = "";

  constructor(server: ConnectionHost, pending: TCP) {
    this.server = server;
    this.parser = new HttpParser(server.limits);
    this.out = new Uint8Array(server.chunkSize);
    // shared callbacks find the connection through the socket's target: no closure per connection
    this.socket = new TCP({
      from: pending,
      nodelay: true,
      target: this,
      onReadable: connectionReadable,
      onWritable: connectionWritable,
      onError: connectionError,
    });
    this.since = server.now;
    // a new connection that sends nothing is closed (as an idle keep-alive one would be, if that is sooner)
    this.deadline = server.now + (server.headTimeout < server.idleTimeout ? server.headTimeout : server.idleTimeout);
  }

  /** true while the handler's answer is deferred */
  get deferred(): boolean {
    return this.state === C_WAIT;
  }

  /** whether (and how readily) this connection may be closed to admit a waiting one; see EVICT_* */
  evictable(now: number): number {
    const state = this.state;
    // a client that sent its next request before reading the response to the last one (pipelining: Prometheus
    // never does; a client that queues requests and reads nothing does) holds its slot only while nobody waits
    if (this.pipelined) return EVICT_NOW;
    if (state === C_READ) {
      // an established keep-alive client (two requests or more) waiting for its next scrape goes last; a connection
      // idle after one request is usually done with (and the Moddable Linux port never reports a client's FIN)
      if (this.answered > 1 && this.isIdle()) return EVICT_IDLE;
      return now - (this.started >= 0 ? this.started : this.since) >= EVICT_GRACE ? EVICT_NOW : EVICT_SOON;
    }
    if (state === C_LINGER) return EVICT_NOW;
    // sending: the deadline is the last progress + sendTimeout (set by text, stream and flush)
    if (state === C_SEND)
      return now - (this.deadline - this.server.sendTimeout) >= STALL_EVICT ? EVICT_NOW : EVICT_NEVER;
    return EVICT_NEVER;
  }

  /** a request in progress arrives slower than minRate (after its first RATE_GRACE ms) */
  tooSlow(now: number): boolean {
    const rate = this.server.minRate;
    if (rate === 0 || this.state !== C_READ || this.started < 0) return false;
    const phase = this.parser.phase;
    if (phase !== PHASE_START && phase !== PHASE_BODY) return false;
    const elapsed = now - this.started - RATE_GRACE;
    return elapsed > 0 && this.received * 1000 < rate * elapsed;
  }

  isIdle(): boolean {
    return (
      this.state === C_READ &&
      this.parser.phase === PHASE_IDLE &&
      this.readable === 0 &&
      this.outStart === this.outEnd &&
      (this.input === null || this.inputOffset >= this.input.length)
    );
  }

  /** do what can be done now, within the current callback's share of work (RENDER_PER_TURN, READS_PER_TURN) */
  drive(): void {
    if (this.driving || this.state === C_CLOSED) return;
    this.driving = true;
    this.turnReads = 0;
    const server = this.server;
    try {
      for (;;) {
        if (this.outStart < this.outEnd && this.writable > 0) this.flush();
        const state = this.state; // C_CLOSED after a failed write
        if (state === C_SEND) {
          if (this.outStart < this.outEnd) break; // waiting for onWritable
          if (this.segment === SEG_DONE) {
            this.finish();
            continue;
          }
          if (server.rendered >= RENDER_PER_TURN) {
            // this callback's share is done: the rest from the resume timer (or the next onWritable)
            if (this.writable > 0) server.resumeLater(this);
            break;
          }
          const end = this.outEnd;
          this.fill();
          server.rendered += this.outEnd - end;
          if (this.outStart === this.outEnd && this.segment !== SEG_DONE) break; // no room to make progress
          if (this.writable <= 0) break;
          continue;
        }
        if (state === C_READ) {
          if (!this.readStep()) break;
          continue;
        }
        if (state === C_LINGER) {
          this.discard();
          break;
        }
        break; // C_WAIT, C_CLOSED
      }
    } catch (e) {
      // a bug or a socket failure: this connection only
      this.server.note("connection error: " + String(e));
      this.abort();
    }
    this.driving = false;
  }

  /** write as much of the output queue as the budget allows */
  flush(): void {
    let n = this.outEnd - this.outStart;
    if (n > this.writable) n = this.writable;
    if (n <= 0) return;
    const left = this.socket.write(
      this.outStart === 0 && n === this.out.length ? this.out : this.out.subarray(this.outStart, this.outStart + n),
    ) as unknown;
    if (typeof left !== "number") {
      // the write failed: the socket is errored (the Moddable Linux port then never calls onError); the peer is
      // gone: close now rather than wait for a send timeout
      this.abort();
      return;
    }
    this.writable -= n;
    this.outStart += n;
    this.server.stats.bytesSent += n;
    if (this.outStart === this.outEnd) this.outStart = this.outEnd = 0;
    if (this.state === C_SEND || this.state === C_LINGER) this.deadline = this.server.now + this.server.sendTimeout;
  }

  /** close after a failed write or an error; a response in progress is reported to the handler as aborted */
  abort(): void {
    if (this.segment !== SEG_DONE && this.state !== C_CLOSED) {
      this.segment = SEG_DONE;
      try {
        this.server.handler.aborted(this);
      } catch (e) {
        this.server.note("handler error: " + String(e));
      }
    }
    this.close();
  }

  /** one step of reading and parsing; false when there is nothing more to do now */
  readStep(): boolean {
    const p = this.parser;
    const phase = p.phase;
    if (phase === PHASE_HEAD) {
      this.onHead();
      return true;
    }
    if (phase === PHASE_COMPLETE) {
      this.server.stats.requests++;
      this.answer();
      return true;
    }
    if (phase === PHASE_ERROR) {
      this.server.stats.requests++;
      this.server.stats.badRequests++;
      this.keepAlive = false;
      this.http10 = false;
      this.headOnly = false;
      this.status = p.error;
      this.text(p.error, p.reason + "\n", "");
      return true;
    }
    let input = this.input;
    if (input === null || this.inputOffset >= input.length) {
      this.input = null;
      if (this.readable <= 0) return false;
      if (this.turnReads >= READS_PER_TURN) {
        this.server.resumeLater(this); // the rest from the resume timer (the socket does not announce it again)
        return false;
      }
      this.turnReads++;
      const n = this.readable < READ_SIZE ? this.readable : READ_SIZE;
      const got = this.socket.read(n);
      this.readable -= n;
      if (!(got instanceof ArrayBuffer)) {
        this.readable = 0;
        return false;
      }
      input = this.input = new Uint8Array(got);
      this.inputOffset = 0;
    }
    const wasIdle = phase === PHASE_IDLE;
    const from = this.inputOffset;
    this.inputOffset = p.execute(input, from, input.length);
    this.received += this.inputOffset - from;
    if (wasIdle && p.phase !== PHASE_IDLE) {
      // the request's first byte: its head must arrive within headTimeout, the whole of it within requestTimeout
      const server = this.server;
      this.started = server.now;
      this.deadline =
        server.now + (server.headTimeout < server.requestTimeout ? server.headTimeout : server.requestTimeout);
    }
    return true;
  }

  /** request line and headers complete: the handler decides; maybe 100 Continue */
  onHead(): void {
    const p = this.parser;
    const server = this.server;
    this.keepAlive = p.keepAlive;
    this.http10 = p.versionMinor === 0;
    this.headOnly = p.method === METHOD_HEAD;
    const status = (this.status = p.method === METHOD_UNKNOWN ? 501 : server.handler.head(p, this));
    this.deadline = this.started + server.requestTimeout; // the head is in: the body has until the request deadline
    if (p.expectContinue) {
      if (status !== 200) {
        // final answer now; the body is never read, so the connection closes afterwards
        this.keepAlive = false;
        server.stats.requests++;
        this.answer();
        return;
      }
      this.appendAscii(CONTINUE_100);
    }
    p.startBody();
  }

  /** the final answer is due: the handler's (a 500 if it throws), or 501 for a method the parser does not know */
  answer(): void {
    const p = this.parser;
    if (p.method === METHOD_UNKNOWN) {
      this.text(501, REASONS[501] + "\n", "");
      return;
    }
    try {
      this.server.handler.request(p, this);
    } catch (e) {
      this.server.note("handler error: " + String(e));
      this.text(500, "internal server error\n", "");
    }
  }

  /** the handler answers later (HttpResponse.defer) */
  defer(timeout: number): void {
    this.state = C_WAIT;
    this.deadline = this.server.now + timeout;
  }

  connectionHeader(): string {
    if (!this.closeAfter) return this.http10 ? "Connection: keep-alive\r\n" : "";
    return "Connection: close\r\n";
  }

  /** fixed (ASCII) body with Content-Length (HttpResponse.text) */
  text(status: number, body: string, headers: string, contentType?: string): void {
    if (this.state === C_CLOSED) return;
    // after these the state of the byte stream (or of the client) is unknown: close
    if (
      status === 400 ||
      status === 408 ||
      status === 413 ||
      status === 414 ||
      status === 417 ||
      status === 431 ||
      status === 501 ||
      status === 503 ||
      status === 505
    )
      this.keepAlive = false;
    this.closeAfter = !this.keepAlive;
    this.closeDelimited = false;
    this.head =
      "HTTP/1.1 " +
      String(status) +
      " " +
      (REASONS[status] || "Status") +
      "\r\nContent-Type: " +
      (contentType || TEXT) +
      "\r\nContent-Length: " +
      String(body.length) +
      "\r\n" +
      headers +
      this.connectionHeader() +
      "\r\n";
    this.headOffset = 0;
    this.body = this.headOnly ? "" : body;
    this.bodyOffset = 0;
    this.source = null;
    this.chunked = false;
    this.segment = SEG_HEAD;
    this.state = C_SEND;
    this.deadline = this.server.now + this.server.sendTimeout;
    if (!this.driving) this.drive(); // answered from outside a socket callback (deferred, timed out)
  }

  /** streamed body: chunked for HTTP/1.1, close-delimited for HTTP/1.0 (HttpResponse.stream) */
  stream(contentType: string, headers: string, source: BodySource | null): void {
    if (this.state === C_CLOSED) return;
    const http10 = this.http10;
    this.chunked = !http10;
    if (http10) this.keepAlive = false;
    this.closeAfter = !this.keepAlive;
    this.closeDelimited = http10;
    const connection = this.connectionHeader();
    // the head of the last streamed response is kept (one string): consecutive responses usually repeat it
    if (
      this.streamHeadType === contentType &&
      this.streamHeadHeaders === headers &&
      this.streamHeadChunked === this.chunked &&
      this.streamHeadConnection === connection
    )
      this.head = this.streamHead;
    else {
      this.head = this.streamHead =
        "HTTP/1.1 200 OK\r\nContent-Type: " +
        contentType +
        (this.chunked ? "\r\nTransfer-Encoding: chunked\r\n" : "\r\n") +
        headers +
        connection +
        "\r\n";
      this.streamHeadType = contentType;
      this.streamHeadHeaders = headers;
      this.streamHeadChunked = this.chunked;
      this.streamHeadConnection = connection;
    }
    this.headOffset = 0;
    this.body = "";
    this.source = this.headOnly ? null : source;
    this.segment = SEG_HEAD;
    this.state = C_SEND;
    this.deadline = this.server.now + this.server.sendTimeout;
    if (!this.driving) this.drive();
  }

  appendAscii(s: string): void {
    const out = this.out;
    let end = this.outEnd;
    for (let i = 0; i < s.length && end < out.length; i++) out[end++] = s.charCodeAt(i);
    this.outEnd = end;
  }

  /** produce response bytes into the free tail of the output buffer */
  fill(): void {
    const out = this.out;
    const size = out.length;
    while (this.segment !== SEG_DONE) {
      let end = this.outEnd;
      if (end >= size) return;
      const seg = this.segment;
      if (seg === SEG_HEAD || seg === SEG_TEXT) {
        // head and texts are ASCII: offsets count bytes and characters
        const s = seg === SEG_HEAD ? this.head : this.body;
        let i = seg === SEG_HEAD ? this.headOffset : this.bodyOffset;
        const n = i === 0 ? encodeInto(s, end === 0 ? out : out.subarray(end)) : -1;
        let rest = false;
        if (n >= 0)
          end += n; // the whole string, converted natively
        else {
          // does not fit (or resumes): copy a slice of its bytes
          const b = encode(s);
          let k = b.length - i;
          if (k > size - end) k = size - end;
          out.set(b.subarray(i, i + k), end);
          end += k;
          i += k;
          rest = i < b.length;
        }
        this.outEnd = end;
        if (seg === SEG_HEAD) this.headOffset = i;
        else this.bodyOffset = i;
        if (rest) return;
        if (seg === SEG_HEAD) {
          this.head = "";
          this.segment = this.source ? SEG_SOURCE : this.body.length ? SEG_TEXT : SEG_DONE;
        } else {
          this.body = "";
          this.segment = SEG_DONE;
        }
        continue;
      }
      if (seg === SEG_SOURCE) {
        const source = this.source as BodySource;
        if (!this.chunked) {
          const n = source.read(end === 0 ? out : out.subarray(end));
          if (n <= 0) {
            this.source = null;
            this.segment = SEG_DONE;
            continue;
          }
          this.outEnd = end + n;
          return;
        }
        // chunk: size line (at most 4 hex digits + CRLF), data, CRLF
        if (size - end < 16) return;
        const dataStart = end + 6;
        const n = source.read(out.subarray(dataStart, size - 2));
        if (n <= 0) {
          this.source = null;
          this.segment = SEG_TRAILER;
          continue;
        }
        const digits = n < 0x10 ? 1 : n < 0x100 ? 2 : n < 0x1000 ? 3 : 4;
        if (digits < 4) out.copyWithin(end + digits + 2, dataStart, dataStart + n);
        for (let d = digits - 1, v = n; d >= 0; d--, v >>= 4) {
          const x = v & 15;
          out[end + d] = x < 10 ? 48 + x : 87 + x;
        }
        end += digits;
        out[end++] = 13;
        out[end++] = 10;
        end += n;
        out[end++] = 13;
        out[end++] = 10;
        this.outEnd = end;
        return;
      }
      if (seg === SEG_TRAILER) {
        if (size - end < 5) return;
        out[end] = 48;
        out[end + 1] = 13;
        out[end + 2] = 10;
        out[end + 3] = 13;
        out[end + 4] = 10;
        this.outEnd = end + 5;
        this.segment = SEG_DONE;
      }
    }
  }

  /** response fully handed to the socket */
  finish(): void {
    const server = this.server;
    server.handler.finished(this);
    this.source = null;
    if (this.closeAfter) {
      const unread = this.readable > 0 || (this.input !== null && this.inputOffset < this.input.length);
      if (unread && !this.closeDelimited) {
        // closing with unread input would reset the connection and could destroy the response in flight:
        // drain the input first, for a bounded time
        this.input = null;
        this.state = C_LINGER;
        this.deadline = server.now + server.lingerTimeout;
        this.discard();
      } else this.close();
      return;
    }
    this.pipelined = this.readable > 0 || (this.input !== null && this.inputOffset < this.input.length);
    this.parser.reset();
    this.state = C_READ;
    this.answered++;
    this.since = server.now;
    this.started = -1;
    this.received = 0;
    this.deadline = server.now + server.idleTimeout;
    // idle now: a connection waiting for a slot may take this one (if nothing slower is there to go)
    if (server.waiting > 0) server.admit();
  }

  discard(): void {
    while (this.readable > 0 && this.state === C_LINGER) {
      const n = this.readable < READ_SIZE ? this.readable : READ_SIZE;
      this.socket.read(n);
      this.readable -= n;
    }
  }

  /** the server's clock passed this connection's deadline */
  timeout(): void {
    const state = this.state;
    if (state === C_READ) {
      if (this.parser.phase === PHASE_IDLE) {
        this.close(); // idle keep-alive connection, or a new one that sent nothing: close silently
        return;
      }
      this.requestTimedOut();
      return;
    }
    if (state === C_WAIT) {
      // the deferred answer is overdue: the handler answers now (503 if it does not); then the connection closes
      this.keepAlive = false;
      this.server.handler.timeout(this);
      if (this.state === C_WAIT) this.text(503, REASONS[503] + "\n", "");
      return;
    }
    this.close(); // send stalled, or lingering done
  }

  /** the request in progress missed its deadline or the minimum rate: 408, then close */
  requestTimedOut(): void {
    this.server.stats.requests++;
    this.server.stats.badRequests++;
    this.keepAlive = false;
    this.headOnly = false;
    this.http10 = this.parser.versionMinor === 0;
    this.text(408, "request timeout\n", "");
  }

  close(): void {
    if (this.state === C_CLOSED) return;
    this.state = C_CLOSED;
    this.source = null;
    this.input = null;
    try {
      this.socket.close();
    } catch {
      // already gone
    }
    this.server.remove(this);
  }
}
