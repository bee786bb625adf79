/**
 * Portable parser tests (no Node APIs, no fast-check): run by jest and, on the real XS engine, by
 * `node tests/xs/run.mjs tests/http/parser.test.ts`. Decisions on fixed inputs, then seeded random mutations checked
 * for split invariance (whole input vs random cuts vs one byte per call) and bounded state.
 */
import {
  HttpParser,
  PHASE_HEAD,
  PHASE_COMPLETE,
  PHASE_ERROR,
  PHASE_IDLE,
  DEFAULT_LIMITS,
} from "../../modules/http/parser";

const LIMITS = {
  maxTarget: 128,
  maxHeaderBytes: 512,
  maxHeaders: 12,
  maxAccept: 96,
  maxAuthorization: 48,
  maxBody: 64,
};

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

function text(b: Uint8Array, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** one line per request: phase/error/method/path/keepAlive/accept/body */
function parseAll(bytes: Uint8Array, cuts: number[]): string[] {
  const p = new HttpParser(LIMITS);
  const out: string[] = [];
  const points = cuts.slice().sort((a, b) => a - b);
  points.push(bytes.length);
  let start = 0;
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
      if (
        p.pathLength > p.path.length ||
        p.acceptLength > p.accept.length ||
        p.authorizationLength > p.authorization.length
      )
        throw new Error("buffer overflow");
      if (
        p.headerBytes > LIMITS.maxHeaderBytes + 1 ||
        p.headerCount > LIMITS.maxHeaders + 1 ||
        p.bodyBytes > LIMITS.maxBody + 1
      )
        throw new Error("limit overrun");
      const phase = p.phase as number;
      if (phase === PHASE_HEAD) {
        p.startBody();
        continue;
      }
      if (phase === PHASE_COMPLETE || phase === PHASE_ERROR) {
        out.push(
          [phase, p.error, p.methodName, text(p.path, p.pathLength), p.keepAlive, p.acceptString(), p.bodyBytes].join(
            "|",
          ),
        );
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
  return out;
}

function status(s: string): number {
  const out = parseAll(bytesOf(s), []);
  const last = out[out.length - 1].split("|");
  return Number(last[0]) === PHASE_ERROR ? Number(last[1]) : 200;
}

describe("parser decisions", () => {
  test("valid requests", () => {
    expect(status("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")).toBe(200);
    expect(status("GET /metrics HTTP/1.0\r\n\r\n")).toBe(200);
    expect(status("GET http://h:9100/metrics?x HTTP/1.1\r\nHost: h\r\n\r\n")).toBe(200);
    expect(status("GET / HTTP/1.1\nHost: x\n\n")).toBe(200);
  });
  test("errors", () => {
    expect(status("GET / HTTP/1.1\r\n\r\n")).toBe(400);
    expect(status("GET /" + "a".repeat(200) + " HTTP/1.1\r\n")).toBe(414);
    expect(status("GET / HTTP/1.1\r\nHost: x\r\n" + "A: b\r\n".repeat(20) + "\r\n")).toBe(431);
    expect(status("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n")).toBe(413);
    expect(status("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")).toBe(501);
    expect(status("GET / HTTP/3.0\r\n\r\n")).toBe(505);
    expect(status("GET / HTTP/1.1\r\nHost: x\r\nExpect: nope\r\n\r\n")).toBe(417);
    expect(status("\u0016\u0003\u0001\u0000")).toBe(400);
  });
  test("pipelined requests with bodies", () => {
    const out = parseAll(
      bytesOf(
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxyGET /c HTTP/1.0\r\n\r\n",
      ),
      [],
    );
    expect(out.length).toBe(3);
    expect(out[0]).toBe([PHASE_COMPLETE, 0, "POST", "/a", true, undefined, 12].join("|"));
    expect(out[2]).toBe([PHASE_COMPLETE, 0, "GET", "/c", false, undefined, 0].join("|"));
  });
});

describe("parser random mutations (seeded)", () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const requests = [
    "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain;q=0.5, application/openmetrics-text\r\n\r\n",
    "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    "GET /-/healthy HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
    "GET http://h/metrics HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer abc\r\nConnection: close\r\n\r\n",
  ];
  test("3000 cases: no exception, bounded state, same result however the input is split", () => {
    for (let c = 0; c < 3000; c++) {
      const parts: number[] = [];
      const n = 1 + rnd(3);
      let s = "";
      for (let i = 0; i < n; i++) s += requests[rnd(requests.length)];
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
      const whole = parseAll(bytes, []).join("\n");
      const cuts: number[] = [];
      const nc = rnd(6);
      for (let k = 0; k < nc; k++) cuts.push(rnd(bytes.length + 1));
      expect(parseAll(bytes, cuts).join("\n")).toBe(whole);
      if (c % 10 === 0) {
        const each: number[] = [];
        for (let i = 0; i < bytes.length; i++) each.push(i);
        expect(parseAll(bytes, each).join("\n")).toBe(whole);
      }
    }
    expect(new HttpParser().path.length).toBe(DEFAULT_LIMITS.maxPath);
  });
});
