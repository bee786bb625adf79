/**
 * One rule per setting: what the configuration accepts is exactly what the module that uses the setting accepts.
 * The metrics path is the handler's rule (modules/promhttp/path.ts), the metric name prefix the sensor bridge's
 * (sensors/bridge.ts); the configuration imports both. Each candidate below is checked both ways, and fast-check adds
 * random strings over the characters where the rules used to differ.
 */
import fc from "fast-check";
import { ConfigError, parseConfig } from "../../modules/app/config";
import { MetricsServer } from "../../modules/promhttp/server";
import { SensorBridge } from "../../sensors/bridge";
import { Registry } from "../../modules/client/index";

function configAccepts(raw: Record<string, unknown>): boolean {
  try {
    parseConfig(raw);
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return false;
  }
}

function serverAccepts(path: string): boolean {
  try {
    new MetricsServer({ registry: new Registry(), path });
    return true;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return false;
  }
}

function bridgeAccepts(namespace: string): boolean {
  try {
    new SensorBridge({ registry: new Registry(), namespace });
    return true;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return false;
  }
}

describe("the metrics path: the configuration and the server apply one rule", () => {
  const candidates: [string, boolean][] = [
    ["/metrics", true],
    ["/probe/esp32-poe_1.metrics", true],
    ["/a:b@c;d=e,f+g*h(i)j'k&l$m!n~o", true],
    ["/m%2Fx", true],
    ["/" + "m".repeat(63), true], // 64 characters: what the request parser keeps
    ["/" + "m".repeat(64), false],
    ["/", false],
    ["/-/healthy", false],
    ["metrics", false],
    ["", false],
    ["/a b", false],
    ["/metrics?x=1", false],
    ["/metrics#top", false],
    ['/a"b', false], // the server used to accept these: a client percent-encodes them, so no request could match
    ["/a{b}", false],
    ["/a[0]", false],
    ["/a|b", false],
    ["/a\\b", false],
    ["/a^b", false],
    ["/a`b", false],
    ["/a<b>", false],
    ["/%zz", false], // '%' must start an escape
    ["/m%2", false],
    ["/é", false],
    ["/a\u0000", false],
  ];
  test.each(candidates)("%j: usable = %s, for both", (path, usable) => {
    expect({ config: configAccepts({ path }), server: serverAccepts(path) }).toEqual({
      config: usable,
      server: usable,
    });
  });

  test("random paths: the configuration accepts a path exactly when the server does", () => {
    const chars = fc.constantFrom(..."/am09-._~!$&'()*+,;=:@%2fF\"<>[]{}|\\^` ?#é\u0007".split(""));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 70 }).map((a) => "/" + a.join("")),
        (path) => {
          // the configuration trims its settings; the server gets the trimmed value
          expect(configAccepts({ path })).toBe(serverAccepts(path.trim()));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("the configuration reports the server's reason", () => {
    expect(() => parseConfig({ path: '/a"b' })).toThrow(
      /path: got "\/a\\"b", expected an absolute URL path like \/metrics/,
    );
    expect(() => new MetricsServer({ registry: new Registry(), path: '/a"b' })).toThrow(
      /path "\/a\\"b": expected an absolute URL path like \/metrics/,
    );
  });
});

describe("the metric name prefix (namespace): the configuration and the sensor bridge apply one rule", () => {
  const candidates: [string, boolean][] = [
    ["", true],
    ["office", true],
    ["_x:y_9", true],
    ["a".repeat(32), true],
    ["a".repeat(33), false], // the bridge used to accept it, the configuration not
    ["9lives", false],
    ["bad-name", false],
    ["é", false],
    ["a b", false],
  ];
  test.each(candidates)("%j: usable = %s, for both", (namespace, usable) => {
    expect({ config: configAccepts({ namespace }), bridge: bridgeAccepts(namespace) }).toEqual({
      config: usable,
      bridge: usable,
    });
  });

  test("random prefixes: the configuration accepts one exactly when the bridge does", () => {
    const chars = fc.constantFrom(..."aZ_:09-. é".split(""));
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 40 }).map((a) => a.join("")),
        (namespace) => {
          // the configuration trims its settings; the bridge gets the trimmed value
          expect(configAccepts({ namespace })).toBe(bridgeAccepts(namespace.trim()));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
