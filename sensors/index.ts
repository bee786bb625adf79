/**
 * startSensors: builds the sensors listed in the configuration on one I2C bus and exports them through the bridge.
 *
 *   const sensors = startSensors({ registry, namespace: "", interval: 5000,
 *     i2c: { data: 13, clock: 16, hz: 100000 },
 *     sensors: [{ model: "si7021", address: 0x40, name: "office" }, { model: "bme680", address: 0x77, name: "lab" }],
 *     log: (line) => trace(line + "\n") });
 *   sensors.stop();
 *
 * Models: "si7021" and "bme680" (alias "bme688": the driver handles both chips) are built in, with the addresses their
 * chips can have (sensors/models.ts, the table the configuration checks too). Any other ECMA-419 driver (Moddable's catalogue, your own) is added by
 * passing it in `models` and naming it in `sensors`:
 *
 *   import TMP117 from "embedded:sensor/Temperature/TMP117";
 *   import SMBus from "embedded:io/smbus";
 *   startSensors({ ..., models: { tmp117: { driver: TMP117, address: 0x48, io: SMBus } },  // STANDARD_MAPPINGS
 *                  sensors: [{ model: "tmp117", name: "rack" }] });
 *
 * and a sensor entry (or the model) may carry its own `mappings` (sample path → metric name, help, unit, scale,
 * offset, constant labels) and `options` (passed to the driver's configure()).
 */
import I2C from "embedded:io/i2c";
import type { Registry } from "../modules/metrics/index";
import {
  SensorBridge,
  STANDARD_MAPPINGS,
  TEMPERATURE,
  HUMIDITY,
  PRESSURE,
  GAS_RESISTANCE,
  type MetricMapping,
  type SensorLike,
  type SensorCallbacks,
} from "./bridge";
import Si7021 from "./si7021";
import Bme680 from "./bme680";
import { SENSOR_MODELS, addressNumber, builtInModel, checkAddress, formatAddress } from "./models";

export {
  SensorBridge,
  STANDARD_MAPPINGS,
  TEMPERATURE,
  HUMIDITY,
  PRESSURE,
  GAS_RESISTANCE,
  ILLUMINANCE,
} from "./bridge";
export type { MetricMapping, BridgedSensor, SensorLike } from "./bridge";

/** An ECMA-419 sensor class: `new Driver({ sensor: { io, data, clock, hz, port, address }, onSample, onError })`. */
export type SensorDriverClass = new (options: {
  sensor: { io: any; data: number; clock: number; hz: number; port?: number; address: number };
  onSample?: (sample?: any) => void;
  onError?: (error: any) => void;
}) => SensorLike;

export interface SensorModel {
  driver: SensorDriverClass;
  /** default 7-bit address */
  address: number;
  /** the addresses the chip can have; default: any from 0x08 to 0x77 */
  addresses?: readonly number[];
  /** default STANDARD_MAPPINGS */
  mappings?: readonly MetricMapping[];
  /** the I/O class the driver takes as `sensor.io` (e.g. SMBus from "embedded:io/smbus", which many of Moddable's
   *  catalogue drivers use); default: the I2C class */
  io?: unknown;
}

const BME68X_MAPPINGS = [TEMPERATURE, HUMIDITY, PRESSURE, GAS_RESISTANCE];

/** The built-in models: drivers for the entries of SENSOR_MODELS (sensors/models.ts), with their addresses. */
export const MODELS: { readonly [model: string]: SensorModel } = {
  si7021: {
    driver: Si7021 as unknown as SensorDriverClass,
    ...SENSOR_MODELS.si7021,
    mappings: [TEMPERATURE, HUMIDITY],
  },
  bme680: { driver: Bme680 as unknown as SensorDriverClass, ...SENSOR_MODELS.bme680, mappings: BME68X_MAPPINGS },
  bme688: { driver: Bme680 as unknown as SensorDriverClass, ...SENSOR_MODELS.bme688, mappings: BME68X_MAPPINGS },
};

export interface SensorConfig {
  model: string;
  /** 7-bit address: number, or a string ("0x40", "64") as `mcconfig name=value` overrides deliver; default: the model's */
  address?: number | string;
  /** the user's name for the sensor, exported as the `sensor` label; default "<model>-0x<address>" */
  name?: string;
  /** passed to the driver's configure() */
  options?: object;
  mappings?: readonly MetricMapping[];
}

export interface StartSensorsOptions {
  registry: Registry;
  namespace?: string;
  /** ms between reads (default 5000); a string is accepted (mc/config overrides) */
  interval?: number | string;
  readTimeout?: number;
  i2c: { data: number | string; clock: number | string; hz?: number | string; port?: number | string };
  sensors: readonly SensorConfig[];
  models?: { readonly [model: string]: SensorModel };
  /** the I2C class (default: embedded:io/i2c) */
  io?: unknown;
  log?: (line: string) => void;
  onRead?: (sensor: { sensor: string; model: string; address: string }, kind: string | undefined) => void;
  now?: () => number;
}

export interface Sensors {
  readonly bridge: SensorBridge;
  stop(): void;
}

function toNumber(value: unknown, what: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw new TypeError(`sensors: ${what} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** Parse an I2C address: 0x40, 64, "0x40", "64"; `addresses`: the ones allowed (default: any from 0x08 to 0x77).
 *  Throws a TypeError for what is not a number, a RangeError (naming the allowed addresses) for the rest. */
export function parseAddress(value: unknown, addresses?: readonly number[], what = "address"): number {
  const checked = checkAddress(value, addresses);
  if (typeof checked === "number") return checked;
  if (!Number.isFinite(addressNumber(value)))
    throw new TypeError(`sensors: ${what} must be a number, got ${JSON.stringify(value)}`);
  throw new RangeError(`sensors: ${what} ${JSON.stringify(value)}: expected ${checked}`);
}

export function startSensors(options: StartSensorsOptions): Sensors {
  if (!options || typeof options !== "object") throw new TypeError("startSensors: options required");
  const { registry, i2c } = options;
  if (!i2c || typeof i2c !== "object") throw new TypeError("startSensors: i2c {data, clock, hz} required");
  const data = toNumber(i2c.data, "i2c.data");
  const clock = toNumber(i2c.clock, "i2c.clock");
  const hz = i2c.hz === undefined ? 100_000 : toNumber(i2c.hz, "i2c.hz");
  const port = i2c.port === undefined ? undefined : toNumber(i2c.port, "i2c.port");
  const interval = options.interval === undefined ? 5000 : toNumber(options.interval, "interval");
  const models = { ...MODELS, ...(options.models ?? {}) };
  const io = options.io ?? I2C;
  if (!Array.isArray(options.sensors)) throw new TypeError("startSensors: sensors must be an array");

  const bridge = new SensorBridge({
    registry,
    namespace: options.namespace ?? "",
    interval,
    readTimeout: options.readTimeout,
    log: options.log,
    onRead: options.onRead,
    now: options.now,
  });
  try {
    const used = new Set<number>();
    for (const config of options.sensors) {
      if (!config || typeof config.model !== "string") throw new TypeError("sensors: each entry needs a model");
      const key = builtInModel(config.model) ?? config.model.trim().toLowerCase();
      const model = Object.prototype.hasOwnProperty.call(models, key) ? models[key] : undefined;
      if (!model)
        throw new Error(`sensors: unknown model "${config.model}" (known: ${Object.keys(models).join(", ")})`);
      // a built-in model's chip answers only at its addresses (sensors/models.ts): refuse others here, not at every read
      const address =
        config.address === undefined ? model.address : parseAddress(config.address, model.addresses, `${key} address`);
      if (used.has(address)) throw new Error(`sensors: two sensors at address ${formatAddress(address)}`);
      used.add(address);
      const name = config.name === undefined ? `${key}-${formatAddress(address)}` : String(config.name);
      const Driver = model.driver;
      const modelIo = model.io ?? io;
      bridge.add({
        model: key,
        address,
        name,
        configuration: config.options,
        mappings: config.mappings ?? model.mappings ?? STANDARD_MAPPINGS,
        create: (callbacks: SensorCallbacks) =>
          new Driver({
            sensor: { io: modelIo, data, clock, hz, address, ...(port === undefined ? {} : { port }) },
            onSample: callbacks.onSample,
            onError: callbacks.onError,
          }),
      });
      options.log?.(`sensors: ${key} at ${formatAddress(address)} ("${name}")`);
    }
  } catch (e) {
    bridge.stop();
    throw e;
  }
  bridge.start();
  return { bridge, stop: () => bridge.stop() };
}
