import { readFileSync } from "node:fs";
import { ConfigError, parseConfig, defaults } from "../../modules/app/config";

const manifest = JSON.parse(readFileSync(new URL("../../manifest.json", `file://${__filename}`), "utf8"));

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    Object.values(o as object).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

describe("config: the manifest's settings", () => {
  test("the shipped manifest config (deeply frozen, as mc/config is) is valid", () => {
    const c = parseConfig(deepFreeze(structuredClone(manifest.config)));
    expect(c.port).toBe(9100);
    expect(c.path).toBe("/metrics");
    expect(c.hostname).toBe("esp32-poe");
    expect(c.staticAddress).toBeUndefined();
    expect(c.i2c).toEqual({ data: 13, clock: 16, hz: 100000, port: undefined });
    expect(c.sensors).toEqual([
      { model: "si7021", address: 0x40, name: "office" },
      { model: "bme680", address: 0x77, name: "lab" },
    ]);
    expect(c.auth).toBeUndefined(); // empty strings = off
    expect(c.mdns).toBe(true);
  });

  test("every platform's config merged over the base is valid", () => {
    for (const platform of ["esp32", "lin"]) {
      const c = parseConfig({ ...manifest.config, ...manifest.platforms[platform].config });
      expect(c.board).toBe(manifest.platforms[platform].config.board);
    }
  });

  test("an empty config gives the documented defaults", () => {
    const c = parseConfig({});
    expect(c.port).toBe(defaults.port);
    expect(c.sampleInterval).toBe(defaults.sampleInterval);
    expect(c.maxConnections).toBe(defaults.maxConnections);
    expect(c.sensors).toEqual([]);
  });
});

describe("config: mcconfig name=value overrides arrive as strings", () => {
  test("numbers, booleans, hex addresses and JSON objects from strings", () => {
    const c = parseConfig({
      port: "9200",
      sampleInterval: "1000",
      maxConnections: "4",
      mdns: "false",
      i2c: '{"data": "21", "clock": 22, "hz": "400000"}',
      sensors: '[{"model": "SI7021", "address": "0x40", "name": " desk "}]',
      auth: '{"bearer": "s3cret-token"}',
    });
    expect(c.port).toBe(9200);
    expect(c.sampleInterval).toBe(1000);
    expect(c.maxConnections).toBe(4);
    expect(c.mdns).toBe(false);
    expect(c.i2c).toEqual({ data: 21, clock: 22, hz: 400000, port: undefined });
    expect(c.sensors).toEqual([{ model: "si7021", address: 0x40, name: "desk" }]);
    expect(c.auth).toEqual({ bearer: "s3cret-token" });
  });

  test("a static address with mask, gateway and DNS", () => {
    const c = parseConfig({
      address: "192.168.1.50",
      mask: "255.255.255.0",
      gateway: "192.168.1.1",
      dns: "192.168.1.1",
    });
    expect(c.staticAddress).toEqual({
      address: "192.168.1.50",
      mask: "255.255.255.0",
      gateway: "192.168.1.1",
      dns: "192.168.1.1",
    });
    expect(parseConfig({ address: "DHCP" }).staticAddress).toBeUndefined();
  });

  test("basic auth needs both parts", () => {
    expect(parseConfig({ auth: { username: "prom", password: "pw" } }).auth).toEqual({
      username: "prom",
      password: "pw",
    });
    expect(problemsOf({ auth: { username: "prom" } })).toEqual([
      expect.stringContaining("both auth.username and auth.password"),
    ]);
  });
});

describe("config: invalid settings give one clear error listing every problem", () => {
  test.each([
    [{ port: "abc" }, 'port: got "abc", expected an integer from 1 to 65535'],
    [{ port: 70000 }, "port: got 70000, expected an integer from 1 to 65535"],
    [{ port: 12.5 }, "port: got 12.5"],
    [{ path: "metrics" }, 'path: got "metrics", expected an absolute URL path'],
    [{ path: "/" }, 'path: got "/", expected a path other than /'],
    [{ path: "/a b" }, 'path: got "/a b"'],
    [{ hostname: "my_device" }, 'hostname: got "my_device"'],
    [{ hostname: "a.b" }, 'hostname: got "a.b"'],
    [{ hostname: "-x" }, "hostname:"],
    [{ address: "192.168.1.300", mask: "255.255.255.0", gateway: "192.168.1.1" }, 'address: got "192.168.1.300"'],
    [
      { address: "10.0.0.2", mask: "255.0.255.0", gateway: "10.0.0.1" },
      'mask: got "255.0.255.0", expected a contiguous netmask',
    ],
    [{ address: "10.0.0.2", mask: "255.0.0.0" }, "gateway: got undefined, expected an IPv4 address"],
    [{ i2c: { data: 13, clock: 13 } }, "i2c.clock: got 13, expected a pin different from i2c.data"],
    [{ i2c: { data: 13, clock: 16, hz: 5 } }, "i2c.hz: got 5"],
    [{ i2c: "{not json" }, 'i2c: got "{not json", expected JSON text'],
    [{ sensors: { model: "si7021" } }, "sensors: got"],
    [
      { sensors: [{ model: "dht22", address: 64, name: "x" }] },
      'sensors[0].model: got "dht22", expected one of si7021, bme680, bme688',
    ],
    [
      { sensors: [{ model: "si7021", address: 0x80, name: "x" }] },
      "sensors[0].address: got 128, expected 0x40 (the only address of the Si7021)",
    ],
    [
      { sensors: [{ model: "bme680", address: 0x40, name: "x" }] },
      "sensors[0].address: got 64, expected 0x76 or 0x77 (the addresses of the BME680/BME688)",
    ],
    [
      { sensors: [{ model: "bme688", address: "0x75", name: "x" }] },
      'sensors[0].address: got "0x75", expected 0x76 or 0x77',
    ],
    [{ sensors: [{ model: "si7021", address: "forty", name: "x" }] }, 'sensors[0].address: got "forty", expected 0x40'],
    [{ sensors: [{ model: "si7021", address: 64, name: "" }] }, "sensors[0].name:"],
    [
      {
        sensors: [
          { model: "bme680", address: 0x77, name: "a" },
          { model: "bme688", address: "0x77", name: "b" },
        ],
      },
      'sensors[1].address: got "0x77", expected an address not used by another sensor',
    ],
    [
      {
        sensors: [
          { model: "si7021", address: 64, name: "a" },
          { model: "bme680", address: 0x77, name: "a" },
        ],
      },
      'sensors[1].name: got "a", expected a name not used by another sensor',
    ],
    [{ sampleInterval: 10 }, "sampleInterval: got 10, expected an integer from 250 to 3600000"],
    [{ namespace: "9lives" }, 'namespace: got "9lives"'],
    [{ maxConnections: 0 }, "maxConnections: got 0"],
    [{ mdns: "maybe" }, 'mdns: got "maybe", expected true or false'],
    [{ auth: { bearer: "short" } }, 'auth.bearer: got "<redacted>", expected a token of at least 8 characters'],
  ])("%j", (raw, message) => {
    const problems = problemsOf(raw as Record<string, unknown>);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test("several problems are reported together, in the error message too", () => {
    let error: unknown;
    try {
      parseConfig({ port: "0", path: "x", hostname: "", sampleInterval: "fast" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.problems.map((p) => p.split(":")[0])).toEqual(["hostname", "port", "path", "sampleInterval"]);
    for (const p of e.problems) expect(e.message).toContain(p);
    expect(e.message).toMatch(/^invalid configuration/);
  });

  test("a secret is never echoed in an error", () => {
    const problems = problemsOf({ auth: { bearer: "abc" } });
    expect(problems.join("\n")).not.toContain("abc");
  });

  describe("secrets are never printed: every problem shows auth redacted, with the fields that are set", () => {
    const TOKEN = "tok-SECRET-0123456789";
    const PASSWORD = "pw-SECRET-9876";
    test.each([
      [
        "a bearer and a password without a user name",
        { auth: { bearer: TOKEN, password: PASSWORD } },
        'auth: got {"bearer":"<redacted>","password":"<redacted>"}, expected both auth.username and auth.password',
      ],
      [
        "the same as JSON text (an mcconfig override)",
        { auth: JSON.stringify({ bearer: TOKEN, password: PASSWORD }) },
        'auth: got {"bearer":"<redacted>","password":"<redacted>"}, expected both',
      ],
      [
        "a password with an empty user name: every field is named (nothing cut off)",
        { auth: { bearer: TOKEN, username: "", password: PASSWORD } },
        'auth: got {"bearer":"<redacted>","username":"","password":"<redacted>"}, expected both',
      ],
      [
        "a user name with ':' (the user name is shown, it is not a secret)",
        { auth: { bearer: TOKEN, username: "prom:etheus", password: PASSWORD } },
        'auth.username: got "prom:etheus", expected a user name without',
      ],
      [
        "JSON text that does not parse",
        { auth: `{"bearer": "${TOKEN}", "password": "${PASSWORD}"` },
        'auth: got "<redacted>", expected JSON text',
      ],
      [
        "a token given as plain text instead of an object",
        { auth: TOKEN + PASSWORD },
        'auth: got "<redacted>", expected JSON text',
      ],
      ["an array", { auth: [TOKEN, PASSWORD] }, 'auth: got "<redacted>", expected an object'],
      [
        "a bearer that is not a string",
        { auth: { bearer: { token: TOKEN }, username: "u", password: PASSWORD } },
        'auth.bearer: got "<redacted>", expected a string',
      ],
      [
        "a password that is not a string",
        { auth: { username: "u", password: [PASSWORD] } },
        'auth.password: got "<redacted>", expected a string',
      ],
      [
        "a short bearer",
        { auth: { bearer: TOKEN.slice(0, 7), password: PASSWORD } },
        'auth.bearer: got "<redacted>", expected a token of at least 8',
      ],
    ])("%s", (_what, raw, message) => {
      let error: unknown;
      try {
        parseConfig({ port: "nine", ...raw } as Record<string, unknown>);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.problems.join("\n")).toContain(message);
      for (const printed of [e.message, ...e.problems, String(e)]) {
        for (const secret of [TOKEN, PASSWORD, TOKEN.slice(0, 7), "SECRET"]) expect(printed).not.toContain(secret);
      }
    });

    test("a complete auth whose other settings are wrong: the problems do not mention auth at all", () => {
      const problems = problemsOf({ port: "nine", auth: { bearer: TOKEN, username: "u", password: PASSWORD } });
      expect(problems).toEqual(['port: got "nine", expected an integer from 1 to 65535']);
    });
  });

  test("a config that is not an object", () => {
    expect(() => parseConfig(null as unknown as Record<string, unknown>)).toThrow(ConfigError);
  });
});

describe("config: errors on a frozen Error.prototype (a Moddable build that preloads the module)", () => {
  test("ConfigError is still constructed with its name", () => {
    Object.freeze(Error.prototype); // this test file's own realm only
    let error: unknown;
    try {
      parseConfig({ port: "x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe("ConfigError");
    expect((error as ConfigError).problems).toHaveLength(1);
  });
});
