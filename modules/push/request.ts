/**
 * The contract between the push clients (remote write, Pushgateway) and the HTTP client that carries their requests:
 * one request, its outcome as the forwarder counts it (SendResult). Types only.
 */
import type { BodySource } from "../http/handler";
import type { SendResult } from "./forwarder";
import type { PushUrl } from "./url";

export interface PushRequest {
  method: "POST" | "PUT" | "DELETE";
  url: PushUrl;
  /** extra header lines, each "Name: value\r\n" (Authorization, Content-Encoding, ...); Host, Content-Length or
   *  Transfer-Encoding, and Connection are the client's */
  headers: string;
  contentType?: string;
  /** a whole body (sent with Content-Length), a source pulled in bounded pieces (sent chunked), or none */
  body: Uint8Array | BodySource | null;
}

/** Sends one request; `done` is called once with the outcome (a status with the receiver's message and Retry-After,
 *  or a network error: name resolution, connection, TLS, timeout, a malformed response). */
export interface PushTransport {
  request(req: PushRequest, done: (result: SendResult) => void): void;
  /** abandons the request in flight: `done` is not called for it */
  abort(): void;
}
