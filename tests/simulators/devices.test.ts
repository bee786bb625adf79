/** Which simulated chip sits where (simulators/devices.ts): plug-and-play for `npm start`, and the configured chips
 *  of the simulator firmware. */
import { SimBus } from "../../simulators/bus";
import { Bme680Sim, VARIANT_BME680, VARIANT_BME688 } from "../../simulators/bme680";
import { attachConfigured, installSimulators } from "../../simulators/devices";
import { simulatedI2C } from "../../simulators/i2c";
import { Si7021Sim } from "../../simulators/si7021";

const pins = { data: 13, clock: 16, hz: 100_000 };

describe("plug-and-play simulators (npm start)", () => {
  test("installSimulators: chips appear at their datasheet addresses on first access, once", () => {
    const bus = new SimBus();
    const I2C = simulatedI2C(() => bus);
    installSimulators(bus);
    const si = new I2C({ ...pins, address: 0x40 });
    si.write(Uint8Array.of(0xe7));
    expect([...new Uint8Array(si.read(1))]).toEqual([0x3a]); // Si7021 user register reset value
    expect(bus.device(0x40)).toBeInstanceOf(Si7021Sim);
    const bme = new I2C({ ...pins, address: 0x77 });
    bme.write(Uint8Array.of(0xd0));
    expect([...new Uint8Array(bme.read(1))]).toEqual([0x61]); // BME680 chip id
    expect(bus.device(0x77)).toBeInstanceOf(Bme680Sim);
    expect(() => new I2C({ ...pins, address: 0x23 }).read(1)).toThrow(/NACK/);
    // a detached chip stays detached
    bus.detach(0x40);
    expect(() => si.read(1)).toThrow(/NACK/);
    bus.reset();
    expect(bus.autoAttach).toBeUndefined();
  });
});

describe("configured simulators (the simulator firmware)", () => {
  test("attachConfigured: a chip per configured sensor with a simulator, as the model name says", () => {
    const bus = attachConfigured(new SimBus(), [
      { model: "si7021", address: 0x40 },
      { model: "bme688", address: "0x76" },
      { model: "bme680", address: 119 },
      { model: "tmp117", address: 0x48 }, // no simulator
      { model: "si7021", address: "forty" }, // bad address: left out
    ]);
    expect(bus.addresses).toEqual([0x40, 0x76, 0x77]);
    const variant = (address: number) => {
      const I2C = simulatedI2C(() => bus);
      const io = new I2C({ ...pins, address });
      io.write(Uint8Array.of(0xf0));
      return new Uint8Array(io.read(1))[0];
    };
    expect([variant(0x76), variant(0x77)]).toEqual([VARIANT_BME688, VARIANT_BME680]);
  });
  test("the list as JSON text (an mcconfig override), and bad input attaches nothing", () => {
    expect(attachConfigured(new SimBus(), '[{"model":"si7021","address":64}]').addresses).toEqual([0x40]);
    expect(attachConfigured(new SimBus(), "not json").addresses).toEqual([]);
    expect(attachConfigured(new SimBus(), { model: "si7021" }).addresses).toEqual([]);
  });
});
