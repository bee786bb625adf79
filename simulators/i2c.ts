/**
 * The ECMA-419 `embedded:io/i2c` I/O class on a simulated bus (simulators/bus.ts), written once for every place that
 * simulates I2C: the Node host (`host/io/i2c.ts`: one bus per port), the Moddable simulator firmware
 * (`modules/board/lin/sim-i2c.ts`: the chips of the configuration) and the tests (a bus of their own each).
 * `simulatedI2C(busFor)` returns the class; `busFor(port)` says which bus an instance talks to.
 *
 * Semantics follow ECMA-419 and Moddable's ESP32 implementation:
 *  - the constructor validates its options but does not probe the device (an absent device fails on first transfer);
 *  - `write(buffer, stop = true)` sends the bytes; a NACK throws an Error (as the device implementation does);
 *  - `read(count, stop = true)` returns a new ArrayBuffer of `count` bytes; `read(buffer, stop = true)` fills the
 *    given buffer (ArrayBuffer or view) and returns undefined: driver code should not depend on that return value,
 *    because the typings of @moddable/typings 5.6.0 and of the Moddable SDK disagree about it;
 *  - `close()` releases the instance; any later call throws.
 * Device-safe: ECMAScript only (the simulator firmware compiles it).
 */
import type { SimBus } from "./bus";

type Bufferish = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

export interface I2COptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
  format?: "buffer";
  target?: unknown;
  [other: string]: unknown;
}

function bytesOf(buffer: Bufferish): Uint8Array {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer) return new Uint8Array(buffer);
  throw new TypeError("I2C: buffer expected");
}

/** The I2C class whose instances talk to `busFor(options.port)`. */
export function simulatedI2C(busFor: (port: number | undefined) => SimBus) {
  return class I2C {
    #bus: SimBus | undefined;
    readonly #address: number;
    readonly target: unknown;

    constructor(options: I2COptions) {
      if (options === null || typeof options !== "object") throw new TypeError("I2C: options object required");
      const { address, hz, data, clock } = options;
      if (!Number.isInteger(address) || address < 0 || address > 0x7f)
        throw new RangeError(`I2C: invalid address ${String(address)}`);
      if (typeof hz !== "number" || !(hz > 0) || hz > 5_000_000) throw new RangeError(`I2C: invalid hz ${String(hz)}`);
      if (!Number.isInteger(data) || data < 0) throw new RangeError(`I2C: invalid data pin ${String(data)}`);
      if (!Number.isInteger(clock) || clock < 0) throw new RangeError(`I2C: invalid clock pin ${String(clock)}`);
      if (data === clock) throw new RangeError("I2C: data and clock must be different pins");
      if (options.format !== undefined && options.format !== "buffer") throw new RangeError("I2C: unsupported format");
      this.#address = address;
      this.#bus = busFor(options.port);
      this.target = options.target;
    }

    get format(): "buffer" {
      return "buffer";
    }
    set format(value: "buffer") {
      if (value !== "buffer") throw new RangeError("I2C: unsupported format");
    }

    get resolution(): number {
      return 8;
    }

    #open(): SimBus {
      if (!this.#bus) throw new Error("I2C: closed");
      return this.#bus;
    }

    write(buffer: Bufferish, stop: boolean = true): void {
      const bus = this.#open();
      const bytes = bytesOf(buffer);
      if (!bus.write(this.#address, bytes, stop !== false))
        throw new Error(`I2C write failed: NACK from 0x${this.#address.toString(16)}`);
    }

    read(count: number, stop?: boolean): ArrayBuffer;
    read(buffer: Bufferish, stop?: boolean): undefined;
    read(what: number | Bufferish, stop: boolean = true): ArrayBuffer | undefined {
      const bus = this.#open();
      if (typeof what === "number") {
        if (!Number.isInteger(what) || what < 0 || what > 65535) throw new RangeError("I2C: invalid byte count");
        const got = bus.read(this.#address, what, stop !== false);
        if (got === null) throw new Error(`I2C read failed: NACK from 0x${this.#address.toString(16)}`);
        const out = new ArrayBuffer(what);
        new Uint8Array(out).set(got);
        return out;
      }
      const target = bytesOf(what);
      const got = bus.read(this.#address, target.length, stop !== false);
      if (got === null) throw new Error(`I2C read failed: NACK from 0x${this.#address.toString(16)}`);
      target.set(got);
      return undefined;
    }

    close(): void {
      this.#bus = undefined;
    }
  };
}

/** An I2C class made by simulatedI2C. */
export type SimulatedI2C = ReturnType<typeof simulatedI2C>;
