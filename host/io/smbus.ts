/**
 * Host (Node) implementation of ECMA-419 `embedded:io/smbus` on the simulated bus: the I2C class (host/io/i2c.ts by
 * default; `smbusOn(I2C)` for another, e.g. a test's own bus) plus SMBus register access, as many of Moddable's catalogue sensor drivers use (`io: device.io.SMBus`). Register reads write the
 * register number and read back with a repeated start (or with a stop in between when constructed with
 * `stop: true`); 16-bit values are little-endian unless `bigEndian` is true. A NACK throws an Error.
 */
import I2C from "./i2c";
import type { I2COptions, SimulatedI2C } from "../../simulators/i2c";

type Bufferish = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

function bytesOf(buffer: Bufferish): Uint8Array {
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return new Uint8Array(buffer);
}

function checkByte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff)
    throw new RangeError(`SMBus: invalid ${what} ${String(value)}`);
  return value;
}

/** The SMBus class over an I2C class. */
export function smbusOn(I2C: SimulatedI2C) {
  return class SMBus extends I2C {
    readonly #stop: boolean;

    constructor(options: I2COptions & { stop?: boolean }) {
      super(options);
      this.#stop = options.stop === true;
    }

    #select(register: number): void {
      this.write(Uint8Array.of(checkByte(register, "register")), this.#stop);
    }

    readUint8(register: number): number {
      this.#select(register);
      return new Uint8Array(this.read(1))[0];
    }

    writeUint8(register: number, value: number): void {
      this.write(Uint8Array.of(checkByte(register, "register"), checkByte(value, "value")));
    }

    readUint16(register: number, bigEndian = false): number {
      this.#select(register);
      const b = new Uint8Array(this.read(2));
      return bigEndian ? (b[0] << 8) | b[1] : b[0] | (b[1] << 8);
    }

    writeUint16(register: number, value: number, bigEndian = false): void {
      if (!Number.isInteger(value) || value < 0 || value > 0xffff)
        throw new RangeError(`SMBus: invalid value ${String(value)}`);
      const hi = value >> 8;
      const lo = value & 0xff;
      this.write(Uint8Array.of(checkByte(register, "register"), bigEndian ? hi : lo, bigEndian ? lo : hi));
    }

    readBuffer(register: number, what: number | Bufferish): ArrayBuffer | undefined {
      this.#select(register);
      if (typeof what === "number") return this.read(what);
      this.read(what);
      return undefined;
    }

    writeBuffer(register: number, buffer: Bufferish): void {
      const data = bytesOf(buffer);
      const out = new Uint8Array(data.length + 1);
      out[0] = checkByte(register, "register");
      out.set(data, 1);
      this.write(out);
    }

    sendByte(command: number): void {
      this.write(Uint8Array.of(checkByte(command, "command")));
    }

    receiveByte(): number {
      return new Uint8Array(this.read(1))[0];
    }

    writeQuick(): void {
      this.write(new Uint8Array(0));
    }

    readQuick(): void {
      this.read(0);
    }
  };
}

const SMBus = smbusOn(I2C);
export default SMBus;
