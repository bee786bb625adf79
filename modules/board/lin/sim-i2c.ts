/**
 * `embedded:io/i2c` for the Moddable simulator (`mcconfig -p lin`), which has no I2C: the simulated I2C class of
 * simulators/i2c.ts on a bus with a register-level simulated chip for each configured sensor that has one
 * (simulators/devices.ts attachConfigured; readings drift slowly over time). Mapped on lin only (manifest.json,
 * platforms.lin, which also names the simulators/ modules).
 */
import config from "mc/config";
import { SimBus } from "simulators/bus";
import { attachConfigured } from "simulators/devices";
import { simulatedI2C } from "simulators/i2c";

// Created, and the simulated chips attached, when the first I2C is opened (at run time): built while this module is
// preloaded, the bus's maps and the chips' register files would be in ROM, read-only.
let bus: SimBus | undefined;

const I2C = simulatedI2C(() => (bus ??= attachConfigured(new SimBus(), (config as Record<string, unknown>).sensors)));
export default I2C;
