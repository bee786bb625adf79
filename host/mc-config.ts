/**
 * Host (Node) implementation of Moddable's `mc/config`: the `config` object that `mcconfig` builds from the
 * manifests, deeply frozen.
 *
 * How mcconfig builds it (Moddable SDK tools/mcmanifest.js and mcconfig.js), reproduced here:
 *  1. Manifests are merged in include order: a manifest's includes (and the `include` of its matching platform
 *     entry) first, depth first, each file once; then the manifest itself.
 *  2. For each manifest: its `config`, then the `config` of the entry of `platforms` that matches the platform
 *     (exact name such as "lin" or "esp32"; for "esp32/<subplatform>" also "esp32/<subplatform>", "esp32/*", and
 *     "*\/<subplatform>"; the "..." entry when nothing else matches).
 *  3. Merging is mcmanifest's `mergeProperties`: for each key of the source, when both the existing and the new
 *     value are non-null objects they are merged recursively — ARRAYS TOO, index by index (a platform's
 *     `sensors: [x]` replaces only element 0 of the base list) — otherwise the new value replaces the old.
 *  4. Command-line `mcconfig ... name=value` arguments set top-level `config[name] = "value"`, always a STRING
 *     (no dotted paths: "a.b=1" sets the key "a.b"), replacing whatever the manifests said.
 *  5. The result is frozen deeply (`Object.freeze(config, true)` in the generated mc/config module).
 *
 * Host inputs:
 *  - the manifest: $MC_MANIFEST if set, else manifest.json at the project root; a missing manifest gives `{}`;
 *    includes are followed when they are plain relative paths; SDK includes ("$(MODDABLE)/...") are skipped;
 *  - the platform: $MC_PLATFORM, default "lin" (the host stands in for the Moddable Linux simulator);
 *  - overrides, each a string exactly as `mcconfig name=value` would deliver it, applied in this order:
 *      environment variables MC_CONFIG_<name>=<value> (name verbatim, case-sensitive: MC_CONFIG_port=9200);
 *      PORT=<n> sets `port`;
 *      command-line arguments name=value after the script (`npm start -- port=9200 path=/m`) — highest precedence.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
export type Config = { readonly [key: string]: any };

export interface LoadOptions {
  /** Manifest path, or an already parsed manifest object (then `directory` resolves its relative includes). */
  manifest?: string | Record<string, unknown>;
  directory?: string;
  /** Platform name, e.g. "lin", "esp32", "esp32/moddable_two". */
  platform?: string;
  /** Environment to read MC_CONFIG_* and PORT from (default: none when `manifest` is given, else process.env). */
  env?: Record<string, string | undefined>;
  /** Command-line style arguments; entries of the form name=value are applied (others ignored). */
  argv?: readonly string[];
}

type Manifest = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

/** mcmanifest.js mergeProperties: recursive for object/object (arrays included), replacement otherwise. */
export function mergeProperties(targets: Record<string, unknown>, sources: unknown): void {
  if (!isObject(sources)) return;
  for (const name of Object.keys(sources)) {
    // own properties only: a "__proto__" key must not reach Object.prototype
    const target = Object.prototype.hasOwnProperty.call(targets, name) ? targets[name] : undefined;
    const source = sources[name];
    if (isObject(target) && isObject(source)) mergeProperties(target, source);
    else setOwn(targets, name, source);
  }
}

function setOwn(object: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
}

/** mcmanifest.js matchPlatform. */
export function matchPlatform(platforms: Record<string, unknown>, name: string): unknown {
  const parts = name.split("/");
  while (parts.length) {
    const partial = parts.join("/");
    for (const n of Object.keys(platforms)) {
      if (n.endsWith("/*")) {
        if (partial.startsWith(n.slice(0, -1))) return platforms[n];
      } else if (n.startsWith("*/")) {
        if (partial.endsWith(n.slice(1))) return platforms[n];
      } else if (partial === n) return platforms[n];
    }
    parts.length -= 1;
  }
  return "..." in platforms ? platforms["..."] : undefined;
}

function deepFreeze<T>(value: T): T {
  if (isObject(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`mc/config: cannot read manifest ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed) || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed;
  } catch (error) {
    throw new Error(`mc/config: invalid manifest ${file}: ${(error as Error).message}`);
  }
}

function includesOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** Build the config as mcconfig would, without overrides. */
function collect(
  manifest: Manifest,
  directory: string,
  platform: string,
  seen: Set<string>,
  config: Record<string, unknown>,
): void {
  const platforms = isObject(manifest.platforms) ? manifest.platforms : undefined;
  const platformEntry = platforms ? matchPlatform(platforms, platform) : undefined;
  const includes = [
    ...includesOf(manifest.include),
    ...(isObject(platformEntry) ? includesOf(platformEntry.include) : []),
  ];
  for (const include of includes) {
    if (include.includes("$(")) continue; // SDK manifests are not available on the host
    const file = path.resolve(directory, include);
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) throw new Error(`mc/config: included manifest not found: ${file}`);
    collect(readManifest(file), path.dirname(file), platform, seen, config);
  }
  mergeProperties(config, manifest.config);
  if (isObject(platformEntry)) mergeProperties(config, platformEntry.config);
}

/** Apply `name=value` overrides (values stay strings, as from mcconfig's command line). */
export function applyOverrides(
  config: Record<string, unknown>,
  options: { env?: Record<string, string | undefined>; argv?: readonly string[] },
): void {
  const env = options.env ?? {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (!key.startsWith("MC_CONFIG_") || value === undefined) continue;
    const name = key.slice("MC_CONFIG_".length);
    if (name) setOwn(config, name, value);
  }
  if (env.PORT !== undefined && env.PORT !== "") setOwn(config, "port", env.PORT);
  for (const arg of options.argv ?? []) {
    const equals = arg.indexOf("=");
    if (equals <= 0 || arg.startsWith("-")) continue;
    setOwn(config, arg.slice(0, equals), arg.slice(equals + 1));
  }
}

/** The config object, deeply frozen, built from a manifest, a platform and overrides. */
export function loadConfig(options: LoadOptions = {}): Config {
  let manifest: Manifest;
  let directory: string;
  const seen = new Set<string>();
  if (isObject(options.manifest)) {
    manifest = JSON.parse(JSON.stringify(options.manifest)) as Manifest;
    directory = options.directory ?? process.cwd();
  } else {
    const file = path.resolve(options.manifest ?? defaultManifestPath());
    directory = path.dirname(file);
    seen.add(file);
    manifest = existsSync(file) ? readManifest(file) : {};
  }
  const config: Record<string, unknown> = {};
  collect(manifest, directory, options.platform ?? "lin", seen, config);
  applyOverrides(config, { env: options.env, argv: options.argv });
  return deepFreeze(config);
}

/** Project root: this file's parent directory under CommonJS (jest); under the ESM loader, set by register.mjs. */
function projectRoot(): string {
  if (typeof __dirname === "string") return path.resolve(__dirname, "..");
  const fromLoader = (globalThis as Record<symbol, unknown>)[Symbol.for("moddable-prometheus.root")];
  return typeof fromLoader === "string" ? fromLoader : process.cwd();
}

function defaultManifestPath(): string {
  return process.env.MC_MANIFEST || path.join(projectRoot(), "manifest.json");
}

const config: Config = loadConfig({
  platform: process.env.MC_PLATFORM || "lin",
  env: process.env,
  argv: process.argv.slice(2),
});

export default config;
