/**
 * The I2C interface of this folder's drivers (si7021.ts, bme680.ts): what they need of an ECMA-419 I2C class and its
 * instances, the `sensor` option that names it (ECMA-419 sensor class pattern: `new Driver({ sensor: { io, data,
 * clock, hz, port, address }, onSample, onError })`), and the one place where an I2C exception becomes a SensorError.
 *
 * `read(count)` is used, never `read(buffer)`: the return type of read(buffer) differs between @moddable/typings 5.6.0
 * and the Moddable SDK's own typings. Every `embedded:io/i2c` (the board's, the Node host's, the simulator firmware's)
 * satisfies this interface.
 */
import { SensorError } from "./errors";

/** What a driver needs of an ECMA-419 I2C instance. An exception from write or read is a NACK. */
export interface I2C {
  write(buffer: Uint8Array, stop?: boolean): void;
  read(count: number, stop?: boolean): ArrayBuffer;
  close?(): void;
}

/** The options an ECMA-419 I2C constructor is given (a type alias, not an interface: an I2C class whose options
 *  type has an index signature, as the host's has, accepts it). */
export type I2COptions = {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
};

export type I2CConstructor = new (options: I2COptions) => I2C;

/** The `sensor` option of a driver: the I2C class and where the chip is. */
export interface SensorBusOptions {
  io: I2CConstructor;
  data: number;
  clock: number;
  /** bus speed, default 100 kHz */
  hz?: number;
  port?: number;
  /** 7-bit address, default the chip's usual one */
  address?: number;
}

/** Open the I2C instance a driver talks to (the constructor validates options; nothing is transferred). */
export function openI2C(sensor: SensorBusOptions, address: number): I2C {
  const options: I2COptions = { data: sensor.data, clock: sensor.clock, hz: sensor.hz ?? 100_000, address };
  if (sensor.port !== undefined) options.port = sensor.port;
  return new sensor.io(options);
}

/** An exception from an I2C transfer as a SensorError: SensorErrors pass through, anything else is a "nack" (the
 *  I2C classes throw on a missing acknowledge). `what` says which chip and which transfer. */
export function transferError(what: string, error: unknown): SensorError {
  if (error instanceof SensorError) return error;
  return new SensorError(
    "nack",
    `${what}: no acknowledge (${error instanceof Error ? error.message : String(error)})`,
    error,
  );
}
