/**
 * The HTTP transport (modules/http/server.ts) by itself, with a handler that is not Prometheus: what the handler
 * interface (modules/http/handler.ts) offers works over real TCP on 127.0.0.1: fixed and streamed bodies (chunked
 * on HTTP/1.1, close-delimited on HTTP/1.0), deferred answers given from a later callback, the handler's timeout,
 * a handler that throws, and a source that fails mid-body. Waits are on socket events or on the injected clock.
 */
import { HttpServer } from "../../modules/http/server";
import type { BodySource, HttpHandler, HttpResponse } from "../../modules/http/handler";
import type { HttpParser } from "../../modules/http/parser";
import { ManualClock } from "../support/clock";
import { RawClient } from "./client";

/** a body of `size` bytes, "0123456789" repeated, handed out in pieces of at most `piece` bytes */
class Digits implements BodySource {
  private sent = 0;
  constructor(
    private readonly size: number,
    private readonly piece: number,
    private readonly failAt = -1,
  ) {}
  read(buffer: Uint8Array): number {
    if (this.failAt >= 0 && this.sent >= this.failAt) throw new Error("source failed");
    let n = Math.min(buffer.length, this.piece, this.size - this.sent);
    if (n < 0) n = 0;
    for (let i = 0; i < n; i++) buffer[i] = 48 + ((this.sent + i) % 10);
    this.sent += n;
    return n;
  }
}
const digits = (n: number) => Array.from({ length: n }, (_, i) => String(i % 10)).join("");

/** routes by path; counts what the transport reported; hands deferred responses to the test */
function makeHandler() {
  const counts = { finished: 0, aborted: 0, timeouts: 0 };
  const deferred = new Map<string, HttpResponse>();
  let onDefer: () => void = () => {};
  const pathOf = (req: HttpParser) => Buffer.from(req.path.subarray(0, req.pathLength)).toString("latin1");
  const handler: HttpHandler = {
    head: (req) => (pathOf(req) === "/missing" ? 404 : 200),
    request(req, res) {
      const path = pathOf(req);
      if (res.status === 404) res.text(404, "no\n", "");
      else if (path === "/hello") res.text(200, "hello\n", "X-Test: 1\r\n");
      else if (path === "/stream") res.stream("application/octet-stream", "", new Digits(5000, 700));
      else if (path === "/broken") res.stream("application/octet-stream", "", new Digits(5000, 700, 1400));
      else if (path.startsWith("/later")) {
        res.defer(1000);
        deferred.set(path, res);
        onDefer();
      } else if (path === "/throw") throw new Error("handler bug");
      else res.text(500, "?\n", "");
    },
    timeout(res) {
      counts.timeouts++;
      res.text(503, "too late\n", "");
    },
    finished: () => void counts.finished++,
    aborted: () => void counts.aborted++,
  };
  /** resolves once `n` requests are deferred */
  const deferredCount = (n: number) =>
    new Promise<void>((resolve) => {
      onDefer = () => deferred.size >= n && resolve();
      onDefer();
    });
  return { handler, counts, deferred, deferredCount };
}

const servers: HttpServer[] = [];
const clients: RawClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) s.stop();
});

function start(handler: HttpHandler, clock?: ManualClock): { server: HttpServer; client(): RawClient } {
  const server = new HttpServer({
    port: 0,
    address: "127.0.0.1",
    handler,
    ...(clock ? { now: clock.now, tickInterval: 0 } : {}),
  });
  server.start();
  servers.push(server);
  return {
    server,
    client() {
      const c = new RawClient(server.boundPort);
      clients.push(c);
      return c;
    },
  };
}

const get = (path: string, version = "1.1") => `GET ${path} HTTP/${version}\r\nHost: t\r\n\r\n`;

describe("HTTP transport with a handler of its own", () => {
  test("fixed and streamed bodies; HTTP/1.0 streams close-delimited", async () => {
    const { handler, counts } = makeHandler();
    const { client, server } = start(handler);
    const c = client();
    await c.write(get("/hello") + get("/stream") + get("/missing"));
    const rs = await c.responses(3);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 404]);
    expect(rs[0].body).toBe("hello\n");
    expect(rs[0].headers["x-test"]).toBe("1");
    expect(rs[1].chunked).toBe(true);
    expect(rs[1].body).toBe(digits(5000));
    expect(counts.finished).toBe(3);
    const old = client();
    await old.write(get("/stream", "1.0"));
    await old.waitClosed();
    const [r] = await old.responses(1);
    expect(r.chunked).toBe(false);
    expect(r.body).toBe(digits(5000));
    expect(server.stats.requests).toBe(4);
  });

  test("a deferred answer given from a later callback; an overdue one answered by the handler's timeout", async () => {
    const clock = new ManualClock(0);
    const { handler, counts, deferred, deferredCount } = makeHandler();
    const { client, server } = start(handler, clock);
    const a = client();
    const b = client();
    await a.write(get("/later-a"));
    await b.write(get("/later-b"));
    await deferredCount(2);
    const first = deferred.get("/later-a") as HttpResponse;
    expect(first.deferred).toBe(true);
    first.text(200, "now\n", ""); // outside any socket callback: the connection sends by itself
    const [now] = await a.responses(1);
    expect(now.status).toBe(200);
    expect(now.body).toBe("now\n");
    expect(first.deferred).toBe(false);
    clock.advance(999);
    server.tick();
    expect(counts.timeouts).toBe(0);
    clock.advance(1);
    server.tick();
    expect(counts.timeouts).toBe(1);
    const [late] = await b.responses(1);
    expect(late.status).toBe(503);
    expect(late.body).toBe("too late\n");
    expect(late.headers["connection"]).toBe("close");
    await b.waitClosed();
  });

  test("a handler that throws gets a 500 and the connection survives; a source that throws aborts the response", async () => {
    const { handler, counts } = makeHandler();
    const { client } = start(handler);
    const c = client();
    await c.write(get("/throw") + get("/hello"));
    const rs = await c.responses(2);
    expect(rs.map((r) => r.status)).toEqual([500, 200]);
    const d = client();
    await d.write(get("/broken"));
    await d.waitClosed();
    expect(counts.aborted).toBe(1);
    expect(d.data.toString("latin1")).toContain(digits(1400).slice(0, 700)); // the first pieces went out
  });
});
