/**
 * Which simulated chip sits where.
 *
 * `npm start` (host/io/i2c.ts): with `installSimulators(bus)`, the first access to a datasheet address on the bus
 * finds a simulated chip there, whatever the sensor list in the configuration says (addresses: sensors/models.ts):
 *   0x40            Si7021 (simulators/si7021.ts)
 *   0x76            BME688 (simulators/bme680.ts, variant id 0x01)
 *   0x77            BME680 (simulators/bme680.ts)
 * (a sensor configured as "bme680" or "bme688" works with either chip: sensor_info{chip} says which one answered)
 * Readings drift smoothly with time (seeded by address, so two runs show the same curves).
 *
 * The simulator firmware (modules/board/lin/sim-i2c.ts): `attachConfigured(bus, sensors)` attaches, for each sensor
 * of the configuration whose model has a simulator (si7021; bme680 and bme688, simulated as the chip the name says),
 * a simulated chip at its address.
 * Device-safe: ECMAScript only (the simulator firmware compiles it).
 */
import type { SimBus, SimDevice } from "./bus";
import { Si7021Sim } from "./si7021";
import { Bme680Sim, VARIANT_BME680, VARIANT_BME688 } from "./bme680";
import { SENSOR_MODELS, builtInModel } from "../sensors/models";

export function simulatorFor(address: number): SimDevice | undefined {
  if (SENSOR_MODELS.si7021.addresses.includes(address)) return new Si7021Sim({ address, seed: address });
  if (SENSOR_MODELS.bme680.addresses.includes(address))
    return new Bme680Sim({ address, variantId: address === 0x76 ? VARIANT_BME688 : VARIANT_BME680 });
  return undefined;
}

/** Plug-and-play: a simulated chip appears at each datasheet address on first access (`bus.reset()` undoes it). */
export function installSimulators(bus: SimBus): void {
  bus.autoAttach = simulatorFor;
}

/** Attach a simulated chip for each configured sensor (`sensors`: the configuration's list, or its JSON text as an
 *  mcconfig override gives it); entries without a simulator or with a bad address are left out. Returns the bus. */
export function attachConfigured(bus: SimBus, sensors: unknown): SimBus {
  if (typeof sensors === "string") {
    try {
      sensors = JSON.parse(sensors);
    } catch {
      sensors = [];
    }
  }
  if (!Array.isArray(sensors)) return bus;
  for (const s of sensors as { model?: unknown; address?: unknown }[]) {
    const address = typeof s.address === "string" ? Number(s.address) : s.address;
    if (typeof address !== "number" || !Number.isInteger(address)) continue;
    try {
      const model = builtInModel(s.model);
      if (model === "si7021") bus.attach(new Si7021Sim({ address }));
      else if (model === "bme680" || model === "bme688")
        bus.attach(new Bme680Sim({ address, variantId: model === "bme688" ? VARIANT_BME688 : VARIANT_BME680 }));
    } catch {
      // address already taken by another simulated chip: the driver will see that chip (or a NACK)
    }
  }
  return bus;
}
