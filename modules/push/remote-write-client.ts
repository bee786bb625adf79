/**
 * Prometheus remote write 1.0 from the device: every `interval` ms, once the wall clock is set, the registry's
 * samples are collected, stamped with the wall clock (one timestamp per round, in ms) and written as WriteRequest
 * bodies in snappy blocks (SnappyRequestWriter, modules/push/snappy-request.ts: about 5 times cheaper on XS than
 * encoding then compressing, see docs/bench-xs.md "Remote write"); each block is one entry of the store-and-forward
 * queue (modules/push/forwarder.ts) and one POST:
 *   Content-Encoding: snappy, Content-Type: application/x-protobuf, X-Prometheus-Remote-Write-Version: 0.1.0,
 *   User-Agent, Authorization (Bearer, or Basic) when configured.
 * Blocks are not concatenated (a snappy block starts with its length): the queue sends them one per request, oldest
 * first, so the samples of every series arrive in time order, also after an outage.
 *
 * Sample names and labels are those of the text exposition (modules/format/encoder.ts): `__name__` = family name +
 * the sample's suffix (`_bucket`, `_sum`, `_count`), the series' labels, `le`/`quantile`/the stateset's label, the
 * registry's default labels, then the external labels (settings.remoteWrite.labels; instance and job default to the
 * hostname) where the series has no label of that name. OpenMetrics `_created` samples are not sent.
 * The label entries of each sample are made once and kept between rounds: per family (`__name__` per suffix, the
 * extra labels) and per series object (weakly: a series removed takes its entries with it), at most
 * `maxCachedSets` label sets (then the cache starts again); label pairs are shared through a bounded map, so a
 * pair repeated between series becomes a 3-byte snappy copy.
 */
import Timer from "timer";
import { ENTRY_OVERHEAD, Forwarder, type ForwarderStats, type SendResult } from "./forwarder";
import type { BackoffOptions } from "../app/backoff";
import { errorText } from "../app/backoff";
import { LabelEntry, SnappyRequestWriter, labelSet } from "./snappy-request";
import { authorizationHeader, secretsOf, USER_AGENT, type PushCredentials } from "./headers";
import type { PushTransport } from "./request";
import type { PushUrl } from "./url";
import { BUCKET, CREATED, SUM, familyName, labelValues, sampleSuffix, walk } from "../model/exposition";
import type { FamilyDesc, SampleKind, SampleWriter, SeriesDesc, Snapshot } from "../model/exposition";
import { formatNumber } from "../format/numbers";

/** What the client needs of a registry (modules/client Registry). */
export interface GatheringRegistry {
  collect(): Promise<void>;
  gather(): Snapshot;
}

/** What the client needs of the wall clock (modules/time/clock.ts). */
export interface PushClock {
  now(): number;
  readonly synchronized: boolean;
}

export interface RemoteWriteClientOptions {
  url: PushUrl;
  /** ms between rounds */
  interval: number;
  auth?: PushCredentials | undefined;
  /** external labels (instance, job, ...) */
  labels: Readonly<Record<string, string>>;
  /** the store-and-forward budget, bytes */
  bufferBytes: number;
  registry: GatheringRegistry;
  transport: PushTransport;
  clock: PushClock;
  /** false while nothing can be sent (no network address): samples are still taken and queued */
  online?: () => boolean;
  log?: (line: string) => void;
  /** largest snappy block (one request), bytes (default 4096; at most bufferBytes - ENTRY_OVERHEAD) */
  requestBytes?: number;
  /** label sets kept between rounds (default 512) */
  maxCachedSets?: number;
  /** label pairs shared between series (default 256) */
  maxSharedPairs?: number;
  /** retry delays and request timeout (tests) */
  backoff?: BackoffOptions;
  timeout?: number;
}

export const REMOTE_WRITE_HEADERS =
  "Content-Encoding: snappy\r\nX-Prometheus-Remote-Write-Version: 0.1.0\r\nUser-Agent: " + USER_AGENT + "\r\n";
export const REMOTE_WRITE_CONTENT_TYPE = "application/x-protobuf";

/** The label entries of one family, kept between rounds. */
interface FamilyCache {
  /** `__name__` entries by sample kind (VALUE, BUCKET, SUM, COUNT) */
  names: (LabelEntry | undefined)[];
  /** the extra label's entries by `extra` index (histograms: +Inf last) */
  extras: (LabelEntry | undefined)[];
  /** slots per series: 1 + extras (VALUE/BUCKET), then SUM, COUNT */
  slots: number;
}

export class RemoteWriteClient implements SampleWriter {
  readonly #o: RemoteWriteClientOptions;
  readonly #forwarder: Forwarder;
  readonly #writer: SnappyRequestWriter;
  readonly #external: LabelEntry[];
  #timer: ReturnType<typeof Timer.repeat> | undefined;
  #collecting = false;
  #stopped = true;
  /** timestamp of the last round (a clock stepped back must not put samples out of order) */
  #last = -Infinity;
  #backLogged = false;
  #errorLogged = false;
  // the round being written
  #t = 0;
  #samples = 0;
  #family: FamilyDesc | undefined;
  #fc: FamilyCache | undefined;
  #series: SeriesDesc | undefined;
  #sets: (LabelEntry[] | undefined)[] | undefined;
  // caches (made again when full, or when the registry's default labels change)
  #families = new WeakMap<FamilyDesc, FamilyCache>();
  #seriesSets = new WeakMap<SeriesDesc, (LabelEntry[] | undefined)[]>();
  #pairs = new Map<string, LabelEntry>();
  #cachedSets = 0;
  #defaultsOf: readonly string[] | undefined;
  #defaultValuesOf: readonly string[] | undefined;
  #defaults: LabelEntry[] = [];
  /** blocks offered, rounds taken (for tests and logs) */
  readonly counts = { rounds: 0, blocks: 0 };

  constructor(options: RemoteWriteClientOptions) {
    this.#o = options;
    const external: LabelEntry[] = [];
    for (const name in options.labels)
      if (Object.prototype.hasOwnProperty.call(options.labels, name))
        external.push(new LabelEntry(name, options.labels[name] as string));
    this.#external = external;
    // a block must fit the buffer with its bookkeeping, else every round larger than the buffer would be dropped whole
    const size = Math.min(options.requestBytes ?? 4096, options.bufferBytes - ENTRY_OVERHEAD);
    this.#writer = new SnappyRequestWriter(new Uint8Array(size));
    const headers = REMOTE_WRITE_HEADERS + authorizationHeader(options.auth);
    const transport = options.transport;
    const url = options.url;
    this.#forwarder = new Forwarder({
      target: "remote_write",
      budget: options.bufferBytes,
      maxBatchBytes: 0, // one block per request: snappy blocks do not concatenate
      now: () => options.clock.now(),
      canSend: () => options.clock.synchronized && (options.online?.() ?? true),
      log: options.log,
      secrets: secretsOf(options.auth),
      backoff: options.backoff,
      timeout: options.timeout,
      sender: {
        send(body: Uint8Array, done: (result: SendResult) => void): void {
          transport.request({ method: "POST", url, headers, contentType: REMOTE_WRITE_CONTENT_TYPE, body }, done);
        },
        abort(): void {
          transport.abort();
        },
      },
    });
  }

  get stats(): ForwarderStats {
    return this.#forwarder.stats;
  }

  /** Takes a round every interval (the first after one interval) and sends what is queued. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = Timer.repeat(() => this.round(), this.#o.interval);
    this.#forwarder.start();
  }

  /** Stops taking rounds and sending (the request in flight is abandoned); the queue is kept for start(). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#forwarder.stop();
  }

  /** Sends now if something waits (call it when the clock is set or the network comes up). */
  kick(): void {
    if (!this.#stopped) this.#forwarder.kick();
  }

  /** One round: collect, stamp, encode, queue. Nothing before the clock is set; never two at once. */
  round(): void {
    const o = this.#o;
    if (this.#stopped || this.#collecting || !o.clock.synchronized) return;
    const t = Math.floor(o.clock.now());
    if (t <= this.#last) {
      // the clock was stepped back: these samples would be refused as out of order
      if (!this.#backLogged)
        o.log?.(`remote_write: the clock went back ${String(this.#last - t)} ms; samples skipped until it passes`);
      this.#backLogged = true;
      return;
    }
    this.#backLogged = false;
    this.#collecting = true;
    let collected: Promise<void>;
    try {
      collected = o.registry.collect();
    } catch (error) {
      collected = Promise.reject(error);
    }
    collected.then(
      () => {
        this.#collecting = false;
        if (this.#stopped) return;
        try {
          this.#write(t);
        } catch (error) {
          o.log?.(`remote_write: round failed: ${errorText(error)}`);
        }
      },
      (error: unknown) => {
        this.#collecting = false;
        o.log?.(`remote_write: collecting failed: ${errorText(error)}`);
      },
    );
  }

  #write(t: number): void {
    this.#last = t;
    this.counts.rounds++;
    this.#t = t;
    this.#samples = 0;
    this.#series = undefined;
    this.#writer.reset();
    const snap = this.#o.registry.gather();
    if (snap.defaultNames !== this.#defaultsOf || snap.defaultValues !== this.#defaultValuesOf) {
      this.#resetCache();
      this.#defaultsOf = snap.defaultNames;
      this.#defaultValuesOf = snap.defaultValues;
      this.#defaults = [];
      for (let i = 0; i < snap.defaultNames.length; i++)
        this.#defaults.push(new LabelEntry(snap.defaultNames[i] as string, snap.defaultValues[i] as string));
    }
    try {
      walk(snap, this);
    } finally {
      this.#flush();
    }
  }

  #flush(): void {
    if (this.#samples === 0) return;
    const block = this.#writer.finish().slice();
    this.#forwarder.offer({ bytes: block, samples: this.#samples });
    this.counts.blocks++;
    this.#samples = 0;
    this.#writer.reset();
  }

  #resetCache(): void {
    this.#families = new WeakMap();
    this.#seriesSets = new WeakMap();
    this.#pairs = new Map();
    this.#cachedSets = 0;
    this.#series = undefined;
  }

  /** @internal SampleWriter */
  family(f: FamilyDesc): void {
    this.#family = f;
    let fc = this.#families.get(f);
    if (fc === undefined) {
      const extras = f.extraValues === undefined ? 0 : f.extraValues.length + (f.type === "histogram" ? 1 : 0);
      fc = { names: [], extras: [], slots: 1 + extras + 2 };
      this.#families.set(f, fc);
    }
    this.#fc = fc;
  }

  /** @internal SampleWriter */
  sample(s: SeriesDesc, kind: SampleKind, extra: number, value: number): void {
    if (kind === CREATED) return;
    const fc = this.#fc as FamilyCache;
    if (s !== this.#series) {
      this.#series = s;
      let sets = this.#seriesSets.get(s);
      if (sets === undefined) {
        if (this.#cachedSets >= (this.#o.maxCachedSets ?? 512)) this.#resetCache();
        this.#series = s;
        sets = [];
        this.#seriesSets.set(s, sets);
      }
      this.#sets = sets;
    }
    const sets = this.#sets as (LabelEntry[] | undefined)[];
    const slot = kind <= BUCKET ? extra + 1 : fc.slots - 2 + (kind - SUM);
    let labels = sets[slot];
    if (labels === undefined) {
      try {
        labels = this.#labels(s, kind, extra);
      } catch (error) {
        if (!this.#errorLogged)
          this.#o.log?.(`remote_write: series of ${(this.#family as FamilyDesc).name} left out: ${errorText(error)}`);
        this.#errorLogged = true;
        return;
      }
      sets[slot] = labels;
      this.#cachedSets++;
    }
    const w = this.#writer;
    if (!w.sample(labels, value, this.#t)) {
      this.#flush();
      if (!w.sample(labels, value, this.#t)) {
        if (!this.#errorLogged)
          this.#o.log?.(`remote_write: a series of ${(this.#family as FamilyDesc).name} does not fit in a request`);
        this.#errorLogged = true;
        return;
      }
    }
    this.#samples++;
  }

  #pair(name: string, value: string): LabelEntry {
    const key = name + "\u0000" + value;
    let e = this.#pairs.get(key);
    if (e === undefined) {
      e = new LabelEntry(name, value);
      if (this.#pairs.size < (this.#o.maxSharedPairs ?? 256)) this.#pairs.set(key, e);
    }
    return e;
  }

  #labels(s: SeriesDesc, kind: SampleKind, extra: number): LabelEntry[] {
    const f = this.#family as FamilyDesc;
    const fc = this.#fc as FamilyCache;
    const own: LabelEntry[] = [];
    let name = fc.names[kind];
    if (name === undefined)
      fc.names[kind] = name = new LabelEntry(
        "__name__",
        familyName(f.name, f.type, false) + sampleSuffix(f.type, kind, false),
      );
    own.push(name);
    const n = f.labelNames.length;
    if (n > 0) {
      const values = labelValues(s.key, n);
      for (let i = 0; i < n; i++) own.push(this.#pair(f.labelNames[i] as string, values[i] as string));
    }
    if (extra >= 0 && f.extraName !== undefined) {
      let e = fc.extras[extra];
      if (e === undefined) {
        const ev = f.extraValues as readonly (number | string)[];
        const v = extra < ev.length ? ev[extra] : "+Inf";
        fc.extras[extra] = e = new LabelEntry(f.extraName, typeof v === "number" ? formatNumber(v) : (v as string));
      }
      own.push(e);
    }
    const others = this.#defaults.length === 0 ? this.#external : this.#defaults.concat(this.#external);
    return labelSet(own, others);
  }
}
