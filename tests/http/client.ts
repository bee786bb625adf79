/**
 * Test helpers: a raw node:net client that records every byte and lets a test wait on socket events (never on
 * time), and a strict HTTP/1.1 response parser (status line, headers, Content-Length / chunked / close-delimited).
 */
import * as net from "node:net";
import { Signal, until } from "../support/wait";

export interface Response {
  status: number;
  reason: string;
  headers: Record<string, string>; // lower-case names; repeated headers joined with "\n"
  rawHead: string;
  body: string;
  chunked: boolean;
}

export class RawClient {
  readonly socket: net.Socket;
  data = Buffer.alloc(0);
  closed = false;
  ended = false;
  private events = new Signal();
  private connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: "127.0.0.1", port });
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    this.socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on("error", () => {
      this.wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.events.end(
        new Error(`socket closed; received: ${JSON.stringify(this.data.toString("latin1").slice(0, 400))}`),
      );
    });
  }

  private wake(): void {
    this.events.notify();
  }

  ready(): Promise<void> {
    return this.connected;
  }

  /** write and wait until node handed the bytes to the OS */
  async write(data: string | Uint8Array): Promise<void> {
    await this.connected;
    await new Promise<void>((resolve, reject) =>
      this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  }

  /** resolve once `check` is true (checked after each socket event); reject when the socket closes first */
  until(check: () => boolean, what = "condition"): Promise<void> {
    return until(check, { on: this.events, what });
  }

  /** wait until the peer closed the connection */
  waitClosed(): Promise<void> {
    return this.until(() => this.closed || this.ended, "the peer closing");
  }

  /** wait for n complete responses (HEAD responses: pass heads = true for those positions) */
  async responses(n: number, headOnly: boolean[] = []): Promise<Response[]> {
    let result: Response[] = [];
    await this.until(() => {
      const parsed = parseResponses(this.data, headOnly, this.ended || this.closed);
      result = parsed;
      return parsed.length >= n;
    }, `${n} responses`).catch((e) => {
      const parsed = parseResponses(this.data, headOnly, true);
      if (parsed.length >= n) result = parsed;
      else throw e;
    });
    return result.slice(0, n);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Parse as many complete responses as `buf` holds. */
export function parseResponses(buf: Buffer, headOnly: boolean[] = [], eof = false): Response[] {
  const out: Response[] = [];
  let pos = 0;
  const s = buf.toString("latin1");
  while (pos < s.length) {
    const headEnd = s.indexOf("\r\n\r\n", pos);
    if (headEnd < 0) break;
    const rawHead = s.slice(pos, headEnd);
    const lines = rawHead.split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(lines[0]);
    if (!m) throw new Error("bad status line: " + JSON.stringify(lines[0]));
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":");
      if (c <= 0) throw new Error("bad header line: " + JSON.stringify(line));
      const name = line.slice(0, c).toLowerCase();
      const value = line.slice(c + 1).trim();
      headers[name] = name in headers ? headers[name] + "\n" + value : value;
    }
    const status = Number(m[1]);
    let p = headEnd + 4;
    let body = "";
    const isHead = headOnly[out.length] === true;
    const chunked = (headers["transfer-encoding"] || "").toLowerCase() === "chunked";
    if (status === 100) {
      out.push({ status, reason: m[2], headers, rawHead, body: "", chunked: false });
      pos = p;
      continue;
    }
    if (isHead || status === 204 || status === 304) {
      // no body
    } else if (chunked) {
      let complete = false;
      for (;;) {
        const le = s.indexOf("\r\n", p);
        if (le < 0) break;
        const sizeText = s.slice(p, le);
        if (!/^[0-9a-f]+$/.test(sizeText)) throw new Error("bad chunk size " + JSON.stringify(sizeText));
        const size = parseInt(sizeText, 16);
        if (size === 0) {
          if (s.slice(le + 2, le + 4) !== "\r\n") {
            if (s.length < le + 4) break;
            throw new Error("trailers not expected");
          }
          p = le + 4;
          complete = true;
          break;
        }
        if (s.length < le + 2 + size + 2) break;
        if (s.slice(le + 2 + size, le + 4 + size) !== "\r\n") throw new Error("bad chunk terminator");
        body += s.slice(le + 2, le + 2 + size);
        p = le + 4 + size;
      }
      if (!complete) break;
    } else if (headers["content-length"] !== undefined) {
      const n = Number(headers["content-length"]);
      if (s.length < p + n) break;
      body = s.slice(p, p + n);
      p += n;
    } else {
      if (!eof) break; // close-delimited
      body = s.slice(p);
      p = s.length;
    }
    out.push({ status, reason: m[2], headers, rawHead, body: Buffer.from(body, "latin1").toString("utf8"), chunked });
    pos = p;
  }
  return out;
}

/** a port that was free a moment ago */
export { freePort } from "../support/net";
