/*
 * HTTP/1.1 server on ECMA-419 sockets (embedded:io/socket/listener, .../tcp): the listener, admission and the
 * connection slots. It knows nothing of what it serves: every request goes to its handler (./handler); each
 * connection (./connection) parses, frames, writes and times out on its own.
 *
 * - One Connection per accepted socket, at most `maxConnections`; admission is built so that a scraper always wins
 *   against slow or idle clients (see HttpServer.admit): with every slot taken, a newcomer takes the slot of the
 *   connection that has held one longest without completing a request (a slow or silent client, a stalled response;
 *   an idle keep-alive connection last); if none can go yet, newcomers wait in the listener's queue, and are answered
 *   "503 Service Unavailable" and closed at once if no slot comes free within a second.
 * - A request must keep coming: its head within `headTimeout` of its first byte, the whole of it within
 *   `requestTimeout`, and at `minRate` bytes per second at least (after its first second), else 408.
 * - Timeouts and admission run off one repeating timer on the server's clock (its own tick count, or the `now`
 *   option): idle keep-alive (close silently), head, whole request and minimum rate (408), a deferred answer (the
 *   handler's timeout), send stall (abort), lingering close after an error.
 * - Nothing from the wire throws out of a callback: every socket callback is guarded; a failure closes that
 *   connection only. When the listener cannot be created, start() throws; when it fails later, it is closed and
 *   `onListenerError` is called. Retrying is the owner's job (modules/app/app.ts): one retry layer, not two.
 */
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import Timer from "timer";
import {
  PORT,
  MAX_CONNECTIONS,
  CHUNK_SIZE,
  IDLE_TIMEOUT,
  HEAD_TIMEOUT,
  REQUEST_TIMEOUT,
  MIN_RATE,
  TICK_INTERVAL,
  SEND_TIMEOUT,
  LINGER_TIMEOUT,
  option,
} from "./limits";
import type { ParserLimits } from "./parser";
import type { HttpHandler } from "./handler";
import { logLine } from "./handler";
import { Connection, type ConnectionHost, EVICT_NOW, EVICT_IDLE, EVICT_SOON } from "./connection";

/** Options; every number must be an integer within its range in ./limits (else the constructor throws a RangeError). */
export interface HttpServerOptions {
  /** what answers the requests */
  handler: HttpHandler;
  /** default 9100; 0: any free port (see boundPort) */
  port?: number;
  /** listen address; omitted: the platform default (device: every interface) */
  address?: string;
  /** concurrent connections, default 8 */
  maxConnections?: number;
  log?: (line: string) => void;
  /** output buffer per connection, bytes, default 1024 */
  chunkSize?: number;
  /** close a keep-alive connection after this long without a request, ms (default 65000) */
  idleTimeout?: number;
  /** the request line and headers must arrive within this long of the request's first byte, ms (default 5000):
   *  else 408; a new connection that sends nothing is closed after this long (or idleTimeout, if shorter) */
  headTimeout?: number;
  /** a request must arrive whole within this long of its first byte, ms (default 10000): else 408 */
  requestTimeout?: number;
  /** a request in progress must arrive at this many bytes per second at least, after its first second
   *  (default 64; 0: no minimum): else 408 */
  minRate?: number;
  /** a response that makes no progress for this long is aborted, ms (default 10000) */
  sendTimeout?: number;
  /** after an error response, input is drained for at most this long before closing, ms (default 2000) */
  lingerTimeout?: number;
  /** the handler's own shortest timeout (a deferred answer's), ms: counted in the default tickInterval */
  handlerTimeout?: number;
  /** request limits (see ./parser) */
  limits?: ParserLimits;
  /** the server's clock, ms, monotonic (default: its own, advanced by tickInterval at each tick; needs no RTC).
   *  Read at every tick, and by time(). */
  now?: () => number;
  /** period of the timeout and admission checks, ms (default: a quarter of the shortest timeout, at most 100);
   *  0: no timer of its own, the owner calls tick() (a test with an injected clock) */
  tickInterval?: number;
  /**
   * The listener failed after it was created (the platform reported an error, or accepting failed): it is closed,
   * and start() creates a new one. The server does not retry by itself: its owner does (modules/app/app.ts).
   */
  onListenerError?: (error: unknown) => void;
  /** the object to count into (default: a new one); a handler may count into the same object (its own fields) */
  stats?: HttpServerStats;
}

export interface HttpServerStats {
  requests: number;
  bytesSent: number;
  connectionsAccepted: number;
  connectionsRefused: number;
  activeConnections: number;
  badRequests: number;
  /** connections closed to admit a waiting one (idle keep-alive, slow request, stalled response) */
  connectionsEvicted: number;
  /** listeners that could not be created (start() threw) or failed later */
  listenerFailures: number;
}

/** a new HttpServerStats, every count 0 */
export function httpServerStats(): HttpServerStats {
  return {
    requests: 0,
    bytesSent: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    activeConnections: 0,
    badRequests: 0,
    connectionsEvicted: 0,
    listenerFailures: 0,
  };
}

const RESUME_IDLE = 3600000; // the resume timer's repeat while armed (it is unscheduled at each firing)
const MAX_REFUSING = 4; // sockets being answered 503 at once; beyond, the others keep waiting in the listener's queue
const QUEUE_WAIT = 1000; // a waiting connection with no slot in sight for this long is answered 503 and closed

const REFUSED_503 = asciiBytes(
  "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections",
);

function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** socket callbacks shared by every refused socket (`this` is the socket, its target the Refusal) */
function refusalReadable(this: TCP): void {
  (this as unknown as { target: Refusal }).target.drain();
}
function refusalWritable(this: TCP, bytes: number): void {
  (this as unknown as { target: Refusal }).target.answer(bytes);
}
function refusalError(this: TCP): void {
  (this as unknown as { target: Refusal }).target.close();
}

/**
 * A waiting connection that found no slot for QUEUE_WAIT: answered "503" and closed right after the answer is
 * written. Input is discarded first, so that the close does not reset the connection under the answer.
 */
class Refusal {
  readonly server: HttpServer;
  readonly socket: TCP;
  closed = false;
  deadline: number;
  constructor(server: HttpServer, pending: TCP) {
    this.server = server;
    this.deadline = server.now + server.lingerTimeout; // in case the socket never becomes writable
    this.socket = new TCP({
      from: pending,
      nodelay: true,
      target: this,
      onReadable: refusalReadable,
      onWritable: refusalWritable,
      onError: refusalError,
    });
  }
  drain(): void {
    try {
      for (let i = 0; i < 8 && this.socket.read() !== undefined; i++);
    } catch {
      this.close();
    }
  }
  answer(bytes: number): void {
    if (this.closed || bytes < REFUSED_503.length) return;
    this.drain();
    if (this.closed) return;
    try {
      if (typeof (this.socket.write(REFUSED_503) as unknown) === "number")
        this.server.stats.bytesSent += REFUSED_503.length;
    } catch {
      // the socket failed: closed below all the same
    }
    this.close();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // gone
    }
    this.server.removeRefusal(this);
  }
}

export class HttpServer implements ConnectionHost {
  readonly port: number;
  readonly address: string | undefined;
  readonly handler: HttpHandler;
  readonly maxConnections: number;
  readonly chunkSize: number;
  readonly idleTimeout: number;
  readonly headTimeout: number;
  readonly requestTimeout: number;
  readonly minRate: number;
  readonly sendTimeout: number;
  readonly lingerTimeout: number;
  readonly limits: ParserLimits;
  readonly stats: HttpServerStats;
  /** server clock, ms (monotonic, needs no RTC): the `now` option's value at the last tick, else tickMs per tick */
  now = 0;
  /** connections waiting in the listener's queue (as the listener last counted them, minus those taken since) */
  waiting = 0;
  /** bytes rendered in the current callback (see RENDER_PER_TURN); reset by each socket and timer callback */
  rendered = 0;

  private readonly log: ((line: string) => void) | undefined;
  private readonly tickMs: number;
  private readonly clock: (() => number) | undefined;
  /** server time since which waiting connections have found no slot (-1: not blocked) */
  private blockedSince = -1;
  private admitting = false;
  private readonly onListenerError: ((error: unknown) => void) | undefined;
  private listener: Listener | null = null;
  private tickTimer: Timer | null = null;
  /** drives connections that have more to do than one callback's share (see READS_PER_TURN); unscheduled when idle */
  private resumeTimer: Timer | null = null;
  private resumeArmed = false;
  private resumeFirst = 0;
  private running = false;
  private readonly connections: Connection[] = [];
  private readonly refusals: Refusal[] = [];

  constructor(options: HttpServerOptions) {
    if (!options || !options.handler) throw new TypeError("HttpServer: handler required");
    this.handler = options.handler;
    this.port = options.port === 0 ? 0 : option("HttpServer", "port", options.port, PORT);
    this.address = options.address;
    this.maxConnections = option("HttpServer", "maxConnections", options.maxConnections, MAX_CONNECTIONS);
    this.chunkSize = option("HttpServer", "chunkSize", options.chunkSize, CHUNK_SIZE);
    this.idleTimeout = option("HttpServer", "idleTimeout", options.idleTimeout, IDLE_TIMEOUT);
    this.headTimeout = option("HttpServer", "headTimeout", options.headTimeout, HEAD_TIMEOUT);
    this.requestTimeout = option("HttpServer", "requestTimeout", options.requestTimeout, REQUEST_TIMEOUT);
    this.minRate = option("HttpServer", "minRate", options.minRate, MIN_RATE);
    this.sendTimeout = option("HttpServer", "sendTimeout", options.sendTimeout, SEND_TIMEOUT);
    this.lingerTimeout = option("HttpServer", "lingerTimeout", options.lingerTimeout, LINGER_TIMEOUT);
    this.onListenerError = options.onListenerError;
    let shortest = Math.min(
      this.idleTimeout,
      this.headTimeout,
      this.requestTimeout,
      this.sendTimeout,
      this.lingerTimeout,
    );
    const handlerTimeout = options.handlerTimeout;
    if (typeof handlerTimeout === "number" && handlerTimeout > 0 && handlerTimeout < shortest)
      shortest = handlerTimeout;
    const tick = shortest >> 2;
    this.tickMs = option(
      "HttpServer",
      "tickInterval",
      options.tickInterval,
      TICK_INTERVAL,
      tick < 10 ? 10 : tick > TICK_INTERVAL.default ? TICK_INTERVAL.default : tick,
    );
    if (options.now !== undefined && typeof options.now !== "function")
      throw new TypeError("HttpServer: now must be a function");
    this.clock = options.now;
    if (this.clock) this.now = this.clock();
    this.log = options.log;
    this.limits = { ...(options.limits || {}) };
    this.stats = options.stats || httpServerStats();
  }

  /** the clock read now: the injected `now()`, else the tick clock (HttpClock) */
  time(): number {
    const clock = this.clock;
    return clock ? clock() : this.now;
  }

  /**
   * Start the timers and create the listener. Throws when the listener cannot be created (port taken, no memory):
   * the server is then as it was before the call (stopped, or running without a listener after a listener
   * failure), and the caller retries. The server does not retry by itself (one retry layer: its owner's).
   */
  start(): void {
    if (this.listener) return;
    const starting = !this.running;
    if (starting) {
      this.running = true;
      if (this.tickMs > 0)
        this.tickTimer = Timer.repeat(() => {
          this.tick();
        }, this.tickMs);
      this.resumeTimer = Timer.repeat(() => {
        this.resumeAll();
      }, RESUME_IDLE);
      Timer.schedule(this.resumeTimer); // armed by resumeLater
      this.resumeArmed = false;
    }
    try {
      this.listen();
    } catch (e) {
      this.stats.listenerFailures++;
      this.note("cannot listen on port " + String(this.port) + ": " + String(e));
      if (starting) this.stop();
      throw e;
    }
  }

  /** Close the listener and every connection. */
  stop(): void {
    this.running = false;
    if (this.tickTimer) Timer.clear(this.tickTimer);
    this.tickTimer = null;
    if (this.resumeTimer) Timer.clear(this.resumeTimer);
    this.resumeTimer = null;
    this.resumeArmed = false;
    this.closeListener();
    for (let i = this.connections.length - 1; i >= 0; i--) this.connections[i].close();
    for (let i = this.refusals.length - 1; i >= 0; i--) this.refusals[i].close();
  }

  /** true while connections wait for the resume timer to continue their work (for tests and tools) */
  get resuming(): boolean {
    return this.resumeArmed;
  }

  /** `c` has more to do than one callback's share: continue it from the resume timer */
  resumeLater(c: Connection): void {
    c.resume = true;
    const t = this.resumeTimer;
    if (t !== null && !this.resumeArmed) {
      this.resumeArmed = true;
      Timer.schedule(t, 0, RESUME_IDLE);
    }
  }

  /** the resume timer: one more share of work for each connection that asked for it */
  private resumeAll(): void {
    const t = this.resumeTimer;
    if (t !== null) Timer.schedule(t); // unscheduled until a connection asks again
    this.resumeArmed = false;
    this.rendered = 0;
    const list = this.connections;
    // round robin: each firing starts one connection further, so that the share goes to each in turn
    const n = list.length;
    const first = n > 0 ? this.resumeFirst++ % n : 0;
    for (let k = 0; k < n; k++) {
      const c = list[(first + k) % n];
      if (c !== undefined && c.resume) {
        c.resume = false;
        c.drive();
      }
    }
    // a connection skipped because the list changed under the loop still gets its turn
    for (let i = 0; i < list.length; i++) {
      if (list[i].resume) {
        this.resumeLater(list[i]);
        break;
      }
    }
  }

  /** true while a listener is open */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** the bound port (useful with port 0), or the configured port */
  get boundPort(): number {
    const l = this.listener;
    return l ? l.port : this.port;
  }

  note(line: string): void {
    logLine(this.log, line);
  }

  private listen(): void {
    const self = this;
    const options: any = {
      port: this.port,
      onReadable(this: Listener, count: number) {
        if (self.listener !== this) return;
        self.waiting = count;
        self.admit();
      },
      onError(this: Listener) {
        if (self.listener === this) self.listenerFailed(new Error("listener error"));
      },
    };
    if (this.address !== undefined) options.address = this.address;
    const listener = new Listener(options);
    this.listener = listener;
    this.note("listening on port " + String(listener.port));
  }

  private closeListener(): void {
    const l = this.listener as any;
    this.listener = null;
    this.waiting = 0;
    this.blockedSince = -1;
    if (l && typeof l.close === "function") {
      try {
        l.close();
      } catch {
        // gone
      }
    }
  }

  /** the listener failed: close it, count it, and tell the owner (who calls start() again when it sees fit) */
  listenerFailed(error: unknown): void {
    this.stats.listenerFailures++;
    this.note("listener failed: " + String(error));
    this.closeListener();
    const report = this.onListenerError;
    if (report) {
      try {
        report(error);
      } catch (e) {
        this.note("onListenerError failed: " + String(e));
      }
    }
  }

  /**
   * Admission: take waiting connections from the listener while there is a free slot, or one to free. With every
   * slot taken, the connection that has held its slot longest without completing a request is closed for the
   * newcomer (a new connection or a request in progress after EVICT_GRACE, a response stalled for STALL_EVICT,
   * one lingering after an error); an idle keep-alive connection only when no other is evictable now or soon.
   * Otherwise the newcomers wait in the listener's queue (attackers that wait do not reconnect, so they cannot
   * outrun a scraper), and after QUEUE_WAIT with no slot in sight they are answered 503 and closed.
   * Called when the listener reports waiting connections, when a connection closes or goes idle, and at every tick.
   */
  admit(): void {
    const listener = this.listener;
    if (this.admitting || !listener) return;
    this.admitting = true;
    try {
      while (this.waiting > 0) {
        if (this.connections.length >= this.maxConnections) {
          const victim = this.victim();
          if (victim === null) {
            if (this.blockedSince < 0) this.blockedSince = this.now;
            else if (this.now - this.blockedSince >= QUEUE_WAIT) this.refuseWaiting(listener);
            return;
          }
          this.stats.connectionsEvicted++;
          victim.close();
        }
        const pending = this.take(listener);
        if (!pending) return;
        try {
          this.connections.push(new Connection(this, pending));
          this.stats.connectionsAccepted++;
          this.stats.activeConnections = this.connections.length;
        } catch (e) {
          this.note("cannot accept: " + String(e));
          try {
            pending.close();
          } catch {
            // gone
          }
        }
      }
    } finally {
      this.admitting = false;
    }
  }

  /** the next waiting connection, or undefined (then none waits) */
  private take(listener: Listener): TCP | undefined {
    let pending: TCP | undefined;
    try {
      pending = listener.read();
    } catch (e) {
      this.listenerFailed(e);
      return undefined;
    }
    if (pending) {
      this.waiting--;
      this.blockedSince = -1;
    } else {
      this.waiting = 0;
      this.blockedSince = -1;
    }
    return pending;
  }

  /** the connection to close for a waiting one, or null (none now) */
  private victim(): Connection | null {
    const now = this.now;
    const list = this.connections;
    let victim: Connection | null = null;
    let idle: Connection | null = null;
    let soon = false;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      const e = c.evictable(now);
      if (e === EVICT_NOW) {
        if (victim === null || c.since < victim.since) victim = c;
      } else if (e === EVICT_IDLE) {
        if (idle === null || c.since < idle.since) idle = c;
      } else if (e === EVICT_SOON) soon = true;
    }
    if (victim !== null || soon) return victim;
    return idle;
  }

  /** waiting connections found no slot for QUEUE_WAIT: answer them 503 and close them */
  private refuseWaiting(listener: Listener): void {
    while (this.waiting > 0 && this.refusals.length < MAX_REFUSING) {
      const pending = this.take(listener);
      if (!pending) return;
      this.stats.connectionsRefused++;
      try {
        this.refusals.push(new Refusal(this, pending));
      } catch (e) {
        this.note("cannot refuse: " + String(e));
        try {
          pending.close();
        } catch {
          // gone
        }
      }
    }
    if (this.waiting > 0) this.blockedSince = this.now; // the rest wait their turn
  }

  remove(c: Connection): void {
    const list = this.connections;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    this.stats.activeConnections = list.length;
    if (this.waiting > 0) this.admit();
  }

  removeRefusal(r: Refusal): void {
    const i = this.refusals.indexOf(r);
    if (i >= 0) this.refusals.splice(i, 1);
    if (this.waiting > 0) this.admit();
  }

  /**
   * Read the clock and enforce deadlines (idle, head, request, minimum rate, deferred answer, send, linger), then admit
   * waiting connections. Run by the server's timer every tickInterval ms, or by the owner when tickInterval is 0.
   */
  tick(): void {
    this.rendered = 0;
    const clock = this.clock;
    const now = (this.now = clock ? clock() : this.now + this.tickMs);
    const list = this.connections;
    this.admitting = true; // closes below admit nobody until the list has been walked
    try {
      for (let i = list.length - 1; i >= 0; i--) {
        const c = list[i];
        if (!c) continue;
        try {
          if (c.deadline <= now) c.timeout();
          else if (c.tooSlow(now)) c.requestTimedOut();
        } catch (e) {
          this.note("timeout handling failed: " + String(e));
          c.close();
        }
      }
      const refusals = this.refusals;
      for (let i = refusals.length - 1; i >= 0; i--) {
        const r = refusals[i];
        if (r && r.deadline <= now) r.close();
      }
    } finally {
      this.admitting = false;
    }
    if (this.waiting > 0) this.admit();
  }
}

export default HttpServer;
