// A real Prometheus 2.42 server scrapes the 0.0.4 and the OpenMetrics render of the hostile registry (served as
// fixed bodies with their negotiated Content-Type by a plain node:http server on 127.0.0.1), so Prometheus's own Go
// parsers (text and OpenMetrics) read our bytes. Then the series it stored are read back through its query API and
// compared with what the test set: names, unescaped label values, values incl. NaN and ±Inf.
import { createServer, type Server } from "node:http";
import { negotiate } from "../../modules/format/index";
import { buildHostileRegistry, parseValue, sampleKey, valueMatches, type ExpectedFamily } from "./support/hostile";
import { PrometheusServer } from "./support/prometheus";
import { freePort, requireTool } from "./support/tools";

let server: Server | undefined;
let prometheus: PrometheusServer | undefined;
let port = 0;
const bodies: Record<string, { contentType: string; body: string }> = {};
const { registry, expected } = buildHostileRegistry();

beforeAll(async () => {
  requireTool("prometheus", ["--version"], "prometheus");
  for (const [path, accept] of [
    ["/text", "text/plain; version=0.0.4"],
    ["/openmetrics", "application/openmetrics-text; version=1.0.0"],
  ]) {
    const { format, contentType } = negotiate(accept);
    bodies[path] = { contentType, body: await registry.metrics(format) };
  }
  port = await freePort();
  server = createServer((req, res) => {
    const b = bodies[req.url ?? ""];
    if (!b) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": b.contentType }).end(b.body);
  });
  await new Promise<void>((res, rej) => {
    server!.once("error", rej);
    server!.listen(port, "127.0.0.1", () => res());
  });
  prometheus = await PrometheusServer.start([
    { job: "hostile-text", target: `127.0.0.1:${port}`, metricsPath: "/text" },
    { job: "hostile-openmetrics", target: `127.0.0.1:${port}`, metricsPath: "/openmetrics" },
  ]);
}, 45000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
}, 30000);

/** The series Prometheus should hold: sample names as exposed; empty label values are absent labels in Prometheus. */
function expectedSeries(fams: ExpectedFamily[], job: string) {
  const out = new Map<string, { labels: Record<string, string>; value: ExpectedFamily["samples"][number]["value"] }>();
  for (const f of fams) {
    for (const s of f.samples) {
      const labels: Record<string, string> = { __name__: s.name, job, instance: `127.0.0.1:${port}` };
      for (const [k, v] of Object.entries(s.labels)) if (v !== "") labels[k] = v;
      const { __name__, ...rest } = labels;
      out.set(sampleKey(__name__, rest), { labels, value: s.value });
    }
  }
  return out;
}

describe.each([
  ["hostile-text", "text"],
  ["hostile-openmetrics", "openmetrics"],
] as const)("Prometheus scrapes the %s render", (job, format) => {
  test("up == 1 and the target has no scrape error", async () => {
    await prometheus!.waitUp(job, 30000);
    const t = (await prometheus!.targets()).filter((x) => x.labels.job === job);
    expect(t.map((x) => ({ health: x.health, lastError: x.lastError }))).toEqual([{ health: "up", lastError: "" }]);
  }, 40000);

  test("the stored series equal what was set (names, unescaped label values, NaN/±Inf values)", async () => {
    await prometheus!.waitUp(job, 30000);
    const got = await prometheus!.query(`{job="${job}", __name__=~"interop_.*|exporter_.*"}`);
    const want = expectedSeries(expected(format), job);
    const problems: string[] = [];
    for (const g of got) {
      const { __name__, ...rest } = g.metric;
      const k = sampleKey(__name__, rest);
      const w = want.get(k);
      if (!w) {
        problems.push(`unexpected series ${k} = ${g.value}`);
        continue;
      }
      want.delete(k);
      if (!valueMatches(w.value, parseValue(g.value)))
        problems.push(`${k} = ${g.value}, want ${JSON.stringify(w.value)}`);
    }
    for (const k of want.keys()) problems.push(`missing series ${k}`);
    expect(problems).toEqual([]);
    expect(got.length).toBeGreaterThan(40);
  }, 40000);
});
