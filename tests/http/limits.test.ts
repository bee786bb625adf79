/**
 * Server limits are defined once (modules/http/limits.ts, modules/promhttp/limits.ts): the server rejects what the configuration rejects,
 * with a clear error, instead of silently clamping it; and both accept the same values.
 */
import fc from "fast-check";
import { MetricsServer, type MetricsServerOptions } from "../../modules/promhttp/server";
import { parseConfig, ConfigError } from "../../modules/app/config";
import { MAX_CONNECTIONS, PORT } from "../../modules/http/limits";
import { PATH_MAX } from "../../modules/promhttp/limits";
import { pathProblem } from "../../modules/promhttp/path";
import { Registry } from "../../modules/client/index";

const registry = new Registry();

function serverAccepts(options: Partial<MetricsServerOptions>): boolean {
  try {
    new MetricsServer({ registry, ...options }); // constructing does not listen
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^(HttpServer|MetricsHandler): (\w+ must be |path .*: expected )/);
    return false;
  }
}

function configAccepts(raw: Record<string, unknown>): boolean {
  try {
    parseConfig(raw);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return false;
  }
}

describe("server limits, one rule for the server and the configuration", () => {
  test("out-of-range server options throw a RangeError naming the option, the value and the range", () => {
    expect(() => new MetricsServer({ registry, maxConnections: 33 })).toThrow(
      "HttpServer: maxConnections must be an integer from 1 to 32, got 33",
    );
    expect(() => new MetricsServer({ registry, maxConnections: 0 })).toThrow(
      /maxConnections must be an integer from 1 to 32, got 0/,
    );
    expect(() => new MetricsServer({ registry, maxConnections: 2.5 })).toThrow(/maxConnections/);
    expect(() => new MetricsServer({ registry, chunkSize: 100 })).toThrow(
      "HttpServer: chunkSize must be an integer from 512 to 16384, got 100",
    );
    expect(() => new MetricsServer({ registry, idleTimeout: 0 })).toThrow(/idleTimeout must be an integer from 10/);
    expect(() => new MetricsServer({ registry, requestTimeout: 1e9 })).toThrow(/requestTimeout/);
    expect(() => new MetricsServer({ registry, port: 70000 })).toThrow(
      /port must be an integer from 1 to 65535, got 70000/,
    );
    expect(() => new MetricsServer({ registry, port: "9100" as unknown as number })).toThrow(/port/);
    expect(() => new MetricsServer({ registry, path: "/a b" })).toThrow("expected an absolute URL path like /metrics");
    expect(() => new MetricsServer({ registry, path: "/-/healthy" })).toThrow(/path "\/-\/healthy": expected/);
    // defaults and port 0 (any free port) are fine
    expect(new MetricsServer({ registry }).http.maxConnections).toBe(MAX_CONNECTIONS.default);
    expect(new MetricsServer({ registry, port: 0 }).http.port).toBe(0);
  });

  test("maxConnections and port: the server accepts exactly what the configuration accepts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -5, max: 80 }), fc.double({ min: -5, max: 80, noNaN: true })), (n) => {
        expect(serverAccepts({ maxConnections: n })).toBe(configAccepts({ maxConnections: n }));
      }),
      { numRuns: 300 },
    );
    for (const port of [-1, 0.5, 1, 80, 9100, PORT.max, PORT.max + 1])
      expect(serverAccepts({ port })).toBe(configAccepts({ port }));
  });

  test("path: the server accepts exactly what the configuration accepts", () => {
    const chars = fc.constantFrom(..."/aZ09-._~!$&'()*+,;=:@%?# \t\u00e9\u0000");
    const paths = fc.oneof(
      fc.array(chars, { maxLength: PATH_MAX + 4 }).map((a) => a.join("")),
      fc.array(chars, { maxLength: PATH_MAX + 4 }).map((a) => "/" + a.join("")),
      fc.constantFrom("/", "/-/healthy", "/metrics", "/" + "m".repeat(PATH_MAX - 1), "/" + "m".repeat(PATH_MAX)),
    );
    fc.assert(
      fc.property(paths, (path) => {
        const accepted = pathProblem(path) === undefined;
        expect(serverAccepts({ path })).toBe(accepted);
        // the configuration trims surrounding white space before checking
        if (path.trim() === path) expect(configAccepts({ path })).toBe(accepted);
      }),
      { numRuns: 1000 },
    );
  });
});
