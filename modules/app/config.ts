/**
 * The application's settings: the manifest's `config` (module `mc/config`), validated once at start-up.
 *
 * `mcconfig name=value` overrides replace TOP-LEVEL keys only and always arrive as strings, so every setting accepts
 * its natural JSON type or a string form of it:
 *   numbers   "9100", "0x40"            booleans  "true" / "false" / "1" / "0" / "yes" / "no"
 *   objects and arrays (i2c, sensors, auth): JSON text, e.g.  sensors='[{"model":"si7021","address":64,"name":"desk"}]'
 * Problems are collected, not thrown one by one: `parseConfig` throws a single `ConfigError` that lists every bad
 * setting with its key, the value it got and what is allowed, so one start-up shows the user everything to fix.
 * Secrets are never in a message: `auth` is shown with every value but the user name replaced by "<redacted>";
 * `remoteWrite` and `pushgateway` with their secrets (bearer, password, any unknown field) replaced and the URL's
 * query and user information hidden (see redactPush).
 *
 * Runs only at start-up. Safe to preload: no module-level state is written after load (regexes are made lazily).
 * Rules that other modules enforce too are theirs, imported: the metrics path (modules/promhttp/path.ts) and the metric
 * name prefix (sensors/bridge.ts).
 */
import { SENSOR_MODEL_NAMES, builtInModel, modelAddress } from "../../sensors/models";
import { PORT, MAX_CONNECTIONS } from "../http/limits";
import { DEFAULT_PATH } from "../promhttp/limits";
import { pathProblem } from "../promhttp/path";
import { namespaceProblem } from "../../sensors/bridge";
import { checkLabelName } from "../metrics/validation";
import { hostProblem, parseUrl, redactUrl, type PushUrl } from "../push/url";
import { DEFAULT_SNTP_SERVERS } from "../time/clock";

export interface SensorSetting {
  /** driver model: one of SENSOR_MODEL_NAMES (sensors/models.ts), e.g. "si7021", "bme680" */
  model: string;
  /** 7-bit I2C address */
  address: number;
  /** user-given name, exported as the `sensor` label */
  name: string;
}

export interface StaticAddress {
  address: string;
  mask: string;
  gateway: string;
  /** DNS server, optional */
  dns: string | undefined;
}

export interface AuthSetting {
  bearer?: string;
  username?: string;
  password?: string;
}

/** Credentials the device sends to a receiver: a bearer token, or basic auth, or none. */
export interface PushAuth {
  bearer?: string;
  username?: string;
  password?: string;
}

/** Prometheus remote write (off when the setting is absent or its url is empty). */
export interface RemoteWriteSetting {
  url: PushUrl;
  /** ms between samples taken for remote write */
  interval: number;
  auth: PushAuth | undefined;
  /** external labels added to every series: instance and job default to the hostname */
  labels: Record<string, string>;
  /** byte budget of the store-and-forward buffer */
  bufferBytes: number;
}

/** Pushgateway (off when the setting is absent or its url is empty). */
export interface PushgatewaySetting {
  url: PushUrl;
  /** the `job` of the group (default: the hostname) */
  job: string;
  /** ms between pushes */
  interval: number;
  auth: PushAuth | undefined;
  /** the rest of the grouping key: instance defaults to the hostname */
  grouping: Record<string, string>;
}

export interface AppConfig {
  /** project version, shown in build info and on the landing page */
  version: string;
  /** Moddable SDK version the firmware was built with ("unknown" when the build did not say) */
  moddable: string;
  /** board name, shown in build info and on the landing page */
  board: string;
  /** DNS-SD/mDNS host name (<hostname>.local) and DHCP host name */
  hostname: string;
  port: number;
  path: string;
  /** undefined = DHCP */
  staticAddress: StaticAddress | undefined;
  i2c: { data: number; clock: number; hz: number; port: number | undefined };
  sensors: SensorSetting[];
  /** sensor sampling interval, ms */
  sampleInterval: number;
  /** metric name prefix for sensor metrics ("" = none) */
  namespace: string;
  auth: AuthSetting | undefined;
  maxConnections: number;
  /** advertise `_prometheus-http._tcp` over mDNS */
  mdns: boolean;
  /** SNTP servers the device sets its clock from, in order (the host and the simulator use the system clock) */
  sntp: string[];
  /** undefined = off */
  remoteWrite: RemoteWriteSetting | undefined;
  /** undefined = off */
  pushgateway: PushgatewaySetting | undefined;
}

export class ConfigError extends Error {
  // a class field (defined, not assigned): assigning `this.name` throws when Error.prototype is frozen, as it is in
  // a Moddable build that preloads this module
  override readonly name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super('invalid configuration (manifest.json "config" or mcconfig name=value):\n  - ' + problems.join("\n  - "));
    this.problems = problems;
  }
}

export const defaults = {
  version: "0.0.0",
  moddable: "unknown",
  board: "unknown",
  hostname: "prometheus-exporter",
  port: PORT.default,
  path: DEFAULT_PATH,
  address: "dhcp",
  i2c: { data: 13, clock: 16, hz: 100000 },
  sensors: [] as SensorSetting[],
  sampleInterval: 5000,
  namespace: "",
  maxConnections: MAX_CONNECTIONS.default,
  mdns: true,
  pushInterval: 15000,
  bufferBytes: 16384,
} as const;

/** Ranges of the push settings. */
export const PUSH_LIMITS = {
  /** ms between pushes or remote-write samples */
  interval: { min: 1000, max: 3600000 },
  /** store-and-forward buffer: at least a few batches, at most what an ESP32's heap can spare */
  bufferBytes: { min: 1024, max: 65536 },
  /** external labels or grouping labels */
  labels: 16,
  /** characters of a label value */
  labelValue: 256,
} as const;

/** The sensor models the configuration accepts: the table in sensors/models.ts (also used by the drivers). */
export const KNOWN_MODELS: readonly string[] = SENSOR_MODEL_NAMES;

// Created on first use, not at module level: a regex object made at module load lives in flash when the module is
// preloaded, and XS crashes writing its match cache there. Once created, they are reused (no per-call compilation).
let patterns: { hostname: RegExp; ipv4: RegExp; sensorName: RegExp; hex: RegExp; decimal: RegExp } | undefined;
function re(): NonNullable<typeof patterns> {
  return (patterns ??= {
    hostname: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    ipv4: /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a sensor name must not contain control characters
    sensorName: /^[^\u0000-\u001f\u007f]{1,32}$/,
    hex: /^0x[0-9a-f]+$/i,
    decimal: /^[+-]?\d+$/,
  });
}

function show(value: unknown, max = 60): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > max ? s.slice(0, max - 3) + "..." : s;
  } catch {
    return String(value);
  }
}

/** Shown in place of a secret. */
export const REDACTED = "<redacted>";

/**
 * `auth` (an object, or the JSON text an mcconfig override gives) as it may be printed: every value is replaced by
 * "<redacted>" except the user name, so a message still tells which fields are set. Text that is not JSON, and any
 * other value, is hidden whole (it may be a token pasted in the wrong place).
 */
export function redactAuth(value: unknown): unknown {
  return redactSetting(value, redactAuthFields);
}

/**
 * A secret-bearing setting as it may be printed: undefined, null, booleans and blank text as they are; JSON text of
 * an object (an mcconfig override) and an object through `fields`; anything else hidden whole.
 */
function redactSetting(value: unknown, fields: (value: Record<string, unknown>) => unknown): unknown {
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (value.trim() === "") return value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return REDACTED;
    }
    return isRecord(parsed) ? fields(parsed) : REDACTED;
  }
  return isRecord(value) ? fields(value) : REDACTED;
}

function redactAuthFields(value: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    out[key] = key === "username" && typeof v === "string" ? v : REDACTED;
  }
  return out;
}

const REMOTE_WRITE_FIELDS = ["url", "interval", "bearer", "username", "password", "labels", "bufferBytes"];
const PUSHGATEWAY_FIELDS = ["url", "job", "interval", "bearer", "username", "password", "grouping"];
/** fields of remoteWrite and pushgateway shown as given in a message (the url with its query hidden) */
const SHOWN_FIELDS: Record<string, readonly string[]> = {
  remoteWrite: ["interval", "username", "labels", "bufferBytes"],
  pushgateway: ["job", "interval", "username", "grouping"],
};

/**
 * `remoteWrite` or `pushgateway` (an object, or the JSON text an mcconfig override gives) as it may be printed: the
 * url with user information and query hidden, the fields in SHOWN_FIELDS[setting] as given, every other value
 * (bearer, password, misspelt fields that may hold a secret) "<redacted>". Text that is not a JSON object is hidden
 * whole.
 */
export function redactPush(value: unknown, setting: "remoteWrite" | "pushgateway"): unknown {
  return redactSetting(value, (fields) => redactPushFields(fields, setting));
}

function redactPushFields(value: Record<string, unknown>, setting: "remoteWrite" | "pushgateway"): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    out[key] =
      key === "url" && typeof v === "string" ? redactUrl(v) : SHOWN_FIELDS[setting]?.includes(key) ? v : REDACTED;
  }
  return out;
}

class Reader {
  readonly problems: string[] = [];
  constructor(readonly raw: Record<string, unknown>) {}

  /** Records a problem. Values of `auth` and `auth.*` are never printed as given (see redactAuth), nor the secrets of
   *  `remoteWrite` and `pushgateway` (see redactPush). */
  problem(key: string, value: unknown, expected: string): undefined {
    let shown = value;
    let max = 60;
    const dot = key.indexOf(".");
    const setting = dot < 0 ? key : key.slice(0, dot);
    const push = setting === "remoteWrite" || setting === "pushgateway";
    if (key === "auth") {
      shown = redactAuth(value);
      max = 160; // room for every field name
    } else if (
      key.startsWith("auth.") &&
      !(key === "auth.username" && typeof value === "string") &&
      value !== undefined
    )
      shown = REDACTED;
    else if (push && dot < 0) {
      shown = redactPush(value, setting);
      max = 240;
    } else if (push && value !== undefined) {
      const field = key.slice(dot + 1);
      if (field === "url") shown = typeof value === "string" ? redactUrl(value) : value;
      // labels and grouping are shown (names and values), the other fields of SHOWN_FIELDS too
      else if (!SHOWN_FIELDS[setting]?.includes(field.split(".")[0] ?? "")) shown = REDACTED;
    }
    this.problems.push(`${key}: got ${show(shown, max)}, expected ${expected}`);
    return undefined;
  }

  /** integer (number or decimal/hex string) within [min, max] */
  integer(key: string, value: unknown, min: number, max: number, fallback: number): number;
  integer(key: string, value: unknown, min: number, max: number, fallback?: number): number | undefined;
  integer(key: string, value: unknown, min: number, max: number, fallback?: number): number | undefined {
    if (value === undefined || value === "") return fallback;
    let n: number = NaN;
    if (typeof value === "number") n = value;
    else if (typeof value === "string") {
      const s = value.trim();
      if (re().hex.test(s)) n = parseInt(s.slice(2), 16);
      else if (re().decimal.test(s)) n = Number(s);
    }
    if (!Number.isInteger(n) || n < min || n > max)
      return this.problem(key, value, `an integer from ${String(min)} to ${String(max)}`) ?? fallback;
    return n;
  }

  boolean(key: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === "") return fallback;
    if (typeof value === "boolean") return value;
    if (value === 1 || value === 0) return value === 1;
    if (typeof value === "string") {
      const s = value.trim().toLowerCase();
      if (s === "true" || s === "1" || s === "yes" || s === "on") return true;
      if (s === "false" || s === "0" || s === "no" || s === "off") return false;
    }
    this.problem(key, value, "true or false");
    return fallback;
  }

  string(key: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value === "number") return String(value);
    if (typeof value !== "string") {
      this.problem(key, value, "a string");
      return fallback;
    }
    return value;
  }

  /** an object or array setting, possibly given as JSON text by an mcconfig override */
  json(key: string, value: unknown): unknown {
    if (typeof value !== "string") return value;
    const s = value.trim();
    if (s === "") return undefined;
    try {
      return JSON.parse(s);
    } catch {
      return this.problem(key, value, "JSON text");
    }
  }

  ipv4(key: string, value: unknown, required: boolean): string | undefined {
    if (value === undefined || value === "") {
      if (required) this.problem(key, value, "an IPv4 address like 192.168.1.50 (needed for a static address)");
      return undefined;
    }
    const m = typeof value === "string" ? re().ipv4.exec(value.trim()) : null;
    if (!m || m.slice(1).some((part) => Number(part) > 255))
      return this.problem(key, value, "an IPv4 address like 192.168.1.50");
    return (value as string).trim();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function maskIsContiguous(mask: string): boolean {
  const n = mask.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
  // contiguous ones followed by zeros: inverting gives 2^k - 1
  const inverted = 0xffffffff - n;
  return n !== 0 && (inverted & (inverted + 1)) === 0;
}

/**
 * Validate the raw `mc/config` object. Returns a fresh, plain (not frozen) settings object; throws ConfigError
 * listing every problem.
 */
export function parseConfig(raw: Readonly<Record<string, unknown>>): AppConfig {
  if (!isRecord(raw)) throw new ConfigError([`config: got ${show(raw)}, expected an object`]);
  const r = new Reader(raw);

  const hostname = r.string("hostname", raw.hostname, defaults.hostname).trim();
  if (!re().hostname.test(hostname))
    r.problem(
      "hostname",
      raw.hostname,
      "1 to 63 letters, digits or '-', not starting or ending with '-' (one DNS label, no dots)",
    );

  // server settings: the HTTP server's own ranges (modules/http/limits.ts) and the handler's path rule
  const port = r.integer("port", raw.port, PORT.min, PORT.max, defaults.port);

  const path = r.string("path", raw.path, defaults.path).trim();
  const pathError = pathProblem(path); // the handler's own rule
  if (pathError !== undefined) r.problem("path", raw.path, pathError);

  // network: "dhcp" (default) or a static IPv4 address with mask and gateway
  const addressSetting = r.string("address", raw.address, defaults.address).trim();
  let staticAddress: StaticAddress | undefined;
  if (addressSetting.toLowerCase() !== "dhcp") {
    const address = r.ipv4("address", addressSetting, true);
    const mask = r.ipv4("mask", raw.mask, true);
    if (mask !== undefined && !maskIsContiguous(mask))
      r.problem("mask", raw.mask, "a contiguous netmask like 255.255.255.0");
    const gateway = r.ipv4("gateway", raw.gateway, true);
    const dns = r.ipv4("dns", raw.dns, false);
    if (address !== undefined && mask !== undefined && gateway !== undefined)
      staticAddress = { address, mask, gateway, dns };
  }

  // I2C bus
  const i2cRaw = r.json("i2c", raw.i2c);
  let i2c: AppConfig["i2c"] = {
    data: defaults.i2c.data,
    clock: defaults.i2c.clock,
    hz: defaults.i2c.hz,
    port: undefined,
  };
  if (i2cRaw !== undefined) {
    if (!isRecord(i2cRaw)) r.problem("i2c", raw.i2c, 'an object like {"data": 13, "clock": 16, "hz": 100000}');
    else {
      const data = r.integer("i2c.data", i2cRaw.data, 0, 48, defaults.i2c.data);
      const clock = r.integer("i2c.clock", i2cRaw.clock, 0, 48, defaults.i2c.clock);
      const hz = r.integer("i2c.hz", i2cRaw.hz, 1000, 1000000, defaults.i2c.hz);
      const i2cPort = r.integer("i2c.port", i2cRaw.port, 0, 1);
      if (data === clock) r.problem("i2c.clock", i2cRaw.clock, "a pin different from i2c.data");
      i2c = { data, clock, hz, port: i2cPort };
    }
  }

  // sensors
  const sensorsRaw = r.json("sensors", raw.sensors);
  const sensors: SensorSetting[] = [];
  if (sensorsRaw !== undefined) {
    if (!Array.isArray(sensorsRaw))
      r.problem("sensors", raw.sensors, 'an array like [{"model": "si7021", "address": 64, "name": "office"}]');
    else if (sensorsRaw.length > 8) r.problem("sensors", `${String(sensorsRaw.length)} sensors`, "at most 8 sensors");
    else {
      const seenAddress = new Set<number>();
      const seenName = new Set<string>();
      sensorsRaw.forEach((entry: unknown, i: number) => {
        const key = `sensors[${String(i)}]`;
        if (!isRecord(entry)) {
          r.problem(key, entry, 'an object like {"model": "si7021", "address": 64, "name": "office"}');
          return;
        }
        const model = builtInModel(entry.model);
        if (model === undefined) r.problem(`${key}.model`, entry.model, `one of ${KNOWN_MODELS.join(", ")}`);
        // the addresses the chip can have (sensors/models.ts); none given: the model's default
        const checked = model === undefined ? undefined : modelAddress(model, entry.address);
        if (typeof checked === "string") r.problem(`${key}.address`, entry.address, checked);
        const address = typeof checked === "number" ? checked : undefined;
        const name = typeof entry.name === "string" ? entry.name.trim() : "";
        if (!re().sensorName.test(name)) r.problem(`${key}.name`, entry.name, "a name of 1 to 32 printable characters");
        if (address !== undefined) {
          if (seenAddress.has(address))
            r.problem(`${key}.address`, entry.address, "an address not used by another sensor");
          seenAddress.add(address);
        }
        if (seenName.has(name)) r.problem(`${key}.name`, entry.name, "a name not used by another sensor");
        seenName.add(name);
        if (address !== undefined && model !== undefined && re().sensorName.test(name))
          sensors.push({ model, address, name });
      });
    }
  }

  const sampleInterval = r.integer("sampleInterval", raw.sampleInterval, 250, 3600000, defaults.sampleInterval);

  const namespace = r.string("namespace", raw.namespace, defaults.namespace).trim();
  const namespaceError = namespaceProblem(namespace); // the sensor bridge's own rule
  if (namespaceError !== undefined) r.problem("namespace", raw.namespace, namespaceError);

  // auth: off by default; empty strings mean unset
  const authRaw = r.json("auth", raw.auth);
  let auth: AuthSetting | undefined;
  if (authRaw !== undefined && authRaw !== null && authRaw !== false) {
    if (!isRecord(authRaw))
      r.problem("auth", raw.auth, 'an object like {"bearer": "token"} or {"username": "u", "password": "p"}');
    else {
      const bearer = r.string("auth.bearer", authRaw.bearer, "");
      const username = r.string("auth.username", authRaw.username, "");
      const password = r.string("auth.password", authRaw.password, "");
      if ((username === "") !== (password === ""))
        r.problem("auth", raw.auth, "both auth.username and auth.password, or neither");
      if (bearer !== "" && bearer.length < 8) r.problem("auth.bearer", bearer, "a token of at least 8 characters");
      if (username.includes(":")) r.problem("auth.username", authRaw.username, "a user name without ':'");
      const a: AuthSetting = {};
      if (bearer !== "") a.bearer = bearer;
      if (username !== "") {
        a.username = username;
        a.password = password;
      }
      if (a.bearer !== undefined || a.username !== undefined) auth = a;
    }
  }

  // SNTP servers: a list, its JSON text, or names separated by commas (sntp=ntp.lan,pool.ntp.org)
  let sntp = [...DEFAULT_SNTP_SERVERS];
  const sntpText = typeof raw.sntp === "string" ? raw.sntp.trim() : undefined;
  const sntpRaw =
    sntpText !== undefined && sntpText !== "" && sntpText.charCodeAt(0) !== 91
      ? sntpText.split(",")
      : r.json("sntp", raw.sntp);
  if (sntpRaw !== undefined && sntpRaw !== null) {
    if (!Array.isArray(sntpRaw) || sntpRaw.length === 0 || sntpRaw.length > 4)
      r.problem("sntp", raw.sntp, 'a list of 1 to 4 server names like ["pool.ntp.org"] or "ntp.lan,pool.ntp.org"');
    else {
      const servers: string[] = [];
      sntpRaw.forEach((server: unknown, i: number) => {
        const name = typeof server === "string" ? server.trim().toLowerCase() : "";
        const problem = typeof server === "string" ? hostProblem(name) : "a server name";
        if (problem !== undefined) r.problem(`sntp[${String(i)}]`, server, problem);
        else servers.push(name);
      });
      sntp = servers;
    }
  }

  const remoteWrite = pushSetting(r, "remoteWrite", raw.remoteWrite, (o, auth, url) => {
    const labels = labelSet(r, "remoteWrite.labels", o.labels, { instance: hostname, job: hostname }, false);
    const interval = r.integer(
      "remoteWrite.interval",
      o.interval,
      PUSH_LIMITS.interval.min,
      PUSH_LIMITS.interval.max,
      defaults.pushInterval,
    );
    const bufferBytes = r.integer(
      "remoteWrite.bufferBytes",
      o.bufferBytes,
      PUSH_LIMITS.bufferBytes.min,
      PUSH_LIMITS.bufferBytes.max,
      defaults.bufferBytes,
    );
    return { url, interval, auth, labels, bufferBytes };
  });
  const pushgateway = pushSetting(r, "pushgateway", raw.pushgateway, (o, auth, url) => {
    const job = r.string("pushgateway.job", o.job, "").trim() || hostname;
    const jobError =
      job.length > PUSH_LIMITS.labelValue || hasControl(job)
        ? `a job of at most ${String(PUSH_LIMITS.labelValue)} printable characters`
        : undefined;
    if (jobError !== undefined) r.problem("pushgateway.job", o.job, jobError);
    const grouping = labelSet(r, "pushgateway.grouping", o.grouping, { instance: hostname }, true);
    if (Object.prototype.hasOwnProperty.call(grouping, "job"))
      r.problem("pushgateway.grouping.job", grouping.job, "no job in grouping (set pushgateway.job)");
    const interval = r.integer(
      "pushgateway.interval",
      o.interval,
      PUSH_LIMITS.interval.min,
      PUSH_LIMITS.interval.max,
      defaults.pushInterval,
    );
    return { url, job, interval, auth, grouping };
  });

  const maxConnections = r.integer(
    "maxConnections",
    raw.maxConnections,
    MAX_CONNECTIONS.min,
    MAX_CONNECTIONS.max,
    defaults.maxConnections,
  );
  const mdns = r.boolean("mdns", raw.mdns, defaults.mdns);

  const version = r.string("version", raw.version, defaults.version);
  const moddable = r.string("moddable", raw.moddable, defaults.moddable);
  const board = r.string("board", raw.board, defaults.board);

  if (r.problems.length) throw new ConfigError(r.problems);
  return {
    version,
    moddable,
    board,
    hostname,
    port,
    path,
    staticAddress,
    i2c,
    sensors,
    sampleInterval,
    namespace,
    auth,
    maxConnections,
    mdns,
    sntp,
    remoteWrite,
    pushgateway,
  };
}

/**
 * `remoteWrite` / `pushgateway`: off when absent, null, false, "" or without a url (an empty url is how the manifest
 * says "off"); otherwise an object whose fields are all known, a valid url and consistent credentials, handed to
 * `build` for the fields of its kind. Returns undefined when off or invalid (the problems are recorded).
 */
function pushSetting<T>(
  r: Reader,
  key: string,
  value: unknown,
  build: (o: Record<string, unknown>, auth: PushAuth | undefined, url: PushUrl) => T,
): T | undefined {
  const o = r.json(key, value);
  if (o === undefined || o === null || o === false) return undefined;
  const example =
    key === "remoteWrite" ? '{"url": "http://prometheus:9090/api/v1/write"}' : '{"url": "http://pushgateway:9091"}';
  if (!isRecord(o)) return r.problem(key, value, `an object like ${example}`);
  const fields = key === "remoteWrite" ? REMOTE_WRITE_FIELDS : PUSHGATEWAY_FIELDS;
  const before = r.problems.length;
  for (const field of Object.keys(o))
    if (!fields.includes(field)) r.problem(`${key}.${field}`, o[field], `one of the fields ${fields.join(", ")}`);
  const urlText = r.string(`${key}.url`, o.url, "").trim();
  const bearer = r.string(`${key}.bearer`, o.bearer, "");
  const username = r.string(`${key}.username`, o.username, "");
  const password = r.string(`${key}.password`, o.password, "");
  if (urlText === "") {
    if (
      bearer !== "" ||
      username !== "" ||
      password !== "" ||
      Object.keys(o).some((f) => f !== "url" && fields.includes(f))
    )
      r.problem(`${key}.url`, o.url, `the receiver's URL, e.g. ${example} (or leave ${key} out: it is off)`);
    return undefined;
  }
  const url = parseUrl(urlText);
  if (typeof url === "string") r.problem(`${key}.url`, o.url, url);
  if ((username === "") !== (password === ""))
    r.problem(key, value, `both ${key}.username and ${key}.password, or neither`);
  if (bearer !== "" && username !== "")
    r.problem(key, value, `either ${key}.bearer or ${key}.username and password, not both`);
  if (username.includes(":")) r.problem(`${key}.username`, o.username, "a user name without ':'");
  // a secret goes into an HTTP header: no control characters (a line break would end the header)
  for (const [field, v] of [
    ["bearer", bearer],
    ["username", username],
    ["password", password],
  ] as const)
    if (hasControl(v)) r.problem(`${key}.${field}`, v, "printable characters only (it is sent in an HTTP header)");
  let auth: PushAuth | undefined;
  if (bearer !== "") auth = { bearer };
  else if (username !== "") auth = { username, password };
  const result = build(o, auth, typeof url === "string" ? { scheme: "http", host: "", port: 0, path: "/" } : url);
  return r.problems.length === before ? result : undefined;
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/**
 * External labels (remote write) or grouping labels (Pushgateway): an object of label name -> string value, names
 * checked with the metrics library's own rule (modules/metrics/validation.ts), merged over the defaults. Empty values
 * are refused for external labels (an empty label is no label in Prometheus) and allowed in a grouping key (the
 * Pushgateway encodes them).
 */
function labelSet(
  r: Reader,
  key: string,
  value: unknown,
  defaults: Record<string, string>,
  emptyValues: boolean,
): Record<string, string> {
  const out: Record<string, string> = { ...defaults };
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) {
    r.problem(key, value, 'an object of label names and values like {"site": "lab"}');
    return out;
  }
  const names = Object.keys(value);
  if (names.length > PUSH_LIMITS.labels)
    r.problem(key, `${String(names.length)} labels`, `at most ${String(PUSH_LIMITS.labels)} labels`);
  for (const name of names) {
    try {
      checkLabelName(name, key);
    } catch (e) {
      r.problem(`${key}.${name}`, name, `a label name (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    const v = value[name];
    if (typeof v !== "string" && typeof v !== "number") r.problem(`${key}.${name}`, v, "a string");
    else if (String(v) === "" && !emptyValues)
      r.problem(`${key}.${name}`, v, "a non-empty string (an empty value is no label)");
    else if (String(v).length > PUSH_LIMITS.labelValue || hasControl(String(v)))
      r.problem(`${key}.${name}`, v, `a value of at most ${String(PUSH_LIMITS.labelValue)} printable characters`);
    else out[name] = String(v);
  }
  return out;
}
