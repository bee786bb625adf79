/**
 * Property / fuzz tests of the incremental request parser: random and mutated requests, split at random points.
 * Asserts that nothing throws, that every retained buffer stays within its cap, that the parser always makes
 * progress, and that the result does not depend on how the input is split into chunks.
 */
import fc from "fast-check";
import {
  HttpParser,
  PHASE_HEAD,
  PHASE_COMPLETE,
  PHASE_ERROR,
  PHASE_IDLE,
  DEFAULT_LIMITS,
} from "../../modules/http/parser";

interface Outcome {
  phase: number;
  error: number;
  method: string;
  path: string;
  keepAlive: boolean;
  accept: string | undefined;
  body: number;
}

/** FUZZ_SCALE=0.01 for a quick run */
const RUNS = (n: number) => Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));

const LIMITS = {
  maxTarget: 128,
  maxHeaderBytes: 512,
  maxHeaders: 12,
  maxAccept: 96,
  maxAuthorization: 48,
  maxBody: 64,
};

function checkBounds(p: HttpParser): void {
  if (
    p.path.length !== DEFAULT_LIMITS.maxPath ||
    p.accept.length !== LIMITS.maxAccept ||
    p.authorization.length !== LIMITS.maxAuthorization
  )
    throw new Error("buffer resized");
  if (p.pathLength > p.path.length) throw new Error("path overflow " + p.pathLength);
  if (p.acceptLength > p.accept.length) throw new Error("accept overflow " + p.acceptLength);
  if (p.authorizationLength > p.authorization.length) throw new Error("authorization overflow");
  if (p.headerBytes > LIMITS.maxHeaderBytes + 1) throw new Error("header bytes " + p.headerBytes);
  if (p.headerCount > LIMITS.maxHeaders + 1) throw new Error("header count " + p.headerCount);
  if (p.bodyBytes > LIMITS.maxBody + 1) throw new Error("body bytes " + p.bodyBytes);
}

/** Feed bytes split at the given cut points; collect one outcome per request (stops at the first error). */
function parseAll(p: HttpParser, bytes: Uint8Array, cuts: number[]): Outcome[] {
  const out: Outcome[] = [];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  points.push(bytes.length);
  let start = 0;
  for (const end of points) {
    if (end < start) continue;
    let o = start;
    let guard = 0;
    for (;;) {
      if (++guard > 100000) throw new Error("no progress");
      const before = o;
      const phaseBefore = p.phase;
      o = p.execute(bytes, o, end);
      checkBounds(p);
      if (o < before || o > end) throw new Error("bad offset");
      if (p.phase === PHASE_HEAD) {
        p.startBody();
        continue;
      }
      if (p.phase === PHASE_COMPLETE || p.phase === PHASE_ERROR) {
        out.push({
          phase: p.phase,
          error: p.error,
          method: p.methodName,
          path: String.fromCharCode(...p.path.subarray(0, p.pathLength)),
          keepAlive: p.keepAlive,
          accept: p.acceptString(),
          body: p.bodyBytes,
        });
        if (p.phase === PHASE_ERROR) return out;
        p.reset();
        if ((p.phase as number) !== PHASE_IDLE) throw new Error("reset failed");
        continue;
      }
      if (o >= end) break;
      if (o === before && p.phase === phaseBefore) throw new Error("stalled at " + o);
    }
    start = end;
  }
  return out;
}

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const pathSeg = fc.stringMatching(/^[A-Za-z0-9._~%-]{0,10}$/);
const method = fc.oneof(
  fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"),
  token,
);
const target = fc.oneof(
  fc.constantFrom("/", "/metrics", "/-/healthy", "*", "http://h:9100/metrics", "https://h/", "HTTP://x"),
  fc
    .tuple(fc.array(pathSeg, { maxLength: 4 }), fc.option(fc.stringMatching(/^[A-Za-z0-9=&]{0,20}$/)))
    .map(([segs, q]) => "/" + segs.join("/") + (q === null ? "" : "?" + q)),
);
const version = fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/1.9", "http/1.1");
const headerValue = fc.stringMatching(/^[ -~\t]{0,40}$/);
const header = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "Host",
      "host",
      "Accept",
      "ACCEPT",
      "Connection",
      "Authorization",
      "Expect",
      "Content-Length",
      "Transfer-Encoding",
      "User-Agent",
    ),
    headerValue,
  ),
  fc.tuple(fc.constantFrom("Connection"), fc.constantFrom("close", "keep-alive", "Keep-Alive, Upgrade", "foo")),
  fc.tuple(
    fc.constantFrom("Content-Length"),
    fc.oneof(fc.nat(100).map(String), fc.constantFrom("5, 5", "1,2", "-1", "", "99999999999999999999")),
  ),
  fc.tuple(fc.constantFrom("Transfer-Encoding"), fc.constantFrom("chunked", "gzip, chunked", "Chunked", "identity")),
  fc.tuple(fc.constantFrom("Expect"), fc.constantFrom("100-continue", "100-Continue", "200-ok")),
  fc.tuple(token, headerValue),
);
const eol = fc.constantFrom("\r\n", "\r\n", "\n");
const chunkedBody = fc
  .array(fc.tuple(fc.nat(20), fc.option(fc.constantFrom(";a=b", ";x", " ;y"))), { maxLength: 4 })
  .map(
    (chunks) =>
      chunks
        .filter(([n]) => n > 0)
        .map(([n, ext]) => n.toString(16) + (ext ?? "") + "\r\n" + "x".repeat(n) + "\r\n")
        .join("") +
      "0\r\n" +
      "\r\n",
  );

const request = fc
  .record({
    method,
    target,
    version,
    headers: fc.array(header, { maxLength: 8 }),
    host: fc.boolean(),
    eol,
    body: fc.oneof(fc.constant(""), fc.string({ maxLength: 30 }), chunkedBody),
  })
  .map((r) => {
    let s = r.method + " " + r.target + " " + r.version + r.eol;
    if (r.host) s += "Host: example" + r.eol;
    for (const [n, v] of r.headers) s += n + ": " + v + r.eol;
    return s + r.eol + r.body;
  });

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("repeat" as const), at: fc.nat(), count: fc.integer({ min: 2, max: 300 }) }),
);

function mutate(input: Uint8Array, ms: Array<fc.Arbitrary<unknown> extends never ? never : any>): Uint8Array {
  let b = Array.from(input);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === "flip" && b.length) b[at % b.length] = m.value;
    else if (m.kind === "insert") b.splice(at, 0, ...m.bytes);
    else if (m.kind === "delete") b.splice(at, m.count);
    else if (m.kind === "truncate") b = b.slice(0, at);
    else if (m.kind === "repeat" && b.length) b.splice(at, 0, ...new Array(m.count).fill(b[at % b.length]));
  }
  return Uint8Array.from(b);
}

const cuts = fc.array(fc.nat(4096), { maxLength: 12 });

describe("request parser fuzz", () => {
  test("generated pipelines (30 000 cases): no exception, bounded state, split-invariant", () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), cuts, fc.nat(3), (reqs, cs, every) => {
        const bytes = bytesOf(reqs.join(""));
        const whole = parseAll(new HttpParser(LIMITS), bytes, []);
        const split = parseAll(new HttpParser(LIMITS), bytes, cs);
        expect(split).toEqual(whole);
        if (every === 0) {
          // one byte per execute() call, for a quarter of the cases (the slowest variant)
          const oneByte = parseAll(
            new HttpParser(LIMITS),
            bytes,
            Array.from({ length: bytes.length }, (_, i) => i),
          );
          expect(oneByte).toEqual(whole);
        }
        for (const o of whole)
          if (o.phase === PHASE_ERROR) expect([400, 413, 414, 417, 431, 501, 505]).toContain(o.error);
      }),
      { numRuns: RUNS(30000) },
    );
  }, 180000);

  test("mutated requests (50 000 cases): no exception, bounded state, split-invariant", () => {
    fc.assert(
      fc.property(request, fc.array(mutation, { minLength: 1, maxLength: 4 }), cuts, (req, ms, cs) => {
        const bytes = mutate(bytesOf(req), ms);
        const whole = parseAll(new HttpParser(LIMITS), bytes, []);
        expect(parseAll(new HttpParser(LIMITS), bytes, cs)).toEqual(whole);
      }),
      { numRuns: RUNS(50000) },
    );
  }, 180000);

  test("random bytes (20 000 cases): no exception, bounded state", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, cs) => {
        const whole = parseAll(new HttpParser(LIMITS), bytes, []);
        expect(parseAll(new HttpParser(LIMITS), bytes, cs)).toEqual(whole);
      }),
      { numRuns: RUNS(20000) },
    );
  }, 180000);

  test("well-formed GET requests parse to the right method, path, keep-alive and Accept", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "HEAD"),
        fc.array(pathSeg, { maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom("1.0", "1.1"),
        fc.option(fc.stringMatching(/^[a-z/;=.*, -]{1,60}$/)),
        (m, segs, close, v, accept) => {
          const path = "/" + segs.join("/");
          const s = `${m} ${path}?q=1 HTTP/${v}\r\nHost: x\r\n${close ? "Connection: close\r\n" : ""}${accept === null ? "" : "Accept: " + accept + "\r\n"}\r\n`;
          const [o] = parseAll(new HttpParser(LIMITS), bytesOf(s), []);
          if (path.length > DEFAULT_LIMITS.maxPath) return;
          expect(o.phase).toBe(PHASE_COMPLETE);
          expect(o.method).toBe(m);
          expect(o.path).toBe(path);
          expect(o.keepAlive).toBe(v === "1.1" && !close);
          expect(o.accept).toBe(accept === null ? undefined : accept.trim());
        },
      ),
      { numRuns: RUNS(2000) },
    );
  });
});

describe("request parser limits and decisions", () => {
  const parse = (s: string, limits = LIMITS) => parseAll(new HttpParser(limits), bytesOf(s), []);
  test.each([
    ["GET / HTTP/1.1\r\n\r\n", 400], // no Host in HTTP/1.1
    ["GET /" + "a".repeat(200) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414],
    ["GET / HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n".repeat(20) + "\r\n", 431],
    ["GET / HTTP/1.1\r\nHost: x\r\nX: " + "b".repeat(600) + "\r\n\r\n", 431],
    ["GET / HTTP/1.1\r\nHost: x\r\nAccept: " + "b".repeat(100) + "\r\n\r\n", 431],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", 413],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + "x".repeat(64) + "\r\n0\r\n\r\n", 413],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400],
    ["POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417],
    ["GET / HTTP/2.0\r\n\r\n", 505],
    ["GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["VERYLONGMETHODNAMEXX / HTTP/1.1\r\n", 501],
    ["G\x00T / HTTP/1.1\r\n", 400],
    ["\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400], // TLS ClientHello
  ])("%j -> %i", (s, status) => {
    const out = parse(s);
    expect(out[out.length - 1]).toMatchObject({ phase: PHASE_ERROR, error: status });
  });

  test("HTTP/1.0 keep-alive on request, absolute-form target, leading empty lines, query ignored", () => {
    expect(parse("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0]).toMatchObject({
      keepAlive: true,
      path: "/metrics",
    });
    expect(parse("GET /metrics HTTP/1.0\r\n\r\n")[0]).toMatchObject({ keepAlive: false });
    expect(parse("\r\nGET http://h:1/metrics?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")[0]).toMatchObject({
      phase: PHASE_COMPLETE,
      path: "/metrics",
    });
    expect(parse("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n")[0]).toMatchObject({ phase: PHASE_COMPLETE, path: "/" });
  });

  test("chunked bodies with extensions and trailers are consumed; the next request follows", () => {
    const out = parse(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    expect(out.map((o) => [o.phase, o.method, o.path])).toEqual([
      [PHASE_COMPLETE, "POST", "/x"],
      [PHASE_COMPLETE, "GET", "/y"],
    ]);
  });
});
