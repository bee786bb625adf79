// Issue 3 "Done when": a real Prometheus server (Debian package) scrapes `npm start` with up == 1.
// Also: promtool and prometheus_client parse a live scrape, and wrk loads it with no errors.
// Everything listens on 127.0.0.1 and is killed in afterAll, also when a test fails.
import { startExporter, type Exporter } from "./support/exporter";
import { PrometheusServer } from "./support/prometheus";
import {
  httpGet,
  pollUntil,
  promtoolCheckMetrics,
  pythonParse,
  requirePythonClient,
  requireTool,
  wrk,
} from "./support/tools";

const JOB = "moddable";
const OPENMETRICS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

let exporter: Exporter | undefined;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  requireTool("prometheus", ["--version"], "prometheus");
  requireTool("promtool", ["--version"], "prometheus");
  requireTool("wrk", ["-v"], "wrk", /^wrk \S+/m);
  requirePythonClient();
  exporter = await startExporter();
}, 60000);

afterAll(async () => {
  await Promise.allSettled([prometheus?.stop(), exporter?.stop()]);
}, 30000);

function live(): Exporter {
  if (!exporter) throw new Error("npm start did not come up (see beforeAll)");
  return exporter;
}

describe("a live scrape of npm start", () => {
  test("0.0.4 render: HTTP 200, text/plain; version=0.0.4, promtool check metrics is clean", async () => {
    const r = await httpGet(live().metricsUrl, { Accept: "text/plain" });
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^text\/plain; *version=0\.0\.4/);
    expect(r.body.length).toBeGreaterThan(0);
    const lint = await promtoolCheckMetrics(r.body);
    expect({ code: lint.code, output: lint.stdout + lint.stderr }).toEqual({ code: 0, output: "" });
    const families = await pythonParse(r.body, "0.0.4");
    expect(families.length).toBeGreaterThan(0);
  });

  test("no Accept header gives the same clean 0.0.4 text", async () => {
    const r = await httpGet(live().metricsUrl);
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^text\/plain; *version=0\.0\.4/);
    const lint = await promtoolCheckMetrics(r.body);
    expect({ code: lint.code, output: lint.stdout + lint.stderr }).toEqual({ code: 0, output: "" });
  });

  test("Prometheus's Accept header gets OpenMetrics that prometheus_client's strict parser accepts", async () => {
    const r = await httpGet(live().metricsUrl, { Accept: OPENMETRICS_ACCEPT });
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(
      /^application\/openmetrics-text; *version=1\.0\.0; *charset=utf-8$/,
    );
    expect(r.body.endsWith("# EOF\n")).toBe(true);
    const families = await pythonParse(r.body, "openmetrics");
    expect(families.length).toBeGreaterThan(0);
  });
});

describe("a real Prometheus server scrapes npm start", () => {
  beforeAll(async () => {
    prometheus = await PrometheusServer.start([{ job: JOB, target: `127.0.0.1:${live().port}` }]);
  }, 45000);

  afterAll(async () => {
    await prometheus?.stop();
    prometheus = undefined;
  }, 30000);

  function prom(): PrometheusServer {
    if (!prometheus) throw new Error("prometheus did not start (see beforeAll)");
    return prometheus;
  }

  test("up == 1", async () => {
    await prom().waitUp(JOB, 30000);
    const up = await prom().query(`up{job="${JOB}"}`);
    expect(up).toEqual([{ metric: { __name__: "up", instance: `127.0.0.1:${live().port}`, job: JOB }, value: "1" }]);
  }, 40000);

  test("the target is healthy with no scrape error", async () => {
    await prom().waitUp(JOB, 30000);
    const targets = (await prom().targets()).filter((t) => t.labels.job === JOB);
    expect(targets.map((t) => ({ health: t.health, lastError: t.lastError, scrapeUrl: t.scrapeUrl }))).toEqual([
      { health: "up", lastError: "", scrapeUrl: live().metricsUrl },
    ]);
  }, 40000);

  test("the exporter's own series are stored (not only Prometheus's synthetic up/scrape_*)", async () => {
    await prom().waitUp(JOB, 30000);
    const scraped = await prom().query(`scrape_samples_scraped{job="${JOB}"}`);
    expect(scraped).toHaveLength(1);
    expect(Number(scraped[0].value)).toBeGreaterThan(0);
    const own = await prom().query(`count({job="${JOB}", __name__!~"up|scrape_.*"})`);
    expect(own).toHaveLength(1);
    expect(Number(own[0].value)).toBeGreaterThan(0);
  }, 40000);

  test("the simulated sensors' readings reach Prometheus: sensor_up == 1 and plausible temperatures for both chips", async () => {
    const p = prom();
    const temps = await pollUntil(
      "sensor_temperature_celsius for office (si7021) and lab (bme680) in Prometheus",
      async () => {
        const r = await p.query(`sensor_temperature_celsius{job="${JOB}"}`);
        return r.length >= 2 ? r : undefined;
      },
      20000,
    );
    const bySensor = Object.fromEntries(temps.map((t) => [`${t.metric.sensor}/${t.metric.model}`, Number(t.value)]));
    expect(Object.keys(bySensor).sort()).toEqual(["lab/bme680", "office/si7021"]);
    for (const v of Object.values(bySensor)) {
      expect(v).toBeGreaterThan(-40);
      expect(v).toBeLessThan(85);
    }
    const up = await p.query(`sensor_up{job="${JOB}"}`);
    expect(up.map((u) => `${u.metric.sensor}=${u.value}`).sort()).toEqual(["lab=1", "office=1"]);
  }, 30000);

  test("Prometheus dropped nothing: no duplicate, out-of-order or out-of-bounds samples, no parse failures", async () => {
    await prom().waitUp(JOB, 30000);
    const self = await httpGet(prom().url + "/metrics");
    const counters = [
      "prometheus_target_scrapes_sample_duplicate_timestamp_total",
      "prometheus_target_scrapes_sample_out_of_order_total",
      "prometheus_target_scrapes_sample_out_of_bounds_total",
      "prometheus_target_scrapes_exceeded_sample_limit_total",
      "prometheus_target_scrapes_exemplar_out_of_order_total",
      "prometheus_target_scrape_pool_exceeded_label_limits_total",
    ];
    const seen: Record<string, number> = {};
    for (const line of self.body.split("\n")) {
      const [name, value] = line.split(" ");
      if (counters.includes(name)) seen[name] = Number(value);
    }
    expect(seen).toEqual(Object.fromEntries(counters.map((c) => [c, 0])));
  }, 40000);
});

/** The exporter's own counters (exporter_*), read from a 0.0.4 scrape. */
async function selfCounters(url: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const r = await httpGet(url, headers);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
  const out: Record<string, number> = {};
  for (const line of r.body.split("\n")) {
    const m = line.match(/^(exporter_[a-z_]+) (\S+)$/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

describe("load on npm start (default config: maxConnections 8)", () => {
  // Prometheus (previous describe) is stopped first, so wrk has the connection cap to itself.
  test("wrk -t1 -c8 -d3s (= the connection cap): no non-2xx response, no socket error", async () => {
    const r = await wrk(live().metricsUrl, { threads: 1, connections: 8, seconds: 3 });
    expect({ non2xx3xx: r.non2xx3xx, socketErrors: r.socketErrors }).toEqual({
      non2xx3xx: 0,
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    });
    expect(r.requests).toBeGreaterThan(0);
    // still healthy, and still a clean render
    const after = await httpGet(live().metricsUrl);
    expect(after.status).toBe(200);
    const lint = await promtoolCheckMetrics(after.body);
    expect({ code: lint.code, output: lint.stdout + lint.stderr }).toEqual({ code: 0, output: "" });
  }, 30000);

  test("wrk -t1 -c16 -d3s (twice the cap): only evictions of idle keep-alive connections and counted 503s", async () => {
    const before = await selfCounters(live().metricsUrl);
    const r = await wrk(live().metricsUrl, { threads: 1, connections: 16, seconds: 3 });
    const after = await selfCounters(live().metricsUrl);
    const delta = (k: string) => {
      if (!(k in before) || !(k in after))
        throw new Error(`${k} is not in npm start's /metrics (device self-metrics renamed?)`);
      return after[k] - before[k];
    };
    expect(r.requests).toBeGreaterThan(0);
    expect({ connect: r.socketErrors.connect, write: r.socketErrors.write, timeout: r.socketErrors.timeout }).toEqual({
      connect: 0,
      write: 0,
      timeout: 0,
    });
    // every non-2xx is a 503 the server counted as a refused connection; no scrape failed
    const refused = delta("exporter_http_connections_refused_total");
    expect(r.non2xx3xx).toBeLessThanOrEqual(refused);
    expect(delta("exporter_scrape_errors_total")).toBe(0);
    // wrk counts a keep-alive connection closed by the server (eviction, or a refusal) as a read error and
    // reconnects: each one shows up as a newly accepted or refused connection
    expect(r.socketErrors.read).toBeLessThanOrEqual(delta("exporter_http_connections_accepted_total") + refused);
    expect((await httpGet(live().metricsUrl)).status).toBe(200);
  }, 30000);
});

describe("scrape authentication: npm start with auth configured (MC_CONFIG_auth), scraped by Prometheus", () => {
  const TOKEN = "interop-bearer-token-0123456789";
  const USER = "prometheus";
  const PASSWORD = 'p@ss:w"ord é';
  let secured: Exporter | undefined;
  let securedProm: PrometheusServer | undefined;

  beforeAll(async () => {
    secured = await startExporter(
      {
        MC_CONFIG_auth: JSON.stringify({ bearer: TOKEN, username: USER, password: PASSWORD }),
        MC_CONFIG_maxConnections: "32",
      },
      45000,
      401,
    );
    securedProm = await PrometheusServer.start([
      { job: "bearer", target: `127.0.0.1:${secured.port}`, bearerToken: TOKEN },
      { job: "basic", target: `127.0.0.1:${secured.port}`, basicAuth: { username: USER, password: PASSWORD } },
      { job: "wrong-token", target: `127.0.0.1:${secured.port}`, bearerToken: TOKEN + "x" },
      { job: "anonymous", target: `127.0.0.1:${secured.port}` },
    ]);
  }, 90000);

  afterAll(async () => {
    await Promise.allSettled([securedProm?.stop(), secured?.stop()]);
  }, 30000);

  test.each(["bearer", "basic"])(
    "%s credentials: up == 1, no scrape error",
    async (job) => {
      if (!securedProm) throw new Error("prometheus did not start");
      await securedProm.waitUp(job, 30000);
      const t = (await securedProm.targets()).filter((x) => x.labels.job === job);
      expect(t.map((x) => ({ health: x.health, lastError: x.lastError }))).toEqual([{ health: "up", lastError: "" }]);
    },
    40000,
  );

  test.each(["wrong-token", "anonymous"])(
    "%s: Prometheus reports the target down with HTTP 401",
    async (job) => {
      if (!securedProm) throw new Error("prometheus did not start");
      const prom = securedProm;
      const t = await pollUntil(
        `a failed scrape of job ${job}`,
        async () => {
          const x = (await prom.targets()).find((y) => y.labels.job === job);
          return x && x.health === "down" ? x : undefined;
        },
        30000,
      );
      expect(t.lastError).toMatch(/401/);
      expect(await prom.query(`up{job="${job}"}`)).toEqual([expect.objectContaining({ value: "0" })]);
    },
    40000,
  );

  test("wrk -t1 -c16 -d3s with the bearer token (maxConnections 32): all 200, no socket error", async () => {
    const r = await wrk(secured!.metricsUrl, {
      threads: 1,
      connections: 16,
      seconds: 3,
      headers: [`Authorization: Bearer ${TOKEN}`],
    });
    expect({ non2xx3xx: r.non2xx3xx, socketErrors: r.socketErrors }).toEqual({
      non2xx3xx: 0,
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    });
    expect(r.requests).toBeGreaterThan(0);
    const c = await selfCounters(secured!.metricsUrl, { Authorization: `Bearer ${TOKEN}` });
    expect(c.exporter_scrape_errors_total).toBe(0);
  }, 30000);

  test("the 401 carries WWW-Authenticate", async () => {
    const r = await httpGet(secured!.metricsUrl);
    expect(r.status).toBe(401);
    expect(String(r.headers["www-authenticate"])).toMatch(/^(Bearer|Basic)/);
  });
});
