/**
 * Pushgateway client: every `interval` ms, PUT the registry's text 0.0.4 exposition to the group
 * `<url>/metrics/job/<job>{/<label>/<value>}` (a PUT replaces the whole group), streamed: the body is the format's
 * reader (a BodySource pulled in bounded pieces by the HTTP client, sent chunked), made when the request starts,
 * so the device never holds the whole text. The store-and-forward queue (modules/push/forwarder.ts) keeps only the
 * latest push (`keep: "latest"`: an older snapshot is worthless once a newer one exists); its entry holds no bytes,
 * only the number of samples the push carries, and a retry sends the registry as it is then.
 * `delete()` stops pushing and sends DELETE for the group (the Pushgateway forgets it).
 *
 * Grouping key in the path (the Pushgateway's README, "URL"): a value that is empty or holds a "/" is written as
 * `<label>@base64/<base64url of its UTF-8>` (an empty value as `<label>@base64/=`); any other value is
 * percent-encoded. The Pushgateway needs no wall clock (no timestamps are sent): pushes start with the network.
 */
import Timer from "timer";
import { Forwarder, type ForwarderStats, type SendResult } from "./forwarder";
import type { BackoffOptions } from "../app/backoff";
import { errorText } from "../app/backoff";
import { authorizationHeader, secretsOf, USER_AGENT, type PushCredentials } from "./headers";
import type { PushTransport } from "./request";
import type { PushUrl } from "./url";
import { base64 } from "../text/base64";
import { encode } from "../text/utf8";
import { CREATED, walk } from "../model/exposition";
import type { FamilyDesc, SampleKind, SampleWriter, SeriesDesc, Snapshot } from "../model/exposition";
import { PROMETHEUS_TEXT_0_0_4 } from "../format/index";
import type { Format } from "../format/index";
import type { BodySource } from "../http/handler";

/** What the client needs of a registry (modules/client Registry). */
export interface ExposingRegistry {
  collect(): Promise<void>;
  gather(): Snapshot;
  reader(format?: Format): BodySource;
}

export interface PushgatewayClientOptions {
  url: PushUrl;
  job: string;
  /** the rest of the grouping key */
  grouping: Readonly<Record<string, string>>;
  interval: number;
  auth?: PushCredentials | undefined;
  registry: ExposingRegistry;
  transport: PushTransport;
  /** wall clock, ms since 1970 (the last success time) */
  now: () => number;
  /** false while nothing can be sent (no network address) */
  online?: () => boolean;
  log?: (line: string) => void;
  backoff?: BackoffOptions;
  timeout?: number;
}

/** One path segment pair of the grouping key: `name/value`, or `name@base64/...` where the value needs it. */
export function groupingSegment(name: string, value: string): string {
  if (value === "") return name + "@base64/=";
  if (value.indexOf("/") >= 0) return name + "@base64/" + base64(encode(value), true);
  return name + "/" + encodeURIComponent(value);
}

/** The group's path: the URL's path (without a trailing "/") + /metrics/job/<job>{/<label>/<value>}, then the
 *  URL's query. Grouping labels in the order given. */
export function groupPath(base: string, job: string, grouping: Readonly<Record<string, string>>): string {
  const q = base.indexOf("?");
  let path = q < 0 ? base : base.slice(0, q);
  while (path.length > 0 && path.charCodeAt(path.length - 1) === 47) path = path.slice(0, path.length - 1);
  path += "/metrics/" + groupingSegment("job", job);
  for (const name in grouping)
    if (Object.prototype.hasOwnProperty.call(grouping, name) && name !== "job")
      path += "/" + groupingSegment(name, grouping[name] as string);
  return q < 0 ? path : path + base.slice(q);
}

/** Counts the samples a text exposition of the snapshot holds (the self-metrics count samples). */
class SampleCounter implements SampleWriter {
  n = 0;
  family(_f: FamilyDesc): void {}
  sample(_s: SeriesDesc, kind: SampleKind, _extra: number, _value: number): void {
    if (kind !== CREATED) this.n++;
  }
}

export class PushgatewayClient {
  readonly #o: PushgatewayClientOptions;
  readonly #forwarder: Forwarder;
  readonly #url: PushUrl;
  readonly #headers: string;
  #timer: ReturnType<typeof Timer.repeat> | undefined;
  #collecting = false;
  #stopped = true;
  readonly counts = { rounds: 0 };

  constructor(options: PushgatewayClientOptions) {
    this.#o = options;
    const url: PushUrl = { ...options.url, path: groupPath(options.url.path, options.job, options.grouping) };
    this.#url = url;
    const headers = "User-Agent: " + USER_AGENT + "\r\n" + authorizationHeader(options.auth);
    this.#headers = headers;
    const transport = options.transport;
    const registry = options.registry;
    this.#forwarder = new Forwarder({
      target: "pushgateway",
      budget: 4096, // entries hold no bytes: the budget bounds nothing but the bookkeeping
      keep: "latest",
      now: options.now,
      canSend: () => options.online?.() ?? true,
      log: options.log,
      secrets: secretsOf(options.auth),
      backoff: options.backoff,
      timeout: options.timeout,
      sender: {
        send(_body: Uint8Array, done: (result: SendResult) => void): void {
          transport.request(
            {
              method: "PUT",
              url,
              headers,
              contentType: PROMETHEUS_TEXT_0_0_4.contentType,
              body: registry.reader(PROMETHEUS_TEXT_0_0_4),
            },
            done,
          );
        },
        abort(): void {
          transport.abort();
        },
      },
    });
  }

  /** the group's URL (path and query as sent) */
  get url(): PushUrl {
    return this.#url;
  }

  get stats(): ForwarderStats {
    return this.#forwarder.stats;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = Timer.repeat(() => this.round(), this.#o.interval);
    this.#forwarder.start();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#forwarder.stop();
  }

  kick(): void {
    if (!this.#stopped) this.#forwarder.kick();
  }

  /** One push: collect, then queue it (replacing an unsent one). */
  round(): void {
    const o = this.#o;
    if (this.#stopped || this.#collecting) return;
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
        this.counts.rounds++;
        const counter = new SampleCounter();
        walk(o.registry.gather(), counter);
        this.#forwarder.offer({ bytes: new Uint8Array(0), samples: counter.n });
      },
      (error: unknown) => {
        this.#collecting = false;
        o.log?.(`pushgateway: collecting failed: ${errorText(error)}`);
      },
    );
  }

  /**
   * Stops pushing and deletes the group on the Pushgateway (DELETE of its path): once, no retry; `done` gets the
   * outcome (2xx: deleted). start() pushes again.
   */
  delete(done?: (result: SendResult) => void): void {
    this.stop();
    const log = this.#o.log;
    const finish = (result: SendResult): void => {
      if ("networkError" in result) log?.(`pushgateway: delete failed: ${result.networkError}`);
      else if (result.status >= 200 && result.status < 300) log?.("pushgateway: group deleted");
      else log?.(`pushgateway: delete refused: HTTP ${String(result.status)}`);
      done?.(result);
    };
    try {
      this.#o.transport.request({ method: "DELETE", url: this.#url, headers: this.#headers, body: null }, finish);
    } catch (error) {
      finish({ networkError: errorText(error) });
    }
  }
}
