/**
 * Store-and-forward for pushes (remote write, Pushgateway): a bounded queue of encoded samples and the retry policy,
 * independent of the encoder (entries are bytes the caller made) and of the HTTP client (a `Sender` is injected).
 *
 * Queue: entries (one per collection, oldest first) held within a byte budget that counts each entry's bytes plus
 * ENTRY_OVERHEAD for its bookkeeping, so many small entries cannot outgrow the heap the budget promises. When a new
 * entry does not fit, the oldest entries not in flight are dropped and counted; an entry larger than the whole budget
 * is dropped at once. With `keep: "latest"` (Pushgateway: a push replaces the whole group, so an older unsent snapshot
 * is worthless once a newer one exists) a new entry replaces every queued one (counted as dropped).
 *
 * Sending: one request at a time, oldest entries first, batched up to `maxBatchBytes`; the body is built by `body`
 * (default: the entries' bytes concatenated: remote write's repeated `timeseries` fields concatenate into one
 * WriteRequest). Outcome of a request:
 *   2xx                      delivered: removed, counted sent, last success time set, backoff reset, next batch
 *   network error, timeout,  retried after exponential backoff (1 s, 2 s ... up to 60 s, ±20 % jitter); a 429 or 503
 *   5xx, 429                 with Retry-After waits at least that long, but never more than `retryAfterMax`
 *   any other status         not retried: removed and counted failed; logged once with the receiver's message
 *   (4xx, 3xx)               (cut to 200 characters, control characters and the configured secrets replaced)
 * Counters follow Prometheus's own remote-storage metrics: sent, retried (a failed attempt that will be repeated),
 * failed (refused by the receiver, never retried), dropped (never sent: the buffer was full or superseded).
 *
 * Nothing is sent while `canSend()` is false (no clock yet, no network); the owner calls `kick()` once it is true.
 * Every time read goes through `now`, every wait through `timer`: tests run it in virtual time with a fake sender.
 */
import Timer from "timer";
import { Backoff, errorText, type BackoffOptions } from "../app/backoff";

/** What a request gave: an HTTP status (with Retry-After in seconds and the receiver's message, when any), or a
 *  network error (no connection, reset, timeout). */
export type SendResult =
  | { status: number; retryAfter?: number | undefined; message?: string | undefined }
  | { networkError: string };

export interface Sender {
  /** Sends one request body and calls `done` once with the outcome, later or at once; a second call is ignored. A
   *  throw counts as a network error. */
  send(body: Uint8Array, done: (result: SendResult) => void): void;
  /** abandons the request in flight (after the forwarder's timeout, or stop) */
  abort?(): void;
}

export interface Entry {
  /** encoded samples, as the body builder wants them */
  bytes: Uint8Array;
  /** samples in it (what the counters count) */
  samples: number;
}

export interface ForwarderOptions {
  /** "remote_write" or "pushgateway": the label value of the self-metrics and the name in logs */
  target: string;
  sender: Sender;
  /** byte budget of the queue (entries' bytes + ENTRY_OVERHEAD each) */
  budget: number;
  keep?: "all" | "latest";
  /** largest batch per request, bytes of entries (default 4096); a larger entry goes alone */
  maxBatchBytes?: number;
  body?: (entries: readonly Uint8Array[]) => Uint8Array;
  /** wall clock, ms since 1970 (for the last success time) */
  now: () => number;
  canSend?: () => boolean;
  log?: (line: string) => void;
  /** retry delays (default 1 s doubling up to 60 s) */
  backoff?: BackoffOptions;
  /** longest wait a Retry-After can impose, ms (default 300 000) */
  retryAfterMax?: number;
  /** a request without an outcome after this many ms counts as a network error (default 30 000) */
  timeout?: number;
  /** strings never printed (bearer token, password): replaced in the receiver's messages */
  secrets?: readonly string[];
}

/**
 * Bytes of budget each queued entry costs besides its own bytes: on a 32-bit XS (the ESP32's) an entry
 * `{bytes: Uint8Array, samples}` takes 10 slots of 16 bytes (the object, the typed array and its ArrayBuffer) and
 * an 8-byte chunk header, measured with the bench lane's heap counters (xsnap -m32, 1000 entries of 10 bytes).
 */
export const ENTRY_OVERHEAD = 168;
/** Longest receiver message logged. */
export const MESSAGE_MAX = 200;

/** Plain counters, read by the self-metrics at scrape time (modules/push/metrics.ts). */
export interface ForwarderStats {
  samplesSent: number;
  samplesRetried: number;
  samplesFailed: number;
  samplesDropped: number;
  /** queued bytes, as counted against the budget */
  queueBytes: number;
  queueEntries: number;
  budget: number;
  /** ms since 1970 of the last delivered request, 0 = never */
  lastSuccess: number;
}

/** The receiver's message as it may be printed: one line, at most MESSAGE_MAX characters, no secret (a secret cut by
 *  the limit, or by the receiver's own limit, does not show its start either: a trailing prefix of 4 or more
 *  characters is replaced too). */
export function cleanMessage(message: string, secrets: readonly string[] = []): string {
  const cut = message.length > MESSAGE_MAX;
  let s = cut ? message.slice(0, MESSAGE_MAX) : message;
  for (const secret of secrets) {
    if (secret === "") continue;
    s = s.split(secret).join("<redacted>");
    for (let k = Math.min(secret.length - 1, s.length); k >= 4; k--)
      if (s.endsWith(secret.slice(0, k))) {
        s = s.slice(0, s.length - k) + "<redacted>";
        break;
      }
  }
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 32 || c === 127 ? " " : s[i];
  }
  return out.trim() + (cut ? "..." : "");
}

type Outcome = "sent" | "retry" | "failed";

/** What the retry policy does with a request's outcome. */
export function classify(result: SendResult): Outcome {
  if ("networkError" in result) return "retry";
  const status = result.status;
  if (status >= 200 && status < 300) return "sent";
  if (status === 429 || (status >= 500 && status < 600)) return "retry";
  return "failed";
}

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #backoff: Backoff;
  readonly #queue: Entry[] = [];
  /** entries at the head of the queue that are in the request in flight */
  #inflight = 0;
  #attempt = 0;
  #timer: ReturnType<typeof Timer.set> | undefined;
  #deadline: ReturnType<typeof Timer.set> | undefined;
  #stopped = false;
  /** failed attempts since the last delivery (logged on the first, summed up on recovery) */
  #streak = 0;
  /** status of the last refusal logged, until a delivery */
  #refusalLogged: number | undefined;
  #oversizeLogged = false;
  readonly stats: ForwarderStats;

  constructor(options: ForwarderOptions) {
    this.#o = options;
    this.#backoff = new Backoff({ initial: 1000, max: 60000, ...options.backoff });
    this.stats = {
      samplesSent: 0,
      samplesRetried: 0,
      samplesFailed: 0,
      samplesDropped: 0,
      queueBytes: 0,
      queueEntries: 0,
      budget: options.budget,
      lastSuccess: 0,
    };
  }

  /** true while a request is in flight */
  get busy(): boolean {
    return this.#inflight > 0;
  }

  /** true while a send or retry is scheduled */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Queues an entry (dropping the oldest to make room) and starts sending if idle. Returns false when the entry
   *  itself was dropped (larger than the budget, or no room beside the request in flight). */
  offer(entry: Entry): boolean {
    const o = this.#o;
    if (!(entry?.bytes instanceof Uint8Array) || !Number.isInteger(entry.samples) || entry.samples < 0)
      throw new TypeError(`${o.target}: an entry is {bytes: Uint8Array, samples: integer >= 0}`);
    const cost = entry.bytes.byteLength + ENTRY_OVERHEAD;
    if (cost > o.budget) {
      this.stats.samplesDropped += entry.samples;
      if (!this.#oversizeLogged)
        o.log?.(
          `${o.target}: ${String(entry.samples)} samples dropped: ${String(entry.bytes.byteLength)} bytes do not fit the buffer of ${String(o.budget)} bytes`,
        );
      this.#oversizeLogged = true;
      return false;
    }
    const q = this.#queue;
    if (o.keep === "latest") while (q.length > this.#inflight) this.#drop(this.#inflight);
    while (this.stats.queueBytes + cost > o.budget && q.length > this.#inflight) this.#drop(this.#inflight);
    if (this.stats.queueBytes + cost > o.budget) {
      this.stats.samplesDropped += entry.samples; // only the request in flight is left: it goes first
      return false;
    }
    q.push(entry);
    this.stats.queueBytes += cost;
    this.stats.queueEntries = q.length;
    this.kick();
    return true;
  }

  /** Starts sending now if idle (nothing in flight, no retry waiting): call it when `canSend` becomes true. */
  kick(): void {
    if (this.#stopped || this.#inflight > 0 || this.#timer !== undefined || this.#queue.length === 0) return;
    this.#schedule(0);
  }

  /** Stops sending (the request in flight is abandoned and retried after start()); the queue is kept. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#endAttempt();
    if (this.#inflight > 0) {
      this.#inflight = 0;
      try {
        this.#o.sender.abort?.();
      } catch {
        // the request is abandoned whatever the sender says
      }
    }
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  #drop(index: number): void {
    const [entry] = this.#queue.splice(index, 1);
    if (!entry) return;
    this.stats.samplesDropped += entry.samples;
    this.stats.queueBytes -= entry.bytes.byteLength + ENTRY_OVERHEAD;
    this.stats.queueEntries = this.#queue.length;
  }

  #schedule(wait: number): void {
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      this.#send();
    }, wait);
  }

  #endAttempt(): void {
    this.#attempt++;
    if (this.#deadline !== undefined) Timer.clear(this.#deadline);
    this.#deadline = undefined;
  }

  #send(): void {
    const o = this.#o;
    const q = this.#queue;
    if (this.#stopped || this.#inflight > 0 || q.length === 0) return;
    if (o.canSend && !o.canSend()) return; // kick() when it can
    const max = o.maxBatchBytes ?? 4096;
    let n = 0;
    let bytes = 0;
    while (n < q.length && (n === 0 || bytes + (q[n] as Entry).bytes.byteLength <= max))
      bytes += (q[n++] as Entry).bytes.byteLength;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) parts.push((q[i] as Entry).bytes);
    let body: Uint8Array;
    try {
      body = (o.body ?? concat)(parts);
    } catch (error) {
      // the body cannot be built from these entries (an encoder bug): no retry would do better
      this.#inflight = n;
      this.#finish("failed", n, `could not build the request: ${errorText(error)}`, undefined);
      return;
    }
    this.#inflight = n;
    const attempt = ++this.#attempt;
    const done = (result: SendResult): void => {
      if (attempt !== this.#attempt || this.#inflight === 0) return; // late, repeated or abandoned
      this.#endAttempt();
      this.#outcome(result);
    };
    this.#deadline = Timer.set(() => {
      this.#deadline = undefined;
      if (attempt !== this.#attempt) return;
      try {
        o.sender.abort?.();
      } catch {
        // abandoned anyway
      }
      done({ networkError: `no response in ${String(o.timeout ?? 30000)} ms` });
    }, o.timeout ?? 30000);
    try {
      o.sender.send(body, done);
    } catch (error) {
      done({ networkError: errorText(error) });
    }
  }

  #outcome(result: SendResult): void {
    const n = this.#inflight;
    const outcome = classify(result);
    let reason: string;
    let retryAfter: number | undefined;
    if ("networkError" in result) reason = result.networkError;
    else {
      reason = `HTTP ${String(result.status)}`;
      if (result.message) reason += `: ${cleanMessage(result.message, this.#o.secrets)}`;
      retryAfter = result.retryAfter;
    }
    this.#finish(outcome, n, reason, "status" in result ? result.status : undefined, retryAfter);
  }

  #finish(outcome: Outcome, n: number, reason: string, status: number | undefined, retryAfter?: number): void {
    const o = this.#o;
    const q = this.#queue;
    let samples = 0;
    for (let i = 0; i < n; i++) samples += (q[i] as Entry).samples;
    this.#inflight = 0;
    if (outcome === "retry") {
      this.stats.samplesRetried += samples;
      let wait = this.#backoff.next();
      if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter > 0)
        wait = Math.max(wait, Math.min(Math.round(retryAfter * 1000), o.retryAfterMax ?? 300000));
      if (this.#streak++ === 0)
        o.log?.(
          `${o.target}: ${reason}; retrying in ${String(wait)} ms (${String(this.stats.queueBytes)} bytes queued)`,
        );
      if (!this.#stopped) this.#schedule(wait);
      return;
    }
    for (let i = 0; i < n; i++) {
      const entry = q.shift() as Entry;
      this.stats.queueBytes -= entry.bytes.byteLength + ENTRY_OVERHEAD;
    }
    this.stats.queueEntries = q.length;
    if (outcome === "sent") {
      this.stats.samplesSent += samples;
      this.stats.lastSuccess = o.now();
      this.#backoff.reset();
      if (this.#streak > 0 || this.#refusalLogged !== undefined)
        o.log?.(
          `${o.target}: delivering again${this.#streak > 0 ? ` after ${String(this.#streak)} failed attempts` : ""}`,
        );
      this.#streak = 0;
      this.#refusalLogged = undefined;
    } else {
      this.stats.samplesFailed += samples;
      if (this.#refusalLogged !== (status ?? -1))
        o.log?.(`${o.target}: ${String(samples)} samples refused, not retried: ${reason}`);
      this.#refusalLogged = status ?? -1;
    }
    if (!this.#stopped && q.length > 0) this.#schedule(0);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
