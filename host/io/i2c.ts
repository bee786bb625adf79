/**
 * Host (Node) implementation of the ECMA-419 `embedded:io/i2c` I/O class: the simulated I2C class of
 * `simulators/i2c.ts` (semantics there), with one simulated bus per `port` (`busForPort`; no port and port 0 are
 * `defaultBus`).
 * Loading this module installs plug-and-play simulated chips on the default bus (Si7021 at 0x40, BME680 at
 * 0x76/0x77; simulators/devices.ts) for `npm start`, unless MODDABLE_PROMETHEUS_SIM=off. Tests do not use this bus:
 * each makes its own (`simulatedI2C(() => bus)`).
 */
import { SimBus } from "../../simulators/bus";
import { installSimulators } from "../../simulators/devices";
import { simulatedI2C } from "../../simulators/i2c";

export type { I2COptions } from "../../simulators/i2c";

/** The bus of port 0 / no port. */
export const defaultBus = new SimBus();
if (process.env.MODDABLE_PROMETHEUS_SIM !== "off") installSimulators(defaultBus);

const ports = new Map<number, SimBus>();

/** The bus for an ECMA-419 `port` option; undefined and 0 are the default bus. */
export function busForPort(port?: number): SimBus {
  if (port === undefined || port === 0) return defaultBus;
  let bus = ports.get(port);
  if (!bus) {
    bus = new SimBus();
    ports.set(port, bus);
  }
  return bus;
}

const I2C = simulatedI2C(busForPort);
export default I2C;
