/**
 * The byte-level parser in response mode (`new HttpParser(limits, true)`), as the push client (issue 11) will use
 * it: status line, headers, body framing (Content-Length, chunked, close-delimited, none for HEAD/204/304),
 * interim responses skipped, body data handed out. Portable (no Node APIs, no fast-check): also runs on XS with
 * `node tests/xs/run.mjs tests/http/response-parser.test.ts`.
 */
import { HttpParser, PHASE_HEAD, PHASE_COMPLETE, PHASE_ERROR, PHASE_IDLE } from "../../modules/http/parser";

const LIMITS = { maxTarget: 128, maxHeaderBytes: 512, maxHeaders: 12, maxBody: 256 };

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

function text(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

interface Options {
  headRequest?: boolean;
  /** the peer closes after the last byte */
  eof?: boolean;
}

/** one line per response: phase|error|status|keepAlive|closeDelimited|body, parsing the input cut at `cuts` */
function parseAll(bytes: Uint8Array, cuts: number[], options: Options = {}): string[] {
  const p = new HttpParser(LIMITS, true);
  p.headRequest = options.headRequest === true;
  const out: string[] = [];
  let body = "";
  const points = cuts.slice().sort((a, b) => a - b);
  points.push(bytes.length);
  let start = 0;
  const record = (): void => {
    out.push([p.phase, p.error, p.status, p.keepAlive, p.closeDelimited, body].join("|"));
    body = "";
  };
  for (let k = 0; k < points.length; k++) {
    const end = points[k];
    if (end < start) continue;
    let o = start;
    for (let guard = 0; ; guard++) {
      if (guard > 100000) throw new Error("no progress");
      const before = o;
      const phaseBefore = p.phase;
      o = p.execute(bytes, o, end);
      if (o < before || o > end) throw new Error("bad offset");
      if (p.dataStart > p.dataEnd || p.dataStart < before || p.dataEnd > o)
        throw new Error("data outside what was consumed");
      body += text(bytes, p.dataStart, p.dataEnd);
      if (p.bodyBytes > LIMITS.maxBody + 1 || p.headerBytes > LIMITS.maxHeaderBytes + 1)
        throw new Error("limit overrun");
      const phase = p.phase as number;
      if (phase === PHASE_HEAD) {
        p.startBody();
        continue;
      }
      if (phase === PHASE_COMPLETE || phase === PHASE_ERROR) {
        record();
        if (phase === PHASE_ERROR) return out;
        p.reset();
        if ((p.phase as number) !== PHASE_IDLE) throw new Error("reset");
        continue;
      }
      if (o >= end) break;
      if (o === before && phase === phaseBefore) throw new Error("stalled");
    }
    start = end;
  }
  if (options.eof) {
    p.eof();
    const phase = p.phase as number;
    if (phase === PHASE_COMPLETE || phase === PHASE_ERROR) record();
  }
  return out;
}

const one = (s: string, options?: Options) => parseAll(bytesOf(s), [], options);
const line = (
  phase: number,
  error: number,
  status: number,
  keepAlive: boolean,
  closeDelimited: boolean,
  body: string,
) => [phase, error, status, keepAlive, closeDelimited, body].join("|");

describe("response parser: decisions", () => {
  test("Content-Length body, keep-alive by default on HTTP/1.1", () => {
    expect(one("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello")).toEqual([
      line(PHASE_COMPLETE, 0, 200, true, false, "hello"),
    ]);
    expect(one("HTTP/1.1 204 No Content\r\n\r\n")).toEqual([line(PHASE_COMPLETE, 0, 204, true, false, "")]);
    expect(one("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad")).toEqual([
      line(PHASE_COMPLETE, 0, 400, false, false, "bad"),
    ]);
    expect(one("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")).toEqual([
      line(PHASE_COMPLETE, 0, 200, false, false, "ok"),
    ]);
    expect(one("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")).toEqual([
      line(PHASE_COMPLETE, 0, 200, true, false, "ok"),
    ]);
  });

  test("chunked body: framing removed, extensions and trailers dropped", () => {
    expect(
      one(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nT: 1\r\n\r\n",
      ),
    ).toEqual([line(PHASE_COMPLETE, 0, 200, true, false, "hello world")]);
  });

  test("no body after a HEAD request, nor for 204 and 304, whatever the headers say", () => {
    expect(one("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", { headRequest: true })).toEqual([
      line(PHASE_COMPLETE, 0, 200, true, false, ""),
    ]);
    expect(one("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", { headRequest: true })).toEqual([
      line(PHASE_COMPLETE, 0, 200, true, false, ""),
    ]);
    expect(
      one("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
    ).toEqual([line(PHASE_COMPLETE, 0, 304, true, false, ""), line(PHASE_COMPLETE, 0, 200, true, false, "x")]);
  });

  test("a body delimited by the close of the connection ends at eof()", () => {
    expect(one("HTTP/1.1 200 OK\r\n\r\nall of it", { eof: true })).toEqual([
      line(PHASE_COMPLETE, 0, 200, false, true, "all of it"),
    ]);
    expect(one("HTTP/1.1 200 OK\r\n\r\nall of it")).toEqual([]); // not complete before the peer closes
    expect(one("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncut", { eof: true })).toEqual([
      line(PHASE_ERROR, 400, 200, true, false, "cut"),
    ]);
    expect(one("HTTP/1.1 200 O", { eof: true })).toEqual([line(PHASE_ERROR, 400, 200, false, false, "")]);
  });

  test("interim responses are skipped", () => {
    expect(
      one(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
      ),
    ).toEqual([line(PHASE_COMPLETE, 0, 201, true, false, "")]);
    expect(one("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n")).toEqual([
      line(PHASE_ERROR, 501, 101, false, false, ""),
    ]);
  });

  test("status line: empty reason, no reason, bare LF", () => {
    expect(one("HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n")).toEqual([line(PHASE_COMPLETE, 0, 500, true, false, "")]);
    expect(one("HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n")).toEqual([line(PHASE_COMPLETE, 0, 503, true, false, "")]);
    expect(one("HTTP/1.1 429 Too Many Requests\nRetry-After: 1\nContent-Length: 0\n\n")).toEqual([
      line(PHASE_COMPLETE, 0, 429, true, false, ""),
    ]);
  });

  test("Retry-After is kept as text (trimmed, the last one wins), cleared by reset and by an interim response", () => {
    const p = new HttpParser(LIMITS, true);
    const head = (s: string): string | undefined => {
      const b = bytesOf(s);
      p.execute(b, 0, b.length);
      expect(p.phase).toBe(PHASE_HEAD);
      return p.retryAfter;
    };
    expect(head("HTTP/1.1 503 Busy\r\nretry-AFTER:   120  \r\nContent-Length: 0\r\n\r\n")).toBe("120");
    p.reset();
    expect(head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).toBeUndefined();
    p.reset();
    expect(
      head(
        "HTTP/1.1 429 Slow\r\nRetry-After: 1\r\nRetry-After: Wed, 02 Dec 2026 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n",
      ),
    ).toBe("Wed, 02 Dec 2026 08:49:37 GMT");
    p.reset();
    expect(head("HTTP/1.1 100 Continue\r\nRetry-After: 9\r\n\r\nHTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n")).toBe(
      undefined,
    );
    // a request parser does not keep it
    const q = new HttpParser(LIMITS);
    const b = bytesOf("GET / HTTP/1.1\r\nHost: x\r\nRetry-After: 5\r\n\r\n");
    q.execute(b, 0, b.length);
    expect(q.phase).toBe(PHASE_HEAD);
    expect(q.retryAfter).toBeUndefined();
  });

  test("malformed responses", () => {
    const error = (s: string) => {
      const out = one(s);
      const last = out[out.length - 1].split("|");
      return Number(last[0]) === PHASE_ERROR ? Number(last[1]) : 0;
    };
    expect(error("GET / HTTP/1.1\r\n\r\n")).toBe(400); // a request, not a response
    expect(error("HTTP/1.1 20 OK\r\n\r\n")).toBe(400);
    expect(error("HTTP/1.1 2000 OK\r\n\r\n")).toBe(400);
    expect(error("HTTP/1.1 099 OK\r\n\r\n")).toBe(400);
    expect(error("HTTP/2 200 OK\r\n\r\n")).toBe(400);
    expect(error("HTTP/2.0 200 OK\r\n\r\n")).toBe(505);
    expect(error("HTTP/1.1 200 O\u0001K\r\n\r\n")).toBe(400);
    expect(error("HTTP/1.1 200 " + "x".repeat(200) + "\r\n\r\n")).toBe(431);
    expect(error("HTTP/1.1 200 OK\r\nContent-Length: 257\r\n\r\n")).toBe(413);
    expect(error("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n")).toBe(400);
    expect(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).toBe(501);
    expect(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toBe(400);
    expect(error("HTTP/1.1 200 OK\r\n" + "A: b\r\n".repeat(20) + "\r\n")).toBe(431);
    expect(error("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n")).toBe(400);
  });

  test("Transfer-Encoding with Content-Length: chunked wins and the connection is not kept", () => {
    expect(
      one("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    ).toEqual([line(PHASE_COMPLETE, 0, 200, false, false, "ok")]);
  });

  test("a close-delimited body beyond maxBody is an error", () => {
    expect(one("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(300), { eof: true })).toEqual([
      line(PHASE_ERROR, 413, 200, false, true, ""),
    ]);
  });

  test("a request parser still refuses a response", () => {
    const p = new HttpParser(LIMITS);
    const b = bytesOf("HTTP/1.1 200 OK\r\n\r\n");
    p.execute(b, 0, b.length);
    expect(p.phase).toBe(PHASE_ERROR);
  });
});

describe("response parser: random mutations (seeded)", () => {
  let seed = 4242;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const responses = [
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nout of order",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n",
    "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nbusy",
  ];
  test("3000 cases: no exception, bounded state, same result however the input is split", () => {
    for (let c = 0; c < 3000; c++) {
      const parts: number[] = [];
      const n = 1 + rnd(3);
      let s = "";
      for (let i = 0; i < n; i++) s += responses[rnd(responses.length)];
      if (rnd(4) === 0) s += "HTTP/1.1 200 OK\r\n\r\ntill the end";
      for (let i = 0; i < s.length; i++) parts.push(s.charCodeAt(i));
      const m = rnd(4);
      for (let k = 0; k < m; k++) {
        const kind = rnd(4);
        const at = rnd(parts.length + 1);
        if (kind === 0 && parts.length) parts[at % parts.length] = rnd(256);
        else if (kind === 1) parts.splice(at, 0, rnd(256), rnd(256));
        else if (kind === 2) parts.splice(at, 1 + rnd(5));
        else parts.length = at;
      }
      const bytes = new Uint8Array(parts);
      const options = { eof: rnd(2) === 0 };
      const whole = parseAll(bytes, [], options).join("\n");
      const cuts: number[] = [];
      const nc = rnd(6);
      for (let k = 0; k < nc; k++) cuts.push(rnd(bytes.length + 1));
      expect(parseAll(bytes, cuts, options).join("\n")).toBe(whole);
      if (c % 10 === 0) {
        const each: number[] = [];
        for (let i = 0; i < bytes.length; i++) each.push(i);
        expect(parseAll(bytes, each, options).join("\n")).toBe(whole);
      }
    }
  });
});
