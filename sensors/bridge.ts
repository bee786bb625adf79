/**
 * Sensor → metrics bridge. Turns the samples of any ECMA-419 sensor driver into Prometheus gauges in base units,
 * with per-sensor health series. Knows drivers only through the ECMA-419 Sensor Class Pattern
 * (`new Driver({sensor, onSample, onError})`, `configure`, `sample`, `close`) plus, when a driver has it, the
 * non-blocking `measure()` of this project's drivers; knows metrics only through the metrics library.
 *
 * Reading model: every `interval` ms (and once at start) each sensor is read:
 *  - drivers with `measure()` (Si7021, BME680): `measure()` is called and the result arrives by onSample / onError;
 *  - other ECMA-419 drivers (synchronous `sample()`, e.g. most of Moddable's catalogue): `sample()` is called and its
 *    return value used (an exception or `undefined` is a failed read).
 * A read that has not completed after `readTimeout` ms fails with kind "timeout".
 *
 * On success every mapped value is set (value * scale + offset) and `_up` is 1. A mapped field missing from the sample
 * (e.g. BME680 gas resistance while the heater is not stable) has no series. On failure `_up` is 0, the error is
 * counted by kind, and every value series of that sensor is REMOVED: nothing stale is exported. When a read succeeds
 * again, the series come back. After a "nack", "timeout" or "other" failure the driver instance is closed and a new one
 * is constructed at the next read (constructors check presence and write the configuration again, so a re-plugged
 * chip is re-initialised); a driver whose constructor throws is retried at every interval.
 *
 * Health series per sensor (labels sensor = the user's name, model, address):
 *   <ns>sensor_up                                  1 if the last read succeeded, else 0
 *   <ns>sensor_reads_total                         read attempts
 *   <ns>sensor_read_errors_total{kind}             failed reads by kind: nack, crc, timeout, invalid, other
 *   <ns>sensor_last_success_timestamp_seconds      Date.now()/1000 at the last successful read (absent before the
 *                                                  first): Unix time when the device clock is set (host, SNTP),
 *                                                  seconds since boot on a device without a clock
 *   <ns>sensor_read_duration_seconds               duration of the last read attempt (success or failure)
 *   <ns>sensor_info{chip, serial, firmware}        1, for drivers with identify(), read when the driver is built:
 *                                                  `chip` is the chip that answered, lower case ("si7021",
 *                                                  "bme680", "bme688"; the `model` label is the configuration's
 *                                                  name, and bme680/bme688 each work with either chip); `serial`
 *                                                  and `firmware` where the chip has them (Si7021: 64-bit serial
 *                                                  number and firmware version; "" for the BME68x). A replaced
 *                                                  chip shows up as a new series.
 */
import Timer from "timer";
import { Counter, Gauge, isLegacyMetricName, type Registry } from "../modules/metrics/index";
import { errorKind } from "./errors";
import { SENSOR_MODELS, builtInModel, checkAddress, formatAddress } from "./models";

export { formatAddress };

/** Maps one numeric field of a sample to a metric. */
export interface MetricMapping {
  /** dotted path into the sample object, e.g. "thermometer.temperature" */
  path: string;
  /** metric name without the namespace prefix, e.g. "sensor_temperature_celsius" */
  name: string;
  help: string;
  /** OpenMetrics unit; must be the name's suffix (e.g. "celsius") */
  unit?: string;
  /** exported value = value * scale + offset (defaults 1 and 0) */
  scale?: number;
  offset?: number;
  /** constant extra labels for this field (e.g. { axis: "x" }); every mapping of one name needs the same keys */
  labels?: { readonly [label: string]: string };
}

/** ECMA-419 sample properties and their Prometheus names in base units. */
export const TEMPERATURE: MetricMapping = {
  path: "thermometer.temperature",
  name: "sensor_temperature_celsius",
  help: "Temperature measured by the sensor, in degrees Celsius.",
  unit: "celsius",
};
export const HUMIDITY: MetricMapping = {
  path: "hygrometer.humidity",
  name: "sensor_humidity_ratio",
  help: "Relative humidity measured by the sensor, as a ratio from 0 to 1.",
  unit: "ratio",
  scale: 0.01, // ECMA-419 hygrometer humidity is in %RH
};
export const PRESSURE: MetricMapping = {
  path: "barometer.pressure",
  name: "sensor_pressure_pascals",
  help: "Barometric pressure measured by the sensor, in pascals.",
  unit: "pascals",
};
export const GAS_RESISTANCE: MetricMapping = {
  path: "gas.resistance",
  name: "sensor_gas_resistance_ohms",
  help: "Resistance of the sensor's heated metal-oxide gas sensing layer, in ohms (lower means more reducing gases).",
  unit: "ohms",
};
export const ILLUMINANCE: MetricMapping = {
  path: "ambientLight.illuminance",
  name: "sensor_illuminance_lux",
  help: "Illuminance measured by the sensor, in lux.",
  unit: "lux",
};

/** Used for drivers registered without their own mapping: the ECMA-419 multi-class names, plus the bare property
 *  names that single-class drivers (e.g. a thermometer returning `{ temperature }`) use. */
export const STANDARD_MAPPINGS: readonly MetricMapping[] = [
  TEMPERATURE,
  HUMIDITY,
  PRESSURE,
  GAS_RESISTANCE,
  ILLUMINANCE,
  { ...TEMPERATURE, path: "temperature" },
  { ...HUMIDITY, path: "humidity" },
  { ...PRESSURE, path: "pressure" },
  { ...ILLUMINANCE, path: "illuminance" },
];

/** What the bridge needs of a driver instance. */
export interface SensorLike {
  /** optional: chip identity, read once per driver instance (the Si7021 has it) */
  identify?(): { model?: string; serialNumber?: string; firmwareVersion?: string };
  sample(): unknown;
  configure?(options: object): void;
  close?(): void;
  measure?(): boolean;
}

export interface SensorCallbacks {
  onSample: (sample?: unknown) => void;
  onError: (error: unknown) => void;
}

export interface BridgedSensor {
  /** value of the `model` label, e.g. "si7021" */
  model: string;
  /** 7-bit address, exported as "0x40" in the `address` label */
  address: number;
  /** the user's name for it: value of the `sensor` label (unique within a bridge) */
  name: string;
  /** constructs the driver (ECMA-419 pattern); may throw (retried at the next interval) */
  create(callbacks: SensorCallbacks): SensorLike;
  /** passed to configure() after construction */
  configuration?: object;
  mappings: readonly MetricMapping[];
}

export interface BridgeOptions {
  registry: Registry;
  /** metric name prefix, e.g. "esp32" gives esp32_sensor_temperature_celsius; "" for none */
  namespace?: string;
  /** ms between reads (default 5000) */
  interval?: number;
  /** ms after which a read fails with "timeout" (default 2000; a read still running at the next interval is not
   *  started again, so a timeout longer than the interval only skips reads) */
  readTimeout?: number;
  log?: (line: string) => void;
  /** called after every completed read: `kind` undefined on success (for diagnostics and tests) */
  onRead?: (sensor: { sensor: string; model: string; address: string }, kind: string | undefined) => void;
  /** clock in ms (default Date.now) */
  now?: () => number;
}

export const ERROR_KINDS = ["nack", "crc", "timeout", "invalid", "other"] as const;
const RECREATE_KINDS: { readonly [kind: string]: true } = { nack: true, timeout: true, other: true };

const BASE_LABELS = ["sensor", "model", "address"] as const;
// Metric names of sensor series: the metrics library's legacy charset [a-zA-Z_:][a-zA-Z0-9_:]* (one rule, defined in
// modules/metrics/validation.ts), checked once per mapping at add(), never per sample.
const NAMESPACE_MAX = 32;

/**
 * The namespace rule, defined here once and used by the configuration too: "" (none), or a metric name prefix of at
 * most 32 characters. Returns what a namespace must be when `ns` breaks it, undefined when it is fine.
 */
export function namespaceProblem(ns: unknown): string | undefined {
  if (ns === "" || (typeof ns === "string" && ns.length <= NAMESPACE_MAX && isLegacyMetricName(ns))) return undefined;
  return `empty, or a metric name prefix like office (letters, digits, '_' or ':', not starting with a digit, at most ${String(NAMESPACE_MAX)})`;
}

interface Field {
  /** alternative sample paths for one series (e.g. "thermometer.temperature" and "temperature"): first found wins */
  paths: { segments: string[]; scale: number; divisor: number; offset: number }[];
  key: string;
  gauge: Gauge;
  labels: { [label: string]: string };
}

interface Entry {
  spec: BridgedSensor;
  labels: { sensor: string; model: string; address: string };
  fields: Field[];
  driver: SensorLike | undefined;
  generation: number;
  reading: boolean;
  started: number;
  timeout: Timer | undefined;
  up: boolean | undefined;
  lastKind: string;
  identity: { chip: string; serial: string; firmware: string } | undefined;
}

function lookup(sample: unknown, segments: readonly string[]): unknown {
  let v: unknown = sample;
  for (let i = 0; i < segments.length; i++) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as { [k: string]: unknown })[segments[i]];
  }
  return v;
}

export class SensorBridge {
  readonly #registry: Registry;
  readonly #prefix: string;
  readonly #interval: number;
  readonly #readTimeout: number;
  readonly #log: ((line: string) => void) | undefined;
  readonly #now: () => number;
  readonly #onRead: BridgeOptions["onRead"];
  readonly #entries: Entry[] = [];
  readonly #gauges = new Map<string, { gauge: Gauge; help: string; labelNames: string }>();
  #timer: Timer | undefined;
  #running = false;

  readonly up: Gauge;
  readonly reads: Counter;
  readonly errors: Counter;
  readonly lastSuccess: Gauge;
  readonly duration: Gauge;
  readonly info: Gauge;

  constructor(options: BridgeOptions) {
    if (!options || !options.registry) throw new TypeError("SensorBridge: registry required");
    const ns = options.namespace ?? "";
    const nsError = namespaceProblem(ns);
    if (nsError !== undefined)
      throw new TypeError(`SensorBridge: invalid namespace ${JSON.stringify(ns)}: expected ${nsError}`);
    this.#prefix = ns === "" ? "" : ns + "_";
    const interval = options.interval ?? 5000;
    if (typeof interval !== "number" || !(interval >= 10) || !Number.isFinite(interval))
      throw new RangeError("SensorBridge: interval must be a number of ms >= 10");
    this.#interval = interval;
    const readTimeout = options.readTimeout ?? 2000;
    if (typeof readTimeout !== "number" || !(readTimeout > 0) || !Number.isFinite(readTimeout))
      throw new RangeError("SensorBridge: readTimeout must be a number of ms > 0");
    this.#readTimeout = readTimeout;
    this.#registry = options.registry;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#onRead = options.onRead;
    const registers = [this.#registry];
    const p = this.#prefix;
    const labelNames = BASE_LABELS;
    this.up = new Gauge({
      name: p + "sensor_up",
      help: "1 if the last read of the sensor succeeded, 0 if it failed.",
      labelNames,
      registers,
    });
    this.reads = new Counter({ name: p + "sensor_reads_total", help: "Sensor read attempts.", labelNames, registers });
    this.errors = new Counter({
      name: p + "sensor_read_errors_total",
      help: "Failed sensor reads by kind (nack: no acknowledge, crc: checksum mismatch, timeout, invalid: impossible value, other).",
      labelNames: [...BASE_LABELS, "kind"],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: p + "sensor_last_success_timestamp_seconds",
      help: "Time of the last successful read (seconds since the epoch; since boot on a device whose clock is not set).",
      labelNames,
      registers,
      unit: "seconds",
    });
    this.duration = new Gauge({
      name: p + "sensor_read_duration_seconds",
      help: "Duration of the last read attempt of the sensor, in seconds.",
      labelNames,
      registers,
      unit: "seconds",
    });
    this.info = new Gauge({
      name: p + "sensor_info",
      help: "Identity of the sensor chip, for drivers that can read it (value 1).",
      labelNames: [...BASE_LABELS, "chip", "serial", "firmware"],
      registers,
    });
  }

  get interval(): number {
    return this.#interval;
  }

  /** Add a sensor. Validates its mappings (throws on a bad name or a label-set conflict). Its health series appear
   *  at once (up 0, error counters 0) and its value series after its first successful read. */
  add(spec: BridgedSensor): void {
    if (!spec || typeof spec.create !== "function") throw new TypeError("SensorBridge.add: create() required");
    // the same rule as the configuration: a built-in model's addresses, else any non-reserved one (sensors/models.ts)
    const builtIn = builtInModel(spec.model);
    const checked =
      typeof spec.address === "number"
        ? checkAddress(spec.address, builtIn === undefined ? undefined : SENSOR_MODELS[builtIn].addresses)
        : "a number";
    if (typeof checked === "string")
      throw new RangeError(
        `SensorBridge.add: ${String(spec.model)} address ${String(spec.address)}: expected ${checked}`,
      );
    const labels = { sensor: String(spec.name), model: String(spec.model), address: formatAddress(spec.address) };
    for (const e of this.#entries)
      if (e.labels.sensor === labels.sensor || (e.labels.model === labels.model && e.labels.address === labels.address))
        throw new Error(`SensorBridge.add: duplicate sensor "${labels.sensor}" (${labels.model} at ${labels.address})`);
    const fields: Field[] = [];
    for (const m of spec.mappings) {
      const f = this.#field(m, labels);
      const same = fields.find((g) => g.key === f.key);
      if (same) same.paths.push(f.paths[0]);
      else fields.push(f);
    }
    const entry: Entry = {
      spec,
      labels,
      fields,
      driver: undefined,
      generation: 0,
      reading: false,
      started: 0,
      timeout: undefined,
      up: undefined,
      lastKind: "",
      identity: undefined,
    };
    this.#entries.push(entry);
    this.up.set(labels, 0);
    this.reads.inc(labels, 0);
    for (const kind of ERROR_KINDS) this.errors.inc({ ...labels, kind }, 0);
  }

  #field(m: MetricMapping, base: { [k: string]: string }): Field {
    if (!m || typeof m.path !== "string" || m.path.length === 0) throw new TypeError("mapping: path required");
    if (typeof m.name !== "string" || !isLegacyMetricName(m.name))
      throw new TypeError(`mapping ${m.path}: invalid metric name`);
    if (typeof m.help !== "string" || m.help.length === 0) throw new TypeError(`mapping ${m.path}: help required`);
    const scale = m.scale ?? 1;
    const offset = m.offset ?? 0;
    if (!Number.isFinite(scale) || !Number.isFinite(offset))
      throw new TypeError(`mapping ${m.path}: scale and offset must be finite`);
    const extra = m.labels ?? {};
    const extraNames = Object.keys(extra).sort();
    for (const l of extraNames) {
      if ((BASE_LABELS as readonly string[]).indexOf(l) >= 0 || l === "kind")
        throw new TypeError(`mapping ${m.path}: label "${l}" is reserved`);
    }
    const labelNames = [...BASE_LABELS, ...extraNames];
    const fullName = this.#prefix + m.name;
    let g = this.#gauges.get(fullName);
    if (g) {
      if (g.labelNames !== labelNames.join(","))
        throw new TypeError(`mapping ${m.path}: metric ${fullName} already has labels ${g.labelNames}`);
    } else {
      const gauge = new Gauge({ name: fullName, help: m.help, labelNames, registers: [this.#registry], unit: m.unit });
      g = { gauge, help: m.help, labelNames: labelNames.join(",") };
      this.#gauges.set(fullName, g);
    }
    const labels: { [label: string]: string } = { ...base };
    for (const l of extraNames) labels[l] = String(extra[l]);
    let key = fullName;
    for (const l of extraNames) key += "\u0000" + l + "=" + labels[l];
    // A scale like 0.01 is applied as a division by 100: one correctly rounded operation (12.4 %RH gives 0.124, where
    // 12.4 * 0.01 gives 0.12400000000000001)
    const inverse = 1 / scale;
    const divisor = Number.isInteger(inverse) && inverse > 1 ? inverse : 1;
    return {
      paths: [{ segments: m.path.split("."), scale: divisor === 1 ? scale : 1, divisor, offset }],
      key,
      gauge: g.gauge,
      labels,
    };
  }

  /** Start reading: once now, then every interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#timer = Timer.repeat(() => this.readAll(), this.#interval);
    this.readAll();
  }

  /** Stop reading, close every driver, and unregister this bridge's metrics. */
  stop(): void {
    this.#running = false;
    Timer.clear(this.#timer);
    this.#timer = undefined;
    for (const e of this.#entries) this.#dropDriver(e);
    for (const name of this.#gauges.keys()) this.#registry.removeSingleMetric(name);
    for (const m of [this.up, this.reads, this.errors, this.lastSuccess, this.duration, this.info])
      this.#registry.removeSingleMetric(m.name);
  }

  /** Read every sensor that has no read in progress (called by the interval timer; public for tests and tools). */
  readAll(): void {
    for (const e of this.#entries) if (!e.reading) this.#read(e);
  }

  #read(e: Entry): void {
    e.reading = true;
    e.started = this.#now();
    this.reads.inc(e.labels);
    const generation = e.generation;
    if (!e.driver) {
      try {
        const driver = e.spec.create({
          onSample: (sample?: unknown) => this.#onSample(e, generation, sample),
          onError: (error: unknown) => this.#onError(e, generation, error),
        });
        e.driver = driver;
        if (e.spec.configuration && driver.configure) driver.configure(e.spec.configuration);
        this.#identify(e, driver);
      } catch (error) {
        this.#fail(e, error);
        return;
      }
    }
    const driver = e.driver;
    if (typeof driver.measure === "function") {
      e.timeout = Timer.set(() => {
        e.timeout = undefined;
        if (e.reading && e.generation === generation)
          this.#fail(e, { kind: "timeout", message: `no result within ${String(this.#readTimeout)} ms` });
      }, this.#readTimeout);
      try {
        driver.measure(); // false = a measurement is already in flight: its result will do
      } catch (error) {
        this.#fail(e, error);
      }
      return;
    }
    let sample: unknown;
    try {
      sample = driver.sample();
    } catch (error) {
      this.#fail(e, error);
      return;
    }
    if (sample === undefined || sample === null)
      this.#fail(e, { kind: "invalid", message: "sample() returned nothing" });
    else this.#succeed(e, sample);
  }

  #identify(e: Entry, driver: SensorLike): void {
    if (typeof driver.identify !== "function") return;
    let id: { model?: unknown; serialNumber?: unknown; firmwareVersion?: unknown };
    try {
      id = driver.identify();
    } catch {
      return; // identity is a nicety: a failed read of it does not fail the sensor (the next rebuild retries)
    }
    const chip = typeof id?.model === "string" ? id.model.slice(0, 32).toLowerCase() : "";
    const serial = typeof id?.serialNumber === "string" ? id.serialNumber.slice(0, 32) : "";
    const firmware = typeof id?.firmwareVersion === "string" ? id.firmwareVersion.slice(0, 16) : "";
    const old = e.identity;
    if (old && old.chip === chip && old.serial === serial && old.firmware === firmware) return;
    if (old) this.info.remove({ ...e.labels, ...old });
    e.identity = { chip, serial, firmware };
    this.info.set({ ...e.labels, chip, serial, firmware }, 1);
    // e.g. a BME688 configured as "bme680" (works: the driver handles both), or an Si7020 where an Si7021 was expected
    if (chip !== "" && chip !== e.labels.model && (old === undefined || old.chip !== chip))
      this.#log?.(`sensor "${e.labels.sensor}" (${e.labels.model} ${e.labels.address}): the chip is a ${chip}`);
  }

  #onSample(e: Entry, generation: number, sample: unknown): void {
    if (e.generation !== generation || !this.#running) return;
    if (sample === undefined) sample = e.driver?.sample();
    if (sample === undefined || sample === null) return;
    this.#succeed(e, sample);
  }

  #onError(e: Entry, generation: number, error: unknown): void {
    if (e.generation !== generation || !this.#running) return;
    this.#fail(e, error);
  }

  #finish(e: Entry): number {
    Timer.clear(e.timeout);
    e.timeout = undefined;
    const seconds = e.reading ? (this.#now() - e.started) / 1000 : 0;
    e.reading = false;
    return seconds;
  }

  #succeed(e: Entry, sample: unknown): void {
    const wasReading = e.reading;
    const seconds = this.#finish(e);
    let invalid = 0;
    for (const f of e.fields) {
      let v: unknown = undefined;
      let p = f.paths[0];
      for (let i = 0; i < f.paths.length && v === undefined; i++) v = lookup(sample, (p = f.paths[i]).segments);
      if (typeof v === "number" && Number.isFinite(v)) {
        f.gauge.set(f.labels, (v * p.scale) / p.divisor + p.offset);
      } else {
        f.gauge.remove(f.labels); // absent field: no series, never a stale one
        if (v !== undefined) invalid++;
      }
    }
    if (invalid > 0) this.errors.inc({ ...e.labels, kind: "invalid" }, invalid);
    if (wasReading) this.duration.set(e.labels, seconds);
    this.up.set(e.labels, 1);
    this.lastSuccess.set(e.labels, this.#now() / 1000);
    if (e.up !== true) this.#log?.(`sensor "${e.labels.sensor}" (${e.labels.model} ${e.labels.address}): up`);
    e.up = true;
    e.lastKind = "";
    this.#onRead?.(e.labels, undefined);
  }

  #fail(e: Entry, error: unknown): void {
    const wasReading = e.reading;
    const seconds = this.#finish(e);
    let kind = errorKind(error);
    if ((ERROR_KINDS as readonly string[]).indexOf(kind) < 0) kind = "other";
    this.errors.inc({ ...e.labels, kind });
    if (wasReading) this.duration.set(e.labels, seconds);
    this.up.set(e.labels, 0);
    for (const f of e.fields) f.gauge.remove(f.labels);
    if (e.up !== false || e.lastKind !== kind) {
      const message =
        error !== null && typeof error === "object" ? String((error as { message?: unknown }).message) : String(error);
      this.#log?.(`sensor "${e.labels.sensor}" (${e.labels.model} ${e.labels.address}): down (${kind}: ${message})`);
    }
    e.up = false;
    e.lastKind = kind;
    if (RECREATE_KINDS[kind]) this.#dropDriver(e);
    this.#onRead?.(e.labels, kind);
  }

  #dropDriver(e: Entry): void {
    Timer.clear(e.timeout);
    e.timeout = undefined;
    e.reading = false;
    e.generation++;
    const d = e.driver;
    e.driver = undefined;
    try {
      d?.close?.();
    } catch {
      // a failing close must not stop the others
    }
  }

  /** Per-sensor state, for logs, landing pages and tests. */
  get sensors(): { sensor: string; model: string; address: string; up: boolean | undefined; lastError: string }[] {
    return this.#entries.map((e) => ({ ...e.labels, up: e.up, lastError: e.lastKind }));
  }
}
