/**
 * Whole requests through `MetricsServer` (modules/promhttp/server.ts: the HTTP transport and the Prometheus handler) on the fake ECMA-419 sockets of
 * bench/xs/platform/net.ts: one keep-alive connection; each request is `GET /metrics HTTP/1.1` with a Host header
 * (path "scrape": PROMETHEUS_REQUEST, the headers Prometheus sends);
 * the next request is sent once the final chunk of the previous response has been written. Everything runs in
 * promise jobs (the fake socket's turns and the server's collect).
 * (The only code of the bench that calls the server: adapt it here when its API changes.)
 */
import { MetricsServer } from "../api";
import type { Registry } from "../api";
import { net, fail } from "../platform/net";
import type { FakeSocket } from "../platform/net";

const REQUEST = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
/** the request's size in bytes (kept: on XS a string's length is counted on each use) */
export const SIZE = REQUEST.length;

/** A scrape request as Prometheus 2.42 sends it (its headers; it negotiates OpenMetrics). */
export const PROMETHEUS_REQUEST =
  "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\n" +
  "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\nAccept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";

/** a request's bytes, as the fake socket's read() returns them */
export function requestBuffer(text = REQUEST): ArrayBuffer {
  const request = new ArrayBuffer(text.length);
  const bytes = new Uint8Array(request);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return request;
}

export interface Client {
  socket: FakeSocket;
  /** sends `count` requests one after the other, then calls done(bytes of the last response) */
  run(count: number, done: (bytes: number) => void): void;
}

/** Starts a server on `registry`, connects one client; resolves once the server has adopted the connection. */
export function connect(registry: Registry, text = REQUEST): Promise<Client> {
  const request = requestBuffer(text);
  const size = text.length;
  const server = new MetricsServer({ port: 9100, registry });
  server.start();
  const listener = net.listener;
  if (listener === undefined) {
    fail("the server did not create a listener");
    return Promise.reject(new Error("no listener"));
  }
  return new Promise((resolve) => {
    net.onAdopted = (socket: FakeSocket) => {
      net.onAdopted = undefined;
      let left = 0;
      let finished: (bytes: number) => void = () => {};
      socket.onResponse = (n: number) => {
        if (--left > 0) socket.send(request, size);
        else finished(n);
      };
      resolve({
        socket,
        run(count: number, done: (bytes: number) => void) {
          left = count;
          finished = done;
          socket.send(request, size);
        },
      });
    };
    listener.connect();
  });
}
