/**
 * Simulated I2C buses of a test's own (no bus is shared between tests or files, and the host's `embedded:io/i2c`
 * bus is not used): `buses.fresh()` in a beforeEach gives each test new, empty buses. `buses.I2C` is the ECMA-419 I2C
 * class (simulators/i2c.ts) on them: no port or port 0 is `buses.bus`, another port `buses.port(n)`. An I2C instance
 * keeps the bus it was opened on.
 */
import { SimBus } from "../../simulators/bus";
import { simulatedI2C } from "../../simulators/i2c";

export class TestBuses {
  #bus = new SimBus();
  #ports = new Map<number, SimBus>();
  readonly I2C = simulatedI2C((port) => this.port(port));

  /** the bus of port 0 (no port) */
  get bus(): SimBus {
    return this.#bus;
  }

  /** the bus of an ECMA-419 `port` */
  port(n?: number): SimBus {
    if (n === undefined || n === 0) return this.#bus;
    let bus = this.#ports.get(n);
    if (!bus) {
      bus = new SimBus();
      this.#ports.set(n, bus);
    }
    return bus;
  }

  /** New, empty buses (for the next test). */
  fresh(): void {
    this.#bus = new SimBus();
    this.#ports = new Map();
  }
}
