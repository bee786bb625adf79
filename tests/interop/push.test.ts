// Issue 11 against the real receivers: `npm start` (the exporter on the host platform) pushing to Debian's Prometheus
// with --web.enable-remote-write-receiver and to Debian's prometheus-pushgateway, on 127.0.0.1; and to plain HTTP
// servers of the test that answer 400 or 500. Everything is bounded in time.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startExporter, type Exporter } from "./support/exporter";
import { PrometheusServer } from "./support/prometheus";
import { freePort, httpGet, pollUntil, Proc, requireTool } from "./support/tools";

requireTool("prometheus", ["--version"], "prometheus");
requireTool("prometheus-pushgateway", ["--version"], "prometheus-pushgateway");

jest.setTimeout(180000);

/** The value of a series in the exporter's own /metrics text (first match), or undefined. */
async function own(exporter: Exporter, series: string): Promise<number | undefined> {
  const text = (await httpGet(exporter.metricsUrl)).body;
  for (const line of text.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Raw samples of a selector over the last `seconds` (a range-vector query: no interpolation). */
async function raw(
  prom: PrometheusServer,
  selector: string,
  seconds: number,
): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
  const data = await prom.api<{
    resultType: string;
    result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
  }>("/api/v1/query?query=" + encodeURIComponent(`${selector}[${seconds}s]`));
  return data.result;
}

function remoteWrite(url: string, extra: Record<string, unknown> = {}): Record<string, string> {
  return { MC_CONFIG_remoteWrite: JSON.stringify({ url, ...extra }) };
}

class Pushgateway {
  private constructor(
    readonly proc: Proc,
    readonly url: string,
  ) {}
  static async start(): Promise<Pushgateway> {
    const port = await freePort();
    const proc = new Proc("pushgateway", "prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`]);
    await proc.waitFor(/Listening on/, 30000);
    return new Pushgateway(proc, `http://127.0.0.1:${port}`);
  }
  stop(): Promise<void> {
    return this.proc.stop();
  }
}

/** An HTTP receiver of the test that answers every request with `status` and counts them. */
async function answering(
  status: number,
  body: string,
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      n++;
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests: () => n,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("push to real receivers (npm start)", () => {
  test("remote write to Prometheus: the device's series arrive with their values and the push's timestamps", async () => {
    const prom = await PrometheusServer.start([], 30000, { flags: ["--web.enable-remote-write-receiver"] });
    const started = Date.now() / 1000;
    const exporter = await startExporter(
      remoteWrite(prom.url + "/api/v1/write", { interval: 1000, labels: { job: "device", instance: "bench-1" } }),
    );
    try {
      await pollUntil(
        "exporter_build_info in Prometheus",
        async () =>
          (await prom.query('exporter_build_info{job="device",instance="bench-1"}')).length === 1 ? true : undefined,
        30000,
        250,
      );
      const [info] = await prom.query('exporter_build_info{job="device",instance="bench-1"}');
      expect(info.value).toBe("1");
      const sent = await pollUntil(
        "samples sent counted by the exporter",
        async () => {
          const v = await own(exporter, 'exporter_push_samples_sent_total{target="remote_write"}');
          return v !== undefined && v > 0 ? v : undefined;
        },
        20000,
        250,
      );
      expect(sent).toBeGreaterThan(0);
      const samples = await raw(prom, 'exporter_build_info{job="device"}', 60);
      expect(samples).toHaveLength(1);
      const times = samples[0].values.map(([t]) => t);
      for (const t of times) {
        expect(t).toBeGreaterThanOrEqual(started - 1);
        expect(t).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      }
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
      // every sample name the exporter serves arrives (the same snapshot, pushed)
      const served = new Set<string>();
      for (const line of (await httpGet(exporter.metricsUrl)).body.split("\n")) {
        if (line !== "" && !line.startsWith("#")) served.add(line.split(/[{ ]/)[0]);
      }
      const pushed = new Set((await prom.query('count by (__name__) ({job="device"})')).map((r) => r.metric.__name__));
      expect([...served].filter((n) => !pushed.has(n))).toEqual([]);
      // the push's own gauges are pushed too: the queue's capacity as configured (default 16384)
      const [cap] = await prom.query('exporter_push_queue_capacity_bytes{target="remote_write",job="device"}');
      expect(cap.value).toBe("16384");
    } finally {
      await exporter.stop();
      await prom.stop();
    }
  });

  test("Prometheus stopped for 30 s and started again: every sample of the outage arrives, in order", async () => {
    const prom = await PrometheusServer.start([], 30000, { flags: ["--web.enable-remote-write-receiver"] });
    const exporter = await startExporter(
      remoteWrite(prom.url + "/api/v1/write", {
        interval: 3000, // a round of the host registry is about 4.7 KB: 10 rounds of 3 s fit the 64 KB buffer
        bufferBytes: 65536,
        labels: { job: "outage", instance: "o" },
      }),
    );
    try {
      await pollUntil(
        "first samples",
        async () => ((await prom.query('exporter_build_info{job="outage"}')).length === 1 ? true : undefined),
        30000,
        250,
      );
      await prom.pause();
      const down = Date.now() / 1000;
      await new Promise((r) => setTimeout(r, 30000)); // the outage itself (the receiver is really down)
      const up = Date.now() / 1000;
      await prom.resume();
      await pollUntil(
        "the queue drained",
        async () =>
          (await own(exporter, 'exporter_push_queue_bytes{target="remote_write"}')) === 0 ? true : undefined,
        60000,
        500,
      );
      const [series] = await raw(prom, 'exporter_build_info{job="outage"}', Math.ceil(Date.now() / 1000 - down) + 10);
      const times = series.values.map(([t]) => t);
      const during = times.filter((t) => t > down + 1 && t < up - 1);
      const gaps = times.slice(1).some((t, k) => t - times[k] >= 4.5);
      if (during.length < 8 || gaps)
        throw new Error(
          `samples ${JSON.stringify(times.map((t) => Math.round((t - down) * 10) / 10))} down..up 0..${up - down} failed ${await own(exporter, 'exporter_push_samples_failed_total{target="remote_write"}')} dropped ${await own(exporter, 'exporter_push_samples_dropped_total{target="remote_write"}')}\n${exporter.proc.tail()}\n${prom.proc.tail()}`,
        );
      // one sample every 3 s while the receiver was down: about 9, none lost, in order, no gap of 1.5 intervals
      expect(during.length).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < times.length; i++) {
        expect(times[i]).toBeGreaterThan(times[i - 1]);
        expect(times[i] - times[i - 1]).toBeLessThan(4.5);
      }
      expect(await own(exporter, 'exporter_push_samples_dropped_total{target="remote_write"}')).toBe(0);
      expect(await own(exporter, 'exporter_push_samples_retried_total{target="remote_write"}')).toBeGreaterThan(0);
    } finally {
      await exporter.stop();
      await prom.stop();
    }
  });

  test("a receiver that answers 400: dropped as failed and never retried; one that answers 500: retried", async () => {
    const bad = await answering(400, "out of order sample");
    const down = await answering(500, "internal error");
    const a = await startExporter(remoteWrite(bad.url, { interval: 1000 }));
    const b = await startExporter(remoteWrite(down.url, { interval: 1000 }));
    try {
      const failed = await pollUntil(
        "failed counted",
        async () => {
          const v = await own(a, 'exporter_push_samples_failed_total{target="remote_write"}');
          return v !== undefined && v > 0 ? v : undefined;
        },
        20000,
        250,
      );
      expect(failed).toBeGreaterThan(0);
      expect(await own(a, 'exporter_push_samples_retried_total{target="remote_write"}')).toBe(0);
      expect(a.proc.tail()).toContain("out of order sample"); // the receiver's message, logged
      const retried = await pollUntil(
        "retried counted",
        async () => {
          const v = await own(b, 'exporter_push_samples_retried_total{target="remote_write"}');
          return v !== undefined && v > 0 ? v : undefined;
        },
        20000,
        250,
      );
      expect(retried).toBeGreaterThan(0);
      expect(await own(b, 'exporter_push_samples_failed_total{target="remote_write"}')).toBe(0);
      // the same body again after the backoff (1 s, then doubling)
      await pollUntil(
        "a second request to the 500 receiver",
        async () => (down.requests() > 1 ? true : undefined),
        20000,
        250,
      );
    } finally {
      await a.stop();
      await b.stop();
      await bad.close();
      await down.close();
    }
  });

  test("a buffer that overflows while the receiver is down: the oldest are dropped and counted", async () => {
    const port = await freePort(); // nothing listens there
    const exporter = await startExporter(
      remoteWrite(`http://127.0.0.1:${port}/api/v1/write`, { interval: 1000, bufferBytes: 1024 }),
    );
    try {
      const dropped = await pollUntil(
        "dropped counted",
        async () => {
          const v = await own(exporter, 'exporter_push_samples_dropped_total{target="remote_write"}');
          return v !== undefined && v > 0 ? v : undefined;
        },
        30000,
        250,
      );
      expect(dropped).toBeGreaterThan(0);
      const queued = await own(exporter, 'exporter_push_queue_bytes{target="remote_write"}');
      expect(queued).toBeLessThanOrEqual(1024);
    } finally {
      await exporter.stop();
    }
  });

  test("Pushgateway: the group holds the device's series, under its grouping key", async () => {
    const gw = await Pushgateway.start();
    const exporter = await startExporter({
      MC_CONFIG_pushgateway: JSON.stringify({
        url: gw.url,
        job: "sensors",
        interval: 1000,
        grouping: { instance: "bench-2", room: "hall/2" },
      }),
    });
    try {
      const groups = await pollUntil(
        "the group in the Pushgateway",
        async () => {
          const r = await httpGet(gw.url + "/api/v1/metrics");
          const j = JSON.parse(r.body) as { data: Array<{ labels: Record<string, string> } & Record<string, unknown>> };
          const g = j.data.find((x) => x.labels.job === "sensors" && x.labels.instance === "bench-2");
          return g && "exporter_build_info" in g ? g : undefined;
        },
        30000,
        250,
      );
      expect(groups.labels).toEqual({ job: "sensors", instance: "bench-2", room: "hall/2" }); // "/" travels as @base64
      const text = (await httpGet(gw.url + "/metrics")).body;
      expect(text).toMatch(/exporter_build_info\{[^}]*instance="bench-2"[^}]*\} 1/);
      await pollUntil(
        "the push counted as sent",
        async () =>
          ((await own(exporter, 'exporter_push_samples_sent_total{target="pushgateway"}')) ?? 0) > 0 || undefined,
        20000,
        250,
      );
    } finally {
      await exporter.stop();
      await gw.stop();
    }
  });
});
