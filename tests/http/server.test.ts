/**
 * MetricsServer (the HTTP transport with the Prometheus handler) over real TCP: the server runs on the host ECMA-419 sockets (host/io), clients are raw node:net sockets.
 * Every wait is on a socket event or a server log line, never on a timer.
 */
import * as net from "node:net";
import fc from "fast-check";
import { MetricsServer, type MetricsServerOptions } from "../../modules/promhttp/server";
import type { ScrapeRegistry } from "../../modules/promhttp/handler";
import { Registry, Gauge, Counter, Histogram } from "../../modules/client/index";
import { configureSockets } from "../../host/io/tcp";
import { hostCounters } from "../../host/instrumentation";
import { RawClient, parseResponses } from "./client";

const OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT004 = "text/plain; version=0.0.4; charset=utf-8";

function makeRegistry(series = 5): Registry {
  const registry = new Registry();
  const g = new Gauge({
    name: "test_temperature_celsius",
    help: "Temperature.",
    labelNames: ["sensor"],
    maxSeries: series + 1,
    registers: [registry],
  });
  for (let i = 0; i < series; i++) g.labels({ sensor: "s" + i }).set(20 + i / 4);
  const c = new Counter({ name: "test_events_total", help: "Events.", registers: [registry] });
  c.inc(3);
  const h = new Histogram({ name: "test_latency_seconds", help: "Latency.", buckets: [0.1, 1], registers: [registry] });
  h.observe(0.5);
  return registry;
}

const servers: MetricsServer[] = [];
const clients: RawClient[] = [];

interface Started {
  server: MetricsServer;
  port: number;
  logs: string[];
  client(): RawClient;
}

function start(options: Partial<MetricsServerOptions> = {}): Started {
  const logs: string[] = [];
  const server = new MetricsServer({
    port: 0,
    registry: makeRegistry(),
    info: { name: "test-device", version: "1.2.3" },
    log: (line) => logs.push(line),
    lingerTimeout: 100, // error responses drain input this long before closing (clients here do not close first)
    ...options,
  } as MetricsServerOptions);
  server.start();
  servers.push(server);
  expect(server.listening).toBe(true);
  const port = server.boundPort;
  return {
    server,
    port,
    logs,
    client() {
      const c = new RawClient(port);
      clients.push(c);
      return c;
    },
  };
}

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) s.stop();
});

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

/** wait until the server's stats satisfy check (checked on each of the server's socket events through a probe) */
async function eventually(check: () => boolean, port: number): Promise<void> {
  // probe with health requests on a fresh connection until check() holds; each probe is a full round trip
  for (let i = 0; i < 200 && !check(); i++) {
    const c = new RawClient(port);
    clients.push(c);
    await c.write("GET /-/healthy HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    await c.waitClosed();
    c.destroy();
  }
  expect(check()).toBe(true);
}

describe("metrics endpoint", () => {
  test("GET /metrics streams the registry's exposition, chunked, with the negotiated Content-Type", async () => {
    const registry = makeRegistry(40);
    const { client, server } = start({ registry });
    const c = client();
    await c.write(get("/metrics"));
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe(TEXT004);
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect(r.headers["vary"]).toBe("Accept");
    expect(r.headers["connection"]).toBeUndefined();
    expect(r.body).toBe(await registry.metrics());
    expect(server.stats.scrapes).toBe(1);
  });

  test("Accept negotiates OpenMetrics; the query string is ignored; a configured path is used", async () => {
    const registry = makeRegistry();
    const { client } = start({ registry, path: "/prom" });
    const c = client();
    await c.write(
      get("/prom?foo=bar&x", "Accept: application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5\r\n"),
    );
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe(OPENMETRICS);
    expect(r.body.endsWith("# EOF\n")).toBe(true);
    await c.write(get("/metrics"));
    const [, r2] = await c.responses(2);
    expect(r2.status).toBe(404);
  });

  test("a request split into 1-byte writes is answered", async () => {
    const registry = makeRegistry();
    const { client } = start({ registry });
    const c = client();
    const req = get("/metrics", "Accept: text/plain\r\nUser-Agent: x\r\n");
    for (const ch of req) await c.write(ch);
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    expect(r.body).toBe(await registry.metrics());
  });

  test("pipelined requests in one write are answered in order", async () => {
    const registry = makeRegistry();
    const { client } = start({ registry });
    const c = client();
    await c.write(
      get("/metrics") +
        get("/-/healthy") +
        "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n" +
        get("/nope") +
        get("/metrics", "Accept: application/openmetrics-text\r\n") +
        get("/"),
    );
    const rs = await c.responses(6, [false, false, true]);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 404, 200, 200]);
    expect(rs[0].body).toBe(await registry.metrics());
    expect(rs[1].body).toBe("OK");
    expect(rs[2].body).toBe("");
    expect(rs[2].headers["content-type"]).toBe(TEXT004);
    expect(rs[4].headers["content-type"]).toBe(OPENMETRICS);
    expect(rs[5].headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  test("a slow reader gets the whole exposition through a small write budget (backpressure), others are served meanwhile", async () => {
    const previous = configureSockets({ writeBuffer: 700 });
    try {
      const registry = makeRegistry(1500); // ~70 KB of exposition
      let largest = 0;
      let reads = 0;
      const spy: ScrapeRegistry = {
        collect: () => registry.collect(),
        reader: (format) => {
          const r = registry.reader(format);
          return {
            read: (buf: Uint8Array) => {
              reads++;
              largest = Math.max(largest, buf.length);
              return r.read(buf);
            },
          };
        },
      };
      const { client, port } = start({ registry: spy, chunkSize: 512 });
      const slow = client();
      await slow.ready();
      slow.socket.pause();
      await slow.write(get("/metrics"));
      const other = new RawClient(port);
      clients.push(other);
      await other.write(get("/-/healthy"));
      const [h] = await other.responses(1);
      expect(h.status).toBe(200);
      slow.socket.resume();
      const [r] = await slow.responses(1);
      expect(r.status).toBe(200);
      expect(r.body).toBe(await registry.metrics());
      expect(r.body.length).toBeGreaterThan(50000);
      // pulled in pieces no larger than the connection's buffer: the exposition was never held whole
      expect(largest).toBeLessThanOrEqual(512);
      expect(reads).toBeGreaterThan(100);
    } finally {
      configureSockets(previous);
    }
  });

  test("works on the Moddable Linux socket profile (1536-byte budget, 20 ms poll)", async () => {
    const previous = configureSockets({ profile: "lin" });
    try {
      const registry = makeRegistry(300);
      const { client } = start({ registry });
      const c = client();
      await c.write(get("/metrics") + get("/-/healthy") + get("/metrics", "Accept: application/openmetrics-text\r\n"));
      const rs = await c.responses(3);
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(rs[0].body).toBe(await registry.metrics());
      expect(rs[2].body.endsWith("# EOF\n")).toBe(true);
    } finally {
      configureSockets(previous);
    }
  });

  test("each scrape gets its own Accept's format, whatever the previous scrape asked (the last negotiation is reused only for the same header)", async () => {
    const registry = makeRegistry();
    const { client } = start({ registry });
    const c = client();
    const om = "Accept: application/openmetrics-text;version=1.0.0\r\n";
    await c.write(
      get("/metrics", om) +
        get("/metrics", om) +
        get("/metrics", "Accept: text/plain\r\n") +
        get("/metrics") +
        get("/metrics", om),
    );
    const rs = await c.responses(5);
    const types = rs.map((r) => String(r.headers["content-type"]).split(";")[0]);
    expect(types).toEqual([
      "application/openmetrics-text",
      "application/openmetrics-text",
      "text/plain",
      "text/plain",
      "application/openmetrics-text",
    ]);
    expect(rs.map((r) => r.body.endsWith("# EOF\n"))).toEqual([true, true, false, false, true]);
  });

  test("scrapes that share one collect and close after their response are all answered at once", async () => {
    const registry = makeRegistry();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let collects = 0;
    const held: ScrapeRegistry = {
      collect: async () => {
        collects++;
        await gate;
        await registry.collect();
      },
      reader: (format) => registry.reader(format),
    };
    const { client, server } = start({ registry: held, collectTimeout: 600000 });
    const cs = [client(), client(), client()];
    for (const c of cs) await c.write(get("/metrics", "Connection: close\r\n"));
    await eventually(() => server.stats.scrapes === 3, server.boundPort);
    release();
    for (const c of cs) {
      const [r] = await c.responses(1);
      expect(r.status).toBe(200);
      expect(r.body).toBe(await registry.metrics());
    }
    expect(collects).toBe(1);
  });

  test("an exception in collect gives 500 for that request only; the connection and the next scrape work", async () => {
    const registry = makeRegistry();
    let fail = true;
    const failing: ScrapeRegistry = {
      collect: async () => {
        if (fail) {
          fail = false;
          throw new Error("sensor exploded");
        }
        await registry.collect();
      },
      reader: (format) => registry.reader(format),
    };
    const { client, server, logs } = start({ registry: failing });
    const c = client();
    await c.write(get("/metrics"));
    const [r1] = await c.responses(1);
    expect(r1.status).toBe(500);
    await c.write(get("/metrics"));
    const [, r2] = await c.responses(2);
    expect(r2.status).toBe(200);
    expect(r2.body).toBe(await registry.metrics());
    expect(server.stats.scrapeErrors).toBe(1);
    expect(logs.some((l) => l.includes("sensor exploded"))).toBe(true);
  });

  test("a reader that throws mid-stream aborts that response (no valid terminator), the server goes on", async () => {
    const registry = makeRegistry(200);
    const broken: ScrapeRegistry = {
      collect: () => registry.collect(),
      reader: (format) => {
        const r = registry.reader(format);
        let calls = 0;
        return {
          read: (buf: Uint8Array) =>
            ++calls > 2
              ? (() => {
                  throw new Error("boom");
                })()
              : r.read(buf),
        };
      },
    };
    const { client } = start({ registry: broken });
    const c = client();
    await c.write(get("/metrics"));
    await c.waitClosed();
    expect(c.data.toString("latin1").endsWith("0\r\n\r\n")).toBe(false);
    const d = client();
    await d.write(get("/-/healthy"));
    expect((await d.responses(1))[0].status).toBe(200);
  });
});

describe("HTTP semantics", () => {
  test("HEAD has the GET headers and no body; the connection stays usable", async () => {
    const { client } = start();
    const c = client();
    await c.write("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    const [r] = await c.responses(1, [true]);
    expect(r.status).toBe(200);
    expect(Number(r.headers["content-length"])).toBeGreaterThan(100);
    await c.write(get("/-/healthy"));
    const rs = await c.responses(2, [true]);
    expect(rs[1].body).toBe("OK");
  });

  test("HTTP/1.0: metrics are close-delimited; keep-alive honoured for fixed-length responses", async () => {
    const registry = makeRegistry();
    const { client } = start({ registry });
    const c = client();
    await c.write("GET /-/healthy HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const [h] = await c.responses(1);
    expect(h.headers["connection"]).toBe("keep-alive");
    expect(h.body).toBe("OK");
    await c.write("GET /metrics HTTP/1.0\r\n\r\n");
    await c.waitClosed();
    const rs = await c.responses(2);
    expect(rs[1].status).toBe(200);
    expect(rs[1].chunked).toBe(false);
    expect(rs[1].headers["transfer-encoding"]).toBeUndefined();
    expect(rs[1].headers["connection"]).toBe("close");
    expect(rs[1].body).toBe(await registry.metrics());
  });

  test("HTTP/1.0 without keep-alive closes after the response", async () => {
    const { client } = start();
    const c = client();
    await c.write("GET /-/healthy HTTP/1.0\r\n\r\n");
    await c.waitClosed();
    expect((await c.responses(1))[0].headers["connection"]).toBe("close");
  });

  test("Connection: close is honoured", async () => {
    const { client } = start();
    const c = client();
    await c.write(get("/-/healthy", "Connection: close\r\n"));
    await c.waitClosed();
    expect((await c.responses(1))[0].status).toBe(200);
  });

  test("404, 405 with Allow, 501 for unknown methods", async () => {
    const { client } = start();
    const c = client();
    await c.write(
      get("/nowhere") +
        "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" +
        "DELETE / HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    const rs = await c.responses(3);
    expect(rs.map((r) => r.status)).toEqual([404, 405, 405]);
    expect(rs[1].headers["allow"]).toBe("GET, HEAD");
    const d = client();
    await d.write("BREW /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    const [b] = await d.responses(1);
    expect(b.status).toBe(501);
    await d.waitClosed();
  });

  test("Expect: 100-continue gets 100 Continue, then the final response after the body", async () => {
    const { client } = start();
    const c = client();
    await c.write("GET /-/healthy HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    const [cont] = await c.responses(1);
    expect(cont.status).toBe(100);
    await c.write("hello");
    const rs = await c.responses(2);
    expect(rs[1].status).toBe(200);
    expect(rs[1].body).toBe("OK");
    // a request that would fail gets its final status at once, without 100, and the connection closes
    const d = client();
    await d.write("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    const [f] = await d.responses(1);
    expect(f.status).toBe(405);
    await d.waitClosed();
  });

  test("chunked request bodies are read and discarded; the connection goes on", async () => {
    const { client } = start();
    const c = client();
    await c.write(
      "GET /-/healthy HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n" +
        get("/-/healthy"),
    );
    const rs = await c.responses(2);
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
  });

  test("request bodies over the limit: 413 and close", async () => {
    const { client } = start({ limits: { maxBody: 16 } });
    const c = client();
    await c.write("GET /-/healthy HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n");
    expect((await c.responses(1))[0].status).toBe(413);
    await c.waitClosed();
    const d = client();
    await d.write(
      "GET /-/healthy HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
    );
    expect((await d.responses(1))[0].status).toBe(413);
    await d.waitClosed();
  });

  test("unknown transfer coding: 501", async () => {
    const { client } = start();
    const c = client();
    await c.write("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    expect((await c.responses(1))[0].status).toBe(501);
    await c.waitClosed();
  });

  test("landing page: name, version, uptime, link to the metrics path, HTML-escaped", async () => {
    const { client } = start({
      info: { name: '<b>"lab" & co</b> °', version: "0.1.0'" },
      path: "/m<x>".replace(/[<>]/g, ""),
    });
    const c = client();
    await c.write(get("/"));
    const [r] = await c.responses(1);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.body).toContain("&lt;b&gt;&quot;lab&quot; &amp; co&lt;/b&gt; &#176;");
    expect(r.body).toContain("0.1.0&#39;");
    expect(r.body).toContain('<a href="/mx">');
    expect(r.body).toMatch(/up \d+h \d+m \d+s/);
    expect(r.body).not.toContain("<b>");
  });
});

describe("bad input", () => {
  test("binary garbage: 400 and close; the server keeps serving", async () => {
    const { client, server } = start();
    const c = client();
    await c.write(
      Buffer.from([
        0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a,
      ]),
    );
    const [r] = await c.responses(1);
    expect(r.status).toBe(400);
    await c.waitClosed();
    for (let i = 0; i < 20; i++) {
      const g = client();
      const junk = Buffer.alloc(300);
      for (let k = 0; k < junk.length; k++) junk[k] = (k * 7919 + i * 104729) & 0xff;
      await g.write(junk);
      await g.waitClosed();
    }
    const d = client();
    await d.write(get("/-/healthy"));
    expect((await d.responses(1))[0].status).toBe(200);
    expect(server.stats.badRequests).toBeGreaterThanOrEqual(1);
  });

  test("oversize request line: 414; oversize header section: 431; too many headers: 431", async () => {
    const { client } = start();
    const a = client();
    await a.write("GET /" + "x".repeat(600) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await a.responses(1))[0].status).toBe(414);
    await a.waitClosed();
    const b = client();
    await b.write("GET / HTTP/1.1\r\nHost: t\r\n" + ("X-Filler: " + "y".repeat(100) + "\r\n").repeat(45) + "\r\n");
    expect((await b.responses(1))[0].status).toBe(431);
    await b.waitClosed();
    const d = client();
    await d.write("GET / HTTP/1.1\r\nHost: t\r\n" + "X: 1\r\n".repeat(40) + "\r\n");
    expect((await d.responses(1))[0].status).toBe(431);
    await d.waitClosed();
  });

  test("disconnect mid-request and mid-response cost only that connection", async () => {
    const registry = makeRegistry(2000);
    const { client, server, port } = start({ registry });
    for (let i = 0; i < 10; i++) {
      const c = client();
      await c.write("GET /metr");
      c.destroy();
    }
    for (let i = 0; i < 10; i++) {
      const c = client();
      await c.write(get("/metrics"));
      await c.until(() => c.data.length > 1000, "first bytes");
      c.destroy();
    }
    const d = client();
    await d.write(get("/metrics"));
    const [r] = await d.responses(1);
    expect(r.body).toBe(await registry.metrics());
    d.destroy();
    await eventually(() => server.stats.activeConnections <= 1, port);
  });

  test("a request that does not complete in time gets 408; an idle connection is closed silently", async () => {
    const { client } = start({ requestTimeout: 150, idleTimeout: 150 });
    const c = client();
    await c.write("GET /metrics HTTP/1.1\r\nHost: t\r\n");
    const [r] = await c.responses(1);
    expect(r.status).toBe(408);
    await c.waitClosed();
    const idle = client();
    await idle.ready();
    await idle.waitClosed();
    expect(idle.data.length).toBe(0);
  });
});

describe("failed writes", () => {
  test("Linux socket model: 10 scrapers that go away before reading make the writes fail without onError; each connection is closed at once and the next scrape is served", async () => {
    const previous = configureSockets({ profile: "lin" });
    try {
      const registry = makeRegistry(300);
      // timeouts far beyond the test: only noticing the failed write frees these connections
      const { server, client } = start({
        registry,
        maxConnections: 8,
        sendTimeout: 600000,
        idleTimeout: 600000,
        lingerTimeout: 60000,
      });
      const gone: RawClient[] = [];
      for (let i = 0; i < 10; i++) {
        const c = client();
        await c.ready();
        c.socket.end(get("/metrics")); // the request, then the client closes without reading
        gone.push(c);
      }
      await Promise.all(gone.map((c) => c.waitClosed()));
      expect(server.stats.scrapes).toBe(10);
      expect(server.stats.scrapeErrors).toBe(10);
      const d = client();
      await d.write(get("/metrics"));
      const [r] = await d.responses(1);
      expect(r.status).toBe(200);
      expect(r.body).toBe(await registry.metrics());
      expect(server.stats.connectionsRefused).toBe(0);
    } finally {
      configureSockets(previous);
    }
  }, 15000);
});

describe("server fuzz over TCP", () => {
  test("random and mutated request streams: every reply is well-formed HTTP, the server keeps serving", async () => {
    const registry = makeRegistry(20);
    const { server, port } = start({ registry, auth: { bearer: "t" }, limits: { maxBody: 64 }, maxConnections: 4 });
    const pieces = [
      "GET /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer t\r\n\r\n",
      "GET /nope HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", // no HEAD here: the client-side parser cannot tell which bodies to skip
      "GET /-/healthy HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
      "POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    ];
    const stream = fc
      .tuple(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.boolean(),
      )
      .map(([reqs, flips, junk, junkFirst]) => {
        const b = Buffer.from(reqs.join(""), "latin1");
        for (const [at, v] of flips) b[at % b.length] = v;
        return junkFirst ? Buffer.concat([Buffer.from(junk), b]) : Buffer.concat([b, Buffer.from(junk)]);
      });
    await fc.assert(
      fc.asyncProperty(stream, async (bytes) => {
        const c = new RawClient(port);
        clients.push(c);
        await c.write(bytes);
        c.socket.end(); // half-close: the server sees the end of input once it has read everything
        await c.waitClosed();
        await new Promise<void>((resolve) => (c.closed ? resolve() : c.socket.once("close", () => resolve())));
        const rs = parseResponses(c.data, [], true); // throws on malformed framing
        for (const r of rs)
          expect([100, 200, 400, 401, 404, 405, 413, 414, 417, 431, 501, 503, 505]).toContain(r.status);
      }),
      { numRuns: 400 },
    );
    const d = client2(port);
    await d.write("GET /metrics HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer t\r\n\r\n");
    const [r] = await d.responses(1);
    expect(r.body).toBe(await registry.metrics());
    expect(server.stats.activeConnections).toBeLessThanOrEqual(4);
  }, 120000);
});

function client2(port: number): RawClient {
  const c = new RawClient(port);
  clients.push(c);
  return c;
}

describe("connections", () => {
  test("31 idle connections are held while a good request is served", async () => {
    const registry = makeRegistry();
    const { client, server } = start({ registry, maxConnections: 32 });
    const idle: RawClient[] = [];
    for (let i = 0; i < 31; i++) idle.push(client());
    await Promise.all(idle.map((c) => c.ready()));
    const c = client();
    await c.write(get("/metrics"));
    const [r] = await c.responses(1);
    expect(r.body).toBe(await registry.metrics());
    expect(idle.every((x) => !x.closed)).toBe(true);
    expect(server.stats.activeConnections).toBe(32);
  });

  test("at the cap, idle keep-alive connections are evicted (oldest first) for a new one", async () => {
    const { client, server } = start({ maxConnections: 8 });
    const idle: RawClient[] = [];
    for (let i = 0; i < 64; i++) {
      const x = client();
      await x.write(get("/-/healthy")); // a served request makes the connection idle keep-alive
      await x.responses(1);
      idle.push(x);
    }
    const c = client();
    await c.write(get("/-/healthy"));
    expect((await c.responses(1))[0].status).toBe(200);
    expect(server.stats.activeConnections).toBeLessThanOrEqual(8);
    expect(server.stats.connectionsRefused).toBe(0);
    await idle[0].waitClosed();
    expect(idle[idle.length - 1].closed).toBe(false);
  });

  test("a port already taken: start() throws, counts the failure and leaves the server stopped; a later start() listens", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    const logs: string[] = [];
    const timersBefore = hostCounters.timers;
    const server = new MetricsServer({
      port,
      address: "127.0.0.1",
      registry: makeRegistry(),
      log: (line) => logs.push(line),
    });
    servers.push(server);
    expect(() => server.start()).toThrow(/EADDRINUSE/);
    expect(server.listening).toBe(false);
    expect(server.stats.listenerFailures).toBe(1);
    expect(hostCounters.timers).toBe(timersBefore); // nothing left running: the caller owns the retry
    expect(logs.filter((l) => l.includes("listening"))).toEqual([]);
    expect(logs).toContainEqual(expect.stringMatching(/^http: cannot listen on port \d+: .*EADDRINUSE/));
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    server.start();
    expect(server.listening).toBe(true);
    expect(logs[logs.length - 1]).toBe("http: listening on port " + port);
    const c = new RawClient(port);
    clients.push(c);
    await c.write(get("/-/healthy"));
    expect((await c.responses(1))[0].status).toBe(200);
  });
});

describe("authentication", () => {
  const basic = "Basic " + Buffer.from("prom:s3cr\u00e9t").toString("base64");
  test("bearer and basic: 401 with WWW-Authenticate without or with wrong credentials, 200 with right ones", async () => {
    const { client } = start({ auth: { bearer: "tok-123", username: "prom", password: "s3cr\u00e9t" } });
    const c = client();
    await c.write(
      get("/metrics") +
        get("/metrics", "Authorization: Bearer tok-124\r\n") +
        get("/metrics", "Authorization: Bearer tok-123\r\n") +
        get("/metrics", "Authorization: " + basic + "\r\n") +
        get("/metrics", "Authorization: basic " + Buffer.from("prom:wrong").toString("base64") + "\r\n") +
        get("/") +
        get("/-/healthy"),
    );
    const rs = await c.responses(7);
    expect(rs.map((r) => r.status)).toEqual([401, 401, 200, 200, 401, 401, 200]);
    expect(rs[0].headers["www-authenticate"]).toBe('Basic realm="metrics", charset="UTF-8"\nBearer realm="metrics"');
  });

  test("a credential with a lone surrogate is encoded by the one rule (U+FFFD), as the client's encoder does", async () => {
    // a JSON config can hold "\ud800" alone; both ends must turn it into the same bytes (EF BF BD), else the right
    // password is refused
    const { client } = start({ auth: { username: "prom", password: "pa\ud800ss" } });
    const c = client();
    await c.write(
      get("/metrics", "Authorization: Basic " + Buffer.from("prom:pa\ud800ss", "utf8").toString("base64") + "\r\n"),
    );
    expect((await c.responses(1))[0].status).toBe(200);
  });

  test("auth is off by default", async () => {
    const { client } = start();
    const c = client();
    await c.write(get("/metrics"));
    expect((await c.responses(1))[0].status).toBe(200);
  });
});

describe("stats", () => {
  test("plain numeric counters", async () => {
    const { client, server } = start();
    const c = client();
    await c.write(get("/metrics") + get("/nope"));
    await c.responses(2);
    const s = server.stats;
    expect(s.requests).toBe(2);
    expect(s.scrapes).toBe(1);
    expect(s.scrapeErrors).toBe(0);
    expect(s.connectionsAccepted).toBe(1);
    expect(s.activeConnections).toBe(1);
    expect(s.bytesSent).toBe(c.data.length);
    expect(s.lastScrapeMs).toBeGreaterThanOrEqual(0);
    for (const v of Object.values(s)) expect(typeof v).toBe("number");
  });
});
