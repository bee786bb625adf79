/*
 * The handler interface: what the HTTP transport (./server, ./connection) asks of the application that answers its
 * requests, and what it offers it. The transport knows nothing of what is served; the Prometheus exposition is one
 * handler (modules/promhttp/handler.ts).
 *
 * Everything runs in the transport's callbacks, flat: the request is the connection's parser (no object per
 * request), the response is the connection itself (no object per request), and a streamed body is pulled from a
 * source chunk by chunk straight into the connection's output buffer (no copy, no callback per byte, no promise per
 * chunk).
 *
 * Life of one request, for the handler:
 *   head(req, res)     request line and headers are in (the body is not): decide; returns the status the request
 *                      will get (200 when it can be served). With any other status, a client that waits for
 *                      "100 Continue" gets the final answer at once and its body is never read.
 *   request(req, res)  the whole request is in (or the final answer is due, see head): answer it now with
 *                      res.text() or res.stream(), or later: res.defer(timeout), then res.text()/res.stream() from
 *                      any callback, or timeout(res) is called when the time is up (the handler must answer then).
 *   finished(res)      the response was handed to the socket whole.
 *   aborted(res)       the response was cut short by a failed write or an error (the connection is closed).
 * A handler that throws from request() gets "500 Internal Server Error" sent for it and the connection survives;
 * anything else that throws closes that connection only.
 */
import type { HttpParser } from "./parser";

/** A pull source of body bytes: fills `buffer` from its start, returns the byte count; 0 (or less) at the end. */
export interface BodySource {
  read(buffer: Uint8Array): number;
}

/** What the transport knows of time: its clock (ms, monotonic). */
export interface HttpClock {
  /** the clock as the server last read it (at its last tick) */
  readonly now: number;
  /** the clock read now (the injected clock; the tick clock when none was injected) */
  time(): number;
}

/** The response side of a request, as the handler sees it (implemented by the connection). */
export interface HttpResponse {
  /** the handler's own object for this connection (null until the handler sets one); kept across its requests */
  context: unknown;
  /** the server this connection belongs to: its clock */
  readonly server: HttpClock;
  /** the request is HTTP/1.0 */
  readonly http10: boolean;
  /** the request's method is HEAD (text() and stream() then send the headers only) */
  readonly headOnly: boolean;
  /** the status head() returned for the current request */
  readonly status: number;
  /** true from defer() until the handler answers (or timeout(res) is called) */
  readonly deferred: boolean;
  /**
   * Answer with a fixed body with Content-Length. `body` and `headers` must be ASCII (`headers`: complete header
   * lines, each ending in CRLF). After 400, 408, 413, 414, 417, 431, 501, 503 and 505 the connection is closed.
   */
  text(status: number, body: string, headers: string, contentType?: string): void;
  /**
   * Answer 200 with a body pulled from `source` (chunked for HTTP/1.1, close-delimited for HTTP/1.0); `headers`:
   * complete header lines (ASCII, CRLF-terminated) or "". A null source: the headers only.
   */
  stream(contentType: string, headers: string, source: BodySource | null): void;
  /** answer later: within `timeout` ms, else the handler's timeout(res) is called */
  defer(timeout: number): void;
  /** close the connection now (whatever it was doing) */
  close(): void;
}

export interface HttpHandler {
  head(req: HttpParser, res: HttpResponse): number;
  request(req: HttpParser, res: HttpResponse): void;
  /** the answer deferred with res.defer() is overdue: answer now (e.g. 503) */
  timeout(res: HttpResponse): void;
  finished(res: HttpResponse): void;
  aborted(res: HttpResponse): void;
}

/** Writes "http: " + line to `log`, if any: a failing logger must not take the server down. */
export function logLine(log: ((line: string) => void) | undefined, line: string): void {
  if (!log) return;
  try {
    log("http: " + line);
  } catch {
    // ignored: see above
  }
}
