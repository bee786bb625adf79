/*
 * The HTTP server's limits, defined once. HttpServer rejects an option outside its range with a RangeError that
 * names the option, the value and the range (no silent clamping), and the configuration (modules/app/config.ts)
 * checks the settings it hands to the server (port, maxConnections) against the same ranges. (The Prometheus
 * handler's own: modules/promhttp/limits.ts.)
 *
 * Safe to preload: frozen constants and pure functions, nothing written after load.
 */

export interface Range {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

export function range(min: number, max: number, value: number): Range {
  return Object.freeze({ min, max, default: value });
}

/** TCP port of the listener (the server also takes 0: any free port, for tests and tools) */
export const PORT = range(1, 65535, 9100);
/** connections served at once (each holds a parser and a `chunkSize` output buffer) */
export const MAX_CONNECTIONS = range(1, 32, 8);
/** output buffer per connection, bytes */
export const CHUNK_SIZE = range(512, 16384, 1024);
/** a keep-alive connection with no request for this long is closed, ms */
export const IDLE_TIMEOUT = range(10, 3600000, 65000);
/** the request line and headers must arrive within this long of the request's first byte, ms, else 408; a new
 *  connection that sends nothing is closed after this long (or after the idle timeout, if shorter) */
export const HEAD_TIMEOUT = range(10, 600000, 5000);
/** the whole request (head and body) must arrive within this long of its first byte, ms; else 408 */
export const REQUEST_TIMEOUT = range(10, 600000, 10000);
/** a request must arrive at this many bytes per second at least (after its first second), else 408; 0: no minimum */
export const MIN_RATE = range(0, 1048576, 64);
/** a response that makes no progress for this long is aborted, ms */
export const SEND_TIMEOUT = range(10, 600000, 10000);
/** after an error response, input is drained for at most this long before closing, ms */
export const LINGER_TIMEOUT = range(10, 60000, 2000);
/** period of the server's timeout and admission checks, ms; 0: no timer, the owner calls tick() (tests with an
 *  injected clock). Default: a quarter of the shortest timeout, at most this range's default */
export const TICK_INTERVAL = range(0, 1000, 100);

/** true when `value` is an integer within `r` */
export function inRange(value: unknown, r: Range): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= r.min && value <= r.max;
}

/** what `r` allows, for error messages: "an integer from 1 to 32" */
export function describeRange(r: Range): string {
  return "an integer from " + String(r.min) + " to " + String(r.max);
}

/** an option's value: its default when undefined, else an integer within its range (else a RangeError that names
 *  `owner`, the option, the value and the range) */
export function option(owner: string, name: string, value: unknown, r: Range, fallback?: number): number {
  if (value === undefined) return fallback === undefined ? r.default : fallback;
  if (!inRange(value, r))
    throw new RangeError(owner + ": " + name + " must be " + describeRange(r) + ", got " + String(value));
  return value;
}
