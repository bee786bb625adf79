/**
 * The push clients' HTTP client (modules/push/http-client.ts) against real node:http / node:https servers on
 * 127.0.0.1, over real TCP through the host's ECMA-419 socket (host/io/tcp.ts), TLS socket (host/io/tls.ts) and DNS
 * resolver (host/io/dns-resolver.ts); the TLS socket as the wiring gets it, from `push-tls` (host/push-tls.ts). The servers check what arrives byte for byte.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { configureSockets } from "../../host/io/tcp";
import hostTls from "push-tls";
import type { BodySource } from "../../modules/http/handler";
import type { SendResult } from "../../modules/push/forwarder";
import { type ClientSocketClass, HttpClient, type HttpClientOptions } from "../../modules/push/http-client";
import type { PushRequest } from "../../modules/push/request";
import { parseUrl, type PushUrl } from "../../modules/push/url";
import { freePort } from "../support/net";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

type Answer = (seen: Seen, res: http.ServerResponse) => void;

/** A server on 127.0.0.1 that records each request whole, then answers it with `answer`. */
async function serve(
  answer: Answer,
  secure?: { key: string; cert: string },
): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const s = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(parts),
      };
      seen.push(s);
      answer(s, res);
    });
  };
  const server = secure ? https.createServer(secure, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function url(text: string): PushUrl {
  const u = parseUrl(text);
  if (typeof u === "string") throw new Error(u);
  return u;
}

/** One request; resolves with its outcome, and checks that `done` is called once and never from inside request(). */
function send(client: HttpClient, req: PushRequest): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    let inside = true;
    let calls = 0;
    client.request(req, (result) => {
      calls++;
      if (inside) reject(new Error("done called from inside request()"));
      if (calls > 1) reject(new Error("done called twice"));
      // a second call would come after this one: look once more a few turns later
      setImmediate(() => setImmediate(() => (calls === 1 ? resolve(result) : reject(new Error("done called twice")))));
    });
    inside = false;
  });
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A BodySource giving `data` in reads of at most `step` bytes (as the push encoders do: what fits). */
function sourceOf(data: Uint8Array, step = Infinity): BodySource & { reads: number; largest: number } {
  let at = 0;
  return {
    reads: 0,
    largest: 0,
    read(buffer: Uint8Array): number {
      this.reads++;
      this.largest = Math.max(this.largest, buffer.byteLength);
      const n = Math.min(buffer.byteLength, data.length - at, step);
      buffer.set(data.subarray(at, at + n));
      at += n;
      return n;
    },
  };
}

/** the host's TLS socket, as `push-tls` gives it to the wiring */
function tlsSocket(): ClientSocketClass {
  if (hostTls === undefined) throw new Error("push-tls gives no TLS socket on the host");
  return hostTls.io;
}

const post = (u: string, body: PushRequest["body"], extra: Partial<PushRequest> = {}): PushRequest => ({
  method: "POST",
  url: url(u),
  headers: "",
  body,
  ...extra,
});

function client(options: HttpClientOptions = {}): HttpClient {
  return new HttpClient(options);
}

describe("HTTP client: requests and responses over real TCP", () => {
  test("2xx: a Content-Length body arrives byte for byte, with the head the client owes", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(204);
      res.end();
    });
    try {
      const body = bytes(5000, 1);
      const c = client();
      const r = await send(
        c,
        post(`http://127.0.0.1:${s.port}/api/v1/write?x=1`, body, {
          headers: "Content-Encoding: snappy\r\nX-Prometheus-Remote-Write-Version: 0.1.0\r\n",
          contentType: "application/x-protobuf",
        }),
      );
      expect(r).toEqual({ status: 204 });
      expect(s.seen).toHaveLength(1);
      const seen = s.seen[0];
      expect(seen.method).toBe("POST");
      expect(seen.url).toBe("/api/v1/write?x=1");
      expect(seen.rawHeaders).toEqual([
        "Host",
        `127.0.0.1:${s.port}`,
        "Content-Encoding",
        "snappy",
        "X-Prometheus-Remote-Write-Version",
        "0.1.0",
        "Content-Type",
        "application/x-protobuf",
        "Content-Length",
        "5000",
        "Connection",
        "close",
      ]);
      expect(Buffer.compare(seen.body, Buffer.from(body))).toBe(0);
      expect(c.busy).toBe(false);
    } finally {
      await s.close();
    }
  });

  test("a Content-Length body under the Moddable Linux socket profile (1536-byte budget, 20 ms poll)", async () => {
    const previous = configureSockets({ profile: "lin" });
    const s = await serve((_seen, res) => {
      res.writeHead(200, { "Content-Length": "2" });
      res.end("ok");
    });
    try {
      const body = bytes(20000, 2);
      const r = await send(client(), post(`http://127.0.0.1:${s.port}/`, body, { method: "PUT" }));
      expect(r).toEqual({ status: 200 });
      expect(s.seen[0].method).toBe("PUT");
      expect(Buffer.compare(s.seen[0].body, Buffer.from(body))).toBe(0);
    } finally {
      configureSockets(previous);
      await s.close();
    }
  });

  test("a BodySource larger than the buffer goes out chunked, pulled one buffer at a time, byte for byte", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(202);
      res.end();
    });
    try {
      const data = bytes(10007, 3);
      const source = sourceOf(data, 300);
      const r = await send(
        client({ bufferSize: 256 }),
        post(`http://127.0.0.1:${s.port}/metrics/job/x`, source, { method: "PUT", contentType: "text/plain" }),
      );
      expect(r).toEqual({ status: 202 });
      const seen = s.seen[0];
      expect(seen.headers["transfer-encoding"]).toBe("chunked");
      expect(seen.headers["content-length"]).toBeUndefined();
      expect(Buffer.compare(seen.body, Buffer.from(data))).toBe(0);
      expect(source.largest).toBeLessThanOrEqual(256); // never more than the bounded buffer
      expect(source.reads).toBeGreaterThan(10007 / 256);
    } finally {
      await s.close();
    }
  });

  test("an empty BodySource sends the last chunk only; a null body sends Content-Length: 0 (none for DELETE)", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(200);
      res.end();
    });
    try {
      const c = client();
      expect(await send(c, post(`http://127.0.0.1:${s.port}/a`, sourceOf(new Uint8Array(0))))).toEqual({ status: 200 });
      expect(await send(c, post(`http://127.0.0.1:${s.port}/b`, null, { method: "PUT" }))).toEqual({ status: 200 });
      expect(await send(c, post(`http://127.0.0.1:${s.port}/c`, null, { method: "DELETE" }))).toEqual({ status: 200 });
      expect(
        s.seen.map((x) => [x.url, x.headers["transfer-encoding"], x.headers["content-length"], x.body.length]),
      ).toEqual([
        ["/a", "chunked", undefined, 0],
        ["/b", undefined, "0", 0],
        ["/c", undefined, undefined, 0],
      ]);
    } finally {
      await s.close();
    }
  });

  test("4xx: the receiver's message, its first 200 bytes only", async () => {
    const long = "err: out of order sample; " + "x".repeat(1000);
    const s = await serve((seen, res) => {
      const text = seen.url === "/short" ? 'bad request: label name "\u00e9" invalid\n' : long;
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    });
    try {
      const c = client();
      expect(await send(c, post(`http://127.0.0.1:${s.port}/short`, bytes(10, 4)))).toEqual({
        status: 400,
        message: 'bad request: label name "\u00e9" invalid\n',
      });
      expect(await send(c, post(`http://127.0.0.1:${s.port}/long`, bytes(10, 4)))).toEqual({
        status: 400,
        message: long.slice(0, 200),
      });
    } finally {
      await s.close();
    }
  });

  test("5xx and 429 with Retry-After: seconds, or a date against the injected clock", async () => {
    const s = await serve((seen, res) => {
      if (seen.url === "/seconds") res.writeHead(503, { "Retry-After": "7", "Content-Length": "4" });
      else res.writeHead(429, { "Retry-After": "Wed, 02 Dec 2026 08:49:37 GMT", "Content-Length": "4" });
      res.end("busy");
    });
    try {
      const now = Date.UTC(2026, 11, 2, 8, 49, 7);
      const c = client({ now: () => now });
      expect(await send(c, post(`http://127.0.0.1:${s.port}/seconds`, bytes(10, 5)))).toEqual({
        status: 503,
        retryAfter: 7,
        message: "busy",
      });
      expect(await send(c, post(`http://127.0.0.1:${s.port}/date`, bytes(10, 5)))).toEqual({
        status: 429,
        retryAfter: 30,
        message: "busy",
      });
    } finally {
      await s.close();
    }
  });

  test("a chunked response: the message is put together from its chunks", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(500, { "Content-Type": "text/plain" }); // no length: node sends it chunked
      res.write("internal ");
      setImmediate(() => {
        res.write("error: ");
        res.end("disk full");
      });
    });
    try {
      expect(await send(client(), post(`http://127.0.0.1:${s.port}/`, bytes(10, 6)))).toEqual({
        status: 500,
        message: "internal error: disk full",
      });
    } finally {
      await s.close();
    }
  });

  test("host names go through the DNS resolver: localhost", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(200, { "Content-Length": "0" });
      res.end();
    });
    try {
      expect(await send(client(), post(`http://localhost:${s.port}/x`, bytes(3, 7)))).toEqual({ status: 200 });
      expect(s.seen[0].headers.host).toBe(`localhost:${s.port}`);
    } finally {
      await s.close();
    }
  });

  test("a name that does not resolve is a network error", async () => {
    const r = await send(client({ timeout: 5000 }), post("http://no-such-host.invalid/", bytes(3, 8)));
    expect("networkError" in r && r.networkError).toMatch(/resolv/);
  });
});

describe("HTTP client: failures", () => {
  test("connection refused", async () => {
    const port = await freePort();
    const r = await send(client(), post(`http://127.0.0.1:${port}/`, bytes(10, 9)));
    expect(r).toEqual({ networkError: "cannot connect (refused or unreachable)" });
  });

  test("a server that never answers: timeout (short configured timeout), the connection closed", async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    const server = net.createServer((socket) => {
      socket.on("data", () => {}); // read, never answer
      socket.on("close", () => closed());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await send(client({ timeout: 300 }), post(`http://127.0.0.1:${port}/`, bytes(10, 10)));
      expect(r).toEqual({ networkError: "timeout after 300 ms waiting for the response" });
      await serverSawClose;
    } finally {
      server.close();
    }
  });

  test("a body that ends with the connection: complete at its end (lwip), at the timeout on Moddable Linux (no FIN)", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => socket.end("HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n\r\nstore failed"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const expected = { status: 500, message: "store failed" };
      expect(await send(client(), post(`http://127.0.0.1:${port}/`, bytes(10, 15)))).toEqual(expected);
      const previous = configureSockets({ profile: "lin" });
      try {
        expect(await send(client({ timeout: 300 }), post(`http://127.0.0.1:${port}/`, bytes(10, 15)))).toEqual(
          expected,
        );
      } finally {
        configureSockets(previous);
      }
    } finally {
      server.close();
    }
  });

  test("Moddable Linux: a write that fails (the peer has gone, no onError) ends the request with a network error", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => socket.end()); // gone after the first bytes, no answer
      socket.on("data", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const previous = configureSockets({ profile: "lin" });
    try {
      const r = await send(client({ bufferSize: 512 }), post(`http://127.0.0.1:${port}/`, sourceOf(bytes(200000, 16))));
      expect(r).toEqual({ networkError: "connection lost while sending the request" });
    } finally {
      configureSockets(previous);
      server.close();
    }
  });

  test("a malformed response and a connection closed before the response are network errors", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => {
        if (server.listening && (socket.localPort ?? 0) > 0 && mode === "garbage") socket.end("HTTP/9 OK\r\n\r\n");
        else socket.destroy();
      });
    });
    let mode = "garbage";
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const c = client();
      const r1 = await send(c, post(`http://127.0.0.1:${port}/`, bytes(10, 11)));
      expect("networkError" in r1 && r1.networkError).toMatch(/^malformed response/);
      mode = "close";
      const r2 = await send(c, post(`http://127.0.0.1:${port}/`, bytes(10, 11)));
      expect("networkError" in r2 && r2.networkError).toMatch(/^connection closed before the response/);
    } finally {
      server.close();
    }
  });

  test("abort(): the socket is closed and done is never called; the client serves the next request", async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    let first = true;
    const s = await serve((_seen, res) => {
      if (first) {
        first = false;
        res.socket?.on("close", () => closed());
        arrived(); // never answered
        return;
      }
      res.writeHead(200, { "Content-Length": "0" });
      res.end();
    });
    try {
      const c = client();
      let called = 0;
      c.request(post(`http://127.0.0.1:${s.port}/`, bytes(10, 12)), () => called++);
      await requestArrived;
      expect(c.busy).toBe(true);
      c.abort();
      expect(c.busy).toBe(false);
      await connectionClosed;
      expect(await send(c, post(`http://127.0.0.1:${s.port}/`, bytes(10, 12)))).toEqual({ status: 200 });
      expect(called).toBe(0);
    } finally {
      await s.close();
    }
  });

  test("a second request while one is in flight fails at once; the first goes on", async () => {
    const s = await serve((_seen, res) => {
      res.writeHead(200, { "Content-Length": "0" });
      res.end();
    });
    try {
      const c = client();
      const first = send(c, post(`http://127.0.0.1:${s.port}/`, bytes(10, 13)));
      const second = send(c, post(`http://127.0.0.1:${s.port}/`, bytes(10, 13)));
      expect(await second).toEqual({ networkError: "a request is already in flight" });
      expect(await first).toEqual({ status: 200 });
    } finally {
      await s.close();
    }
  });

  test("bad options are refused", () => {
    expect(() => new HttpClient({ timeout: 0 })).toThrow(RangeError);
    expect(() => new HttpClient({ bufferSize: 10 })).toThrow(RangeError);
  });
});

describe("HTTP client: HTTPS through the host's TLS socket (node:tls)", () => {
  let dir: string;
  let key: string;
  let cert: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "push-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    key = fs.readFileSync(path.join(dir, "key.pem"), "utf8");
    cert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("https:// with the server's certificate trusted: the body arrives, the status comes back", async () => {
    const s = await serve(
      (_seen, res) => {
        res.writeHead(400, { "Content-Length": "3" });
        res.end("no!");
      },
      { key, cert },
    );
    try {
      const c = client({ tls: { io: tlsSocket(), secure: { ca: cert } } });
      const data = bytes(9000, 14);
      expect(await send(c, post(`https://localhost:${s.port}/push`, sourceOf(data)))).toEqual({
        status: 400,
        message: "no!",
      });
      expect(Buffer.compare(s.seen[0].body, Buffer.from(data))).toBe(0);
      expect(s.seen[0].headers.host).toBe(`localhost:${s.port}`);
    } finally {
      await s.close();
    }
  });

  test("a certificate that is not trusted, and https without a TLS socket, are network errors", async () => {
    const s = await serve(
      (_seen, res) => {
        res.writeHead(200);
        res.end();
      },
      { key, cert },
    );
    try {
      const untrusted = await send(client({ tls: { io: tlsSocket() } }), post(`https://localhost:${s.port}/`, null));
      expect(untrusted).toEqual({
        networkError:
          "cannot connect, or the TLS handshake failed (refused, unreachable, or a certificate not trusted)",
      });
      expect(await send(client(), post(`https://localhost:${s.port}/`, null))).toEqual({
        networkError: "https is not available on this platform (no TLS socket configured)",
      });
      expect(s.seen).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});
