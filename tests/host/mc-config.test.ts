/** host `mc/config`: the manifest's config as mcconfig builds it, deeply frozen, with string overrides. */
import * as path from "node:path";
import config from "mc/config";
import { loadConfig, matchPlatform, mergeProperties } from "../../host/mc-config";

const fixture = path.join(__dirname, "fixtures", "manifests", "manifest.json");

test("the default export is a deeply frozen object", () => {
  expect(typeof config).toBe("object");
  expect(Object.isFrozen(config)).toBe(true);
  for (const value of Object.values(config))
    if (value && typeof value === "object") expect(Object.isFrozen(value)).toBe(true);
});

test("base config, then the matching platform's config, merged recursively", () => {
  const manifest = {
    config: { port: 9100, i2c: { data: 13, clock: 16, hz: 100000 }, path: "/metrics" },
    platforms: { esp32: { config: { i2c: { hz: 400000 } } }, lin: { config: { port: 9200, sim: true } } },
  };
  expect(loadConfig({ manifest, platform: "esp32" })).toEqual({
    port: 9100,
    i2c: { data: 13, clock: 16, hz: 400000 },
    path: "/metrics",
  });
  expect(loadConfig({ manifest, platform: "lin" })).toEqual({
    port: 9200,
    sim: true,
    i2c: { data: 13, clock: 16, hz: 100000 },
    path: "/metrics",
  });
  expect(loadConfig({ manifest, platform: "mac" })).toEqual(manifest.config);
  expect(loadConfig({ manifest, platform: "esp32/moddable_two" }).i2c.hz).toBe(400000); // falls back to "esp32"
});

test("arrays merge index by index (mcmanifest mergeProperties), null replaces", () => {
  const manifest = {
    config: {
      sensors: [
        { model: "si7021", address: 64 },
        { model: "bme680", address: 119 },
      ],
      auth: { bearer: "x" },
    },
    platforms: { lin: { config: { sensors: [{ name: "sim" }], auth: null } } },
  };
  expect(loadConfig({ manifest, platform: "lin" })).toEqual({
    sensors: [
      { model: "si7021", address: 64, name: "sim" },
      { model: "bme680", address: 119 },
    ],
    auth: null,
  });
});

test("platform matching: exact, prefix/*, */suffix, then '...'", () => {
  const platforms = { "esp32/*": "a", "*/m5stack": "b", lin: "c", "...": "d" };
  expect(matchPlatform(platforms, "esp32/kaluga")).toBe("a");
  expect(matchPlatform(platforms, "esp32")).toBe("d"); // "esp32/*" needs a sub-platform
  expect(matchPlatform(platforms, "esp/m5stack")).toBe("b");
  expect(matchPlatform(platforms, "lin")).toBe("c");
  expect(matchPlatform(platforms, "win")).toBe("d");
  expect(matchPlatform({ lin: 1 }, "win")).toBeUndefined();
});

test("includes come first (depth first, platform includes too); SDK includes are skipped", () => {
  expect(loadConfig({ manifest: fixture, platform: "lin" })).toEqual({
    name: "main",
    namespace: "common",
    sensors: [{ model: "si7021" }],
    simulated: true,
    port: 9200,
    i2c: { data: 13, clock: 16 },
  });
  expect(loadConfig({ manifest: fixture, platform: "esp32" })).toEqual({
    name: "main",
    namespace: "common",
    sensors: [{ model: "si7021" }],
    port: 9100,
    i2c: { data: 13, clock: 16, hz: 400000 },
  });
});

test("the result is deeply frozen: assignments throw in strict code", () => {
  const c = loadConfig({ manifest: fixture, platform: "lin" });
  expect(() => {
    (c as any).port = 1;
  }).toThrow(TypeError);
  expect(() => {
    (c as any).i2c.data = 1;
  }).toThrow(TypeError);
  expect(() => {
    (c as any).sensors.push({});
  }).toThrow(TypeError);
  expect(() => {
    (c as any).sensors[0].model = "x";
  }).toThrow(TypeError);
});

test("overrides arrive as strings: MC_CONFIG_<name>, then PORT, then name=value arguments", () => {
  const manifest = { config: { port: 9100, path: "/metrics", i2c: { hz: 100000 } } };
  const env = { MC_CONFIG_port: "9200", MC_CONFIG_i2c: "off", MC_CONFIG_sampleInterval: "1000", OTHER: "x" };
  expect(loadConfig({ manifest, env })).toEqual({ port: "9200", path: "/metrics", i2c: "off", sampleInterval: "1000" });
  expect(loadConfig({ manifest, env: { ...env, PORT: "9300" } }).port).toBe("9300");
  const c = loadConfig({
    manifest,
    env: { PORT: "9300" },
    argv: ["port=9400", "path=/a=b", "--flag=1", "plain", "=x", "a.b=1"],
  });
  expect(c).toEqual({ port: "9400", path: "/a=b", i2c: { hz: 100000 }, "a.b": "1" });
  expect(loadConfig({ manifest, env: { PORT: "" } }).port).toBe(9100);
});

test("a missing manifest gives {}; an invalid one a clear error", () => {
  expect(loadConfig({ manifest: path.join(__dirname, "no-such-manifest.json") })).toEqual({});
  expect(() => loadConfig({ manifest: path.join(__dirname, "fixtures", "helper.ts") })).toThrow(
    /invalid manifest .*helper\.ts/,
  );
  expect(() => loadConfig({ manifest: { include: "./missing.json" }, directory: __dirname })).toThrow(
    /included manifest not found/,
  );
});

test("mergeProperties never writes through __proto__", () => {
  const target: Record<string, unknown> = {};
  mergeProperties(target, JSON.parse('{"__proto__": {"polluted": 1}}'));
  expect(({} as any).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(target, "__proto__")).toBe(true);
});
