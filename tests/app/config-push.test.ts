/**
 * The push settings (remoteWrite, pushgateway) of modules/app/config.ts: off by default, JSON text from mcconfig
 * overrides, every problem listed, secrets never printed, label names checked with the metrics library's rule.
 */
import fc from "fast-check";
import { ConfigError, parseConfig, PUSH_LIMITS } from "../../modules/app/config";
import { Gauge, Registry } from "../../modules/client/index";
import { loadConfig } from "../../host/mc-config";
import * as path from "node:path";

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("push settings: off unless a url is given", () => {
  test.each([
    ["absent", {}],
    ["null", { remoteWrite: null, pushgateway: null }],
    ["false", { remoteWrite: false, pushgateway: "false" }],
    ["empty override text", { remoteWrite: "", pushgateway: " " }],
    ["an empty url (the manifest's way of saying off)", { remoteWrite: { url: "" }, pushgateway: '{"url": ""}' }],
  ])("%s", (_what, raw) => {
    const c = parseConfig(raw as Record<string, unknown>);
    expect(c.remoteWrite).toBeUndefined();
    expect(c.pushgateway).toBeUndefined();
  });
});

describe("remoteWrite", () => {
  test("the defaults: 15 s, 16 KB, no auth, instance and job = the hostname", () => {
    const c = parseConfig({ hostname: "lab-1", remoteWrite: { url: "http://prometheus:9090/api/v1/write" } });
    expect(c.remoteWrite).toEqual({
      url: { scheme: "http", host: "prometheus", port: 9090, path: "/api/v1/write" },
      interval: 15000,
      auth: undefined,
      labels: { instance: "lab-1", job: "lab-1" },
      bufferBytes: 16384,
    });
  });

  test("every field, as the JSON text of an mcconfig / npm start override (numbers as strings too)", () => {
    const c = parseConfig({
      hostname: "lab-1",
      remoteWrite: JSON.stringify({
        url: "https://mimir.example.com/api/v1/push",
        interval: "30000",
        username: "123456",
        password: "glc_token",
        labels: { job: "sensors", site: "lab", floor: 2 },
        bufferBytes: "32768",
      }),
    });
    expect(c.remoteWrite).toEqual({
      url: { scheme: "https", host: "mimir.example.com", port: 443, path: "/api/v1/push" },
      interval: 30000,
      auth: { username: "123456", password: "glc_token" },
      labels: { instance: "lab-1", job: "sensors", site: "lab", floor: "2" },
      bufferBytes: 32768,
    });
    expect(
      parseConfig({ remoteWrite: { url: "http://vm:8428/api/v1/write", bearer: "tok" } }).remoteWrite?.auth,
    ).toEqual({ bearer: "tok" });
  });

  test.each([
    [
      { url: "prometheus:9090/api/v1/write" },
      'remoteWrite.url: got "prometheus:9090/api/v1/write", expected a URL starting with http:// or https://',
    ],
    [{ url: "http://h/w", interval: 500 }, "remoteWrite.interval: got 500, expected an integer from 1000 to 3600000"],
    [
      { url: "http://h/w", bufferBytes: 100 },
      "remoteWrite.bufferBytes: got 100, expected an integer from 1024 to 65536",
    ],
    [{ url: "http://h/w", bufferBytes: 1 << 20 }, "remoteWrite.bufferBytes: got 1048576"],
    [
      { url: "http://h/w", labels: { __name__: "x" } },
      'remoteWrite.labels.__name__: got "__name__", expected a label name (Invalid label name "__name__"',
    ],
    [{ url: "http://h/w", labels: { site: "" } }, 'remoteWrite.labels.site: got "", expected a non-empty string'],
    [{ url: "http://h/w", labels: { site: ["a"] } }, 'remoteWrite.labels.site: got ["a"], expected a string'],
    [
      { url: "http://h/w", labels: { site: "a\nb" } },
      'remoteWrite.labels.site: got "a\\nb", expected a value of at most 256 printable',
    ],
    [
      { url: "http://h/w", labels: "site=lab" },
      'remoteWrite.labels: got "site=lab", expected an object of label names',
    ],
    [
      { url: "http://h/w", username: "a:b", password: "p" },
      'remoteWrite.username: got "a:b", expected a user name without',
    ],
    [
      { url: "http://h/w", intervall: 1000 },
      'remoteWrite.intervall: got "<redacted>", expected one of the fields url, interval, bearer, username, password, labels, bufferBytes',
    ],
    [{ interval: 1000 }, "remoteWrite.url: got undefined, expected the receiver's URL"],
    ["[1,2]", 'remoteWrite: got "<redacted>", expected an object like {"url": "http://prometheus:9090/api/v1/write"}'],
  ])("%j", (setting, message) => {
    const problems = problemsOf({ remoteWrite: setting });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test("too many labels", () => {
    const labels = Object.fromEntries(Array.from({ length: PUSH_LIMITS.labels + 1 }, (_, i) => [`l${String(i)}`, "v"]));
    expect(problemsOf({ remoteWrite: { url: "http://h/w", labels } })).toEqual([
      `remoteWrite.labels: got "17 labels", expected at most 16 labels`,
    ]);
  });
});

describe("pushgateway", () => {
  test("the defaults: job and instance = the hostname, 15 s", () => {
    const c = parseConfig({ hostname: "lab-1", pushgateway: { url: "http://gw:9091" } });
    expect(c.pushgateway).toEqual({
      url: { scheme: "http", host: "gw", port: 9091, path: "/" },
      job: "lab-1",
      interval: 15000,
      auth: undefined,
      grouping: { instance: "lab-1" },
    });
  });

  test("job, grouping (an empty value is allowed: the Pushgateway encodes it) and interval", () => {
    const c = parseConfig({
      hostname: "lab-1",
      pushgateway:
        '{"url": "http://gw:9091", "job": "sensors", "grouping": {"room": "a/b", "rack": ""}, "interval": 60000}',
    });
    expect(c.pushgateway).toMatchObject({
      job: "sensors",
      interval: 60000,
      grouping: { instance: "lab-1", room: "a/b", rack: "" },
    });
  });

  test.each([
    [
      { url: "http://gw:9091", grouping: { job: "x" } },
      'pushgateway.grouping.job: got "x", expected no job in grouping',
    ],
    [
      { url: "http://gw:9091", grouping: { __job: "x" } },
      'pushgateway.grouping.__job: got "__job", expected a label name',
    ],
    [{ url: "http://gw:9091", job: "j".repeat(300) }, "pushgateway.job:"],
    [
      { url: "http://gw:9091", job: "a\u0000b" },
      'pushgateway.job: got "a\\u0000b", expected a job of at most 256 printable characters',
    ],
    [{ url: "mailto:x@y" }, "pushgateway.url:"],
    [
      { url: "http://gw:9091", labels: { a: "b" } },
      'pushgateway.labels: got "<redacted>", expected one of the fields url, job, interval, bearer, username, password, grouping',
    ],
  ])("%j", (setting, message) => {
    const problems = problemsOf({ pushgateway: setting });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

test("every problem of both settings and of the rest of the config is listed together", () => {
  const problems = problemsOf({
    port: "x",
    remoteWrite: { url: "ftp://h", interval: 1, bufferBytes: "big" },
    pushgateway: { url: "http://gw:9091", interval: "soon", grouping: { __x: "1" } },
  });
  expect(problems.map((p) => p.split(":")[0])).toEqual([
    "port",
    "remoteWrite.url",
    "remoteWrite.interval",
    "remoteWrite.bufferBytes",
    "pushgateway.grouping.__x",
    "pushgateway.interval",
  ]);
});

describe("secrets are never printed", () => {
  const TOKEN = "tok-SECRET-0123456789";
  const PASSWORD = "pw-SECRET-9876";
  test.each([
    [
      "bearer and basic together",
      { remoteWrite: { url: "http://h/w", bearer: TOKEN, username: "u", password: PASSWORD } },
      'remoteWrite: got {"url":"http://h/w","bearer":"<redacted>","username":"u","password":"<redacted>"}, expected either remoteWrite.bearer or',
    ],
    [
      "a password without a user name",
      { pushgateway: { url: "http://gw:9091", password: PASSWORD } },
      "expected both pushgateway.username and pushgateway.password",
    ],
    [
      "credentials in the URL",
      { remoteWrite: { url: `https://u:${PASSWORD}@h/w?key=${TOKEN}` } },
      'remoteWrite.url: got "https://<redacted>@h/w?<redacted>", expected a URL without user information',
    ],
    [
      "a bad URL with a key in its query",
      { remoteWrite: { url: `ftp://h/w?api_key=${TOKEN}` } },
      'remoteWrite.url: got "ftp://h/w?<redacted>"',
    ],
    [
      "a line break in a token",
      { remoteWrite: { url: "http://h/w", bearer: TOKEN + "\r\nX: y" } },
      'remoteWrite.bearer: got "<redacted>", expected printable characters only',
    ],
    [
      "a bearer that is not a string",
      { remoteWrite: { url: "http://h/w", bearer: { t: TOKEN } } },
      'remoteWrite.bearer: got "<redacted>", expected a string',
    ],
    [
      "a misspelt field holding a secret",
      { remoteWrite: { url: "http://h/w", pasword: PASSWORD } },
      'remoteWrite.pasword: got "<redacted>"',
    ],
    [
      "override text that is not JSON",
      { remoteWrite: `{"url": "http://h/w", "bearer": "${TOKEN}"` },
      'remoteWrite: got "<redacted>", expected JSON text',
    ],
    [
      "override text with a bad interval",
      { remoteWrite: JSON.stringify({ url: "http://h/w", bearer: TOKEN, interval: 5 }) },
      "remoteWrite.interval: got 5",
    ],
  ])("%s", (_what, raw, message) => {
    let error: unknown;
    try {
      parseConfig(raw as Record<string, unknown>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.problems.join("\n")).toContain(message);
    for (const printed of [e.message, ...e.problems, String(e)])
      for (const secret of [TOKEN, PASSWORD, "SECRET"]) expect(printed).not.toContain(secret);
  });
});

test("label names: the configuration accepts one exactly when the metrics library does", () => {
  const libraryAccepts = (name: string): boolean => {
    try {
      new Gauge({ name: "g", help: "h", labelNames: [name], registers: [new Registry()] });
      return true;
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      return false;
    }
  };
  const configAccepts = (name: string): boolean => {
    try {
      parseConfig({ remoteWrite: { url: "http://h/w", labels: { [name]: "v" } } });
      return true;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return false;
    }
  };
  const chars = fc.constantFrom(..."a_Z9.-é :\ud800".split(""));
  fc.assert(
    fc.property(
      fc.array(chars, { minLength: 1, maxLength: 6 }).map((a) => a.join("")),
      (name) => {
        expect(configAccepts(name)).toBe(libraryAccepts(name));
      },
    ),
    { numRuns: 1000 },
  );
  for (const name of ["site", "__name__", "_x", "9a", "a.b"]) expect(configAccepts(name)).toBe(libraryAccepts(name));
});

describe("sntp: the servers the device sets its clock from", () => {
  test("default: the NTP pool", () => {
    expect(parseConfig({}).sntp).toEqual(["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org"]);
  });
  test.each([
    [
      ["ntp.lan", "Pool.NTP.org"],
      ["ntp.lan", "pool.ntp.org"],
    ],
    ["ntp.lan, 192.168.1.1", ["ntp.lan", "192.168.1.1"]],
    ['["time.cloudflare.com"]', ["time.cloudflare.com"]],
  ])("%j", (sntp, servers) => {
    expect(parseConfig({ sntp }).sntp).toEqual(servers);
  });
  test.each([
    [[], "sntp: got [], expected a list of 1 to 4 server names"],
    [["a", "b", "c", "d", "e"], "sntp: got"],
    ["ntp.lan,,pool.ntp.org", 'sntp[1]: got "", expected a host name'],
    [["ntp_lan"], 'sntp[0]: got "ntp_lan", expected a host name of letters'],
    [[123], "sntp[0]: got 123, expected a server name"],
    ["[not json", 'sntp: got "[not json", expected JSON text'],
  ])("%j", (sntp, message) => {
    const problems = problemsOf({ sntp });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

test("the shipped manifest with `npm start -- name=value` overrides (strings, as mcconfig gives them)", () => {
  const raw = loadConfig({
    manifest: path.join(__dirname, "..", "..", "manifest.json"),
    platform: "lin",
    env: {},
    argv: [
      'remoteWrite={"url": "http://127.0.0.1:9090/api/v1/write", "interval": "5000", "labels": {"site": "lab"}}',
      'pushgateway={"url": "http://127.0.0.1:9091", "job": "sensors"}',
      "sntp=ntp.lan,pool.ntp.org",
    ],
  });
  const c = parseConfig(raw);
  expect(c.remoteWrite).toMatchObject({
    url: { host: "127.0.0.1", port: 9090, path: "/api/v1/write" },
    interval: 5000,
    labels: { instance: c.hostname, job: c.hostname, site: "lab" },
  });
  expect(c.pushgateway).toMatchObject({ url: { port: 9091 }, job: "sensors", grouping: { instance: c.hostname } });
  expect(c.sntp).toEqual(["ntp.lan", "pool.ntp.org"]);
  // and without overrides both are off
  const plain = parseConfig(
    loadConfig({ manifest: path.join(__dirname, "..", "..", "manifest.json"), platform: "lin", env: {}, argv: [] }),
  );
  expect(plain.remoteWrite).toBeUndefined();
  expect(plain.pushgateway).toBeUndefined();
});
