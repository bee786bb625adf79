/** The host's `embedded:io/i2c` (host/io/i2c.ts): the simulated I2C class with one bus per port, and plug-and-play
 *  chips on the default bus for `npm start`. (The class itself: tests/simulators/i2c.test.ts.) */
import I2C, { busForPort, defaultBus } from "../../host/io/i2c";
import { SimBus } from "../../simulators/bus";
import { simulatorFor } from "../../simulators/devices";

const pins = { data: 13, clock: 16, hz: 100_000 };

test("no port and port 0 are the default bus; every other port is a bus of its own", () => {
  expect(busForPort()).toBe(defaultBus);
  expect(busForPort(0)).toBe(defaultBus);
  const seven = busForPort(7);
  expect(seven).toBeInstanceOf(SimBus);
  expect(seven).not.toBe(defaultBus);
  expect(busForPort(7)).toBe(seven);
  const seen: number[] = [];
  seven.trace = (t) => seen.push(t.address);
  expect(() => new I2C({ ...pins, address: 0x51, port: 7 }).read(1)).toThrow(/NACK/);
  expect(seen).toEqual([0x51]);
  seven.trace = undefined;
});

test("the default bus has the plug-and-play simulators installed (npm start)", () => {
  expect(defaultBus.autoAttach).toBe(simulatorFor);
});
