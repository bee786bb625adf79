/*
 * The exporter's server: the HTTP transport (modules/http/server.ts) with the Prometheus handler (./handler) on it,
 * built from one set of options, counting into one stats object (the transport's counts and the scrapes'), which the
 * device self-metrics mirror (modules/device/metrics.ts).
 */
import { HttpServer, httpServerStats } from "../http/server";
import type { HttpServerOptions, HttpServerStats } from "../http/server";
import { MetricsHandler, scrapeStats } from "./handler";
import type { MetricsHandlerOptions, ScrapeStats } from "./handler";

export type MetricsServerOptions = Omit<HttpServerOptions, "handler" | "stats" | "handlerTimeout"> &
  Omit<MetricsHandlerOptions, "stats">;
export type MetricsServerStats = HttpServerStats & ScrapeStats;

export class MetricsServer {
  readonly handler: MetricsHandler;
  readonly http: HttpServer;
  readonly stats: MetricsServerStats;

  /** throws a RangeError (or TypeError) naming the option that is out of its range */
  constructor(options: MetricsServerOptions) {
    const stats: MetricsServerStats = Object.assign(httpServerStats(), scrapeStats());
    this.stats = stats;
    const handler = (this.handler = new MetricsHandler({ ...options, stats }));
    this.http = new HttpServer({
      ...options,
      handler,
      stats,
      limits: handler.parserLimits(options.limits),
      handlerTimeout: handler.collectTimeout,
    });
  }

  /** listen (throws when the listener cannot be created; see HttpServer.start) */
  start(): void {
    this.http.start();
  }

  /** close the listener and every connection */
  stop(): void {
    this.http.stop();
  }

  /** run the timeout and admission checks now (with tickInterval 0: the owner's clock) */
  tick(): void {
    this.http.tick();
  }

  get listening(): boolean {
    return this.http.listening;
  }

  /** the bound port (useful with port 0), or the configured port */
  get boundPort(): number {
    return this.http.boundPort;
  }

  /** true while connections wait for the resume timer to continue their work (for tests and tools) */
  get resuming(): boolean {
    return this.http.resuming;
  }
}

export default MetricsServer;
