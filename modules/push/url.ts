/**
 * The URL of a push receiver (remote write, Pushgateway), parsed by hand: XS has no URL class, and a preloaded module
 * must not keep a regex. Only what a push needs is accepted:
 *   http://host[:port][/path][?query]   or   https://...
 * host: a DNS name (labels of letters, digits and '-') or an IPv4 address; port 1..65535 (default 80 / 443);
 * path and query: printable ASCII, '%' followed by two hex digits. Refused, with the reason: other schemes, user
 * information (credentials belong in the username/password settings, where they are never printed), IPv6 literals
 * (the device's network stack is IPv4 only), fragments, spaces and non-ASCII characters (percent-encode them), '.'
 * and '..' path segments. What it accepts, a WHATWG URL parser reads the same way (tests/push/url.test.ts).
 *
 * `redactUrl` gives a URL as it may be printed: user information and query replaced (a query may hold an API key).
 */

export interface PushUrl {
  scheme: "http" | "https";
  /** lower case */
  host: string;
  port: number;
  /** what goes into the request line: the path and the query, starting with "/" */
  path: string;
}

export const MAX_URL_LENGTH = 512;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** A DNS name or an IPv4 address (lower case), or the reason it is not (also the rule of the `sntp` servers). */
export function hostProblem(host: string): string | undefined {
  if (host === "") return "a host name";
  if (host.length > 253) return "a host name of at most 253 characters";
  const labels = host.split(".");
  let numeric = 0;
  for (const label of labels) {
    if (label.length > 1 && label.charCodeAt(0) === 48 && (label.charCodeAt(1) | 32) === 120)
      return "a host name whose labels do not start with 0x (a URL parser reads them as hexadecimal numbers)";
    const n = label.length;
    if (n === 0 || n > 63) return "a host name made of dot-separated labels of 1 to 63 characters";
    let digits = 0;
    for (let i = 0; i < n; i++) {
      const c = label.charCodeAt(i);
      if (isDigit(c)) digits++;
      else if (!(isAlnum(c) || (c === 45 && i > 0 && i < n - 1)))
        return "a host name of letters, digits and '-' (not at the start or end of a label), or an IPv4 address";
    }
    if (digits === n) numeric++;
  }
  // a name whose last label is a number is read as an IPv4 address by URL parsers: it must be one, written plainly
  const last = labels[labels.length - 1] ?? "";
  const lastNumeric =
    last !== "" &&
    isDigit(last.charCodeAt(0)) &&
    isDigit(last.charCodeAt(last.length - 1)) &&
    last.split("").every((ch) => isDigit(ch.charCodeAt(0)));
  if (
    (numeric === labels.length || lastNumeric) &&
    (labels.length !== 4 ||
      numeric !== 4 ||
      labels.some((l) => l.length > 3 || Number(l) > 255 || (l.length > 1 && l.charCodeAt(0) === 48)))
  )
    return "an IPv4 address of four numbers from 0 to 255 (no leading zeros)";
  return undefined;
}

/** Parses a receiver's URL; returns the parts, or a string saying what was expected. */
export function parseUrl(text: string): PushUrl | string {
  if (text.length > MAX_URL_LENGTH) return `a URL of at most ${String(MAX_URL_LENGTH)} characters`;
  const sep = text.indexOf("://");
  const schemeText = sep < 0 ? "" : text.slice(0, sep).toLowerCase();
  if (schemeText !== "http" && schemeText !== "https") return "a URL starting with http:// or https://";
  const scheme = schemeText;
  const rest = text.slice(sep + 3);
  if (rest.indexOf("#") >= 0) return "a URL without a fragment ('#')";
  let end = rest.length;
  const slash = rest.indexOf("/");
  const question = rest.indexOf("?");
  if (slash >= 0) end = slash;
  if (question >= 0 && question < end) end = question;
  const authority = rest.slice(0, end);
  let path = rest.slice(end);
  if (authority.indexOf("@") >= 0) return "a URL without user information (put credentials in username and password)";
  if (authority.charCodeAt(0) === 91) return "a host name or IPv4 address (IPv6 literals are not supported)";
  const colon = authority.indexOf(":");
  const host = (colon < 0 ? authority : authority.slice(0, colon)).toLowerCase();
  if (host === "") return "a host name after the scheme";
  const problem = hostProblem(host);
  if (problem !== undefined) return problem;
  let port = scheme === "https" ? 443 : 80;
  if (colon >= 0) {
    const digits = authority.slice(colon + 1);
    let ok = digits.length > 0 && digits.length <= 5;
    for (let i = 0; ok && i < digits.length; i++) ok = isDigit(digits.charCodeAt(i));
    port = ok ? Number(digits) : 0;
    if (port < 1 || port > 65535) return "a port from 1 to 65535 after the host";
  }
  if (path === "") path = "/";
  else if (path.charCodeAt(0) === 63) path = "/" + path; // "?query" straight after the host
  const n = path.length;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 37) {
      if (!(i + 2 < n && isHex(path.charCodeAt(i + 1)) && isHex(path.charCodeAt(i + 2))))
        return "a path where '%' starts an escape of two hex digits";
      i += 2;
    } else if (
      c <= 32 ||
      c >= 127 ||
      c === 34 ||
      c === 60 ||
      c === 62 ||
      c === 92 ||
      c === 94 ||
      c === 96 ||
      c === 123 ||
      c === 124 ||
      c === 125
    )
      return 'a path of printable ASCII without spaces or "<>\\^`{|} (percent-encode other characters)';
  }
  const q = path.indexOf("?");
  for (const segment of (q < 0 ? path : path.slice(0, q)).split("/")) {
    const dots = segment.toLowerCase().split("%2e").join(".");
    if (dots === "." || dots === "..") return "a path without '.' or '..' segments (URL parsers remove them)";
  }
  return { scheme, host, port, path };
}

/** The URL as it may be printed: user information and query replaced by "<redacted>". */
export function redactUrl(text: string): string {
  const sep = text.indexOf("://");
  let out = text;
  if (sep >= 0) {
    const rest = text.slice(sep + 3);
    let end = rest.length;
    for (const c of ["/", "?", "#"]) {
      const at = rest.indexOf(c);
      if (at >= 0 && at < end) end = at;
    }
    const at = rest.lastIndexOf("@", end - 1);
    if (at >= 0 && at < end) out = text.slice(0, sep + 3) + "<redacted>@" + rest.slice(at + 1);
  }
  const question = out.indexOf("?");
  if (question >= 0) {
    const hash = out.indexOf("#", question);
    out = out.slice(0, question + 1) + "<redacted>" + (hash >= 0 ? out.slice(hash) : "");
  }
  return out;
}

/** The URL as a string again (what the logs and the landing page show: no query). */
export function formatUrl(url: PushUrl): string {
  const defaultPort = url.scheme === "https" ? 443 : 80;
  const question = url.path.indexOf("?");
  return `${url.scheme}://${url.host}${url.port === defaultPort ? "" : ":" + String(url.port)}${question < 0 ? url.path : url.path.slice(0, question)}`;
}
