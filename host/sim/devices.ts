/**
 * Simulated chips for `npm start`: with `installSimulators()`, the first access to a datasheet address on the bus
 * finds a simulated chip there, whatever the sensor list in the configuration says (addresses: sensors/models.ts):
 *   0x40            Si7021 (host/sim/si7021.ts)
 *   0x76            BME688 (host/sim/bme680.ts, variant id 0x01)
 *   0x77            BME680 (host/sim/bme680.ts)
 * (a sensor configured as "bme680" or "bme688" works with either chip: sensor_info{chip} says which one answered)
 * Readings drift smoothly with time (seeded by address, so two runs show the same curves).
 * `host/io/i2c.ts` installs this on the default bus unless the environment has MODDABLE_PROMETHEUS_SIM=off;
 * tests that want an empty bus call `defaultBus.reset()`, which removes it.
 */
import { defaultBus, type SimBus, type SimDevice } from "./bus";
import { Si7021Sim } from "./si7021";
import { Bme680Sim, VARIANT_BME680, VARIANT_BME688 } from "./bme680";
import { SENSOR_MODELS } from "../../sensors/models";

export function simulatorFor(address: number): SimDevice | undefined {
  if (SENSOR_MODELS.si7021.addresses.includes(address)) return new Si7021Sim({ address, seed: address });
  if (SENSOR_MODELS.bme680.addresses.includes(address))
    return new Bme680Sim({ address, variantId: address === 0x76 ? VARIANT_BME688 : VARIANT_BME680 });
  return undefined;
}

export function installSimulators(bus: SimBus = defaultBus): void {
  bus.autoAttach = simulatorFor;
}
