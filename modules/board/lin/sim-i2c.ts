/**
 * `embedded:io/i2c` for the Moddable simulator, which has no I2C: the project's register-level chip simulators
 * (host/sim/*, plain TypeScript that runs on XS as well as on Node) on a SimBus, behind a small ECMA-419 I2C class
 * (write/read with the stop flag, NACK = exception, close).
 * For each sensor in the configuration whose model has a simulator (si7021; bme680 and bme688, simulated as the chip
 * the name says), a simulated chip is attached at its address, with readings that drift slowly over time. Mapped on lin only (i2c-shim.js, manifest.json).
 */
import config from "mc/config";
import { SimBus } from "../../../host/sim/bus";
import Si7021Sim from "../../../host/sim/si7021";
import Bme680Sim, { VARIANT_BME680, VARIANT_BME688 } from "../../../host/sim/bme680";
import { builtInModel } from "../../../sensors/models";

// Created, and the simulated chips attached, when the first I2C is opened (at run time): built while this module is
// preloaded, the bus's maps and the chips' register files would be in ROM, read-only.
let bus: SimBus | undefined;

type Bufferish = ArrayBuffer | ArrayBufferView;

function bytesOf(buffer: Bufferish): Uint8Array {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return new Uint8Array(buffer);
}

class I2C {
  #open = true;
  readonly #address: number;
  readonly #bus: SimBus;
  constructor(options: { data: number; clock: number; hz: number; address: number; port?: number }) {
    const { address, hz } = options;
    if (!Number.isInteger(address) || address < 0 || address > 0x7f) throw new RangeError("invalid address");
    if (!(hz > 0)) throw new RangeError("invalid hz");
    this.#address = address;
    this.#bus = bus ??= attachSimulators(new SimBus());
  }
  write(buffer: Bufferish, stop = true): void {
    if (!this.#open) throw new Error("closed");
    if (!this.#bus.write(this.#address, bytesOf(buffer).slice(), stop)) throw new Error("write failed");
  }
  read(what: number | Bufferish, stop = true): ArrayBuffer | undefined {
    if (!this.#open) throw new Error("closed");
    const count = typeof what === "number" ? what : bytesOf(what).length;
    const data = this.#bus.read(this.#address, count, stop);
    if (!data) throw new Error("read failed");
    if (typeof what === "number") return data.slice().buffer as ArrayBuffer;
    bytesOf(what).set(data);
    return undefined;
  }
  close(): void {
    this.#open = false;
  }
}

function attachSimulators(bus: SimBus): SimBus {
  let sensors: unknown = (config as Record<string, unknown>).sensors;
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

export default I2C;
