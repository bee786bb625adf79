// A real Prometheus server (Debian package `prometheus`) on 127.0.0.1 with its own temporary config and TSDB.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, httpGet, pollUntil, Proc, tempDir } from "./tools";

export interface ScrapeJob {
  job: string;
  target: string; // host:port, always 127.0.0.1:<port> here
  metricsPath?: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
}

/** prometheus.yml text: global 1 s scrape interval, one static target per job. */
export function prometheusYml(jobs: ScrapeJob[]): string {
  const lines = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
  ];
  for (const j of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(j.job)}`);
    if (j.metricsPath) lines.push(`    metrics_path: ${JSON.stringify(j.metricsPath)}`);
    if (j.bearerToken !== undefined) {
      lines.push("    authorization:", "      type: Bearer", `      credentials: ${JSON.stringify(j.bearerToken)}`);
    }
    if (j.basicAuth) {
      lines.push(
        "    basic_auth:",
        `      username: ${JSON.stringify(j.basicAuth.username)}`,
        `      password: ${JSON.stringify(j.basicAuth.password)}`,
      );
    }
    lines.push("    static_configs:", `      - targets: [${JSON.stringify(j.target)}]`);
  }
  return lines.join("\n") + "\n";
}

export interface Target {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
}

export interface PrometheusOptions {
  /** extra command-line flags, e.g. --web.enable-remote-write-receiver */
  flags?: string[];
  timeoutMs?: number;
}

export class PrometheusServer {
  private constructor(
    public proc: Proc,
    readonly url: string,
    private readonly dir: { path: string; remove(): void },
    private readonly args: string[],
  ) {}

  /** Starts prometheus and resolves once it logs that it is ready for web requests. */
  static async start(jobs: ScrapeJob[], timeoutMs = 30000, options: PrometheusOptions = {}): Promise<PrometheusServer> {
    const dir = tempDir("interop-prom-");
    const port = await freePort();
    const config = join(dir.path, "prometheus.yml");
    writeFileSync(config, prometheusYml(jobs));
    const args = [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir.path, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=info",
      ...(options.flags ?? []),
    ];
    const server = new PrometheusServer(
      new Proc("prometheus", "prometheus", args),
      `http://127.0.0.1:${port}`,
      dir,
      args,
    );
    try {
      await server.proc.waitFor(/Server is ready to receive web requests/, options.timeoutMs ?? timeoutMs);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** Stops the process and keeps its TSDB (see resume). */
  async pause(): Promise<void> {
    await this.proc.stop();
  }

  /** Starts the process again on the same port and TSDB. */
  async resume(timeoutMs = 30000): Promise<void> {
    this.proc = new Proc("prometheus", "prometheus", this.args);
    await this.proc.waitFor(/Server is ready to receive web requests/, timeoutMs);
  }

  /** Range query of one series: its [seconds, value] samples between start and end (seconds), at step s. */
  async range(
    promql: string,
    start: number,
    end: number,
    step: number,
  ): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
    const q = `/api/v1/query_range?query=${encodeURIComponent(promql)}&start=${start}&end=${end}&step=${step}`;
    const data = await this.api<{
      resultType: string;
      result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
    }>(q);
    return data.result;
  }

  async api<T>(path: string): Promise<T> {
    const r = await httpGet(this.url + path);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
    const j = JSON.parse(r.body) as { status: string; data: T; error?: string };
    if (j.status !== "success") throw new Error(`GET ${path}: ${j.error}`);
    return j.data;
  }

  /** Instant query; returns the vector as [labels, value string] pairs. */
  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: string }>> {
    const data = await this.api<{
      resultType: string;
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>("/api/v1/query?query=" + encodeURIComponent(promql));
    if (data.resultType !== "vector") throw new Error(`query ${promql}: resultType ${data.resultType}`);
    return data.result.map((r) => ({ metric: r.metric, value: r.value[1] }));
  }

  async targets(): Promise<Target[]> {
    return (await this.api<{ activeTargets: Target[] }>("/api/v1/targets?state=active")).activeTargets;
  }

  /** Waits (polling the query API) until `up{job}` is 1. */
  waitUp(job: string, timeoutMs = 30000): Promise<void> {
    return pollUntil(
      `up{job="${job}"} == 1 in Prometheus`,
      async () => {
        const r = await this.query(`up{job="${job}"}`);
        if (r.length === 1 && r[0].value === "1") return true;
        if (r.length === 1 && r[0].value === "0") {
          const t = (await this.targets()).find((x) => x.labels.job === job);
          throw new Error(`up == 0, target lastError: ${t?.lastError}`);
        }
        return undefined;
      },
      timeoutMs,
      200,
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    this.dir.remove();
  }
}
