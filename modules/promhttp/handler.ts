/*
 * The Prometheus handler (the promhttp of this project) on the HTTP transport (modules/http): routes, content
 * negotiation, auth, the shared collect, the landing page, and the scrape counters of its self-metrics.
 *
 *   GET|HEAD <path>       the exposition, in the format negotiated from Accept (modules/format), streamed from the
 *                         registry's pull reader straight into the connection's output buffer
 *   GET|HEAD /            the landing page (./landing)
 *   GET|HEAD /-/healthy   "OK", without auth
 * Other paths: 404; other methods: 405; missing or wrong credentials (./auth): 401.
 *
 * One registry.collect() serves every scrape that arrives while it runs; the connections wait for it (deferred, at
 * most collectTimeout: else 503), then each pulls its own reader. No closure is created per scrape.
 */
import { negotiate } from "../format/index";
import { METHOD_GET, METHOD_HEAD, DEFAULT_LIMITS } from "../http/parser";
import type { HttpParser, ParserLimits } from "../http/parser";
import type { BodySource, HttpHandler, HttpResponse } from "../http/handler";
import { logLine } from "../http/handler";
import { option } from "../http/limits";
import { Credentials, type HttpAuth } from "./auth";
import { landingPage, HTML } from "./landing";
import { COLLECT_TIMEOUT, DEFAULT_PATH, PATH_MAX } from "./limits";
import { pathProblem } from "./path";

/** What the handler needs of a registry: prom-client-like collect(), and a pull reader per format. */
export interface ScrapeRegistry {
  collect(): unknown;
  /** whether collect() has anything to do (some metric has a collect step); without it, collect() is always run */
  collects?(): boolean;
  reader(format: any): BodySource;
}

export interface MetricsHandlerOptions {
  registry: ScrapeRegistry;
  /** metrics path, default "/metrics" (rule: pathProblem in ./path) */
  path?: string;
  auth?: HttpAuth;
  info?: { name?: string; version?: string; uptime?: () => number };
  log?: (line: string) => void;
  /** collect() must finish within this long, ms (default 10000): else 503 */
  collectTimeout?: number;
  /** the object to count into (default: a new one) */
  stats?: ScrapeStats;
}

export interface ScrapeStats {
  scrapes: number;
  scrapeErrors: number;
  lastScrapeMs: number;
  scrapeMsTotal: number;
}

/** a new ScrapeStats, every count 0 */
export function scrapeStats(): ScrapeStats {
  return { scrapes: 0, scrapeErrors: 0, lastScrapeMs: 0, scrapeMsTotal: 0 };
}

/** One shared run of registry.collect(), and the connections waiting for it (a list through Exchange.next). */
interface CollectJob {
  failed: boolean;
  error: unknown;
  first: Exchange | null;
}

const NAME_MAX = 64;
const VARY = "Vary: Accept\r\n";

const ROUTE_NONE = 0;
const ROUTE_METRICS = 1;
const ROUTE_LANDING = 2;
const ROUTE_HEALTH = 3;

/** the handler's state of one connection (HttpResponse.context): created at its first request, kept */
class Exchange {
  readonly res: HttpResponse;
  route = ROUTE_NONE;
  /** the collect this connection waits for, and the format it will render */
  job: CollectJob | null = null;
  format: unknown = undefined;
  contentType = "";
  /** server time the scrape being answered started (-1: none) */
  scrapeStart = -1;
  /** the other connections waiting for the same job (no array per collect) */
  prev: Exchange | null = null;
  next: Exchange | null = null;
  constructor(res: HttpResponse) {
    this.res = res;
  }

  /** wait for `job` */
  join(job: CollectJob): void {
    this.job = job;
    const first = job.first;
    this.prev = null;
    this.next = first;
    if (first !== null) first.prev = this;
    job.first = this;
  }

  /** stop waiting for the job */
  leave(): void {
    const job = this.job;
    if (job === null) return;
    const prev = this.prev;
    const next = this.next;
    if (prev !== null) prev.next = next;
    else if (job.first === this) job.first = next;
    if (next !== null) next.prev = prev;
    this.prev = this.next = null;
    this.job = null;
  }
}

export class MetricsHandler implements HttpHandler {
  readonly path: string;
  readonly registry: ScrapeRegistry;
  readonly collectTimeout: number;
  readonly stats: ScrapeStats;
  readonly credentials: Credentials;
  private readonly name: string;
  private readonly version: string;
  private readonly uptime: (() => number) | undefined;
  private readonly log: ((line: string) => void) | undefined;
  private collecting: CollectJob | null = null;
  /** the last Accept header and what it negotiated: Prometheus sends the same header on every scrape, and parsing
   *  it costs about a million instructions on XS (one entry; a string comparison is native) */
  private lastAccept: string | undefined = undefined;
  private lastNegotiation: ReturnType<typeof negotiate> | undefined = undefined;
  private readonly onCollected: (job: CollectJob) => void;

  constructor(options: MetricsHandlerOptions) {
    if (!options || !options.registry) throw new TypeError("MetricsHandler: registry required");
    const path = options.path === undefined ? DEFAULT_PATH : String(options.path);
    const pathError = pathProblem(path);
    if (pathError !== undefined)
      throw new RangeError("MetricsHandler: path " + JSON.stringify(path) + ": expected " + pathError);
    this.path = path;
    this.registry = options.registry;
    this.collectTimeout = option("MetricsHandler", "collectTimeout", options.collectTimeout, COLLECT_TIMEOUT);
    this.stats = options.stats || scrapeStats();
    this.credentials = new Credentials(options.auth, "MetricsHandler");
    const info = options.info || {};
    this.name = String(info.name === undefined ? "moddable-prometheus" : info.name).slice(0, NAME_MAX);
    this.version = String(info.version === undefined ? "" : info.version).slice(0, NAME_MAX);
    this.uptime = info.uptime;
    this.log = options.log;
    this.onCollected = (job: CollectJob) => {
      this.collectDone(job);
    };
  }

  /** the parser limits this handler needs, over `base` (the transport's): the path kept, the Authorization header */
  parserLimits(base?: ParserLimits): ParserLimits {
    const limits: ParserLimits = { ...(base || {}) };
    const need = this.credentials.headerBytes;
    if (need === 0) limits.maxAuthorization = 0;
    else if ((limits.maxAuthorization ?? DEFAULT_LIMITS.maxAuthorization) < need) limits.maxAuthorization = need;
    limits.maxPath = PATH_MAX;
    return limits;
  }

  note(line: string): void {
    logLine(this.log, line);
  }

  /** route and authorise (HttpHandler.head) */
  head(req: HttpParser, res: HttpResponse): number {
    let x = res.context as Exchange | null;
    if (x === null) x = res.context = new Exchange(res);
    let route = ROUTE_NONE;
    let status = 200;
    if (req.pathEquals(this.path)) route = ROUTE_METRICS;
    else if (req.pathEquals("/")) route = ROUTE_LANDING;
    else if (req.pathEquals("/-/healthy")) route = ROUTE_HEALTH;
    const method = req.method;
    if (route === ROUTE_NONE) status = 404;
    else if (method !== METHOD_GET && method !== METHOD_HEAD) status = 405;
    else if (route !== ROUTE_HEALTH && !this.credentials.authorized(req)) status = 401;
    x.route = route;
    return status;
  }

  /** answer (HttpHandler.request) */
  request(req: HttpParser, res: HttpResponse): void {
    const x = res.context as Exchange;
    const status = res.status;
    if (status === 200) {
      const route = x.route;
      if (route === ROUTE_METRICS) this.scrape(req, res, x);
      else if (route === ROUTE_HEALTH) res.text(200, "OK", "");
      else
        res.text(
          200,
          landingPage(this.name, this.version, this.path, this.uptime ? this.uptime() : res.server.now / 1000),
          "",
          HTML,
        );
    } else if (status === 405) res.text(405, "method not allowed\n", "Allow: GET, HEAD\r\n");
    else if (status === 401) res.text(401, "unauthorized\n", this.credentials.challenge);
    else if (status === 404) res.text(404, "not found\n", "");
    else res.text(status, "error\n", "");
  }

  private scrape(req: HttpParser, res: HttpResponse, x: Exchange): void {
    const accept = req.acceptString();
    let n = this.lastNegotiation;
    if (n === undefined || accept !== this.lastAccept) {
      n = negotiate(accept);
      this.lastAccept = accept;
      this.lastNegotiation = n;
    }
    if (res.headOnly) {
      res.stream(n.contentType, VARY, null);
      return;
    }
    this.stats.scrapes++;
    x.scrapeStart = res.server.time();
    x.format = n.format;
    x.contentType = n.contentType;
    const registry = this.registry;
    if (registry.collects !== undefined && !registry.collects()) {
      this.answer(res, x); // nothing to collect: answered at once (no promise, no later turn)
      return;
    }
    res.defer(this.collectTimeout);
    x.join(this.collect());
  }

  /** the response went out whole (HttpHandler.finished): a scrape's duration */
  finished(res: HttpResponse): void {
    const x = res.context as Exchange | null;
    if (x === null || x.scrapeStart < 0) return;
    const ms = res.server.time() - x.scrapeStart;
    const stats = this.stats;
    stats.lastScrapeMs = ms;
    stats.scrapeMsTotal += ms;
    x.scrapeStart = -1;
  }

  /** a failed write or an error cut the response short (HttpHandler.aborted) */
  aborted(res: HttpResponse): void {
    const x = res.context as Exchange | null;
    if (x === null || x.scrapeStart < 0) return;
    this.stats.scrapeErrors++;
    x.scrapeStart = -1;
  }

  /** the collect did not finish within collectTimeout (HttpHandler.timeout): 503; the next scrape collects anew */
  timeout(res: HttpResponse): void {
    const x = res.context as Exchange;
    x.leave();
    x.scrapeStart = -1;
    this.stats.scrapeErrors++;
    this.collecting = null;
    res.text(503, "scrape timed out\n", "");
  }

  /**
   * One collect() shared by the scrapes that arrive while it runs. Settles without rejecting (a failure is noted
   * in the job); then every response waiting for this job is answered. No closure is created per scrape.
   */
  private collect(): CollectJob {
    let job = this.collecting;
    if (job) return job;
    job = { failed: false, error: undefined, first: null };
    this.collecting = job;
    this.runCollect(job).then(this.onCollected);
    return job;
  }

  private async runCollect(job: CollectJob): Promise<CollectJob> {
    await undefined; // collect callbacks run from a later turn, never inside the request's callback
    try {
      await this.registry.collect();
    } catch (e) {
      job.failed = true;
      job.error = e;
    }
    return job;
  }

  private collectDone(job: CollectJob): void {
    if (this.collecting === job) this.collecting = null;
    // the latest first; an answered connection may join the next job at once (a pipelined scrape): next is read first
    let x = job.first;
    job.first = null;
    while (x !== null) {
      const next = x.next;
      const res = x.res;
      x.prev = x.next = null;
      const waits = x.job === job && res.deferred; // else its connection closed
      if (x.job === job) x.job = null;
      x = next;
      if (!waits) continue;
      try {
        this.collected(job, res, res.context as Exchange);
      } catch (e) {
        this.note("scrape failed: " + String(e));
        res.close();
      }
    }
  }

  private collected(job: CollectJob, res: HttpResponse, x: Exchange): void {
    if (job.failed) {
      this.scrapeFailed(res, x, job.error);
      return;
    }
    this.answer(res, x);
  }

  /** the scrape's body: a reader of the registry in the negotiated format */
  private answer(res: HttpResponse, x: Exchange): void {
    let reader: BodySource;
    try {
      reader = this.registry.reader(x.format);
    } catch (e) {
      this.scrapeFailed(res, x, e);
      return;
    }
    res.stream(x.contentType, VARY, reader);
  }

  private scrapeFailed(res: HttpResponse, x: Exchange, e: unknown): void {
    this.note("scrape failed: " + String(e));
    this.stats.scrapeErrors++;
    x.scrapeStart = -1;
    res.text(500, "scrape failed\n", "");
  }
}
