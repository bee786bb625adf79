/**
 * The receiver URL parser (modules/push/url.ts), written by hand for XS: what it accepts agrees with WHATWG URL (Node's
 * URL class, the oracle) on scheme, host, port and path for every accepted URL, and each refusal says why.
 */
import fc from "fast-check";
import { formatUrl, parseUrl, redactUrl, type PushUrl } from "../../modules/push/url";

function ok(text: string): PushUrl {
  const u = parseUrl(text);
  if (typeof u === "string") throw new Error(`${text}: ${u}`);
  return u;
}

describe("parseUrl: accepted URLs", () => {
  test.each([
    ["http://prometheus:9090/api/v1/write", { scheme: "http", host: "prometheus", port: 9090, path: "/api/v1/write" }],
    [
      "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push",
      { scheme: "https", host: "prometheus-prod-01-eu-west-0.grafana.net", port: 443, path: "/api/prom/push" },
    ],
    [
      "HTTP://Victoria.Local:8428/api/v1/write?extra_label=site%3Dlab",
      { scheme: "http", host: "victoria.local", port: 8428, path: "/api/v1/write?extra_label=site%3Dlab" },
    ],
    ["http://192.168.1.10:9091", { scheme: "http", host: "192.168.1.10", port: 9091, path: "/" }],
    ["http://gw?x=1", { scheme: "http", host: "gw", port: 80, path: "/?x=1" }],
    ["http://gw:65535/", { scheme: "http", host: "gw", port: 65535, path: "/" }],
  ])("%s", (text, parts) => {
    expect(ok(text)).toEqual(parts);
  });
});

describe("parseUrl: refused URLs say why", () => {
  test.each([
    ["prometheus:9090/api/v1/write", "a URL starting with http:// or https://"],
    ["ftp://host/x", "a URL starting with http:// or https://"],
    ["http://user:secret@host/x", "without user information"],
    ["http://[::1]:9090/x", "IPv6 literals are not supported"],
    ["http://host/x#frag", "without a fragment"],
    ["http://:9090/x", "a host name after the scheme"],
    ["http://host:0/x", "a port from 1 to 65535"],
    ["http://host:65536/x", "a port from 1 to 65535"],
    ["http://host:/x", "a port from 1 to 65535"],
    ["http://host:80a/x", "a port from 1 to 65535"],
    ["http://-host/x", "letters, digits and '-'"],
    ["http://host-/x", "letters, digits and '-'"],
    ["http://ho_st/x", "letters, digits and '-'"],
    ["http://a..b/x", "labels of 1 to 63"],
    ["http://999.1.1.1/x", "an IPv4 address of four numbers"],
    ["http://1.2.3/x", "an IPv4 address of four numbers"],
    ["http://host/a b", "printable ASCII"],
    ["http://host/é", "printable ASCII"],
    ["http://host/a%zz", "'%' starts an escape"],
    ["http://host/a%2", "'%' starts an escape"],
    ["http://host/a/../write", "without '.' or '..' segments"],
    ["http://host/%2E/write", "without '.' or '..' segments"],
    ["http://host/" + "a".repeat(600), "at most 512 characters"],
  ])("%s", (text, reason) => {
    const u = parseUrl(text);
    expect(typeof u).toBe("string");
    expect(u).toContain(reason);
  });
});

test("random URLs: whatever parseUrl accepts, WHATWG URL parses to the same scheme, host, port and path", () => {
  const hostChar = fc.constantFrom(..."ab09-.".split(""));
  const pathChar = fc.constantFrom(..."/a9-._~%2F?=&:@!$'()*+,;".split(""));
  const url = fc
    .tuple(
      fc.constantFrom("http", "https", "HTTPS"),
      fc.array(hostChar, { minLength: 0, maxLength: 12 }).map((a) => a.join("")),
      fc.option(fc.integer({ min: 0, max: 70000 }), { nil: undefined }),
      fc.array(pathChar, { maxLength: 20 }).map((a) => a.join("")),
    )
    .map(([s, h, p, path]) => `${s}://${h}${p === undefined ? "" : ":" + String(p)}${path}`);
  let accepted = 0;
  fc.assert(
    fc.property(url, (text) => {
      const u = parseUrl(text);
      if (typeof u === "string") return;
      accepted++;
      const w = new URL(text);
      expect(u.scheme + ":").toBe(w.protocol);
      expect(u.host).toBe(w.hostname);
      expect(u.port).toBe(w.port === "" ? (u.scheme === "https" ? 443 : 80) : Number(w.port));
      // path and query as written, an empty "?" kept; WHATWG also percent-encodes ' in a query (the receiver decodes
      // both alike), which parseUrl sends as written
      const q = u.path.indexOf("?");
      const sent = q < 0 ? u.path : u.path.slice(0, q) + u.path.slice(q).split("'").join("%27");
      expect(sent).toBe(w.href.slice(w.origin.length));
    }),
    { numRuns: 3000 },
  );
  expect(accepted).toBeGreaterThan(100); // the property was exercised, not vacuous
});

describe("redactUrl and formatUrl: what may be printed", () => {
  test.each([
    ["https://user:tok-SECRET@host/p?key=SECRET", "https://<redacted>@host/p?<redacted>"],
    ["http://host/api/v1/write?api_key=SECRET#x", "http://host/api/v1/write?<redacted>#x"],
    ["http://host/a@b", "http://host/a@b"],
    ["not a url SECRET", "not a url SECRET"], // no scheme, no query: nothing that looks like a credential slot
  ])("%s", (text, shown) => {
    expect(redactUrl(text)).toBe(shown);
  });

  test("formatUrl drops the default port and the query", () => {
    expect(formatUrl(ok("https://h:443/w?key=SECRET"))).toBe("https://h/w");
    expect(formatUrl(ok("http://h:8428/w"))).toBe("http://h:8428/w");
  });
});
